import { actor, MemoryBroker, Worker } from "@troupe/core";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryStatusStore } from "../../src/status/memory-status-store.js";
import { Status } from "../../src/status/status.js";
import type { StatusEvent } from "../../src/status/status-store.js";
import { states, untilState } from "./support/harness.js";
import { quietLogger } from "./support/redis.js";

/** A memory store that keeps the `id state` pairs of every write it was given. */
class RecordingStore extends MemoryStatusStore {
  readonly writes: string[][] = [];
  override async write(events: readonly StatusEvent[], ttl: number): Promise<void> {
    this.writes.push(events.map((event) => `${event.messageId} ${event.transition.state}`));
    await super.write(events, ttl);
  }
}

describe("a run's held running", () => {
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  });
  const open = async (flushInterval: number) => {
    const broker = new MemoryBroker({ logger: quietLogger });
    const store = new RecordingStore();
    broker.addMiddleware(new Status({ store, flushInterval }));
    const worker = new Worker(broker, { concurrency: 4, workerTimeout: 50 });
    workers.push(worker);
    return { broker, store, worker };
  };

  it("is written with the end of a short run, in the same write", async () => {
    const { broker, store, worker } = await open(30);
    const quick = actor("quick", (_n: number) => {}, { broker });
    const sent = await quick.sendMany(Array.from({ length: 40 }, (_, i) => [i] as [number]));
    await worker.start();
    for (const message of sent) await untilState(store, message.messageId, "succeeded");
    for (const message of sent) {
      const write = store.writes.findIndex((events) => events.includes(`${message.messageId} running`));
      expect(store.writes[write]).toContain(`${message.messageId} succeeded`);
    }
  });

  it("is written while a long run goes on, once it is flushInterval old", async () => {
    const { broker, store, worker } = await open(20);
    let finish = () => {};
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const slow = actor("slow", () => finished, { broker });
    const message = await slow.send();
    await worker.start();
    try {
      await untilState(store, message.messageId, "running", 2_000);
      expect(store.writes.flat()).not.toContain(`${message.messageId} succeeded`);
    } finally {
      finish();
    }
    const record = await untilState(store, message.messageId, "succeeded");
    expect(states(record)).toEqual(["queued", "running", "succeeded"]);
    // Written on its own, before the end: the write that has it holds no succeeded of the message.
    const write = store.writes.find((events) => events.includes(`${message.messageId} running`));
    expect(write).not.toContain(`${message.messageId} succeeded`);
  });
});
