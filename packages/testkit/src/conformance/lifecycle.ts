import { actor, type Broker, currentMessage, type Message, type Middleware, type ProcessOutcome } from "@troupe/core";
import { describe, expect, it } from "vitest";
import type { ConformanceScope } from "../broker-conformance.js";
import { eventually, sleep, uniqueQueue } from "../helpers.js";
import { takeAtLeast } from "./delivery.js";
import { recordingActor, startWorker } from "./fixtures.js";

/** Crashes, shutdowns, join, flush and hook order. */
export function lifecycleConformance(scope: ConformanceScope): void {
  describe("lifecycle", () => {
    it(`delivers again the messages a crashed consumer held (crash recovery: ${scope.target.capabilities.crashRecovery})`, async () => {
      const context = scope.context();
      const doomed = await context.broker();
      const queueName = uniqueQueue();
      const seen: string[] = [];
      const note = (_n: number) => void seen.push(currentMessage().message.messageId);
      const record = actor(`record_${queueName}`, note, { broker: doomed, queueName });
      const sent = await record.sendMany([[1], [2], [3]]);
      const taken = await takeAtLeast(doomed.consume(queueName, { prefetch: 10, timeout: 100 }), 3, false);
      expect(taken).toHaveLength(3);
      await context.crash(doomed);

      const survivor = await context.broker();
      // Where only the consumers die (memory), the survivor is the crashed broker itself, its actor declared already.
      if (survivor !== doomed) actor(record.actorName, note, { broker: survivor, queueName });
      const worker = await startWorker(survivor, [queueName]);
      await eventually(() => seen.length >= 3, "the crashed consumer's messages ran elsewhere", context.recoveryTimeout ?? 15_000);
      await worker.stop();
      expect(seen.sort()).toEqual(sent.map((m) => m.messageId).sort());
    });

    it("stops gracefully with messages in flight and loses none of them", async () => {
      const broker = await scope.context().broker();
      const queueName = uniqueQueue();
      const done = new Set<number>();
      const slow = actor(
        "slow",
        async (n: number) => {
          await sleep(5);
          done.add(n);
        },
        { broker, queueName },
      );
      const count = 200;
      await slow.sendMany(Array.from({ length: count }, (_, i) => [i]));
      const first = await startWorker(broker, [queueName], { concurrency: 8 });
      await eventually(() => done.size >= 20, "some messages ran");
      await first.stop();
      expect(done.size).toBeLessThan(count);
      const second = await startWorker(broker, [queueName], { concurrency: 8 });
      await eventually(() => done.size === count, "every message ran", 30_000);
      await broker.join(queueName, { timeout: 10_000 });
      await second.stop();
      expect(done.size).toBe(count);
    });

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

    it("runs before-hooks in middleware order and after-hooks in reverse", async () => {
      const calls: string[] = [];
      const broker = await scope.context().broker();
      broker.addMiddleware(recorder("A", calls));
      broker.addMiddleware(recorder("B", calls));
      const { record, queueName } = recordingActor(broker);
      const worker = await startWorker(broker, [queueName]);
      await record.send(1);
      await broker.join(queueName, { timeout: 10_000 });
      await eventually(() => calls.includes("B.afterAck") && calls.includes("A.afterAck"), "both afterAck hooks ran");
      await worker.stop();
      // Enqueue hooks and processing hooks are two sequences: a broker with publisher
      // confirms may run afterEnqueue after a worker already processed the message.
      const enqueueHooks = calls.filter((c) => c.includes("Enqueue"));
      const processHooks = calls.filter((c) => !c.includes("Enqueue"));
      expect(enqueueHooks).toEqual(["A.beforeEnqueue", "B.beforeEnqueue", "B.afterEnqueue", "A.afterEnqueue"]);
      expect(processHooks).toEqual([
        "A.beforeProcessMessage",
        "B.beforeProcessMessage",
        "B.afterProcessMessage",
        "A.afterProcessMessage",
        "A.beforeAck",
        "B.beforeAck",
        "B.afterAck",
        "A.afterAck",
      ]);
    });
  });
}

function recorder(name: string, calls: string[]): Middleware {
  const note = (hook: string) => () => void calls.push(`${name}.${hook}`);
  return {
    beforeEnqueue: note("beforeEnqueue"),
    afterEnqueue: note("afterEnqueue"),
    beforeProcessMessage: note("beforeProcessMessage"),
    afterProcessMessage: (_broker: Broker, _message: Message, _outcome: ProcessOutcome) => void calls.push(`${name}.afterProcessMessage`),
    beforeAck: note("beforeAck"),
    afterAck: note("afterAck"),
  };
}
