import { describe, expect, it } from "vitest";
import { actor, currentMessage, type MemoryBroker, type QueueStats, Worker } from "../src/index.js";
import { sleep, until, useHarness } from "./harness.js";

/** Polls the broker's counts of a queue until they match. */
async function statsReach(broker: MemoryBroker, queueName: string, expected: Partial<QueueStats>): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const stats = await broker.queueStats(queueName);
    if (Object.entries(expected).every(([key, value]) => stats[key as keyof QueueStats] === value)) return;
    if (Date.now() > deadline) throw new Error(`${queueName} never reached ${JSON.stringify(expected)}: ${JSON.stringify(stats)}`);
    await sleep(5);
  }
}

/** An actor that records each run and whether its copy was delivered before; `hold` makes runs wait for `release`. */
function recorder(broker: MemoryBroker, name = "record") {
  const runs: { n: number; redelivered: boolean }[] = [];
  let gate: Promise<void> | undefined;
  let open: () => void = () => {};
  const record = actor(
    name,
    async (n: number) => {
      if (gate) await gate;
      runs.push({ n, redelivered: currentMessage().redelivered });
    },
    { broker },
  );
  return {
    record,
    runs,
    ran: () => runs.map((run) => run.n),
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release() {
      gate = undefined;
      open();
    },
  };
}

describe("Worker.pause and Worker.resume", () => {
  const current = useHarness();

  it("stops fetching: what is sent while paused stays on the queue, and runs after resume", async () => {
    const h = current();
    const r = recorder(h.broker);
    const worker = await h.start();
    await r.record.send(1);
    await until(() => r.runs.length === 1, "the first message ran");
    await worker.pause();
    expect(worker.isPaused).toBe(true);
    await r.record.sendMany([[2], [3]]);
    await sleep(200);
    expect(r.ran()).toEqual([1]);
    expect(await h.broker.queueStats("default")).toMatchObject({ ready: 2, inFlight: 0 });
    worker.resume();
    expect(worker.isPaused).toBe(false);
    await h.broker.join("default", { timeout: 5_000 });
    expect(r.ran().sort()).toEqual([1, 2, 3]);
  });

  it("keeps what it holds: running actors finish, buffered messages wait and run after resume, nothing is requeued", async () => {
    const h = current();
    const r = recorder(h.broker);
    r.hold();
    const worker = await h.start({ concurrency: 1, prefetch: 10 });
    await r.record.sendMany([[1], [2], [3], [4]]);
    await until(() => worker.inFlight.size === 1, "the first message is running");
    await statsReach(h.broker, "default", { ready: 0, inFlight: 4 });
    let paused = false;
    const pausing = worker.pause().then(() => (paused = true));
    await sleep(50);
    expect(paused).toBe(false);
    r.release();
    await pausing;
    expect(worker.inFlight.size).toBe(0);
    await sleep(150);
    expect(r.ran()).toHaveLength(1);
    // Still held by this worker, not given back to the queue.
    expect(await h.broker.queueStats("default")).toMatchObject({ ready: 0, inFlight: 3 });
    worker.resume();
    await h.broker.join("default", { timeout: 5_000 });
    expect(r.ran()).toEqual([1, 2, 3, 4]);
    // A requeue would have marked them delivered before.
    expect(r.runs.every((run) => !run.redelivered)).toBe(true);
  });

  it("holds its delayed messages while paused, even once due, and moves them after resume", async () => {
    const h = current();
    const r = recorder(h.broker);
    let held = false;
    h.broker.addMiddleware({ beforeDelayMessage: () => void (held = true) });
    const worker = await h.start();
    await r.record.sendWithOptions({ args: [1], delay: 100 });
    await until(() => held, "the worker holds the delayed message");
    await worker.pause();
    // Past its eta, and several idle ticks.
    await sleep(250);
    expect(r.runs).toHaveLength(0);
    expect(await h.broker.queueStats("default")).toMatchObject({ ready: 0, delayed: 1 });
    worker.resume();
    await until(() => r.runs.length === 1, "the delayed message ran after resume");
    expect(r.runs[0]).toEqual({ n: 1, redelivered: false });
  });

  it("starts paused when paused before start, and consumes once resumed", async () => {
    const h = current();
    const r = recorder(h.broker);
    await r.record.send(1);
    const worker = new Worker(h.broker, { workerTimeout: 50 });
    await worker.pause();
    await worker.start();
    expect(worker.isPaused).toBe(true);
    await sleep(150);
    expect(r.runs).toHaveLength(0);
    expect((await h.broker.queueStats("default")).ready).toBe(1);
    worker.resume();
    await until(() => r.runs.length === 1, "the message ran after resume");
    await worker.stop();
  });

  it("stops while paused: what it holds goes back to the queue and stop does not hang", async () => {
    const h = current();
    const r = recorder(h.broker);
    r.hold();
    const worker = await h.start({ concurrency: 1, prefetch: 10 });
    await r.record.sendMany([[1], [2], [3]]);
    await until(() => worker.inFlight.size === 1, "the first message is running");
    void worker.pause();
    r.release();
    await worker.stop({ timeout: 2_000 });
    expect(worker.isRunning).toBe(false);
    expect(r.ran()).toEqual([1]);
    expect(await h.broker.queueStats("default")).toMatchObject({ ready: 2, inFlight: 0 });
  });
});
