import { describe, expect, it } from "vitest";
import { actor, type ConsumeOptions, type Consumer, currentMessage, MemoryBroker, Shutdown, Worker } from "../src/index.js";
import { until, useHarness } from "./harness.js";

/** A memory broker whose first consumer of each queue dies after its first batch, as a dropped connection would. */
class FlakyBroker extends MemoryBroker {
  failures = 0;
  override consume(queueName: string, options: ConsumeOptions): Consumer {
    const consumer = super.consume(queueName, options);
    if (queueName.endsWith(".DQ") || this.failures > 0) return consumer;
    this.failures++;
    const iterate = consumer[Symbol.asyncIterator].bind(consumer);
    return Object.assign(consumer, {
      async *[Symbol.asyncIterator]() {
        const iterator = iterate();
        const first = await iterator.next();
        if (!first.done) yield first.value;
        throw new Error("connection reset by peer");
      },
    });
  }
}

/** A memory broker whose consumers of `queueName` throw, as a refused one would, the first `failures` times. */
class RefusingBroker extends MemoryBroker {
  readonly attempts: number[] = [];
  constructor(
    private readonly queueName: string,
    private failures: number,
  ) {
    super({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
  }
  override consume(queueName: string, options: ConsumeOptions): Consumer {
    if (queueName !== this.queueName) return super.consume(queueName, options);
    this.attempts.push(Date.now());
    if (this.failures-- > 0) throw new Error("ACCESS_REFUSED");
    return super.consume(queueName, options);
  }
}

describe("Worker", () => {
  const current = useHarness();

  it("restarts a consumer that failed, logs it once, and keeps processing", async () => {
    const warnings: string[] = [];
    const ignore = () => {};
    const broker = new FlakyBroker({ logger: { debug: ignore, info: ignore, warn: (m) => void warnings.push(m), error: ignore } });
    const seen: number[] = [];
    const count = actor("count", (n: number) => void seen.push(n), { broker });
    const worker = new Worker(broker, { concurrency: 2, workerTimeout: 50 });
    await worker.start();
    await count.send(1);
    await until(() => seen.length === 1, "the first message ran");
    await count.sendMany([[2], [3]]);
    await until(() => seen.length === 3, "messages after the failure ran");
    await worker.stop();
    expect(seen.sort()).toEqual([1, 2, 3]);
    expect(broker.failures).toBe(1);
    expect(warnings.filter((w) => w.includes("connection reset by peer"))).toHaveLength(1);
  });

  it("aborts actors with notifyShutdown when the worker stops, and retries their messages", async () => {
    const h = current();
    const reasons: unknown[] = [];
    const watcher = actor(
      "watcher",
      async () => {
        const { signal } = currentMessage();
        await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
      },
      { broker: h.broker, notifyShutdown: true, minBackoff: 60_000 },
    );
    h.broker.addMiddleware({ afterProcessMessage: (_b, _m, outcome) => void reasons.push(outcome.error) });
    const worker = await h.start();
    await watcher.send();
    await until(() => worker.inFlight.size === 1, "the watcher is running");
    await worker.stop({ timeout: 5_000 });
    expect(reasons).toHaveLength(1);
    expect(Shutdown.isInstance(reasons[0])).toBe(true);
    const stats = await h.broker.queueStats("default");
    expect(stats.delayed).toBe(1);
    expect(stats.deadLetters).toBe(0);
  });

  it("requeues actors still running after the shutdown timeout instead of losing them", async () => {
    const h = current();
    const stuck = actor("stuck_forever", () => new Promise(() => {}), { broker: h.broker });
    const worker = await h.start();
    await stuck.send();
    await until(() => worker.inFlight.size === 1, "the actor is running");
    await worker.stop({ timeout: 100 });
    const stats = await h.broker.queueStats("default");
    expect(stats.ready).toBe(1);
    expect(stats.inFlight).toBe(0);
    expect(h.broker.deadLetters).toHaveLength(0);
    expect(h.logs.some((l) => l.includes("still running after 100 ms"))).toBe(true);
  });

  it("holds at most prefetch messages while a backlog drains", async () => {
    const broker = new MemoryBroker();
    let peak = 0;
    const worker = new Worker(broker, { concurrency: 2, prefetch: 4, workerTimeout: 50 });
    actor(
      "tick",
      async () => {
        const stats = await broker.queueStats("default");
        peak = Math.max(peak, stats.inFlight ?? 0);
      },
      { broker },
    );
    await broker.enqueueMany(Array.from({ length: 100 }, () => broker.getActor("tick").message()));
    await worker.start();
    await broker.join("default", { timeout: 10_000 });
    await worker.stop();
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(4);
  });

  it("restarts a failed consumer after restartDelay, doubling up to maxRestartDelay", async () => {
    const broker = new RefusingBroker("default", 3);
    const seen: number[] = [];
    const count = actor("count", (n: number) => void seen.push(n), { broker });
    const worker = new Worker(broker, { workerTimeout: 50, restartDelay: 150, maxRestartDelay: 300 });
    expect([worker.restartDelay, worker.maxRestartDelay]).toEqual([150, 300]);
    await worker.start();
    await count.send(1);
    await until(() => seen.length === 1, "the message ran once the consumer started", 5_000);
    await worker.stop();
    const gaps = broker.attempts.slice(1).map((at, i) => at - broker.attempts[i]);
    expect(gaps).toHaveLength(3);
    // Timers do not fire early; 5 ms of slack for the clock's granularity.
    for (const [gap, least] of gaps.map((gap, i) => [gap, [150, 300, 300][i]])) {
      expect(gap).toBeGreaterThanOrEqual(least - 5);
      expect(gap).toBeLessThan(least + 250);
    }
  });

  it("does not make stop() wait out a restart's delay", async () => {
    const broker = new RefusingBroker("default", 1);
    actor("idle", () => {}, { broker });
    const worker = new Worker(broker, { workerTimeout: 50, restartDelay: 60_000 });
    await worker.start();
    await until(() => broker.attempts.length === 1, "the consumer failed");
    const started = Date.now();
    await worker.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("refuses a restart backoff that cannot work, and defaults maxRestartDelay to 10 s or restartDelay", () => {
    const broker = new MemoryBroker();
    expect(() => new Worker(broker, { restartDelay: 0 })).toThrow(RangeError);
    expect(() => new Worker(broker, { restartDelay: 500, maxRestartDelay: 100 })).toThrow(/maxRestartDelay must be at least restartDelay/);
    expect(new Worker(broker).maxRestartDelay).toBe(10_000);
    expect(new Worker(broker, { restartDelay: 20_000 }).maxRestartDelay).toBe(20_000);
  });
});
