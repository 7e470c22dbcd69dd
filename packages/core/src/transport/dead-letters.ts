import type { DeadLetter } from "../broker.js";
import type { Message } from "../message.js";
import type { StoredDeadLetter } from "./transport.js";

/** A stored dead letter as operators see it: `id` is the message's `message_id` when its bytes decode, else the transport's id. */
export function toDeadLetter(stored: StoredDeadLetter, message: Message | undefined): DeadLetter {
  return {
    id: message?.messageId ?? stored.id,
    message,
    raw: typeof stored.data === "string" ? stored.data : stored.data.toString("utf8"),
    deadAt: stored.deadAt,
    reason: stored.reason,
  };
}
