import { actor, currentMessage, MessageTooLarge } from "@troupe/core";
import { describe, expect, it } from "vitest";
import type { ConformanceScope } from "../../broker-conformance.js";
import { eventually, uniqueQueue } from "../../helpers.js";
import { recordingActor, startWorker } from "./fixtures.js";

/** Retries of failed messages, and refusals at send (needs `queueStats`: join, counts). */
export function failureConformance(scope: ConformanceScope): void {
  describe("failures", () => {
    it("retries a failed message (same message id, retries counted) until it succeeds", async () => {
      const broker = await scope.context().broker();
      const queueName = uniqueQueue();
      const attempts: { id: string; retries: unknown }[] = [];
      const flaky = actor(
        "flaky",
        () => {
          const { message } = currentMessage();
          attempts.push({ id: message.messageId, retries: message.options.retries });
          if (attempts.length < 3) throw new Error("not yet");
        },
        { broker, queueName, minBackoff: 10, maxBackoff: 50 },
      );
      const worker = await startWorker(broker, [queueName]);
      const sent = await flaky.send();
      await eventually(() => attempts.length === 3, "the third attempt ran");
      await broker.join(queueName, { timeout: 10_000 });
      await worker.stop();
      expect(attempts.map((a) => a.id)).toEqual([sent.messageId, sent.messageId, sent.messageId]);
      expect(attempts.map((a) => a.retries)).toEqual([undefined, 1, 2]);
      expect((await broker.queueStats(queueName)).deadLetters).toBe(0);
    });

    it("refuses an oversized message at send with MessageTooLarge and enqueues nothing", async () => {
      const broker = await scope.context().broker({ maxMessageSize: 4096 });
      const { record, queueName } = recordingActor(broker);
      await expect(record.send("x".repeat(10_000))).rejects.toSatisfy((error) => MessageTooLarge.isInstance(error));
      expect((await broker.queueStats(queueName)).ready).toBe(0);
    });
  });
}
