import { actor, currentMessage } from "@troupe/core";
import { describe, expect, it } from "vitest";
import type { ConformanceScope } from "../../broker-conformance.js";
import { eventually, uniqueQueue } from "../../helpers.js";
import { startWorker } from "./fixtures.js";
import { takeAtLeast } from "./take-at-least.js";

/** What a killed process held runs elsewhere (registered when `capabilities.crashRecovery` is not `"none"`). */
export function crashRecoveryConformance(scope: ConformanceScope): void {
  const { crashRecovery } = scope.capabilities;
  describe(`crash recovery (capability: crashRecovery "${crashRecovery}")`, () => {
    it(`delivers again the messages a crashed consumer held (crash recovery: ${crashRecovery})`, async () => {
      const context = scope.context();
      const doomed = await context.broker();
      const queueName = uniqueQueue();
      const seen: string[] = [];
      const note = (_n: number) => void seen.push(currentMessage().message.messageId);
      const record = actor(`record_${queueName}`, note, { broker: doomed, queueName });
      const sent = await record.sendMany([[1], [2], [3]]);
      const taken = await takeAtLeast(doomed.consume(queueName, { prefetch: 10, timeout: 100 }), 3, false);
      expect(taken).toHaveLength(3);
      await context.crash(doomed);

      const survivor = await context.broker();
      // Where only the consumers die (memory), the survivor is the crashed broker itself, its actor declared already.
      if (survivor !== doomed) actor(record.actorName, note, { broker: survivor, queueName });
      const worker = await startWorker(survivor, [queueName]);
      await eventually(() => seen.length >= 3, "the crashed consumer's messages ran elsewhere", context.recoveryTimeout ?? 15_000);
      await worker.stop();
      expect(seen.sort()).toEqual(sent.map((m) => m.messageId).sort());
    });
  });
}
