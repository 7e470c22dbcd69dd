import { actor, Worker } from "@troupe/core";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { RedisBroker } from "../src/index.js";
import { deleteNamespace, quietLogger, REDIS_URL, uniqueNamespace } from "./helpers.js";

/** A broker that counts how often its workers read the paused set. */
class CountingBroker extends RedisBroker {
  reads = 0;
  override async pausedQueues(): Promise<string[]> {
    this.reads++;
    return super.pausedQueues();
  }
}

const until = async (check: () => boolean | Promise<boolean>, what: string) => {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting until ${what}`);
};

describe("RedisBroker pause and workers", () => {
  const namespace = uniqueNamespace("pause");
  const brokers: RedisBroker[] = [];
  const workers: Worker[] = [];
  const open = (Class = RedisBroker) => {
    const broker = new Class({ url: REDIS_URL, namespace, logger: quietLogger });
    brokers.push(broker);
    return broker;
  };

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await Promise.all(brokers.splice(0).map((broker) => broker.close()));
    const admin = new Redis(REDIS_URL);
    await deleteNamespace(admin, namespace);
    admin.disconnect();
  });

  it("pauses a queue for the workers of every broker on the namespace, and resumes it", async () => {
    const ran: string[] = [];
    const consumers = [open(CountingBroker) as CountingBroker, open(CountingBroker) as CountingBroker];
    for (const broker of consumers) {
      actor("work", (tag: string) => void ran.push(tag), { broker, queueName: "paused-q" });
      const worker = new Worker(broker, { concurrency: 2, workerTimeout: 50 });
      workers.push(worker);
      await worker.start();
    }
    const admin = open();
    const send = actor("work", (_tag: string) => {}, { broker: admin, queueName: "paused-q" });
    await send.send("before");
    await until(() => ran.includes("before"), "a message runs before the pause");

    await admin.pauseQueue("paused-q");
    expect(await admin.pausedQueues()).toEqual(["paused-q"]);
    const seen = consumers.map((broker) => broker.reads);
    await until(() => consumers.every((broker, i) => broker.reads >= seen[i] + 1), "both workers read the pause");
    await send.sendMany([["p1"], ["p2"], ["p3"]]);
    const later = consumers.map((broker) => broker.reads);
    await until(() => consumers.every((broker, i) => broker.reads >= later[i] + 2), "both workers looked twice more");
    expect(ran).toEqual(["before"]);
    expect((await admin.queueStats("paused-q")).ready).toBe(3);

    await admin.resumeQueue("paused-q");
    await until(() => ran.length === 4, "the waiting messages run after resume");
    expect(await admin.pausedQueues()).toEqual([]);
  });

  it("lists the processes in the heartbeats with the messages each holds", async () => {
    const broker = open();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const hold = actor("hold", () => gate, { broker, queueName: "held-q" });
    const worker = new Worker(broker, { concurrency: 1, prefetch: 1, workerTimeout: 50 });
    workers.push(worker);
    await worker.start();
    await hold.send();
    await until(() => worker.inFlight.size === 1, "the message is running");

    const observer = open();
    const listed = await observer.listWorkers(["held-q"]);
    const mine = listed.find((info) => info.workerId === broker.workerId);
    expect(mine?.alive).toBe(true);
    expect(mine?.inFlight).toEqual({ "held-q": 1 });
    expect(mine?.lastHeartbeat).toBeGreaterThan(0);
    release();
    await until(async () => (await observer.listWorkers(["held-q"])).every((info) => Object.keys(info.inFlight).length === 0), "acked");
  });
});
