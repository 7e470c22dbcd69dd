import { Counter, Gauge, Histogram, Registry, Summary } from "prom-client";
import { describe, expect, it } from "vitest";
import { parseExposition, sumOf } from "./support/exposition-format.js";

// The scrape tests lean on this parser to prove the output is valid: it must reject what Prometheus rejects.
describe("the strict exposition parser used by the tests", () => {
  it("reads prom-client's output for every metric type", async () => {
    const registry = new Registry();
    const registers = [registry];
    new Counter({ name: "c_total", help: "a \\ counter\nwith two lines", labelNames: ["q"], registers }).inc(
      { q: 'a "quoted"\\ value' },
      2,
    );
    new Gauge({ name: "g", help: "a gauge", registers }).set(-1.5);
    new Histogram({ name: "h", help: "a histogram", buckets: [1, 10], registers }).observe(5);
    new Summary({ name: "s", help: "a summary", percentiles: [0.5], registers }).observe(3);
    const families = parseExposition(await registry.metrics());
    expect([...families.values()].map((family) => [family.name, family.type])).toEqual([
      ["c_total", "counter"],
      ["g", "gauge"],
      ["h", "histogram"],
      ["s", "summary"],
    ]);
    expect(sumOf(families, "c_total", { q: 'a "quoted"\\ value' })).toBe(2);
    expect(sumOf(families, "g")).toBe(-1.5);
    expect(sumOf(families, "h_bucket", { le: "10" })).toBe(1);
  });

  it.each([
    ["a missing final newline", "# TYPE a gauge\na 1"],
    ["an invalid metric name", "# TYPE 1a gauge\n1a 1\n"],
    ["an invalid label name", '# TYPE a gauge\na{1x="v"} 1\n'],
    ["an unescaped quote in a label value", '# TYPE a gauge\na{x="v"v"} 1\n'],
    ["an invalid value", "# TYPE a gauge\na 1,5\n"],
    ["a duplicate series", '# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n'],
    ["TYPE after samples", "a 1\n# TYPE a gauge\n"],
    ["a second HELP", "# HELP a one\n# HELP a two\na 1\n"],
    ["an unknown type", "# TYPE a thing\na 1\n"],
    ["a family split in two", '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="y"} 1\n'],
    ["a histogram without +Inf", '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    ["non-cumulative buckets", '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
    ["a +Inf bucket that differs from _count", '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 2\n'],
  ])("rejects %s", (_why, text) => {
    expect(() => parseExposition(text)).toThrow();
  });
});
