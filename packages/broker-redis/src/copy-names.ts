import { createHash } from "node:crypto";
import { type Message, uuid4 } from "@troupe/core";

/**
 * A copy's `redis_message_id`, and for a due delayed message moved to its queue,
 * the id of the delay-queue copy it replaces (the move takes that one away).
 */
export interface CopyName {
  readonly id: string;
  readonly replaces: string | undefined;
}

/**
 * Names every message copy once, so that a copy sent again keeps its name and the
 * enqueue script (HSETNX) stores it once: a `Message` object sent again reuses its
 * name, and a copy made from a delivered message (a retry, a moved delayed message)
 * gets a name derived from the delivered copy's, so a redelivery that makes it again
 * makes the same copy. Fresh messages get a random uuid4, as in Dramatiq.
 */
export class CopyNames {
  private readonly names = new WeakMap<Message<readonly unknown[], unknown>, CopyName>();

  /**
   * Names `message` for its queue (on first sight) and writes the name into its
   * options before any delay copy is made from it. `heldDelayCopy(queue, id)` says
   * whether the delay-queue copy `id` is held by this broker, i.e. this is its move.
   */
  name(message: Message<readonly unknown[], unknown>, heldDelayCopy: (queueName: string, id: string) => boolean): void {
    let name = this.names.get(message);
    if (!name) {
      const inherited = message.options.redis_message_id;
      if (typeof inherited === "string") {
        const replaces = heldDelayCopy(message.queueName, inherited) ? inherited : undefined;
        name = { id: derivedId(inherited, message.queueName), replaces };
      } else {
        name = { id: uuid4(), replaces: undefined };
      }
      this.names.set(message, name);
    }
    setRedisMessageId(message.options, name.id);
  }

  /** The name of a message about to be stored: its own, or the one a delay copy inherited from its named original. */
  of(message: Message<readonly unknown[], unknown>): CopyName {
    const name = this.names.get(message);
    if (name) return name;
    const inherited = message.options.redis_message_id;
    const id = typeof inherited === "string" ? inherited : uuid4();
    setRedisMessageId(message.options, id);
    return { id, replaces: undefined };
  }
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
export function setRedisMessageId(options: Record<string, unknown>, id: string): void {
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
