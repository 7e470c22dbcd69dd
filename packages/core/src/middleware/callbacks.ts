import type { ActorLike } from "../actor-options.js";
import type { Broker } from "../broker.js";
import { errorTypeName } from "../error-type-name.js";
import { SuccessorNotEnqueued } from "../errors.js";
import type { JsonValue } from "../json.js";
import { Message } from "../message.js";
import type { Middleware, ProcessOutcome } from "../middleware.js";
import { messageOption } from "./option.js";

/**
 * Enqueues `target(sourceMessageObject, payload)`, as Dramatiq's callbacks do. Any
 * failure (an undeclared target, an unencodable payload, an unreachable broker) is
 * `SuccessorNotEnqueued`, so the source message is not acked without its callback.
 */
export async function enqueueCallback(
  broker: Broker,
  kind: "onSuccess" | "onFailure" | "onRetryExhausted",
  target: ActorLike,
  source: Message,
  payload: JsonValue,
): Promise<void> {
  const name = typeof target === "string" ? target : target.actorName;
  try {
    const actor = broker.getActor(name);
    const args = [source.toJSON() as unknown as JsonValue, payload];
    await broker.enqueue(new Message({ queueName: actor.queueName, actorName: name, args, messageTimestamp: broker.clock.now() }));
  } catch (error) {
    throw new SuccessorNotEnqueued(`the ${kind} callback ${name} of ${source}`, error);
  }
}

/** `onSuccess(source, result)` after a success, `onFailure(source, {type, message})` after every failure. */
export class Callbacks implements Middleware {
  readonly actorOptions = ["onSuccess", "onFailure"];

  afterProcessMessage(broker: Broker, message: Message, outcome: ProcessOutcome): Promise<void> | undefined {
    if (outcome.error === undefined) {
      const target = messageOption(broker, message, "onSuccess", undefined);
      return target ? enqueueCallback(broker, "onSuccess", target, message, (outcome.result ?? null) as JsonValue) : undefined;
    }
    const target = messageOption(broker, message, "onFailure", undefined);
    if (!target) return undefined;
    const error = outcome.error;
    const payload = {
      type: errorTypeName(error),
      message: error instanceof Error ? error.message : String(error),
    };
    return enqueueCallback(broker, "onFailure", target, message, payload);
  }
}
