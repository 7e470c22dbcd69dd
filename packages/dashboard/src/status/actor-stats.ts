import type { ActorStats, ActorStatsBucket, ActorStatsReport, StatusEvent } from "./status-store.js";

/** Width of a stats bucket: 10 s. */
export const STATS_BUCKET_MS = 10_000;
/** How long stats buckets are kept: 1 hour. */
export const STATS_RETENTION = 3_600_000;

// Run times go into logarithmic bins 5% wide, so a percentile is within 2.5% of the true
// value whatever the scale (0.1 ms or 10 minutes) while a bucket stays a few dozen counters.
const LOG_GROWTH = Math.log(1.05);

/** The histogram bin of a run time. */
export function durationBin(ms: number): number {
  return ms > 0 ? Math.floor(Math.log1p(ms) / LOG_GROWTH) : 0;
}

/** The run time a bin stands for: the middle of its range. */
function binValue(bin: number): number {
  return Math.expm1((bin + 0.5) * LOG_GROWTH);
}

/** One actor's runs that ended in one stats bucket, as a store reads them back. */
export interface ActorStatsSample {
  /** Start of the bucket, ms. */
  at: number;
  /** The actor. */
  actorName: string;
  /** Runs that failed. */
  failed: number;
  /** Runs per duration bin. */
  bins: Map<number, number>;
}

/** The counters a batch of events adds: bucket start → field → increment. Fields: `<bin>:<actor>`, and `f:<actor>` for failures. */
export function statsIncrements(events: readonly StatusEvent[]): Map<number, Map<string, number>> {
  // Counted by bucket, actor and bin first, so the field names are made once per batch, not once per event.
  const counts = new Map<number, Map<string, Map<number | "f", number>>>();
  for (const event of events) {
    if (event.durationMs === undefined) continue;
    const at = Math.floor(event.transition.at / STATS_BUCKET_MS) * STATS_BUCKET_MS;
    let actors = counts.get(at);
    if (!actors) counts.set(at, (actors = new Map()));
    let bins = actors.get(event.actorName);
    if (!bins) actors.set(event.actorName, (bins = new Map()));
    const bin = durationBin(event.durationMs);
    bins.set(bin, (bins.get(bin) ?? 0) + 1);
    if (event.transition.state !== "succeeded") bins.set("f", (bins.get("f") ?? 0) + 1);
  }
  const increments = new Map<number, Map<string, number>>();
  for (const [at, actors] of counts) {
    const fields = new Map<string, number>();
    for (const [actorName, bins] of actors) for (const [bin, count] of bins) fields.set(`${bin}:${actorName}`, count);
    increments.set(at, fields);
  }
  return increments;
}

/** Reads one bucket's counters (as `statsIncrements` names them) back into samples. */
export function parseStatsFields(at: number, fields: Iterable<[string, number]>): ActorStatsSample[] {
  const byActor = new Map<string, ActorStatsSample>();
  for (const [field, count] of fields) {
    const colon = field.indexOf(":");
    const actorName = field.slice(colon + 1);
    let sample = byActor.get(actorName);
    if (!sample) byActor.set(actorName, (sample = { at, actorName, failed: 0, bins: new Map() }));
    const head = field.slice(0, colon);
    if (head === "f") sample.failed += count;
    else sample.bins.set(Number(head), (sample.bins.get(Number(head)) ?? 0) + count);
  }
  return [...byActor.values()];
}

/** The report of `actorStats`: every bucket from `from` to `to` for each actor seen, with percentiles. */
export function buildActorStats(samples: readonly ActorStatsSample[], from: number, to: number): ActorStatsReport {
  const byActor = new Map<string, Map<number, ActorStatsSample>>();
  for (const sample of samples) {
    let buckets = byActor.get(sample.actorName);
    if (!buckets) byActor.set(sample.actorName, (buckets = new Map()));
    buckets.set(sample.at, sample);
  }
  const actors: ActorStats[] = [];
  for (const [actorName, buckets] of [...byActor].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const all = new Map<number, number>();
    let failed = 0;
    const series: ActorStatsBucket[] = [];
    for (let at = from; at <= to; at += STATS_BUCKET_MS) {
      const sample = buckets.get(at);
      series.push({ at, ...summarize(sample?.bins ?? new Map(), sample?.failed ?? 0) });
      if (!sample) continue;
      failed += sample.failed;
      for (const [bin, count] of sample.bins) all.set(bin, (all.get(bin) ?? 0) + count);
    }
    actors.push({ actorName, total: summarize(all, failed), buckets: series });
  }
  return { bucketMs: STATS_BUCKET_MS, actors };
}

function summarize(bins: Map<number, number>, failed: number): Omit<ActorStatsBucket, "at"> {
  const sorted = [...bins].sort(([a], [b]) => a - b);
  let processed = 0;
  for (const [, count] of sorted) processed += count;
  const percentile = (p: number): number => {
    if (processed === 0) return 0;
    const rank = Math.ceil(p * processed);
    let seen = 0;
    for (const [bin, count] of sorted) {
      seen += count;
      if (seen >= rank) return binValue(bin);
    }
    return 0;
  };
  return { processed, failed, p50: percentile(0.5), p95: percentile(0.95), p99: percentile(0.99) };
}
