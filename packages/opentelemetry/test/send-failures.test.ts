import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { actor, ConnectionError, MiddlewareError } from "@troupe/core";
import { TestBroker } from "@troupe/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { Telemetry } from "./support/telemetry.js";

const telemetry = new Telemetry();
afterEach(() => telemetry.spanExporter.reset());

/** The data points of a metric as `[attributes, value]`: counters as numbers, histograms as their counts. */
async function points(name: string): Promise<[Record<string, unknown>, number][]> {
  const metric = (await telemetry.metrics()).get(name);
  return (metric?.dataPoints ?? []).map((point) => [
    point.attributes,
    typeof point.value === "number" ? point.value : (point.value as { count: number }).count,
  ]);
}

describe("a send that fails", () => {
  it("ends its producer span with an error status, the exception and error.type, and counts the attempt", async () => {
    const broker = new TestBroker();
    broker.addMiddleware(telemetry.middleware());
    const send = actor("unlucky", (_n: number) => {}, { broker, queueName: "failing_sends" });
    broker.faults.failNextEnqueues(1);
    await expect(send.send(1)).rejects.toThrow(ConnectionError);

    const span = telemetry.one("send failing_sends");
    expect(span.kind).toBe(SpanKind.PRODUCER);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes["error.type"]).toBe("ConnectionError");
    expect(span.events.map((event) => [event.name, event.attributes?.["exception.type"]])).toEqual([["exception", "ConnectionError"]]);

    await send.send(2);
    const ok = telemetry.named("send failing_sends").find((s) => s !== span);
    expect(ok?.status.code).toBe(SpanStatusCode.UNSET);
    const sent = await points("messaging.client.sent.messages");
    expect(sent.find(([a]) => a["messaging.destination.name"] === "failing_sends" && a["error.type"] === "ConnectionError")?.[1]).toBe(1);
    expect(sent.find(([a]) => a["messaging.destination.name"] === "failing_sends" && a["error.type"] === undefined)?.[1]).toBe(1);
    const durations = await points("messaging.client.operation.duration");
    expect(durations.filter(([a]) => a["messaging.destination.name"] === "failing_sends").map(([a, n]) => [a["error.type"], n])).toEqual(
      expect.arrayContaining([
        ["ConnectionError", 1],
        [undefined, 1],
      ]),
    );
  });

  it("ends the spans of a batch a later middleware refused, with its error", async () => {
    const broker = new TestBroker();
    broker.addMiddleware(telemetry.middleware());
    broker.addMiddleware({
      beforeEnqueue() {
        throw new MiddlewareError("over quota");
      },
    });
    const send = actor("refused", (_n: number) => {}, { broker, queueName: "refused_sends" });
    await expect(send.sendMany([[1], [2]])).rejects.toThrow("over quota");
    const span = telemetry.one("send refused_sends");
    expect(span.attributes["messaging.batch.message_count"]).toBe(2);
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: "over quota" });
    expect(span.attributes["error.type"]).toBe("MiddlewareError");
  });
});
