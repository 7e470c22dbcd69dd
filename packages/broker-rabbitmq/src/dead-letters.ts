import { createHash } from "node:crypto";
import { deadLetterQueueName, type StoredDeadLetter } from "@troupe/core";
import type { Channel, GetMessage } from "amqplib";

interface XDeath {
  time?: { value?: number } | number;
}

/** When RabbitMQ dead-lettered the message: the newest `x-death` entry, in ms. */
function deadAt(got: GetMessage): number | undefined {
  const deaths = got.properties.headers?.["x-death"] as XDeath[] | undefined;
  const time = deaths?.[0]?.time;
  const seconds = typeof time === "number" ? time : time?.value;
  return typeof seconds === "number" ? seconds * 1000 : undefined;
}

/** RabbitMQ gives a message no id of its own, so a dead letter is known by a digest of its bytes. */
const idOf = (content: Buffer): string => createHash("sha1").update(content).digest("base64url");

/**
 * Reads up to `limit` dead letters of `queueName`, oldest first, with `basic.get`
 * without ack: closing the channel afterwards puts every one back in place.
 */
export async function readDeadLetters(channel: Channel, queueName: string, limit: number): Promise<StoredDeadLetter[]> {
  const letters: StoredDeadLetter[] = [];
  while (letters.length < limit) {
    const got = await channel.get(deadLetterQueueName(queueName), { noAck: false });
    if (!got) break;
    letters.push({ id: idOf(got.content), data: got.content, deadAt: deadAt(got) });
  }
  return letters;
}

/**
 * Acks one dead letter per id (two copies of the same bytes share an id, and two ids
 * delete both), reading from the head of `q.XQ`, where `readDeadLetters` found them;
 * the others go back when the channel closes. Returns how many it deleted.
 */
export async function deleteDeadLetters(channel: Channel, queueName: string, ids: readonly string[]): Promise<number> {
  const wanted = new Map<string, number>();
  for (const id of ids) wanted.set(id, (wanted.get(id) ?? 0) + 1);
  let deleted = 0;
  while (deleted < ids.length) {
    const got = await channel.get(deadLetterQueueName(queueName), { noAck: false });
    if (!got) break;
    const id = idOf(got.content);
    const copies = wanted.get(id) ?? 0;
    if (copies === 0) continue;
    wanted.set(id, copies - 1);
    channel.ack(got);
    deleted++;
  }
  return deleted;
}
