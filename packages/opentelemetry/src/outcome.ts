import { Shutdown, TimeLimitExceeded } from "@troupe/core";

/**
 * How a run ended, as the `troupe.outcome` span attribute: `ok`; `error` (the
 * actor threw); `time-limit` (TimeLimit aborted it); `aborted` (the worker stopped
 * it: a `notifyShutdown` actor, or one still running when the shutdown timeout
 * passed, whose message goes back to the queue); `skipped` (a before-hook or the
 * actor raised `SkipMessage`).
 */
export type RunOutcome = "ok" | "error" | "time-limit" | "aborted" | "skipped";

/** The outcome of a run that threw `error`. */
export function outcomeOfError(error: unknown): RunOutcome {
  if (TimeLimitExceeded.isInstance(error)) return "time-limit";
  if (Shutdown.isInstance(error)) return "aborted";
  return "error";
}
