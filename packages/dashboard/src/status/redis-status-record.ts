import { stateRank } from "./message-state.js";
import type { StatusEvent, StatusRecord, StatusTransition } from "./status-store.js";
import { MAX_TRANSITIONS } from "./transitions.js";

/**
 * How `RedisStatusStore` lays a record out (write-status.lua writes it):
 * `<state>|<updatedAt>\n<static JSON>\n<transition JSON>,<transition JSON>,...`. The static
 * part (ids, arguments, the options sent) is written once; every later change is an append
 * of transitions, which carry what they change (`retries`, `durationMs`, `options`), so the
 * common write never decodes the record. Reading folds them back into a `StatusRecord`.
 */

/** The static part of a record. */
interface StaticPart {
  messageId: string;
  actorName: string;
  queueName: string;
  args: string;
  kwargs?: string;
  /** The options sent, as JSON text. */
  options?: string;
}

/** A transition as stored: what it changed travels with it. */
interface StoredTransition extends StatusTransition {
  /** The `retries` option, when above 0 (it only grows). */
  retries?: number;
  /** The run time, on the transition that ends a run. */
  durationMs?: number;
  /** The options as JSON text, when they may have changed (a failure, a new enqueue). */
  options?: string;
}

const isWaiting = (state: string) => state === "queued" || state === "delayed";

/** The static part of the record an event creates, as JSON text, with the options preview given. */
export function staticPart(event: StatusEvent, options: string | undefined): string {
  const part: StaticPart = {
    messageId: event.messageId,
    actorName: event.actorName,
    queueName: event.queueName,
    args: event.args ?? "[]",
    kwargs: event.kwargs,
    options,
  };
  return JSON.stringify(part);
}

/**
 * One transition as stored, as JSON text, written by hand: it runs for every event. The
 * options travel with a failure or a new enqueue, the transitions that change them, unless
 * `withOptions` is false (the transition that creates the record: they are in its static part).
 */
export function storedTransition(event: StatusEvent, withOptions = true): string {
  const { state, at, error } = event.transition;
  let text = `{"state":"${state}","at":${Math.floor(at)}`;
  if (error !== undefined) text += `,"error":${JSON.stringify(error)}`;
  if (event.retries !== undefined && event.retries > 0) text += `,"retries":${event.retries}`;
  if (event.durationMs !== undefined) text += `,"durationMs":${event.durationMs}`;
  if (withOptions && (error !== undefined || isWaiting(state))) {
    const options = event.options;
    if (options !== undefined) text += `,"options":${JSON.stringify(options)}`;
  }
  return `${text}}`;
}

/** A record from its stored text, folded as `applyEvent` folds events. */
export function parseStoredRecord(raw: string): StatusRecord {
  const header = raw.indexOf("\n");
  const body = raw.indexOf("\n", header + 1);
  const state = raw.slice(0, raw.indexOf("|")) as StatusRecord["state"];
  const part = JSON.parse(raw.slice(header + 1, body)) as StaticPart;
  const stored = JSON.parse(`[${raw.slice(body + 1)}]`) as StoredTransition[];
  const ordered = stored
    .map((transition, i) => ({ transition, i }))
    .sort((a, b) => a.transition.at - b.transition.at || stateRank(a.transition.state) - stateRank(b.transition.state) || a.i - b.i)
    .map(({ transition }) => transition);
  let retries = 0;
  let durationMs: number | undefined;
  let options = part.options;
  let newestError = true;
  const transitions: StatusTransition[] = new Array(ordered.length);
  for (let i = ordered.length - 1; i >= 0; i--) {
    const { retries: r, durationMs: d, options: o, ...transition } = ordered[i];
    if (r !== undefined && retries === 0) retries = r;
    if (d !== undefined && durationMs === undefined) durationMs = d;
    if (o !== undefined && options === part.options) options = o;
    if (transition.error?.traceback !== undefined) {
      if (newestError) newestError = false;
      else transition.error = { type: transition.error.type, message: transition.error.message };
    }
    transitions[i] = transition;
  }
  if (transitions.length > MAX_TRANSITIONS) transitions.splice(1, transitions.length - MAX_TRANSITIONS);
  const record: StatusRecord = {
    messageId: part.messageId,
    actorName: part.actorName,
    queueName: part.queueName,
    args: part.args,
    ...(part.kwargs === undefined ? {} : { kwargs: part.kwargs }),
    options: JSON.parse(options ?? "{}"),
    state,
    transitions,
    createdAt: transitions[0].at,
    updatedAt: transitions[transitions.length - 1].at,
    retries,
  };
  if (durationMs !== undefined) record.durationMs = durationMs;
  return record;
}
