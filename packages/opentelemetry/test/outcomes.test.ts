import { SpanStatusCode } from "@opentelemetry/api";
import { actor, currentMessage, MemoryBroker, Message, SkipMessage, Worker } from "@troupe/core";
import { eventually } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { quietLogger, Telemetry } from "./support/telemetry.js";

const telemetry = new Telemetry();
afterEach(() => telemetry.spanExporter.reset());

function memoryBroker(): MemoryBroker {
  const broker = new MemoryBroker({ logger: quietLogger });
  broker.addMiddleware(telemetry.middleware());
  return broker;
}

const untilAborted = () =>
  new Promise<void>((_resolve, reject) => {
    const { signal } = currentMessage();
    signal.addEventListener("abort", () => reject(signal.reason));
  });

describe("how a run ended, on its process span", () => {
  it("tells a time limit from an error", async () => {
    const broker = memoryBroker();
    const slow = actor("slow", untilAborted, { broker, queueName: "slow", timeLimit: 20, maxRetries: 0 });
    await slow.send();
    const worker = new Worker(broker, { workerTimeout: 50 });
    await worker.start();
    await eventually(() => telemetry.named("process slow").length === 1, "the run timed out");
    await worker.stop();
    const run = telemetry.one("process slow");
    expect(run.attributes["troupe.outcome"]).toBe("time-limit");
    expect(run.attributes["error.type"]).toBe("TimeLimitExceeded");
    expect(run.status.code).toBe(SpanStatusCode.ERROR);
    expect(run.events.map((event) => event.attributes?.["exception.type"])).toEqual(["TimeLimitExceeded"]);
  });

  it("marks a skip by the actor as skipped, not failed", async () => {
    const broker = memoryBroker();
    const skips = actor(
      "skips",
      () => {
        throw new SkipMessage("nothing to do");
      },
      { broker, queueName: "skips" },
    );
    await skips.send();
    const worker = new Worker(broker, { workerTimeout: 50 });
    await worker.start();
    await eventually(() => telemetry.named("process skips").length === 1, "the run was skipped");
    await worker.stop();
    const run = telemetry.one("process skips");
    expect(run.attributes["troupe.outcome"]).toBe("skipped");
    expect(run.attributes["error.type"]).toBeUndefined();
    expect(run.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("marks a message an earlier before-hook skipped and dead-lettered (AgeLimit) as skipped with its reason", async () => {
    const broker = memoryBroker();
    actor("stale", () => {}, { broker, queueName: "stale", maxAge: 1_000 });
    await broker.enqueue(
      new Message({ queueName: "stale", actorName: "stale", args: [], options: { max_age: 1_000 }, messageTimestamp: Date.now() - 60_000 }),
    );
    const worker = new Worker(broker, { workerTimeout: 50 });
    await worker.start();
    await eventually(() => telemetry.named("process stale").length === 1, "the stale message was skipped");
    await worker.stop();
    const run = telemetry.one("process stale");
    expect(run.attributes["troupe.outcome"]).toBe("skipped");
    expect(run.attributes["error.type"]).toBe("SkipMessage");
    expect(run.status).toEqual({ code: SpanStatusCode.ERROR, message: "Message age limit exceeded" });
  });

  it("marks a run the shutdown aborted (notifyShutdown) as aborted", async () => {
    const broker = memoryBroker();
    const waits = actor("waits", untilAborted, { broker, queueName: "waits", notifyShutdown: true, maxRetries: 0 });
    await waits.send();
    const worker = new Worker(broker, { workerTimeout: 50 });
    await worker.start();
    await eventually(() => worker.inFlight.size === 1, "the actor is running");
    await worker.stop();
    const run = telemetry.one("process waits");
    expect(run.attributes["troupe.outcome"]).toBe("aborted");
    expect(run.attributes["error.type"]).toBe("Shutdown");
    expect(run.status.code).toBe(SpanStatusCode.ERROR);
  });

  it("marks a run still going when the shutdown timeout passed as aborted, its message given back", async () => {
    const broker = memoryBroker();
    let release = () => {};
    const stuck = actor("stuck", () => new Promise<void>((resolve) => (release = resolve)), { broker, queueName: "stuck" });
    await stuck.send();
    const worker = new Worker(broker, { workerTimeout: 50 });
    await worker.start();
    await eventually(() => worker.inFlight.size === 1, "the actor is running");
    await worker.stop({ timeout: 20 });
    release();
    const run = telemetry.one("process stuck");
    expect(run.attributes["troupe.outcome"]).toBe("aborted");
    expect(run.attributes["error.type"]).toBe("Shutdown");
    expect(run.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: "the worker stopped before the actor finished; the message went back to its queue",
    });
    expect((await broker.queueStats("stuck")).ready).toBe(1);
  });
});
