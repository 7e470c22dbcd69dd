import { actor, QueueJoinTimeout } from "@troupe/core";
import { describe, expect, it } from "vitest";
import type { ConformanceScope } from "../../broker-conformance.js";
import { eventually, uniqueQueue } from "../../helpers.js";
import { recordingActor, startWorker } from "./fixtures.js";

/** `join` waits for everything of a queue (delayed and held included), `failFast` and `timeout` bound it (needs `queueStats`). */
export function joinConformance(scope: ConformanceScope): void {
  /** Joins a queue while its one message runs, then lets the message fail for good (no retries); the dead-letter count after. */
  const failing = async (failFast: boolean) => {
    const broker = await scope.context().broker();
    const queueName = uniqueQueue();
    let started = false;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const doomed = actor(
      "fails_at_once",
      async () => {
        started = true;
        // Held until join waits: a message dead-lettered before join began could not fail it.
        await gate;
        throw new Error("boom: no retries left");
      },
      { broker, queueName, maxRetries: 0 },
    );
    const worker = await startWorker(broker, [queueName]);
    await doomed.send();
    await eventually(() => started, "the message runs");
    const joined = broker.join(queueName, { timeout: 10_000, failFast });
    release();
    try {
      await joined;
    } finally {
      await worker.stop();
    }
    return (await broker.queueStats(queueName)).deadLetters;
  };

  describe("join", () => {
    it("join resolves once a queue is drained, and flush empties a queue", async () => {
      const broker = await scope.context().broker();
      const { record, runs, queueName } = recordingActor(broker);
      await record.sendMany([[1], [2], [3]]);
      await record.sendWithOptions({ args: [4], delay: 60_000 });
      expect((await broker.queueStats(queueName)).ready).toBe(3);
      await broker.flush(queueName);
      const stats = await broker.queueStats(queueName);
      expect(stats.ready).toBe(0);
      expect(stats.delayed).toBe(0);
      await broker.join(queueName, { timeout: 5_000 });

      await record.sendMany([[5], [6]]);
      const worker = await startWorker(broker, [queueName]);
      await broker.join(queueName, { timeout: 10_000 });
      expect(runs.map(([n]) => n).sort()).toEqual([5, 6]);
      await worker.stop();
    });

    it("waits for a delayed message until a worker moved and ran it", async () => {
      const broker = await scope.context().broker();
      const { record, runs, queueName } = recordingActor(broker);
      const worker = await startWorker(broker, [queueName]);
      await record.sendWithOptions({ args: [1], delay: 500 });
      await broker.join(queueName, { timeout: 10_000 });
      expect(runs).toEqual([[1]]);
      await worker.stop();
    });

    it("rejects with QueueJoinTimeout when the queue is not drained in time", async () => {
      const broker = await scope.context().broker();
      const { record, queueName } = recordingActor(broker);
      await record.send(1);
      await expect(broker.join(queueName, { timeout: 200 })).rejects.toSatisfy((error) => QueueJoinTimeout.isInstance(error));
    });

    it("with failFast, rejects with the error of a message dead-lettered meanwhile", async () => {
      await expect(failing(true)).rejects.toThrow("boom: no retries left");
    });

    it("without failFast, waits through dead letters until nothing is left", async () => {
      expect(await failing(false)).toBe(1);
    });
  });
}
