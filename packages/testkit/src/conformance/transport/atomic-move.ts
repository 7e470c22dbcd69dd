import { delayQueueName } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { expectNothing, take } from "./reading.js";
import { outgoing, type TransportScope, text } from "./scope.js";

/** A publish with `replaces` moves a delivery off its delay queue in the same step (capability: atomicMove). */
export function atomicMoveConformance(scope: TransportScope): void {
  describe("atomic move (capability: atomicMove)", () => {
    it("publish with replaces puts the message on its queue and removes the delay-queue delivery it replaces", async () => {
      const queueName = await scope.queue();
      const transport = scope.transport();
      await transport.publish([outgoing(delayQueueName(queueName), "due", { eta: Date.now() })]);
      const delayReader = await scope.reader(delayQueueName(queueName));
      const [held] = await take(delayReader, 1);
      await transport.publish([outgoing(queueName, "due", { replaces: held.handle })]);
      const [moved] = await take(await scope.reader(queueName), 1);
      expect(text(moved.data)).toBe("due");
      // Gone for good: not handed out again even once its reader closes without settling it.
      await scope.closeReader(delayReader);
      await expectNothing(await scope.reader(delayQueueName(queueName)));
      const stats = scope.capabilities.queueStats ? await transport.stats?.(queueName) : undefined;
      if (stats) expect(stats.delayed).toBe(0);
    });
  });
}
