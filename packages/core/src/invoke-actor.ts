import type { AnyActor } from "./actor.js";
import { actorArguments } from "./actor-arguments.js";
import type { Broker } from "./broker.js";
import { type MessageContext, onAbortOf, runInContext } from "./current-message.js";
import type { Message } from "./message.js";
import type { ThreadPool } from "./thread-pool.js";

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function";

/**
 * Runs an actor's function for one message in its context, inside the broker's `aroundActor`
 * wrappers (a thread actor in the pool instead): settles with what it returned or threw, or
 * with the reason its run was aborted, at once (an event-loop actor's code cannot be stopped).
 */
export function invokeActor(
  broker: Broker,
  threadPool: ThreadPool,
  context: MessageContext,
  actor: AnyActor,
  message: Message,
): Promise<unknown> {
  if (actor.threadModule) return threadPool.run(context, actor, message);
  return new Promise((resolve, reject) => {
    onAbortOf(context, reject);
    const args = actorArguments(actor, message);
    let result: unknown;
    try {
      result = broker.hasHook("aroundActor")
        ? broker.emitAround(message, () => runInContext(context, actor.fn, args))
        : runInContext(context, actor.fn, args);
    } catch (error) {
      reject(error);
      return;
    }
    if (isThenable(result)) result.then(resolve, reject);
    else resolve(result);
  });
}
