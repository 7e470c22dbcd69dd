import { canPauseQueues, type QueueStats } from "@troupe/core";
import type { ActorStats, ActorStatsBucket } from "../../status/status-store.js";
import type { DashboardContext, RouteRequest } from "../dashboard-context.js";
import { html, type SafeHtml } from "../html.js";
import { redactSecrets } from "../secrets.js";
import { chart } from "../svg-chart.js";
import { csrfField, enc, layout } from "./layout.js";

/** How often the counts refresh, ms: the issue asks for at least every 2 s. */
export const COUNTS_REFRESH_MS = 2_000;
/** How often the charts refresh, ms: a stats bucket is 10 s wide. */
const CHARTS_REFRESH_MS = 10_000;
/** The charts' window. */
const CHART_WINDOW_MS = 15 * 60_000;

type Row = { queueName: string; stats?: QueueStats; error?: string; paused: boolean };

async function rows(context: DashboardContext): Promise<Row[]> {
  const names = await context.queueNames();
  const broker = context.broker;
  const paused = canPauseQueues(broker) ? new Set(await broker.pausedQueues().catch(() => [])) : new Set<string>();
  return Promise.all(
    names.map(async (queueName) => {
      try {
        return { queueName, stats: await broker.queueStats(queueName), paused: paused.has(queueName) };
      } catch (error) {
        return { queueName, error: redactSecrets(String((error as Error)?.message ?? error)), paused: paused.has(queueName) };
      }
    }),
  );
}

const count = (value: number | undefined) => (value === undefined ? "—" : String(value));

/** The counts table: refreshed in place by the page's script. */
export async function queueTable(context: DashboardContext, request: RouteRequest): Promise<SafeHtml> {
  const base = context.base;
  const pausable = canPauseQueues(context.broker);
  const all = await rows(context);
  if (all.length === 0) return html`<p class="empty">No queues known yet: declare actors on the broker, or pass <code>queues</code>.</p>`;
  const body = all.map((row) => {
    const stats = row.stats;
    const action = !pausable
      ? html`<span class="muted" title="this broker cannot pause queues">—</span>`
      : html`<form method="post" action="${base}queues/${row.paused ? "resume" : "pause"}">${csrfField(request)}<input type="hidden" name="queue" value="${row.queueName}"><button type="submit" data-action="${row.paused ? "resume" : "pause"}">${row.paused ? "Resume" : "Pause"}</button></form>`;
    return html`<tr data-queue="${row.queueName}">
<th scope="row"><a href="${base}search?queue=${enc(row.queueName)}">${row.queueName}</a></th>
${
  stats
    ? html`<td data-stat="ready">${stats.ready}</td><td data-stat="delayed">${stats.delayed}</td><td data-stat="in-flight">${count(stats.inFlight)}</td><td data-stat="dead-letters"><a href="${base}dead-letters?queue=${enc(row.queueName)}">${stats.deadLetters}</a></td>`
    : html`<td colspan="4" class="error">${row.error}</td>`
}
<td data-stat="state">${row.paused ? html`<span class="badge paused">paused</span>` : html`<span class="badge">running</span>`}</td>
<td>${action}</td>
</tr>`;
  });
  return html`<table class="queues">
<thead><tr><th scope="col">Queue</th><th scope="col">Ready</th><th scope="col">Delayed</th><th scope="col">In flight</th><th scope="col">Dead letters</th><th scope="col">State</th><th scope="col"></th></tr></thead>
<tbody>${body}</tbody>
</table>`;
}

/** A duration for people: 0.27 ms, 3.9 ms, 118 ms, 2.4 s. */
export function ms(value: number): string {
  if (value >= 1000) return `${(value / 1000).toFixed(1)} s`;
  return `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ms`;
}

/** A rate for people: 0.25, 3.5, 105 msg/s. */
function rate(perSecond: number): string {
  return `${perSecond >= 100 ? perSecond.toFixed(0) : perSecond >= 10 ? perSecond.toFixed(1) : perSecond.toFixed(2)} msg/s`;
}

/**
 * Runs per second in each bucket. The last bucket is the one in progress: its runs are
 * divided by the time it has run so far (at least a second), not by its full width, or a
 * bucket 1 s old would show a tenth of the real rate.
 */
function bucketRates(buckets: readonly ActorStatsBucket[], bucketMs: number, now: number, of: (b: ActorStatsBucket) => number): number[] {
  return buckets.map((bucket) => {
    const elapsed = Math.min(bucketMs, Math.max(1_000, now - bucket.at));
    return (of(bucket) * 1000) / elapsed;
  });
}

function actorCharts(actor: ActorStats, bucketMs: number, now: number): SafeHtml {
  const { total } = actor;
  const processed = bucketRates(actor.buckets, bucketMs, now, (b) => b.processed);
  const latest = processed.length === 0 ? 0 : processed[processed.length - 1];
  return html`<figure class="actor" data-actor="${actor.actorName}">
<figcaption><strong>${actor.actorName}</strong> <span class="muted">${total.processed} run(s), ${total.failed} failed · <span data-stat="rate">${rate(latest)}</span> now · p50 ${ms(total.p50)} · p95 ${ms(total.p95)} · p99 ${ms(total.p99)}</span></figcaption>
${chart({
  title: `${actor.actorName}: throughput`,
  unit: "msg/s",
  kind: "bars",
  from: "-15 min",
  series: [
    { name: "processed", className: "s1", values: processed },
    { name: "failed", className: "s4", values: bucketRates(actor.buckets, bucketMs, now, (b) => b.failed) },
  ],
})}
${chart({
  title: `${actor.actorName}: processing time`,
  unit: "ms",
  kind: "lines",
  from: "-15 min",
  series: [
    { name: "p50", className: "s1", values: actor.buckets.map((b) => b.p50) },
    { name: "p95", className: "s2", values: actor.buckets.map((b) => b.p95) },
    { name: "p99", className: "s3", values: actor.buckets.map((b) => b.p99) },
  ],
})}
</figure>`;
}

/** Throughput and p50/p95/p99 per actor over the last 15 minutes, from the status store. */
export async function chartsFragment(context: DashboardContext): Promise<SafeHtml> {
  const report = await context.store.actorStats({ sinceMs: CHART_WINDOW_MS });
  if (report.actors.length === 0) return html`<p class="empty">No runs recorded in the last 15 minutes.</p>`;
  const now = Date.now();
  return html`${report.actors.map((actor) => actorCharts(actor, report.bucketMs, now))}`;
}

/** The queues page: live counts, pause/resume, and the per-actor charts. */
export async function queuesPage(context: DashboardContext, request: RouteRequest): Promise<SafeHtml> {
  const base = context.base;
  const [table, charts] = await Promise.all([queueTable(context, request), chartsFragment(context)]);
  return layout(
    context,
    request,
    "Queues",
    html`<h1>Queues</h1>
<section id="queue-counts" data-refresh="${base}fragments/queues" data-interval="${COUNTS_REFRESH_MS}" aria-live="polite">${table}</section>
<h2>Actors <span class="muted">last 15 minutes</span></h2>
<section id="actor-charts" class="charts" data-refresh="${base}fragments/charts" data-interval="${CHARTS_REFRESH_MS}">${charts}</section>`,
  );
}
