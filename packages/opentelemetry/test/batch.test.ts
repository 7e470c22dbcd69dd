import { SpanKind } from "@opentelemetry/api";
import { actor, MemoryBroker, Worker } from "@troupe/core";
import { afterEach, describe, expect, it } from "vitest";
import { isChildOf, linkedSpanIds, quietLogger, Telemetry } from "./support/telemetry.js";

const telemetry = new Telemetry();
afterEach(() => telemetry.spanExporter.reset());

describe("bulk sends", () => {
  it("sends a batch as one send span linked to a create span per message, each message continuing its own", async () => {
    const broker = new MemoryBroker({ logger: quietLogger });
    broker.addMiddleware(telemetry.middleware());
    const work = actor("work", (_n: number) => {}, { broker, queueName: "bulk" });
    const request = await telemetry.inSpan("import", async () => {
      await work.sendMany([[1], [2], [3]]);
    });
    const worker = new Worker(broker, { workerTimeout: 50 });
    await worker.start();
    await broker.join("bulk");
    await worker.join();
    await worker.stop();

    const send = telemetry.one("send bulk");
    const creates = telemetry.named("create bulk");
    expect(send.kind).toBe(SpanKind.CLIENT);
    expect(isChildOf(send, request)).toBe(true);
    expect(send.attributes).toEqual({
      "messaging.system": "memory",
      "messaging.destination.name": "bulk",
      "messaging.operation.type": "send",
      "messaging.operation.name": "send",
      "messaging.batch.message_count": 3,
    });
    expect(creates).toHaveLength(3);
    expect(linkedSpanIds(send)).toEqual(creates.map((span) => span.spanContext().spanId));
    for (const create of creates) {
      expect(create.kind).toBe(SpanKind.PRODUCER);
      expect(create.attributes["messaging.operation.type"]).toBe("create");
      const run = telemetry.one(
        "process bulk",
        (span) => span.attributes["messaging.message.id"] === create.attributes["messaging.message.id"],
      );
      expect(isChildOf(run, create)).toBe(true);
    }
  });

  it("names a batch to several queues `send`, without a destination", async () => {
    const broker = new MemoryBroker({ logger: quietLogger });
    broker.addMiddleware(telemetry.middleware());
    const a = actor("a", () => {}, { broker, queueName: "qa" });
    const b = actor("b", () => {}, { broker, queueName: "qb" });
    await broker.enqueueMany([a.message(), b.message()]);
    const send = telemetry.one("send");
    expect(send.attributes["messaging.destination.name"]).toBeUndefined();
    expect(send.attributes["messaging.batch.message_count"]).toBe(2);
    expect(telemetry.named("create qa")).toHaveLength(1);
    expect(telemetry.named("create qb")).toHaveLength(1);
  });
});
