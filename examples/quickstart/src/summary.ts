import type { ActorStats } from "./stats-middleware.js";

/** The value below which `fraction` of the sorted values fall (nearest rank). */
function percentile(sorted: readonly number[], fraction: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

const ms = (value: number | undefined) => (value === undefined ? "–" : `${Math.round(value)} ms`);

/** One row per actor and a total row: counts, and enqueue → finish latency percentiles. */
export function summaryTable(byActor: ReadonlyMap<string, ActorStats>, elapsedMs: number): string {
  const header = ["actor", "processed", "retried", "dead-lettered", "p50", "p99"];
  const rows: string[][] = [];
  const all: number[] = [];
  const totals = { processed: 0, retried: 0, deadLettered: 0 };
  const row = (name: string, processed: number, retried: number, dead: number, latencies: number[]) => {
    const sorted = [...latencies].sort((a, b) => a - b);
    return [name, String(processed), String(retried), String(dead), ms(percentile(sorted, 0.5)), ms(percentile(sorted, 0.99))];
  };
  for (const [name, stats] of [...byActor].sort(([a], [b]) => a.localeCompare(b))) {
    const processed = stats.succeeded + stats.deadLettered;
    rows.push(row(name, processed, stats.retried, stats.deadLettered, stats.latencies));
    totals.processed += processed;
    totals.retried += stats.retried;
    totals.deadLettered += stats.deadLettered;
    all.push(...stats.latencies);
  }
  const total = row("total", totals.processed, totals.retried, totals.deadLettered, all);
  const widths = header.map((_, i) => Math.max(...[header, ...rows, total].map((cells) => cells[i].length)));
  // Names align left, numbers right, as in any table of figures.
  const format = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  const rule = widths.map((width) => "─".repeat(width)).join("  ");
  const rate = Math.round((totals.processed / elapsedMs) * 1000);
  return [
    format(header),
    rule,
    ...rows.map(format),
    rule,
    format(total),
    "",
    `total time ${(elapsedMs / 1000).toFixed(2)} s (${rate} msg/s)`,
  ].join("\n");
}
