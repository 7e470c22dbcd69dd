import { delayQueueName, type QueueCounts } from "@troupe/core";
import { describe, it } from "vitest";
import { eventually } from "../../helpers.js";
import { take } from "./reading.js";
import { outgoing, type TransportScope } from "./scope.js";

/** `stats` counts ready, delayed, in-flight and dead messages of a canonical queue (capability: queueStats). */
export function queueStatsConformance(scope: TransportScope): void {
  /** Waits until the counts match (some brokers count a moment after the fact); in-flight where counted. */
  const expectCounts = async (queueName: string, expected: QueueCounts) => {
    let last: QueueCounts | undefined;
    const matches = async () => {
      last = await scope.transport().stats?.(queueName);
      return (
        !!last &&
        last.ready === expected.ready &&
        last.delayed === expected.delayed &&
        last.deadLetters === expected.deadLetters &&
        (last.inFlight === undefined || last.inFlight === expected.inFlight)
      );
    };
    await eventually(matches, `the counts are ${JSON.stringify(expected)}`, 5_000).catch((error) => {
      throw new Error(`${(error as Error).message}; last counted ${JSON.stringify(last)}`);
    });
  };

  describe("queue stats (capability: queueStats)", () => {
    it("counts nothing on a new queue", async () => {
      await expectCounts(await scope.queue(), { ready: 0, delayed: 0, inFlight: 0, deadLetters: 0 });
    });

    it("counts ready, delayed, in-flight and dead messages as they move", async () => {
      const queueName = await scope.queue();
      await scope
        .transport()
        .publish([
          ...["a", "b", "c"].map((data) => outgoing(queueName, data)),
          ...["d", "e"].map((data) => outgoing(delayQueueName(queueName), data, { eta: Date.now() + 60_000 })),
        ]);
      await expectCounts(queueName, { ready: 3, delayed: 2, inFlight: 0, deadLetters: 0 });
      // Prefetch 1: a broker that pushes to its readers holds no more than the one fetched.
      const reader = await scope.reader(queueName, 1);
      const [first] = await take(reader, 1);
      await expectCounts(queueName, { ready: 2, delayed: 2, inFlight: 1, deadLetters: 0 });
      await reader.nack(first.handle, "counted dead");
      const [second] = await take(reader, 1);
      await reader.ack([second.handle]);
      const [third] = await take(reader, 1);
      await expectCounts(queueName, { ready: 0, delayed: 2, inFlight: 1, deadLetters: 1 });
      await reader.ack([third.handle]);
      await expectCounts(queueName, { ready: 0, delayed: 2, inFlight: 0, deadLetters: 1 });
    });

    it("counts delayed messages a reader of the delay queue holds as delayed, where it counts what is held", async () => {
      const queueName = await scope.queue();
      const eta = Date.now() + 60_000;
      await scope.transport().publish(["d", "e"].map((data) => outgoing(delayQueueName(queueName), data, { eta })));
      // A transport that cannot count in-flight messages (RabbitMQ) cannot count held delayed ones either.
      const countsHeld = (await scope.transport().stats?.(queueName))?.inFlight !== undefined;
      await take(await scope.reader(delayQueueName(queueName), 1), 1);
      await expectCounts(queueName, { ready: 0, delayed: countsHeld ? 2 : 1, inFlight: 0, deadLetters: 0 });
    });
  });
}
