import type { Broker } from "@troupe/core";
import { describe, expect, it } from "vitest";
import type { ConformanceScope } from "../../broker-conformance.js";
import { eventually } from "../../helpers.js";
import { recordingActor } from "./fixtures.js";
import { takeAtLeast } from "./take-at-least.js";

/**
 * When a reader dies under a consumer that lives on (a dropped connection), core marks what it
 * handed out stale, opens a new reader, and the transport delivers those messages again
 * (registered when the target can cut readers off: `target.loseReaders`).
 */
export function staleConformance(scope: ConformanceScope, loseReaders: (broker: Broker) => void | Promise<void>): void {
  const ids = (deliveries: readonly { message?: { messageId: string } | undefined }[]) =>
    deliveries.map((delivery) => delivery.message?.messageId).sort();

  describe("stale deliveries (target.loseReaders)", () => {
    it("marks a lost reader's deliveries stale, and the same consumer hands the messages out again", async () => {
      const broker = await scope.context().broker();
      const { record, queueName } = recordingActor(broker);
      const sent = await record.sendMany([[1], [2], [3]]);
      const consumer = broker.consume(queueName, { prefetch: 10, timeout: 100 });
      const first = await takeAtLeast(consumer, 3, false);
      expect(first.map((delivery) => delivery.stale ?? false)).toEqual([false, false, false]);
      await loseReaders(broker);
      await eventually(() => first.every((delivery) => delivery.stale === true), "the lost reader's deliveries are stale");
      const again = await takeAtLeast(consumer, 3, false);
      expect(ids(again)).toEqual(sent.map((message) => message.messageId).sort());
      expect(again.some((delivery) => delivery.stale)).toBe(false);
      for (const delivery of again) await consumer.ack(delivery);
      await consumer.close();
    });
  });
}
