import { actor, actorRef, type Broker, currentMessage, type Logger, type Message } from "@troupe/core";
import { describe, expect, it } from "vitest";
import type { ConformanceScope } from "../../broker-conformance.js";
import { eventually, uniqueQueue } from "../../helpers.js";
import { recordingActor, startWorker } from "./fixtures.js";

/**
 * Failed, undecodable and unknown messages end in the dead letters, which can be listed,
 * requeued through the normal enqueue path (every enqueue hook fires) and purged
 * (needs `queueStats` and `deadLetters`).
 */
export function deadLetterConformance(scope: ConformanceScope): void {
  /** Two messages of an actor that fails (no retries) while `state.failing`, dead-lettered; hooks recorded once `state.recording`. */
  const deadTwo = async () => {
    const broker = await scope.context().broker();
    const queueName = uniqueQueue();
    const state = { failing: true, recording: false, runs: [] as string[], hooks: [] as string[] };
    const note = (hook: string) => (_broker: Broker, message: Message) =>
      void (state.recording && state.hooks.push(`${hook} ${message.messageId}`));
    broker.addMiddleware({ beforeEnqueue: note("beforeEnqueue"), afterEnqueue: note("afterEnqueue") });
    const flaky = actor(
      "fails_until_fixed",
      () => {
        state.runs.push(currentMessage().message.messageId);
        if (state.failing) throw new Error("not fixed yet");
      },
      { broker, queueName, maxRetries: 0 },
    );
    const worker = await startWorker(broker, [queueName]);
    const sent = await flaky.sendMany([[], []]);
    await eventually(async () => (await broker.queueStats(queueName)).deadLetters === 2, "both messages are dead-lettered");
    return { broker, queueName, worker, state, ids: sent.map((message) => message.messageId).sort() };
  };

  describe("dead letters", () => {
    it("nacks a message whose retries ran out to the dead letters, keeping its message id (its DeadLetter id) and reason", async () => {
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
      expect(dead[0].id).toBe(sent.messageId);
      // Where the transport keeps why (`reason` is optional), it is the error the worker nacked with.
      expect(dead[0].reason ?? "Error: boom").toBe("Error: boom");
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

    it("requeueDeadLetters enqueues them again through the enqueue hooks, with their message ids, and they run", async () => {
      const { broker, queueName, worker, state, ids } = await deadTwo();
      state.failing = false;
      state.recording = true;
      expect(await broker.requeueDeadLetters(queueName)).toBe(2);
      await broker.join(queueName, { timeout: 10_000 });
      await worker.stop();
      expect(state.hooks.filter((hook) => hook.startsWith("beforeEnqueue")).sort()).toEqual(ids.map((id) => `beforeEnqueue ${id}`));
      expect(state.hooks.filter((hook) => hook.startsWith("afterEnqueue")).sort()).toEqual(ids.map((id) => `afterEnqueue ${id}`));
      expect(state.runs.sort()).toEqual([...ids, ...ids].sort());
      expect(await broker.listDeadLetters(queueName)).toEqual([]);
      expect((await broker.queueStats(queueName)).deadLetters).toBe(0);
    });

    it("requeueDeadLetters with a limit requeues the oldest that many", async () => {
      const { broker, queueName, worker, state } = await deadTwo();
      const [oldest, newest] = await broker.listDeadLetters(queueName);
      state.failing = false;
      expect(await broker.requeueDeadLetters(queueName, { limit: 1 })).toBe(1);
      await eventually(() => state.runs.filter((id) => id === oldest.id).length === 2, "the oldest ran again");
      await worker.stop();
      expect((await broker.listDeadLetters(queueName)).map((letter) => letter.id)).toEqual([newest.id]);
    });

    it("purgeDeadLetters deletes a queue's dead letters and counts them", async () => {
      const { broker, queueName, worker } = await deadTwo();
      await worker.stop();
      expect(await broker.purgeDeadLetters(queueName)).toBe(2);
      expect(await broker.listDeadLetters(queueName)).toEqual([]);
      expect((await broker.queueStats(queueName)).deadLetters).toBe(0);
      expect(await broker.purgeDeadLetters(queueName)).toBe(0);
    });
  });
}

function capturingLogger(warnings: string[]): Logger {
  const ignore = () => {};
  return { debug: ignore, info: ignore, warn: (message) => warnings.push(message), error: (message) => warnings.push(message) };
}
