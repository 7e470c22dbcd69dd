import { describe, expect, it } from "vitest";
import { take } from "./reading.js";
import { outgoing, type TransportScope, text } from "./scope.js";

/** The queue hands out higher `priority` first (capability: priorities). */
export function priorityConformance(scope: TransportScope): void {
  describe("priorities (capability: priorities)", () => {
    it("hands out waiting messages highest priority first", async () => {
      const queueName = await scope.queue();
      const ranks = [1, 5, 3, 9, 0];
      await scope.transport().publish(ranks.map((rank) => outgoing(queueName, `p${rank}`, { priority: rank })));
      const taken = await take(await scope.reader(queueName, 10), ranks.length, { max: 10 });
      expect(taken.map((delivery) => text(delivery.data))).toEqual(["p9", "p5", "p3", "p1", "p0"]);
    });
  });
}
