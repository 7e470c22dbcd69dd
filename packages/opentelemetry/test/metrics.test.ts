import { DataPointType, type MetricData } from "@opentelemetry/sdk-metrics";
import { actor, MemoryBroker, Worker } from "@troupe/core";
import { afterEach, describe, expect, it } from "vitest";
import { quietLogger, Telemetry } from "./support/telemetry.js";

const telemetry = new Telemetry();
afterEach(() => telemetry.spanExporter.reset());

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** The data points of a metric as `[attributes, value]`: sums as numbers, histograms as their counts. */
function points(metric: MetricData | undefined): [Record<string, unknown>, number][] {
  if (!metric) throw new Error("metric not reported");
  return metric.dataPoints
    .map((point): [Record<string, unknown>, number] => [
      point.attributes,
      typeof point.value === "number" ? point.value : (point.value as { count: number }).count,
    ])
    .sort((a, b) => JSON.stringify(a[0]).localeCompare(JSON.stringify(b[0])));
}

describe("messaging metrics", () => {
  it("reports the four standard metrics with their names, units, instruments and attributes", async () => {
    const broker = new MemoryBroker({ logger: quietLogger });
    broker.addMiddleware(telemetry.middleware());
    const ok = actor("ok", (_n: number) => {}, { broker, queueName: "ok_q" });
    const bad = actor(
      "bad",
      () => {
        throw new RangeError("no");
      },
      { broker, queueName: "bad_q", maxRetries: 0 },
    );
    await ok.send(1);
    await ok.sendMany([[2], [3]]);
    await bad.send();
    const worker = new Worker(broker, { workerTimeout: 50 });
    await worker.start();
    await broker.join("ok_q");
    await broker.join("bad_q", { failFast: false });
    await worker.join();
    await worker.stop();
    const metrics = await telemetry.metrics();

    const send = (queue: string) => ({
      "messaging.system": "memory",
      "messaging.operation.name": "send",
      "messaging.destination.name": queue,
    });
    const process = (queue: string) => ({
      "messaging.system": "memory",
      "messaging.operation.name": "process",
      "messaging.destination.name": queue,
    });

    const sent = metrics.get("messaging.client.sent.messages");
    expect(sent?.descriptor.unit).toBe("{message}");
    expect(sent?.dataPointType === DataPointType.SUM && sent.isMonotonic).toBe(true);
    expect(points(sent)).toEqual([
      [send("bad_q"), 1],
      [send("ok_q"), 3],
    ]);

    const operations = metrics.get("messaging.client.operation.duration");
    expect(operations?.descriptor.unit).toBe("s");
    expect(operations?.dataPointType).toBe(DataPointType.HISTOGRAM);
    // One single send and one batch of two on ok_q: two operations.
    expect(points(operations)).toEqual([
      [{ ...send("bad_q"), "messaging.operation.type": "send" }, 1],
      [{ ...send("ok_q"), "messaging.operation.type": "send" }, 2],
    ]);
    expect(operations?.dataPoints[0].value).toMatchObject({ buckets: { boundaries: BUCKETS } });

    const consumed = metrics.get("messaging.client.consumed.messages");
    expect(consumed?.descriptor.unit).toBe("{message}");
    expect(consumed?.dataPointType === DataPointType.SUM && consumed.isMonotonic).toBe(true);
    expect(points(consumed)).toEqual([
      [process("bad_q"), 1],
      [process("ok_q"), 3],
    ]);

    const processing = metrics.get("messaging.process.duration");
    expect(processing?.descriptor.unit).toBe("s");
    expect(processing?.dataPointType).toBe(DataPointType.HISTOGRAM);
    expect(points(processing)).toEqual([
      [{ ...process("bad_q"), "error.type": "RangeError" }, 1],
      [process("ok_q"), 3],
    ]);
    expect(processing?.dataPoints[0].value).toMatchObject({ buckets: { boundaries: BUCKETS } });
  });
});
