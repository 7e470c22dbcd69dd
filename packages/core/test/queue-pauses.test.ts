import { afterEach, describe, expect, it } from "vitest";
import { actor, canPauseQueues, MemoryBroker, Worker } from "../src/index.js";
import { until } from "./harness.js";

/** A memory broker that counts how often workers read its paused set. */
class CountingBroker extends MemoryBroker {
  reads = 0;
  override async pausedQueues(): Promise<string[]> {
    this.reads++;
    return super.pausedQueues();
  }
}

describe("pausing a queue", () => {
  const workers: Worker[] = [];
  const start = async (broker: MemoryBroker): Promise<Worker> => {
    const worker = new Worker(broker, { concurrency: 2, workerTimeout: 20 });
    workers.push(worker);
    await worker.start();
    return worker;
  };
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  });

  it("is offered by the memory broker and not by a broker without the methods", () => {
    expect(canPauseQueues(new MemoryBroker())).toBe(true);
    const plain = Object.assign(Object.create(null), { pauseQueue() {} });
    expect(canPauseQueues(plain)).toBe(false);
  });

  it("stops fetching the paused queue while other queues run, and resuming runs what waited", async () => {
    const broker = new CountingBroker();
    const ran: string[] = [];
    const a = actor("a", (tag: string) => void ran.push(tag), { broker, queueName: "qa" });
    const b = actor("b", (tag: string) => void ran.push(tag), { broker, queueName: "qb" });
    await broker.pauseQueue("qa");
    expect(await broker.pausedQueues()).toEqual(["qa"]);
    await start(broker);
    await a.send("a1");
    await b.send("b1");
    await until(() => ran.includes("b1"), "the unpaused queue ran");
    const readsBefore = broker.reads;
    await until(() => broker.reads >= readsBefore + 2, "the worker looked at the paused set twice more");
    expect(ran).not.toContain("a1");
    expect((await broker.queueStats("qa")).ready).toBe(1);
    await broker.resumeQueue("qa");
    await until(() => ran.includes("a1"), "the resumed queue ran");
    expect(await broker.pausedQueues()).toEqual([]);
  });

  it("lets a running message finish and fetches nothing more until resumed", async () => {
    const broker = new CountingBroker();
    const ran: number[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = actor(
      "slow",
      async (n: number) => {
        if (n === 1) await gate;
        ran.push(n);
      },
      { broker, queueName: "qs" },
    );
    const worker = await start(broker);
    await slow.send(1);
    await until(() => worker.inFlight.size === 1, "the first message is running");
    await broker.pauseQueue("qs");
    const readsBefore = broker.reads;
    await until(() => broker.reads >= readsBefore + 1, "the worker saw the pause");
    release();
    await until(() => ran.includes(1), "the held message finished");
    await slow.send(2);
    const readsAfter = broker.reads;
    await until(() => broker.reads >= readsAfter + 2, "the worker looked at the paused set twice more");
    expect(ran).toEqual([1]);
    expect((await broker.queueStats("qs")).inFlight).toBe(0);
    await broker.resumeQueue("qs");
    await until(() => ran.includes(2), "the second message ran after resume");
  });

  it("does not keep a stopping worker waiting on a paused queue", async () => {
    const broker = new MemoryBroker();
    actor("idle", () => {}, { broker, queueName: "qp" });
    await broker.pauseQueue("qp");
    const worker = await start(broker);
    await worker.stop();
    expect(worker.isRunning).toBe(false);
  });
});
