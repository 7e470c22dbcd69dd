import { DecodeError } from "@troupe/core";
import { stateRank } from "./message-state.js";
import type { StatusEvent, StatusRecord, StatusTransition } from "./status-store.js";
import { MAX_TRANSITIONS } from "./transitions.js";

/**
 * How `RedisStatusStore` lays a record out (write-status.lua writes it):
 * `<static JSON>\n<transition>\t<transition>...`. The static part (ids, arguments, the
 * options sent) is written once; every later change is an append of transitions, which
 * carry what they change (`retries`, `durationMs`, `options`), so no write reads the record.
 * A transition is `<state>@<at>`, then `+<durationMs>`, `#<retries>` and a JSON object of the
 * rest (`error`, `options` as JSON text) when present: short, as it is sent and stored for
 * every run. Reading orders the transitions and folds them into a `StatusRecord`.
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

/** What a stored transition's JSON object holds. */
interface TransitionRest {
  error?: StatusTransition["error"];
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
 * One transition as stored, written by hand: it runs for every event. The options travel
 * with a failure or a new enqueue, the transitions that change them, unless `withOptions`
 * is false (the transition that creates the record: they are in its static part).
 */
export function storedTransition(event: StatusEvent, withOptions = true): string {
  const { state, at, error } = event.transition;
  let text = `${state}@${Math.floor(at)}`;
  if (event.durationMs !== undefined) text += `+${event.durationMs}`;
  if (event.retries !== undefined && event.retries > 0) text += `#${event.retries}`;
  const options = withOptions && (error !== undefined || isWaiting(state)) ? event.options : undefined;
  if (error !== undefined || options !== undefined) {
    const rest: TransitionRest = {};
    if (error !== undefined) rest.error = error;
    if (options !== undefined) rest.options = options;
    text += JSON.stringify(rest);
  }
  return text;
}

// state@at, then +durationMs, #retries and the JSON rest, each optional.
const TRANSITION = /^([a-z-]+)@(\d+)(?:\+([^#{]+))?(?:#(\d+))?(\{.*)?$/s;

function parseTransition(text: string): StoredTransition {
  const match = TRANSITION.exec(text);
  if (!match) throw new DecodeError(`a status record holds an unreadable transition: ${text.slice(0, 80)}`);
  const transition: StoredTransition = { state: match[1] as StatusTransition["state"], at: Number(match[2]) };
  if (match[3] !== undefined) transition.durationMs = Number(match[3]);
  if (match[4] !== undefined) transition.retries = Number(match[4]);
  if (match[5] !== undefined) {
    const rest = JSON.parse(match[5]) as TransitionRest;
    if (rest.error !== undefined) transition.error = rest.error;
    if (rest.options !== undefined) transition.options = rest.options;
  }
  return transition;
}

/** A record from its stored text, folded as `applyEvent` folds events. */
export function parseStoredRecord(raw: string): StatusRecord {
  const body = raw.indexOf("\n");
  const part = JSON.parse(raw.slice(0, body)) as StaticPart;
  const stored = raw
    .slice(body + 1)
    .split("\t")
    .map(parseTransition);
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
  const latest = transitions[transitions.length - 1];
  const record: StatusRecord = {
    messageId: part.messageId,
    actorName: part.actorName,
    queueName: part.queueName,
    args: part.args,
    ...(part.kwargs === undefined ? {} : { kwargs: part.kwargs }),
    options: JSON.parse(options ?? "{}"),
    state: latest.state,
    transitions,
    createdAt: transitions[0].at,
    updatedAt: latest.at,
    retries,
  };
  if (durationMs !== undefined) record.durationMs = durationMs;
  return record;
}
