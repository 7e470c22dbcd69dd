import { delayQueueName } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { expectNothing, take } from "./reading.js";
import { outgoing, type TransportScope, text } from "./scope.js";

/** A delay queue stores messages with their eta, apart from its canonical queue; core holds them until due. */
export function delayQueueConformance(scope: TransportScope): void {
  describe("delay queue", () => {
    it("stores messages published with an eta on the delay queue, and hands them out there only", async () => {
      const queueName = await scope.queue();
      const soon = Date.now() + 100;
      await scope
        .transport()
        .publish([
          outgoing(delayQueueName(queueName), "later", { eta: soon + 100 }),
          outgoing(delayQueueName(queueName), "sooner", { eta: soon }),
        ]);
      const onDelayQueue = await take(await scope.reader(delayQueueName(queueName)), 2, { max: 10 });
      expect(onDelayQueue.map((delivery) => text(delivery.data)).sort()).toEqual(["later", "sooner"]);
      await expectNothing(await scope.reader(queueName));
    });
  });
}
