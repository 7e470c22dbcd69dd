import { delayQueueName, type Transport } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { sleep } from "../../helpers.js";
import { take } from "./reading.js";
import { outgoing, type TransportScope, text } from "./scope.js";

type DeadLetterTransport = Required<Pick<Transport, "listDeadLetters" | "deleteDeadLetters" | "purgeDeadLetters">>;

/** Nacked deliveries are kept, with why, and can be listed, deleted and purged (capability: deadLetters). */
export function deadLetterConformance(scope: TransportScope): void {
  const admin = () => scope.transport() as Transport & DeadLetterTransport;
  /** Nacks "a", "b", "c" in that order, a few ms apart (transports order by a clock), with reasons "why a", ..., on a fresh queue. */
  const nackThree = async () => {
    const queueName = await scope.queue();
    await scope.transport().publish(["a", "b", "c"].map((data) => outgoing(queueName, data)));
    const reader = await scope.reader(queueName);
    for (const delivery of await take(reader, 3, { max: 10 })) {
      await reader.nack(delivery.handle, `why ${text(delivery.data)}`);
      await sleep(5);
    }
    return queueName;
  };

  describe("dead letters (capability: deadLetters)", () => {
    it("nack stores a dead letter with its bytes and reason; listDeadLetters lists them oldest first, up to limit (Infinity: all)", async () => {
      const queueName = await nackThree();
      const letters = await admin().listDeadLetters(queueName, 10);
      expect(letters.map((letter) => text(letter.data))).toEqual(["a", "b", "c"]);
      // `reason` and `deadAt` are kept where the transport stores them; what is kept must be right.
      for (const letter of letters) expect(letter.reason ?? `why ${text(letter.data)}`).toBe(`why ${text(letter.data)}`);
      for (const letter of letters) if (letter.deadAt !== undefined) expect(Math.abs(letter.deadAt - Date.now())).toBeLessThan(60_000);
      expect(new Set(letters.map((letter) => letter.id)).size).toBe(3);
      expect((await admin().listDeadLetters(queueName, 2)).map((letter) => text(letter.data))).toEqual(["a", "b"]);
      // Core asks for every dead letter with an infinite limit.
      expect(await admin().listDeadLetters(queueName, Number.POSITIVE_INFINITY)).toHaveLength(3);
    });

    it("a delivery nacked on the delay queue is a dead letter of its canonical queue", async () => {
      const queueName = await scope.queue();
      await scope.transport().publish([outgoing(delayQueueName(queueName), "late", { eta: Date.now() })]);
      const reader = await scope.reader(delayQueueName(queueName));
      const [delivery] = await take(reader, 1);
      await reader.nack(delivery.handle, "bad eta");
      expect((await admin().listDeadLetters(queueName, 10)).map((letter) => text(letter.data))).toEqual(["late"]);
    });

    it("deleteDeadLetters deletes by id and counts only what was there", async () => {
      const queueName = await nackThree();
      const [a, b, c] = await admin().listDeadLetters(queueName, 10);
      expect(await admin().deleteDeadLetters(queueName, [a.id, "no-such-dead-letter"])).toBe(1);
      expect(await admin().deleteDeadLetters(queueName, [a.id])).toBe(0);
      expect((await admin().listDeadLetters(queueName, 10)).map((letter) => letter.id)).toEqual([b.id, c.id]);
    });

    it("purgeDeadLetters deletes every dead letter of a queue and counts them", async () => {
      const queueName = await nackThree();
      const other = await nackThree();
      expect(await admin().purgeDeadLetters(queueName)).toBe(3);
      expect(await admin().listDeadLetters(queueName, 10)).toEqual([]);
      expect(await admin().purgeDeadLetters(queueName)).toBe(0);
      expect(await admin().listDeadLetters(other, 10)).toHaveLength(3);
    });
  });
}
