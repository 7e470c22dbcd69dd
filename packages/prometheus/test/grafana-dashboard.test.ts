import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Prometheus } from "@troupe/prometheus";
import { describe, expect, it } from "vitest";
import { parseExposition } from "./support/exposition-format.js";

const here = dirname(fileURLToPath(import.meta.url));

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}

const dashboard = JSON.parse(readFileSync(join(here, "..", "grafana-dashboard.json"), "utf8")) as {
  panels: Panel[];
  templating: { list: { definition?: string }[] };
};
const expressions = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));

/** Every sample name the middleware can expose under the default prefix. */
async function exportedSampleNames(): Promise<Set<string>> {
  const families = parseExposition(await new Prometheus({ port: 0 }).metricsText());
  const names = new Set<string>();
  for (const family of families.values()) {
    const suffixes = family.type === "histogram" ? ["_bucket", "_sum", "_count"] : [""];
    for (const suffix of suffixes) names.add(`${family.name}${suffix}`);
  }
  return names;
}

describe("the Grafana dashboard", () => {
  it("queries only metrics the middleware exports", async () => {
    const exported = await exportedSampleNames();
    const queries = [...expressions, ...dashboard.templating.list.flatMap((variable) => variable.definition ?? [])];
    const used = new Set(queries.flatMap((query) => query.match(/\bdramatiq_[a-z_]+/g) ?? []));
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
  });

  it("covers throughput, errors, latency percentiles from the duration buckets, and queue depth", () => {
    expect(expressions.some((expr) => /rate\(dramatiq_messages_total\{/.test(expr))).toBe(true);
    expect(expressions.some((expr) => /rate\(dramatiq_message_errors_total\{/.test(expr))).toBe(true);
    const quantiles = expressions.flatMap(
      (expr) =>
        /^histogram_quantile\((0\.\d+), sum by \(le, actor_name\) \(rate\(dramatiq_message_duration_milliseconds_bucket\{/.exec(
          expr,
        )?.[1] ?? [],
    );
    expect(quantiles).toEqual(["0.5", "0.95", "0.99"]);
    for (const depth of ["dramatiq_queue_ready_messages", "dramatiq_queue_delayed_messages", "dramatiq_queue_dead_letter_messages"]) {
      expect(expressions.some((expr) => expr.includes(depth))).toBe(true);
    }
  });
});
