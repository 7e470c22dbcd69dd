import { actor } from "@troupe/core";
import { describe, expect, it } from "vitest";
import type { ConformanceScope } from "../../broker-conformance.js";
import { eventually, uniqueQueue } from "../../helpers.js";
import { startWorker } from "./fixtures.js";

/** The broker's own per-message priority, `brokerPriority` (registered with `capabilities.priorities`). */
export function priorityConformance(scope: ConformanceScope): void {
  describe("broker priorities (capability: priorities)", () => {
    it("delivers higher brokerPriority first", async () => {
      const broker = await scope.context().broker();
      const queueName = uniqueQueue();
      const order: number[] = [];
      const ranked = actor("ranked", (rank: number) => void order.push(rank), { broker, queueName });
      for (const rank of [1, 5, 3, 9, 0]) await ranked.sendWithOptions({ args: [rank], brokerPriority: rank });
      const worker = await startWorker(broker, [queueName], { concurrency: 1, prefetch: 1 });
      await eventually(() => order.length === 5, "five messages ran");
      await worker.stop();
      expect(order).toEqual([9, 5, 3, 1, 0]);
    });
  });
}
