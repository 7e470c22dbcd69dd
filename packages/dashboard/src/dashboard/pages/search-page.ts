import { MESSAGE_STATES, type MessageState, type StatusQuery, type StatusRecord } from "../../status/status-store.js";
import type { DashboardContext, RouteRequest } from "../dashboard-context.js";
import { html, type SafeHtml } from "../html.js";
import { redirect } from "../http.js";
import { redactSecrets } from "../secrets.js";
import { enc, formatTime, layout } from "./layout.js";

const RANGES: Record<string, number> = { "15m": 15 * 60_000, "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000 };

/** A `datetime-local` value, read as UTC (the page says so): the server cannot know the browser's zone. */
function utc(value: string | null): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

function queryOf(params: URLSearchParams): StatusQuery {
  const query: StatusQuery = { limit: 50 };
  const text = (name: string) => params.get(name)?.trim() || undefined;
  query.actorName = text("actor");
  query.queueName = text("queue");
  const state = text("state");
  if (state && (MESSAGE_STATES as readonly string[]).includes(state)) query.state = state as MessageState;
  const range = RANGES[params.get("since") ?? ""];
  query.from = utc(params.get("from")) ?? (range === undefined ? undefined : Date.now() - range);
  query.to = utc(params.get("to"));
  query.cursor = text("cursor");
  return query;
}

/** A record as one table row. */
export function recordRow(context: DashboardContext, record: StatusRecord): SafeHtml {
  const args = record.args.length > 120 ? `${record.args.slice(0, 120)}…` : record.args;
  return html`<tr data-message-id="${record.messageId}">
<td><a class="mono" href="${context.base}messages/${enc(record.messageId)}">${record.messageId}</a></td>
<td>${record.actorName}</td><td>${record.queueName}</td>
<td><span class="badge state-${record.state}">${record.state}</span></td>
<td>${formatTime(record.createdAt)}</td><td>${formatTime(record.updatedAt)}</td>
<td>${record.retries}</td><td class="mono args">${args}</td>
</tr>`;
}

function option(value: string, label: string, selected: string | null): SafeHtml {
  return html`<option value="${value}"${value === selected ? html` selected` : ""}>${label}</option>`;
}

/** Search by message id (straight to its page), or by actor, queue, state and time range. */
export async function searchPage(context: DashboardContext, request: RouteRequest): Promise<SafeHtml | undefined> {
  const params = request.url.searchParams;
  const id = params.get("id")?.trim();
  let missing = false;
  if (id) {
    if (await context.store.get(id)) {
      redirect(request.res, `${context.base}messages/${enc(id)}`);
      return undefined;
    }
    missing = true;
  }
  const filtered = ["actor", "queue", "state", "since", "from", "to"].some((name) => params.get(name));
  let results: SafeHtml = html``;
  if (filtered || !id) {
    try {
      const page = await context.store.search(queryOf(params));
      const next = new URLSearchParams(params);
      if (page.next) next.set("cursor", page.next);
      results = page.records.length
        ? html`<table class="records">
<thead><tr><th>Message id</th><th>Actor</th><th>Queue</th><th>State</th><th>Created</th><th>Updated</th><th>Retries</th><th>Arguments</th></tr></thead>
<tbody>${page.records.map((record) => recordRow(context, record))}</tbody></table>
${page.next ? html`<p><a class="next" href="${context.base}search?${next.toString()}">Next page</a></p>` : ""}`
        : html`<p class="empty">No matching records.</p>`;
    } catch (error) {
      results = html`<p class="error">${redactSecrets(String((error as Error)?.message ?? error))}</p>`;
    }
  }
  const actors = [...new Set([...context.broker.actors.keys()])].sort();
  const queues = await context.queueNames();
  const value = (name: string) => params.get(name) ?? "";
  return layout(
    context,
    request,
    "Search",
    html`<h1>Search</h1>
<form method="get" action="${context.base}search" class="search by-id">
<label>Message id <input type="search" name="id" value="${id ?? ""}" placeholder="e.g. 1f0c…" autocomplete="off" spellcheck="false"></label>
<button type="submit">Find</button>
</form>
${missing ? html`<p class="notice" role="status">No record of message <code>${id}</code> (never seen, or its record expired).</p>` : ""}
<form method="get" action="${context.base}search" class="search by-filter">
<label>Actor <input name="actor" list="actor-names" value="${value("actor")}"></label>
<datalist id="actor-names">${actors.map((name) => html`<option value="${name}"></option>`)}</datalist>
<label>Queue <select name="queue">${option("", "any", value("queue"))}${queues.map((name) => option(name, name, value("queue")))}</select></label>
<label>State <select name="state">${option("", "any", value("state"))}${MESSAGE_STATES.map((state) => option(state, state, value("state")))}</select></label>
<label>Created <select name="since">${option("", "any time", value("since"))}${Object.keys(RANGES).map((range) => option(range, `last ${range}`, value("since")))}</select></label>
<label>From (UTC) <input type="datetime-local" name="from" value="${value("from")}"></label>
<label>To (UTC) <input type="datetime-local" name="to" value="${value("to")}"></label>
<button type="submit">Search</button>
</form>
${results}`,
  );
}
