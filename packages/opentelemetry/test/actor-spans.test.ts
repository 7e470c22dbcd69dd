import { context, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { actor, MemoryBroker, Worker } from "@troupe/core";
import { eventually } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { Brokers, unique } from "./support/brokers.js";
import { isChildOf, quietLogger, Telemetry } from "./support/telemetry.js";

const brokers = new Brokers();
const telemetry = new Telemetry();
afterEach(async () => {
  await brokers.close();
  telemetry.spanExporter.reset();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the spans an actor starts", () => {
  it("are children of its process span, before and after an await, on Redis", async () => {
    const broker = brokers.redis(unique("actor_spans"));
    broker.addMiddleware(telemetry.middleware());
    const queueName = unique("q");
    const app = telemetry.tracer;
    const charge = actor(
      "charge",
      async (amount: number) => {
        app.startSpan("validate").end();
        await sleep(5);
        // The way an instrumented HTTP or database client starts its span: from the active context.
        const call = app.startSpan("POST /payments", { kind: SpanKind.CLIENT, attributes: { amount } });
        await context.with(trace.setSpan(context.active(), call), () => sleep(1));
        call.end();
      },
      { broker, queueName },
    );
    await charge.send(42);
    const worker = new Worker(broker, { workerTimeout: 100 });
    await worker.start();
    await eventually(() => telemetry.named(`process ${queueName}`).length === 1, "the message ran");
    await worker.stop();

    const processed = telemetry.one(`process ${queueName}`);
    expect(isChildOf(telemetry.one("validate"), processed)).toBe(true);
    expect(isChildOf(telemetry.one("POST /payments"), processed)).toBe(true);
  });

  it("belong to their own run when runs overlap", async () => {
    const broker = new MemoryBroker({ logger: quietLogger });
    broker.addMiddleware(telemetry.middleware());
    const step = actor(
      "step",
      async (n: number) => {
        await sleep(10 - 3 * n);
        telemetry.tracer.startSpan(`inner ${n}`).end();
      },
      { broker, queueName: "overlap" },
    );
    await step.sendMany([[0], [1], [2]]);
    const worker = new Worker(broker, { concurrency: 3, workerTimeout: 50 });
    await worker.start();
    await broker.join("overlap");
    await worker.stop();
    const runs = telemetry.named("process overlap");
    expect(runs).toHaveLength(3);
    for (const n of [0, 1, 2]) {
      const inner = telemetry.one(`inner ${n}`);
      const parent = runs.filter((run) => isChildOf(inner, run));
      expect(parent).toHaveLength(1);
    }
    expect(new Set(runs.map((run) => run.spanContext().spanId)).size).toBe(3);
  });

  it("without a context manager, still sends a message from the actor's run", async () => {
    context.disable();
    try {
      const broker = new MemoryBroker({ logger: quietLogger });
      broker.addMiddleware(telemetry.middleware());
      const child = actor("child", () => {}, { broker, queueName: "no_cm_children" });
      actor(
        "parent",
        async () => {
          await sleep(1);
          await child.send();
        },
        { broker, queueName: "no_cm_parents" },
      ).send();
      const worker = new Worker(broker, { workerTimeout: 50 });
      await worker.start();
      await broker.join("no_cm_parents");
      await broker.join("no_cm_children");
      await worker.stop();
      expect(isChildOf(telemetry.one("send no_cm_children"), telemetry.one("process no_cm_parents"))).toBe(true);
    } finally {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    }
  });
});
