import type { ErrorClass } from "../actor-options.js";
import type { Broker } from "../broker.js";
import { errorStack } from "../error-stack.js";
import { errorTypeName } from "../error-type-name.js";
import { RateLimitExceeded, Retry, SuccessorNotEnqueued } from "../errors.js";
import { errorSummary, reportFailure } from "../failure-report.js";
import type { Message } from "../message.js";
import type { Middleware, ProcessOutcome } from "../middleware.js";
import { assertKnownOptions, optionKeys } from "../option-keys.js";
import { computeBackoff } from "./backoff.js";
import { enqueueCallback } from "./callbacks.js";
import { messageOption } from "./option.js";

/** Defaults of the `Retries` middleware, for actors that do not set their own. */
export interface RetriesOptions {
  /** Retries before dead-lettering (default 20). */
  maxRetries?: number;
  /** First backoff, ms (default 15 000). */
  minBackoff?: number;
  /** Largest backoff, ms (default 7 days). */
  maxBackoff?: number;
  /** Decides whether to retry instead of `maxRetries`; `retries` counts the earlier retries. */
  retryWhen?: (retries: number, error: unknown) => boolean;
}

const RETRIES_OPTIONS = optionKeys<RetriesOptions>({ maxRetries: true, minBackoff: true, maxBackoff: true, retryWhen: true });

const MAX_TRACEBACK = 8_192;

/**
 * Retries failed messages with exponential backoff: the failed copy is acked and a
 * new copy (same `message_id`, `retries` + 1) waits on the delay queue. When retries
 * run out, or the error is one the actor `throws`, or it has `retryable: false` (such
 * as `@troupe/abort`'s `Abort`), the message is dead-lettered.
 */
export class Retries implements Middleware {
  readonly actorOptions = ["maxRetries", "minBackoff", "maxBackoff", "retryWhen", "throws", "onRetryExhausted"];
  private readonly defaults: Required<Omit<RetriesOptions, "retryWhen">> & Pick<RetriesOptions, "retryWhen">;

  constructor(options: RetriesOptions = {}) {
    assertKnownOptions("Retries", options, RETRIES_OPTIONS);
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
    return this.handleFailure(broker, message, outcome);
  }

  private async handleFailure(broker: Broker, message: Message, outcome: ProcessOutcome): Promise<void> {
    const error = outcome.error;
    const options = message.options;
    const retries = typeof options.retries === "number" ? options.retries : 0;
    options.retries = retries + 1;
    options.traceback = traceback(error);
    options.requeue_timestamp = broker.clock.now();

    if (isNotRetryable(error)) {
      reportFailure(
        broker.logger,
        "warn",
        outcome,
        `${message} failed with ${errorSummary(error)}, which is never retried: dead-lettering it`,
      );
      message.fail();
      return;
    }

    const actor = broker.actors.get(message.actorName);
    const throws = actor?.options.throws;
    if (throws && isOneOf(error, throws)) {
      reportFailure(
        broker.logger,
        "warn",
        outcome,
        `${message} failed with ${errorTypeName(error)}, which the actor throws: dead-lettering it`,
      );
      message.fail();
      return;
    }

    // As in Dramatiq, `max_retries: null` on the message means unlimited (messageOption reads null as unset).
    const maxRetries =
      options.max_retries === null ? null : (messageOption(broker, message, "maxRetries", this.defaults.maxRetries) as number);
    const retryWhen = actor?.options.retryWhen ?? this.defaults.retryWhen;
    const retry = retryWhen ? retryWhen(retries, error) : maxRetries === null || retries < maxRetries;
    if (!retry) {
      reportFailure(
        broker.logger,
        "error",
        outcome,
        `${message} failed ${retries + 1} time(s), last with ${errorSummary(error)}; dead-lettering it`,
      );
      message.fail();
      const target = messageOption(broker, message, "onRetryExhausted", undefined);
      if (target) await enqueueCallback(broker, "onRetryExhausted", target, message, { retries, max_retries: maxRetries });
      return;
    }

    const minBackoff = messageOption(broker, message, "minBackoff", this.defaults.minBackoff) as number;
    const maxBackoff = messageOption(broker, message, "maxBackoff", this.defaults.maxBackoff) as number;
    const delay = Retry.isInstance(error) && error.delay !== undefined ? error.delay : computeBackoff(retries, minBackoff, maxBackoff);
    const level = RateLimitExceeded.isInstance(error) || Retry.isInstance(error) ? "debug" : "warn";
    reportFailure(broker.logger, level, outcome, `${message} failed with ${errorSummary(error)}; retry ${retries + 1} in ${delay} ms`);
    try {
      await broker.enqueue(message.copy({ options: {} }), { delay });
    } catch (error) {
      // Unreachable broker: the message comes back and runs again. Unencodable copy: it is dead-lettered.
      throw new SuccessorNotEnqueued(`the retry of ${message}`, error);
    }
  }
}

// A property rather than a class, so that any package's errors (and any copy of Troupe's) can say so.
function isNotRetryable(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { retryable?: unknown }).retryable === false;
}

function isOneOf(error: unknown, classes: ErrorClass | readonly ErrorClass[]): boolean {
  const list = Array.isArray(classes) ? classes : [classes as ErrorClass];
  return list.some((kind) => error instanceof kind);
}

function traceback(error: unknown): string {
  const text = errorStack(error);
  return text.length > MAX_TRACEBACK ? `${text.slice(0, MAX_TRACEBACK)}\n…` : text;
}
