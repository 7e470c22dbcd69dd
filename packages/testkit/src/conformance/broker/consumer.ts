import type { Delivery } from "@troupe/core";
import { describe, expect, it } from "vitest";
import type { ConformanceScope } from "../../broker-conformance.js";
import { sleep } from "../../helpers.js";
import { recordingActor } from "./fixtures.js";
import { takeAtLeast } from "./take-at-least.js";

/**
 * Core's runtime consumer, read directly: idle ticks, wake-ups, prefetch, and what
 * close, requeue and ack do with deliveries (no counts or join needed).
 */
export function consumerConformance(scope: ConformanceScope): void {
  describe("consumer", () => {
    it("yields an empty batch (an idle tick) after timeout ms without messages, and again after each", async () => {
      const broker = await scope.context().broker();
      const { queueName } = recordingActor(broker);
      const consumer = broker.consume(queueName, { prefetch: 10, timeout: 200 });
      const started = Date.now();
      const ticks: number[] = [];
      for await (const batch of consumer) {
        expect(batch).toEqual([]);
        ticks.push(Date.now() - started);
        if (ticks.length === 3) break;
      }
      await consumer.close();
      // Not before its time (a little timer slack allowed), and not long after it either.
      expect(ticks[0]).toBeGreaterThanOrEqual(190);
      expect(ticks[2]).toBeGreaterThanOrEqual(570);
      expect(ticks[2]).toBeLessThan(3_000);
    });

    it("hands out a message sent while it waits long before its idle tick", async () => {
      const broker = await scope.context().broker();
      const { record, queueName } = recordingActor(broker);
      const consumer = broker.consume(queueName, { prefetch: 10, timeout: 10_000 });
      const iterator = consumer[Symbol.asyncIterator]();
      const next = iterator.next();
      await sleep(100);
      const sentAt = Date.now();
      const sent = await record.send(1);
      const { value } = await next;
      const waited = Date.now() - sentAt;
      await consumer.close();
      expect((value as readonly Delivery[]).map((delivery) => delivery.message?.messageId)).toEqual([sent.messageId]);
      expect(waited).toBeLessThan(2_000);
    });

    it("acked deliveries are not handed out again, by it or a later consumer", async () => {
      const broker = await scope.context().broker();
      const { record, queueName } = recordingActor(broker);
      await record.sendMany([[1], [2], [3]]);
      const consumer = broker.consume(queueName, { prefetch: 10, timeout: 100 });
      for (const delivery of await takeAtLeast(consumer, 3, false)) await consumer.ack(delivery);
      await consumer.close();
      const later = broker.consume(queueName, { prefetch: 10, timeout: 100 });
      let ticks = 0;
      for await (const batch of later) {
        expect(batch).toEqual([]);
        if (++ticks === 3) break;
      }
      await later.close();
    });

    it("returns unacked messages to the queue when a consumer closes", async () => {
      const broker = await scope.context().broker();
      const { record, queueName } = recordingActor(broker);
      const sent = await record.sendMany([[1], [2], [3]]);
      const taken = await takeAtLeast(broker.consume(queueName, { prefetch: 10, timeout: 100 }), 3, true);
      expect(taken.map((d) => d.message?.messageId).sort()).toEqual(sent.map((m) => m.messageId).sort());
      const again = await takeAtLeast(broker.consume(queueName, { prefetch: 10, timeout: 100 }), 3, true);
      expect(again.map((d) => d.message?.messageId).sort()).toEqual(sent.map((m) => m.messageId).sort());
    });

    it("consumer.requeue puts messages back for the next consumer", async () => {
      const broker = await scope.context().broker();
      const { record, queueName } = recordingActor(broker);
      const sent = await record.sendMany([[1], [2]]);
      const consumer = broker.consume(queueName, { prefetch: 10, timeout: 100 });
      const taken = await takeAtLeast(consumer, 2, false);
      await consumer.requeue(taken);
      await consumer.close();
      const again = await takeAtLeast(broker.consume(queueName, { prefetch: 10, timeout: 100 }), 2, true);
      expect(again.map((d) => d.message?.messageId).sort()).toEqual(sent.map((m) => m.messageId).sort());
    });

    it("never hands out more than prefetch unacked messages", async () => {
      const broker = await scope.context().broker();
      const { record, queueName } = recordingActor(broker);
      await record.sendMany(Array.from({ length: 20 }, (_, i) => [i]));
      const consumer = broker.consume(queueName, { prefetch: 5, timeout: 100 });
      const held: Delivery[] = [];
      let idleTicks = 0;
      for await (const batch of consumer) {
        held.push(...batch);
        if (batch.length === 0 && ++idleTicks >= 2) break;
      }
      expect(held).toHaveLength(5);
      await consumer.close();
    });
  });
}
