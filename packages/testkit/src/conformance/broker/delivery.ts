import { actor, currentMessage, type JsonValue } from "@troupe/core";
import { describe, expect, it } from "vitest";
import type { ConformanceScope } from "../../broker-conformance.js";
import { eventually, uniqueQueue } from "../../helpers.js";
import { recordingActor, startWorker } from "./fixtures.js";

/** A worker runs what is sent, intact and exactly once, and acked messages are gone (needs `queueStats`: join, counts). */
export function deliveryConformance(scope: ConformanceScope): void {
  describe("delivery", () => {
    it("runs a sent message's actor with its arguments", async () => {
      const broker = await scope.context().broker();
      const { record, runs, queueName } = recordingActor(broker);
      const worker = await startWorker(broker, [queueName]);
      await record.send(1, "two", { three: [3] });
      await broker.join(queueName, { timeout: 10_000 });
      await worker.stop();
      expect(runs).toEqual([[1, "two", { three: [3] }]]);
    });

    it("acks: a processed message is gone from the queue and not delivered again", async () => {
      const broker = await scope.context().broker();
      const { record, runs, queueName } = recordingActor(broker);
      const worker = await startWorker(broker, [queueName]);
      await record.sendMany([[1], [2], [3]]);
      await broker.join(queueName, { timeout: 10_000 });
      await worker.stop();
      const stats = await broker.queueStats(queueName);
      expect(stats.ready).toBe(0);
      expect(stats.deadLetters).toBe(0);
      if (stats.inFlight !== undefined) expect(stats.inFlight).toBe(0);
      const again = await startWorker(broker, [queueName]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await again.stop();
      expect(runs.map(([n]) => n).sort()).toEqual([1, 2, 3]);
    });

    it("sendMany enqueues every message of a batch", async () => {
      const broker = await scope.context().broker();
      const { record, runs, queueName } = recordingActor(broker);
      const sent = await record.sendMany(Array.from({ length: 250 }, (_, i) => [i]));
      expect(new Set(sent.map((m) => m.messageId)).size).toBe(250);
      const worker = await startWorker(broker, [queueName], { concurrency: 16 });
      await broker.join(queueName, { timeout: 20_000 });
      await worker.stop();
      expect(runs.map(([n]) => n as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    });

    it("carries unicode, control characters and large payloads unchanged", async () => {
      const broker = await scope.context().broker();
      const { record, runs, queueName } = recordingActor(broker);
      const text = 'héllo wörld ✓ 😀 中文 "quotes" \\ \n\t \u0001 \u2028 </script>';
      const large = "x".repeat(1024 * 1024);
      const nested = { ü: "ß", list: [1, 2.5, null, true, false], empty: {}, none: [] };
      const worker = await startWorker(broker, [queueName]);
      await record.send(text, large, nested, -0.5, 1e300);
      await broker.join(queueName, { timeout: 20_000 });
      await worker.stop();
      expect(runs).toHaveLength(1);
      const [gotText, gotLarge, gotNested, small, big] = runs[0] as [string, string, JsonValue, number, number];
      expect(gotText).toBe(text);
      expect(gotLarge.length).toBe(large.length);
      expect(gotNested).toEqual(nested);
      expect([small, big]).toEqual([-0.5, 1e300]);
    });

    it("never delivers one message to two consumers at once", async () => {
      const context = scope.context();
      const first = await context.broker();
      const second = await context.broker();
      const queueName = uniqueQueue();
      const seen: string[] = [];
      const body = async () => {
        seen.push(currentMessage().message.messageId);
        await new Promise((resolve) => setTimeout(resolve, 1));
      };
      const onFirst = actor("count_runs", body, { broker: first, queueName });
      if (second !== first) actor("count_runs", body, { broker: second, queueName });
      const count = 400;
      await onFirst.sendMany(Array.from({ length: count }, () => []));
      const workers = [
        await startWorker(first, [queueName], { concurrency: 8 }),
        await startWorker(second, [queueName], { concurrency: 8 }),
      ];
      await eventually(() => seen.length >= count, `${count} messages ran`, 30_000);
      await first.join(queueName, { timeout: 10_000 });
      await Promise.all(workers.map((w) => w.stop()));
      expect(seen).toHaveLength(count);
      expect(new Set(seen).size).toBe(count);
    });
  });
}
