import { delayQueueName } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { expectNothing, take } from "./reading.js";
import { outgoing, type TransportScope } from "./scope.js";

/** `purge` drops a canonical queue's messages, its delay queue's and its dead letters, and no other queue's. */
export function purgeConformance(scope: TransportScope): void {
  describe("purge", () => {
    it("drops every message of a queue, its delay queue and its dead letters, and leaves other queues alone", async () => {
      const queueName = await scope.queue();
      const other = await scope.queue();
      const transport = scope.transport();
      await transport.publish([
        ...["a", "b", "c"].map((data) => outgoing(queueName, data)),
        outgoing(delayQueueName(queueName), "d", { eta: Date.now() + 60_000 }),
        outgoing(other, "kept"),
      ]);
      const reader = await scope.reader(queueName, 1);
      const [doomed] = await take(reader, 1);
      await reader.nack(doomed.handle, "purged with its queue");
      await scope.closeReader(reader);
      await transport.purge(queueName);

      await expectNothing(await scope.reader(queueName));
      await expectNothing(await scope.reader(delayQueueName(queueName)));
      if (scope.capabilities.deadLetters) expect(await transport.listDeadLetters?.(queueName, 10)).toEqual([]);
      if (scope.capabilities.queueStats) {
        expect(await transport.stats?.(queueName)).toMatchObject({ ready: 0, delayed: 0, deadLetters: 0 });
      }
      expect(await take(await scope.reader(other), 1)).toHaveLength(1);
    });
  });
}
