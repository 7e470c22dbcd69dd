import { errorStack } from "./error-stack.js";
import { errorTypeName } from "./error-type-name.js";
import type { Logger } from "./logger.js";
import type { Message } from "./message.js";
import type { ProcessOutcome } from "./middleware.js";

const reported = new WeakSet<ProcessOutcome>();

/** `MyError: what went wrong`, for the first line of a failure. */
export function errorSummary(error: unknown): string {
  return `${errorTypeName(error)}: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * Logs a failed actor run, `summary` then the error's stack, as one entry.
 * Retries reports the failures it handles, since only it can say what happens
 * next (a retry in N ms, or a dead letter) and at which level; the worker
 * reports the others (see `reportUnreportedFailure`), so each failure is logged once.
 */
export function reportFailure(logger: Logger, level: keyof Logger, outcome: ProcessOutcome, summary: string): void {
  reported.add(outcome);
  logger[level](`${summary}\n${errorStack(outcome.error)}`);
}

/** The worker's fallback, after the after-hooks: logs a failure no middleware reported, as an error. */
export function reportUnreportedFailure(logger: Logger, message: Message, outcome: ProcessOutcome): void {
  if (outcome.error === undefined || reported.has(outcome)) return;
  const next = message.failed ? "dead-lettering it" : "no middleware retries it, so it is acked";
  reportFailure(logger, "error", outcome, `${message} failed with ${errorSummary(outcome.error)}; ${next}`);
}
