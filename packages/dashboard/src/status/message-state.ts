/** Every state a message can be in, in lifecycle order. */
export const MESSAGE_STATES = [
  "queued",
  "delayed",
  "running",
  "retrying",
  "succeeded",
  "failed",
  "dead-lettered",
  "skipped",
  "aborted",
] as const;

/**
 * Where a message is: `queued` or `delayed` (sent, waiting), `running`, `retrying`
 * (a run failed and a retry waits on the delay queue), `succeeded`, `failed` (a run
 * failed for good: `dead-lettered` follows unless nothing dead-letters it), `dead-lettered`,
 * `skipped` (a middleware skipped it) or `aborted` (a shutdown or an abort stopped it).
 */
export type MessageState = (typeof MESSAGE_STATES)[number];

/**
 * Orders transitions recorded in the same millisecond by different processes (a
 * producer's `queued` may reach the store after the worker's `running`): waiting
 * states first, then `running`, then the states that end a run. The write script
 * (`write-status.lua`) uses the same ranks.
 */
export function stateRank(state: MessageState): number {
  if (state === "queued" || state === "delayed") return 0;
  return state === "running" ? 1 : 2;
}
