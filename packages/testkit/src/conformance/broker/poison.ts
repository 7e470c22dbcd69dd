import { actor, delayQueueName, type Logger } from "@troupe/core";
import { describe, expect, it } from "vitest";
import type { ConformanceScope } from "../../broker-conformance.js";
import { eventually, uniqueQueue } from "../../helpers.js";
import { startWorker } from "./fixtures.js";
import { poisonInputs } from "./poison-inputs.js";

const MAX_MESSAGE_SIZE = 64 * 1024;
const GOOD_BETWEEN = 2;

/**
 * Poison input among good messages: each bad input is dead-lettered with a logged
 * reason (or handled as documented and run once), every good message runs exactly
 * once, and the worker keeps going.
 */
export function poisonConformance(scope: ConformanceScope): void {
  describe("poison input", () => {
    it("dead-letters each kind of poison with its reason, runs every good message once, and keeps going", { timeout: 60_000 }, async () => {
      const context = scope.context();
      const lines: string[] = [];
      const keep = (text: string) => void lines.push(text);
      const logger: Logger = { debug() {}, info() {}, warn: keep, error: keep };
      const broker = await context.broker({ logger, maxMessageSize: MAX_MESSAGE_SIZE });
      const queueName = uniqueQueue("poison");
      const good = new Map<number, number>();
      const tags = new Map<string, number>();
      const count = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
      const record = actor("good", (n: number) => void count(good, n), { broker, queueName });
      const tagged = actor("tagged", (tag: string, _payload?: unknown) => void count(tags, tag), { broker, queueName });
      const failing = actor(
        "failing",
        (_tag: string, _payload?: unknown) => {
          throw new Error("this actor always fails");
        },
        { broker, queueName, maxRetries: 3, minBackoff: 10, maxBackoff: 20 },
      );
      const inputs = poisonInputs({ queueName, tagged: tagged.actorName, failing: failing.actorName, maxMessageSize: MAX_MESSAGE_SIZE });
      const doomed = inputs.flatMap((input) => ("deadLetter" in input.outcome ? [input.outcome.deadLetter] : []));

      let sent = 0;
      for (const input of inputs) {
        for (let i = 0; i < GOOD_BETWEEN; i++) await record.send(sent++);
        await context.injectRaw(broker, input.delayed ? delayQueueName(queueName) : queueName, input.raw);
      }
      await record.send(sent++);
      const worker = await startWorker(broker, [queueName]);
      await eventually(
        async () => (await broker.queueStats(queueName)).deadLetters >= doomed.length,
        "every poison is dead-lettered",
        30_000,
      );
      await eventually(() => good.size === sent, "every good message ran", 30_000);
      await record.send(sent++);
      await eventually(() => good.size === sent, "the worker kept going after the poison");
      await broker.join(queueName, { timeout: 10_000 });
      expect(worker.isRunning).toBe(true);
      await worker.stop();

      expect((await broker.queueStats(queueName)).deadLetters).toBe(doomed.length);
      expect([...good.values()].every((runs) => runs === 1)).toBe(true);
      const handled = inputs.flatMap((input) => ("runsOnce" in input.outcome ? [input.outcome.runsOnce] : []));
      expect(Object.fromEntries(tags)).toEqual(Object.fromEntries(handled.map((tag) => [tag, 1])));
      // Each kind's reason is logged: as many matching lines as kinds expecting it.
      const unexplained = inputs.filter((input) => {
        if (!("deadLetter" in input.outcome)) return false;
        const reason = input.outcome.deadLetter;
        const expected = doomed.filter((other) => other.source === reason.source).length;
        return lines.filter((line) => reason.test(line)).length < expected;
      });
      expect(unexplained.map((input) => input.kind)).toEqual([]);
      const stored = new Set((await broker.listDeadLetters(queueName, { limit: 1_000 })).map((letter) => letter.raw));
      const missing = inputs.filter((input) => "deadLetter" in input.outcome && typeof input.raw === "string" && !stored.has(input.raw));
      expect(missing.map((input) => input.kind)).toEqual([]);
    });
  });
}
