import type { Broker } from "../broker.js";
import type { MessageData } from "../encoder.js";
import { SuccessorNotEnqueued } from "../errors.js";
import { Message } from "../message.js";
import type { Middleware, ProcessOutcome } from "../middleware.js";
import { messageOption } from "./option.js";

/**
 * After a pipeline step succeeds, enqueues the next step (`pipe_target`) with the
 * result appended to its arguments, unless the next step has `pipe_ignore`.
 */
export class Pipelines implements Middleware {
  readonly actorOptions = ["pipeIgnore"];

  afterProcessMessage(broker: Broker, message: Message, outcome: ProcessOutcome): Promise<void> | undefined {
    if (outcome.error !== undefined || message.failed) return undefined;
    const target = message.options.pipe_target as MessageData | undefined;
    if (!target) return undefined;
    return this.enqueueNext(broker, message, target, outcome.result);
  }

  /** A failure is `SuccessorNotEnqueued`: the step is not acked until the next one is enqueued. */
  private async enqueueNext(broker: Broker, message: Message, target: MessageData, result: unknown): Promise<void> {
    try {
      let next = Message.fromJSON(target);
      if (!messageOption(broker, next, "pipeIgnore", false)) {
        next = next.copy({ args: [...next.args, result ?? null] });
      }
      const delay = typeof next.options.delay === "number" ? next.options.delay : undefined;
      await broker.enqueue(next, { delay });
    } catch (error) {
      throw new SuccessorNotEnqueued(`the next pipeline step of ${message}`, error);
    }
  }
}
