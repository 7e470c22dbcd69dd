import { createHash } from "node:crypto";
import { type Message, uuid4 } from "@troupe/core";

/**
 * Names every message copy once (its `redis_message_id`, the hash field and idempotency
 * key of Dramatiq's layout), so that a copy sent again keeps its name and the enqueue
 * script (HSETNX) stores it once: a `Message` object sent again reuses its name, and a
 * copy made from a delivered message (a retry, a moved delayed message, a requeued dead
 * letter) gets a name derived from the delivered copy's, so a redelivery that makes it
 * again makes the same copy. Fresh messages get a random uuid4, as in Dramatiq.
 */
export class CopyNames {
  private readonly names = new WeakMap<Message<readonly unknown[], unknown>, string>();

  /** Names `message` for its queue (on first sight) and writes the name into its options, before any delay copy is made from it. */
  name(message: Message<readonly unknown[], unknown>): void {
    let id = this.names.get(message);
    if (id === undefined) {
      const inherited = message.options.redis_message_id;
      id = typeof inherited === "string" ? derivedId(inherited, message.queueName) : uuid4();
      this.names.set(message, id);
    }
    setRedisMessageId(message.options, id);
  }
}

/** The name of a message about to be stored: its own, or the one a delay copy inherited from its named original. */
export function copyId(message: Message<readonly unknown[], unknown>): string {
  const id = message.options.redis_message_id;
  if (typeof id === "string") return id;
  const fresh = uuid4();
  setRedisMessageId(message.options, fresh);
  return fresh;
}

/** A uuid (version 5 layout) determined by the delivered copy's id and the target queue. */
function derivedId(from: string, queueName: string): string {
  const hex = createHash("sha1").update(`troupe:${from}:${queueName}`).digest("hex");
  const variant = ((Number.parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Names the physical copy in its options, as Dramatiq does on every enqueue. An
 * existing key keeps its place; a new one goes before `eta`, where Dramatiq writes it.
 */
function setRedisMessageId(options: Record<string, unknown>, id: string): void {
  if (options.redis_message_id === id) return;
  if (!("eta" in options) || "redis_message_id" in options) {
    options.redis_message_id = id;
    return;
  }
  const eta = options.eta;
  delete options.eta;
  options.redis_message_id = id;
  options.eta = eta;
}
