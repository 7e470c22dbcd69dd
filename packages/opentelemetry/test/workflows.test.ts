import { SpanKind } from "@opentelemetry/api";
import { actor, GroupCallbacks, group, MemoryBroker, MemoryRateLimiterBackend, pipeline, Worker } from "@troupe/core";
import { afterEach, describe, expect, it } from "vitest";
import { isChildOf, linkedSpanIds, quietLogger, Telemetry } from "./support/telemetry.js";

const telemetry = new Telemetry();
afterEach(() => telemetry.spanExporter.reset());

function memoryBroker(): MemoryBroker {
  const broker = new MemoryBroker({ logger: quietLogger });
  broker.addMiddleware(new GroupCallbacks({ backend: new MemoryRateLimiterBackend() }));
  broker.addMiddleware(telemetry.middleware());
  return broker;
}

/** Runs a worker on `broker` until its queues are drained. */
async function drain(broker: MemoryBroker, queues: string[]): Promise<void> {
  const worker = new Worker(broker, { workerTimeout: 50 });
  await worker.start();
  for (const queue of queues) await broker.join(queue);
  await worker.join();
  await worker.stop();
}

describe("trace propagation through workflows", () => {
  it("continues a pipeline: each step is sent from the run of the step before it", async () => {
    const broker = memoryBroker();
    const double = actor("double", (n: number) => n * 2, { broker, queueName: "steps" });
    const request = await telemetry.inSpan("POST /pipeline", async () => {
      await pipeline([double.message(1), double.message(), double.message()]).run();
    });
    await drain(broker, ["steps"]);
    const sends = telemetry.named("send steps");
    const runs = telemetry.named("process steps");
    expect(sends).toHaveLength(3);
    expect(runs).toHaveLength(3);
    expect(isChildOf(sends[0], request)).toBe(true);
    for (let i = 0; i < 3; i++) expect(isChildOf(runs[i], sends[i])).toBe(true);
    expect(isChildOf(sends[1], runs[0])).toBe(true);
    expect(isChildOf(sends[2], runs[1])).toBe(true);
    expect(new Set(telemetry.spans().map((span) => span.spanContext().traceId))).toEqual(new Set([request.spanContext().traceId]));
  });

  it("sends a group as one batch and its completion callback from the run of the member that completed it", async () => {
    const broker = memoryBroker();
    const member = actor("member", (_n: number) => {}, { broker, queueName: "members" });
    const done = actor("done", () => {}, { broker, queueName: "after" });
    const request = await telemetry.inSpan("POST /group", async () => {
      await group([member.message(1), member.message(2)])
        .addCompletionCallback(done.message())
        .run();
    });
    await drain(broker, ["members", "after"]);

    const batch = telemetry.one("send members");
    const creates = telemetry.named("create members");
    const runs = telemetry.named("process members");
    expect(batch.kind).toBe(SpanKind.CLIENT);
    expect(batch.attributes["messaging.batch.message_count"]).toBe(2);
    expect(batch.attributes["messaging.message.id"]).toBeUndefined();
    expect(isChildOf(batch, request)).toBe(true);
    expect(creates.map((span) => span.kind)).toEqual([SpanKind.PRODUCER, SpanKind.PRODUCER]);
    expect(linkedSpanIds(batch)).toEqual(creates.map((span) => span.spanContext().spanId));
    for (const create of creates) expect(isChildOf(create, request)).toBe(true);
    // Each member continues its own create span, the context its message carries.
    for (const run of runs) {
      const create = creates.find((span) => span.attributes["messaging.message.id"] === run.attributes["messaging.message.id"]);
      expect(create && isChildOf(run, create)).toBe(true);
    }
    const callbackSend = telemetry.one("send after");
    const lastMember = runs[runs.length - 1];
    expect(isChildOf(callbackSend, lastMember)).toBe(true);
    expect(isChildOf(telemetry.one("process after"), callbackSend)).toBe(true);
  });

  it("sends an onSuccess callback from the run it follows", async () => {
    const broker = memoryBroker();
    actor("notify", (_source: unknown, _result: unknown) => {}, { broker, queueName: "callbacks" });
    const work = actor("work", () => 42, { broker, queueName: "work", onSuccess: "notify" });
    await work.send();
    await drain(broker, ["work", "callbacks"]);
    const callbackSend = telemetry.one("send callbacks");
    expect(isChildOf(callbackSend, telemetry.one("process work"))).toBe(true);
    expect(isChildOf(telemetry.one("process callbacks"), callbackSend)).toBe(true);
  });

  it("sends messages an actor sends from its run, whatever context the worker was started in", async () => {
    const broker = memoryBroker();
    const child = actor("child", () => {}, { broker, queueName: "children" });
    const parent = actor(
      "parent",
      async () => {
        await child.send();
      },
      { broker, queueName: "parents" },
    );
    await parent.send();
    await telemetry.inSpan("startup", () => drain(broker, ["parents", "children"]));
    const childSend = telemetry.one("send children");
    expect(isChildOf(childSend, telemetry.one("process parents"))).toBe(true);
    expect(isChildOf(telemetry.one("process children"), childSend)).toBe(true);
  });
});
