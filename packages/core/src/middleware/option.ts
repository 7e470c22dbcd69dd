import type { ActorOptions } from "../actor-options.js";
import type { Broker } from "../broker.js";
import type { Message } from "../message.js";
import { toWireName } from "../options.js";

/**
 * The value of an option for one message: the message's wire option when set,
 * else its actor's option, else `fallback`.
 */
export function messageOption<K extends keyof ActorOptions>(
  broker: Broker,
  message: Message,
  name: K,
  fallback: ActorOptions[K],
): ActorOptions[K] {
  const fromMessage = message.options[toWireName(name)];
  if (fromMessage !== undefined && fromMessage !== null) return fromMessage as ActorOptions[K];
  const actor = broker.actors.get(message.actorName);
  const fromActor = actor?.options[name];
  return fromActor === undefined ? fallback : fromActor;
}
