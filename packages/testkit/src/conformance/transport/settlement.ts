import type { TransportReader } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { expectNothing, take } from "./reading.js";
import { outgoing, type TransportScope, text } from "./scope.js";

/** Ack, nack and requeue settle deliveries for good; close returns the unsettled ones. */
export function settlementConformance(scope: TransportScope): void {
  /** Closes `reader` and checks through a new reader (and the counts, where kept) that `queueName` is empty. */
  const expectGone = async (reader: TransportReader, queueName: string) => {
    await scope.closeReader(reader);
    await expectNothing(await scope.reader(queueName));
    const stats = scope.capabilities.queueStats ? await scope.transport().stats?.(queueName) : undefined;
    if (stats) expect([stats.ready, stats.inFlight ?? 0]).toEqual([0, 0]);
  };

  describe("settlement", () => {
    it("ack removes deliveries for good, and acking them again does nothing", async () => {
      const queueName = await scope.queue();
      await scope.transport().publish([outgoing(queueName, "a"), outgoing(queueName, "b")]);
      const reader = await scope.reader(queueName);
      const handles = (await take(reader, 2, { max: 10 })).map((delivery) => delivery.handle);
      await reader.ack(handles);
      await reader.ack(handles);
      await expectGone(reader, queueName);
    });

    it("fetch(max, acks) acks the deliveries it is given", async () => {
      const queueName = await scope.queue();
      await scope.transport().publish([outgoing(queueName, "a"), outgoing(queueName, "b")]);
      const reader = await scope.reader(queueName);
      const handles = (await take(reader, 2, { max: 10 })).map((delivery) => delivery.handle);
      expect(await reader.fetch(10, handles)).toEqual([]);
      await expectGone(reader, queueName);
    });

    it("nack takes a delivery off its queue", async () => {
      const queueName = await scope.queue();
      await scope.transport().publish([outgoing(queueName, "doomed")]);
      const reader = await scope.reader(queueName);
      const [delivery] = await take(reader, 1);
      await reader.nack(delivery.handle, "a test nacked it");
      await expectGone(reader, queueName);
    });

    it("nack takes any reason text: unicode, control characters, NUL (core quotes undecodable bytes in reasons)", async () => {
      const queueName = await scope.queue();
      await scope.transport().publish([outgoing(queueName, "doomed")]);
      const reader = await scope.reader(queueName);
      const [delivery] = await take(reader, 1);
      await reader.nack(delivery.handle, 'message is not valid JSON: "\u0000\u00ff{" ✓ 😀 \n\t');
      await expectGone(reader, queueName);
    });

    it("requeue puts a delivery back at the head of its queue", async () => {
      const queueName = await scope.queue();
      await scope.transport().publish(["a", "b", "c"].map((data) => outgoing(queueName, data)));
      // Prefetch 1: "b" and "c" stay on the queue itself, so the requeued "a" must overtake them.
      const reader = await scope.reader(queueName, 1);
      const [first] = await take(reader, 1);
      expect(text(first.data)).toBe("a");
      await reader.requeue([first.handle]);
      const [again] = await take(reader, 1);
      expect(text(again.data)).toBe("a");
      await reader.ack([again.handle]);
      const rest = [];
      for (let i = 0; i < 2; i++) {
        const [next] = await take(reader, 1);
        rest.push(text(next.data));
        await reader.ack([next.handle]);
      }
      expect(rest).toEqual(["b", "c"]);
    });

    it("a closed reader's unsettled deliveries come back to the next reader", async () => {
      const queueName = await scope.queue();
      await scope.transport().publish(["a", "b", "c"].map((data) => outgoing(queueName, data)));
      const first = await scope.reader(queueName);
      const [settled, ...unsettled] = await take(first, 3, { max: 10 });
      await first.ack([settled.handle]);
      await scope.closeReader(first);
      const second = await scope.reader(queueName);
      const again = await take(second, 2, { max: 10, timeout: scope.recoveryTimeout });
      expect(again.map((delivery) => text(delivery.data)).sort()).toEqual(unsettled.map((delivery) => text(delivery.data)).sort());
      // `redelivered` is optional ("where it can tell"), but a transport that sets it must not deny a redelivery.
      for (const delivery of again) expect(delivery.redelivered ?? true).toBe(true);
    });
  });
}
