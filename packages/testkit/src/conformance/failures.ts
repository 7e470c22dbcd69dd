import { actor, actorRef, currentMessage, type Logger, MessageTooLarge } from "@troupe/core";
import { describe, expect, it } from "vitest";
import type { ConformanceScope } from "../broker-conformance.js";
import { eventually, uniqueQueue } from "../helpers.js";
import { recordingActor, startWorker } from "./fixtures.js";

/** Failed, undecodable and unknown messages end in the dead letters; nothing else is lost. */
export function failureConformance(scope: ConformanceScope): void {
  describe("failures", () => {
    it("nacks a message whose retries ran out to the dead letters, keeping its message id", async () => {
      const broker = await scope.context().broker();
      const queueName = uniqueQueue();
      const fail = actor(
        "always_fails",
        () => {
          throw new Error("boom");
        },
        { broker, queueName, maxRetries: 0 },
      );
      const worker = await startWorker(broker, [queueName]);
      const sent = await fail.send();
      await eventually(async () => (await broker.queueStats(queueName)).deadLetters === 1, "the message is dead-lettered");
      await worker.stop();
      const dead = await broker.listDeadLetters(queueName);
      expect(dead).toHaveLength(1);
      expect(dead[0].message?.messageId).toBe(sent.messageId);
      expect(dead[0].message?.actorName).toBe("always_fails");
    });

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

    it("dead-letters undecodable bytes and unknown actors while good messages keep flowing", async () => {
      const context = scope.context();
      const warnings: string[] = [];
      const broker = await context.broker({ logger: capturingLogger(warnings) });
      const { record, runs, queueName } = recordingActor(broker);
      const stranger = actorRef<[number]>("nobody_declared_me", { queueName, broker });
      await record.send(1);
      await context.injectRaw(broker, queueName, "\u0000\u00ffnot json at all{");
      await context.injectRaw(broker, queueName, JSON.stringify({ ...record.message(9).toJSON(), extra_top_level_key: true }));
      await stranger.send(7);
      await record.send(2);
      const worker = await startWorker(broker, [queueName]);
      await eventually(async () => (await broker.queueStats(queueName)).deadLetters === 3, "three messages are dead-lettered");
      await eventually(() => runs.length === 2, "the good messages ran");
      await record.send(3);
      await eventually(() => runs.length === 3, "the worker kept going");
      await worker.stop();
      expect(runs.map(([n]) => n).sort()).toEqual([1, 2, 3]);
      const dead = await broker.listDeadLetters(queueName);
      expect(dead.filter((d) => d.message?.actorName === "nobody_declared_me")).toHaveLength(1);
      expect(dead.filter((d) => d.message === undefined)).toHaveLength(2);
      expect(warnings.some((line) => line.includes("nobody_declared_me") && line.includes("not declared"))).toBe(true);
      expect(warnings.filter((line) => line.includes("dead-lettering"))).toHaveLength(3);
    });

    it("refuses an oversized message at send with MessageTooLarge and enqueues nothing", async () => {
      const broker = await scope.context().broker({ maxMessageSize: 4096 });
      const { record, queueName } = recordingActor(broker);
      await expect(record.send("x".repeat(10_000))).rejects.toSatisfy((error) => MessageTooLarge.isInstance(error));
      expect((await broker.queueStats(queueName)).ready).toBe(0);
    });
  });
}

function capturingLogger(warnings: string[]): Logger {
  const ignore = () => {};
  return { debug: ignore, info: ignore, warn: (message) => warnings.push(message), error: (message) => warnings.push(message) };
}
