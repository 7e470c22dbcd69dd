import type { AnyActor } from "./actor.js";
import { kwargsRefusal } from "./actor-arguments.js";
import type { Broker } from "./broker.js";
import type { Delivery } from "./consumer.js";
import { ActorNotFound, DecodeError, InvalidOption } from "./errors.js";
import type { Message } from "./message.js";
import { wireOptionProblem } from "./wire-options.js";

/**
 * Why a worker dead-letters a fetched delivery instead of holding it: its bytes could not be
 * decoded, its options are not what the wire allows, or (on a canonical queue) no actor of its
 * name is declared, or it carries keyword arguments its actor does not take. Else the actor
 * that runs it (undefined on a delay queue, where it is only held).
 */
export function refusalOf(
  broker: Broker,
  delivery: Delivery,
  delayQueue: boolean,
): { readonly refusal: Error; readonly actor?: undefined } | { readonly refusal?: undefined; readonly actor: AnyActor | undefined } {
  const message = delivery.message as Message | undefined;
  if (!message) return { refusal: delivery.error ?? new DecodeError("undecodable message") };
  const problem = wireOptionProblem(message.options);
  if (problem) return { refusal: new InvalidOption(problem) };
  if (delayQueue) return { actor: undefined };
  const actor = broker.actors.get(message.actorName);
  if (!actor) return { refusal: new ActorNotFound(message.actorName) };
  const kwargs = kwargsRefusal(actor, message);
  return kwargs ? { refusal: new DecodeError(kwargs) } : { actor };
}
