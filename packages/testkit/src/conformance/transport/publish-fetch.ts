import type { RawDelivery } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { eventually, sleep } from "../../helpers.js";
import { take } from "./reading.js";
import { outgoing, type TransportScope, text } from "./scope.js";

const UNICODE = 'héllo wörld ✓ 😀 中文 "quotes" \\ \n\t \u0001 \u2028 </script>';

/** What is published is fetched, intact, in order, never more at once than asked or allowed. */
export function publishFetchConformance(scope: TransportScope): void {
  describe("publish and fetch", () => {
    it("fetch hands out the bytes publish stored, from a string or a Buffer", async () => {
      const queueName = await scope.queue();
      const large = "x".repeat(1024 * 1024);
      await scope
        .transport()
        .publish([outgoing(queueName, UNICODE), outgoing(queueName, Buffer.from(`${UNICODE} as bytes`)), outgoing(queueName, large)]);
      const reader = await scope.reader(queueName);
      const taken = await take(reader, 3, { max: 10 });
      expect(taken.map((delivery) => text(delivery.data))).toEqual([UNICODE, `${UNICODE} as bytes`, large]);
    });

    it("hands out messages in the order they were published", async () => {
      const queueName = await scope.queue();
      const transport = scope.transport();
      await transport.publish(["a", "b", "c"].map((data) => outgoing(queueName, data)));
      await transport.publish([outgoing(queueName, "d")]);
      const taken = await take(await scope.reader(queueName), 4, { max: 10 });
      expect(taken.map((delivery) => text(delivery.data))).toEqual(["a", "b", "c", "d"]);
    });

    it("fetch resolves with an empty batch at once when nothing is ready", async () => {
      const reader = await scope.reader(await scope.queue());
      const started = Date.now();
      expect(await reader.fetch(10, [])).toEqual([]);
      expect(await reader.fetch(10, [])).toEqual([]);
      expect(Date.now() - started).toBeLessThan(500);
    });

    it("fetch hands out at most max deliveries", async () => {
      const queueName = await scope.queue();
      await scope.transport().publish(Array.from({ length: 5 }, (_, i) => outgoing(queueName, `m${i}`)));
      const reader = await scope.reader(queueName);
      const taken = await take(reader, 5, { max: 2 });
      expect(taken.map((delivery) => text(delivery.data)).sort()).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    });

    it("never has more than prefetch deliveries out, and hands out more as they are acked", async () => {
      const queueName = await scope.queue();
      await scope.transport().publish(Array.from({ length: 10 }, (_, i) => outgoing(queueName, `m${i}`)));
      const reader = await scope.reader(queueName, 3);
      const out: RawDelivery[] = [];
      const fill = (limit: number) => async () => {
        out.push(...(await reader.fetch(10, [])));
        expect(out.length).toBeLessThanOrEqual(limit);
        return out.length === limit;
      };
      await eventually(fill(3), "prefetch (3) deliveries are out", 5_000);
      for (let i = 0; i < 5; i++) {
        expect(await reader.fetch(10, [])).toEqual([]);
        await sleep(30);
      }
      await reader.ack([out[0].handle]);
      await eventually(fill(4), "one more delivery is out after an ack", 5_000);
      for (let i = 0; i < 5; i++) {
        expect(await reader.fetch(10, [])).toEqual([]);
        await sleep(30);
      }
      expect(new Set(out.map((delivery) => text(delivery.data))).size).toBe(4);
    });
  });
}
