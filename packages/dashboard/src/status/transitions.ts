import { stateRank } from "./message-state.js";
import type { StatusEvent, StatusRecord, StatusTransition } from "./status-store.js";

/** Most transitions a record keeps: beyond, the oldest after the first are dropped. */
export const MAX_TRANSITIONS = 100;

/**
 * Applies one event to a record (or creates it), as `write-status.lua` does in Redis:
 * the transition goes in time order (ties ordered by `stateRank`), the state is the
 * latest transition's, only the newest error keeps its traceback, and the list is
 * capped at {@link MAX_TRANSITIONS}. Mutates and returns `record`.
 */
export function applyEvent(record: StatusRecord | undefined, event: StatusEvent): StatusRecord {
  const transition = event.transition;
  const target: StatusRecord = record ?? {
    messageId: event.messageId,
    actorName: event.actorName,
    queueName: event.queueName,
    args: event.args ?? "[]",
    ...(event.kwargs === undefined ? {} : { kwargs: event.kwargs }),
    options: event.options === undefined ? {} : JSON.parse(event.options),
    state: transition.state,
    transitions: [],
    createdAt: transition.at,
    updatedAt: transition.at,
    retries: 0,
  };
  insertTransition(target.transitions, { ...transition });
  const latest = target.transitions[target.transitions.length - 1];
  target.state = latest.state;
  target.updatedAt = latest.at;
  target.createdAt = Math.min(target.createdAt, transition.at);
  if (event.options !== undefined && record !== undefined) target.options = JSON.parse(event.options);
  if (event.retries !== undefined) target.retries = event.retries;
  if (event.durationMs !== undefined) target.durationMs = event.durationMs;
  return target;
}

function insertTransition(list: StatusTransition[], transition: StatusTransition): void {
  const rank = stateRank(transition.state);
  let at = list.length;
  while (at > 0) {
    const previous = list[at - 1];
    if (previous.at < transition.at || (previous.at === transition.at && stateRank(previous.state) <= rank)) break;
    at--;
  }
  list.splice(at, 0, transition);
  let newestError = true;
  for (let i = list.length - 1; i >= 0; i--) {
    const error = list[i].error;
    if (error?.traceback === undefined) continue;
    if (newestError) newestError = false;
    else list[i] = { ...list[i], error: { type: error.type, message: error.message } };
  }
  if (list.length > MAX_TRANSITIONS) list.splice(1, list.length - MAX_TRANSITIONS);
}
