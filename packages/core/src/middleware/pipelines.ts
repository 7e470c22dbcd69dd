import type { Broker } from "../broker.js";
import type { MessageData } from "../encoder.js";
import { Message } from "../message.js";
import type { Middleware, ProcessOutcome } from "../middleware.js";
import { messageOption } from "./option.js";

/**
 * After a pipeline step succeeds, enqueues the next step (`pipe_target`) with the
 * result appended to its arguments, unless the next step has `pipe_ignore`.
 */
export class Pipelines implements Middleware {
  readonly actorOptions = ["pipeIgnore"];

  async afterProcessMessage(broker: Broker, message: Message, outcome: ProcessOutcome): Promise<void> {
    if (outcome.error !== undefined || message.failed) return;
    const target = message.options.pipe_target as MessageData | undefined;
    if (!target) return;
    let next = Message.fromJSON(target);
    if (!messageOption(broker, next, "pipeIgnore", false)) {
      next = next.copy({ args: [...next.args, outcome.result ?? null] });
    }
    const delay = typeof next.options.delay === "number" ? next.options.delay : undefined;
    await broker.enqueue(next, { delay });
  }
}
