import { actor, Barrier, TimeLimitExceeded, Worker } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { testBroker } from "./support.js";

// Far from the real time, so a value read from Date.now() by mistake cannot pass for it.
const START = Date.UTC(2030, 0, 1);

describe("the virtual clock reaches where Troupe reads time", () => {
  it("stamps messages, etas, retries and dead letters with virtual time", async () => {
    const { broker } = testBroker({ startTime: START });
    const failsOnce = actor(
      "fails",
      () => {
        throw new Error("no");
      },
      { broker, maxRetries: 1, minBackoff: 1_000 },
    );
    const sent = await failsOnce.sendWithOptions({ args: [], delay: 60_000 });
    expect(sent.messageTimestamp).toBe(START);
    expect(sent.options.eta).toBe(START + 60_000);
    await broker.drain({ failFast: false });
    const [dead] = await broker.listDeadLetters("default");
    expect(dead.message?.messageTimestamp).toBe(START);
    // The retry was sent at the first failure (at the eta), and dead-lettered after its backoff.
    expect(dead.message?.options.requeue_timestamp).toBe(START + 60_000);
    expect(dead.deadAt).toBe(broker.clock.now());
    expect(dead.deadAt).toBeGreaterThanOrEqual(START + 60_000 + 1_000);
  });

  it("stamps callbacks with virtual time", async () => {
    const { broker } = testBroker({ startTime: START });
    const after = actor("after", (_source: unknown, _result: unknown) => {}, { broker });
    const work = actor("work", () => 1, { broker, onSuccess: after });
    await work.sendWithOptions({ args: [], delay: 5_000 });
    await broker.drain();
    expect(broker.sent(after)[0].messageTimestamp).toBe(START + 5_000);
  });

  it("runs the time limit on the virtual clock: advancing it aborts a running actor", async () => {
    const { broker } = testBroker();
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const hangs = actor(
      "hangs",
      async () => {
        started();
        await new Promise(() => {});
      },
      // A minute: on the real clock it would outlast the join below.
      { broker, timeLimit: 60_000, maxRetries: 0 },
    );
    const worker = new Worker(broker, { workerTimeout: 20 });
    await worker.start();
    await hangs.send();
    await running;
    broker.clock.advance(59_999);
    await new Promise((resolve) => setImmediate(resolve));
    expect(broker.deadLetters).toHaveLength(0);
    broker.clock.advance(1);
    await expect(broker.join("default", { timeout: 5_000 })).rejects.toBeInstanceOf(TimeLimitExceeded);
    await worker.stop();
  });

  it("expires rate-limiter entries and times out barrier waits on the virtual clock", async () => {
    const { broker, limits } = testBroker();
    expect(await limits.add("k", 1, 1_000)).toBe(true);
    broker.clock.advance(999);
    expect(await limits.add("k", 1, 1_000)).toBe(false);
    broker.clock.advance(1);
    expect(await limits.add("k", 1, 1_000)).toBe(true);

    const barrier = new Barrier(limits, "b", { ttl: 60_000 });
    await barrier.create(2);
    const waiting = barrier.wait({ block: true, timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    broker.clock.advance(10_000);
    expect(await waiting).toBe(false);
  });
});
