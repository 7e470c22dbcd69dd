import { actor, type Broker, type Message, type Middleware, type ProcessOutcome } from "@troupe/core";
import { describe, expect, it } from "vitest";
import type { ConformanceScope } from "../../broker-conformance.js";
import { eventually, sleep, uniqueQueue } from "../../helpers.js";
import { recordingActor, startWorker } from "./fixtures.js";

/** Graceful shutdown and hook order (needs `queueStats`: join). */
export function lifecycleConformance(scope: ConformanceScope): void {
  describe("lifecycle", () => {
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
