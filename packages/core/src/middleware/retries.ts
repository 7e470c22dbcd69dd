import type { ErrorClass } from "../actor-options.js";
import type { Broker } from "../broker.js";
import { RateLimitExceeded, Retry } from "../errors.js";
import type { Message } from "../message.js";
import type { Middleware, ProcessOutcome } from "../middleware.js";
import { computeBackoff } from "./backoff.js";
import { enqueueCallback } from "./callbacks.js";
import { messageOption } from "./option.js";

export interface RetriesOptions {
  maxRetries?: number;
  minBackoff?: number;
  maxBackoff?: number;
  retryWhen?: (retries: number, error: unknown) => boolean;
}

const MAX_TRACEBACK = 8_192;

/**
 * Retries failed messages with exponential backoff: the failed copy is acked and a
 * new copy (same `message_id`, `retries` + 1) waits on the delay queue. When retries
 * run out, or the error is one the actor `throws`, the message is dead-lettered.
 */
export class Retries implements Middleware {
  readonly actorOptions = ["maxRetries", "minBackoff", "maxBackoff", "retryWhen", "throws", "onRetryExhausted"];
  private readonly defaults: Required<Omit<RetriesOptions, "retryWhen">> & Pick<RetriesOptions, "retryWhen">;

  constructor(options: RetriesOptions = {}) {
    this.defaults = {
      maxRetries: options.maxRetries ?? 20,
      minBackoff: options.minBackoff ?? 15_000,
      maxBackoff: options.maxBackoff ?? 7 * 24 * 3_600_000,
      retryWhen: options.retryWhen,
    };
  }

  // Not async: a success (the hot path) returns without allocating a promise.
  afterProcessMessage(broker: Broker, message: Message, outcome: ProcessOutcome): Promise<void> | undefined {
    if (outcome.error === undefined) return undefined;
    return this.handleFailure(broker, message, outcome.error);
  }

  private async handleFailure(broker: Broker, message: Message, error: unknown): Promise<void> {
    const options = message.options;
    const retries = typeof options.retries === "number" ? options.retries : 0;
    options.retries = retries + 1;
    options.traceback = traceback(error);
    options.requeue_timestamp = Date.now();

    const actor = broker.actors.get(message.actorName);
    const throws = actor?.options.throws;
    if (throws && isOneOf(error, throws)) {
      broker.logger.warn(`${message} failed with ${errorName(error)}, which the actor throws: dead-lettering it`);
      message.fail();
      return;
    }

    const maxRetries = messageOption(broker, message, "maxRetries", this.defaults.maxRetries) as number;
    const retryWhen = actor?.options.retryWhen ?? this.defaults.retryWhen;
    const retry = retryWhen ? retryWhen(retries, error) : retries < maxRetries;
    if (!retry) {
      broker.logger.error(
        `${message} failed ${retries + 1} time(s), last with ${errorName(error)}: ${errorText(error)}; dead-lettering it`,
      );
      message.fail();
      const target = messageOption(broker, message, "onRetryExhausted", undefined);
      if (target) await enqueueCallback(broker, target, message, { retries, max_retries: maxRetries });
      return;
    }

    const minBackoff = messageOption(broker, message, "minBackoff", this.defaults.minBackoff) as number;
    const maxBackoff = messageOption(broker, message, "maxBackoff", this.defaults.maxBackoff) as number;
    const delay = Retry.isInstance(error) && error.delay !== undefined ? error.delay : computeBackoff(retries, minBackoff, maxBackoff);
    const log = RateLimitExceeded.isInstance(error) || Retry.isInstance(error) ? broker.logger.debug : broker.logger.warn;
    log(`${message} failed with ${errorName(error)}: ${errorText(error)}; retry ${retries + 1} in ${delay} ms`);
    await broker.enqueue(message.copy({ options: {} }), { delay });
  }
}

function isOneOf(error: unknown, classes: ErrorClass | readonly ErrorClass[]): boolean {
  const list = Array.isArray(classes) ? classes : [classes as ErrorClass];
  return list.some((kind) => error instanceof kind);
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function traceback(error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return text.length > MAX_TRACEBACK ? `${text.slice(0, MAX_TRACEBACK)}\n…` : text;
}
