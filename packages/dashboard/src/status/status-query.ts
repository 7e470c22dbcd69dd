import { assertKnownOptions, InvalidOption, optionKeys } from "@troupe/core";
import { MESSAGE_STATES, type MessageState } from "./message-state.js";
import type { StatusQuery } from "./status-store.js";

/** A checked `StatusQuery`, as stores receive it in `find`. */
export interface NormalizedQuery {
  /** Only this actor. */
  actorName?: string;
  /** Only this queue. */
  queueName?: string;
  /** Only this current state. */
  state?: MessageState;
  /** Lowest `createdAt`, inclusive (`-Infinity` when open). */
  from: number;
  /** Highest `createdAt`, inclusive (`Infinity` when open). */
  to: number;
  /** Page size. */
  limit: number;
  /** The `next` of the previous page, as the store wrote it. */
  cursor?: string;
}

/** Largest page `search` returns. */
export const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 50;

const QUERY_KEYS = optionKeys<StatusQuery>({
  actorName: true,
  queueName: true,
  state: true,
  from: true,
  to: true,
  limit: true,
  cursor: true,
});

/** Checks a query and fills in its defaults; throws `InvalidOption` naming what is wrong. */
export function normalizeQuery(query: StatusQuery): NormalizedQuery {
  assertKnownOptions("search", query, QUERY_KEYS);
  const { actorName, queueName, state, from, to, limit, cursor } = query;
  for (const [name, value] of [
    ["actorName", actorName],
    ["queueName", queueName],
  ] as const) {
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      throw new InvalidOption(`search: ${name} must be a non-empty string, got ${JSON.stringify(value)}`);
    }
  }
  if (state !== undefined && !MESSAGE_STATES.includes(state)) {
    throw new InvalidOption(`search: state must be one of ${MESSAGE_STATES.join(", ")}, got ${JSON.stringify(state)}`);
  }
  for (const [name, value] of [
    ["from", from],
    ["to", to],
  ] as const) {
    if (value !== undefined && !Number.isFinite(value)) throw new InvalidOption(`search: ${name} must be a time in ms, got ${value}`);
  }
  if (cursor !== undefined && (typeof cursor !== "string" || cursor === "")) throw badCursor(cursor);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)) {
    throw new InvalidOption(`search: limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${limit}`);
  }
  return {
    actorName,
    queueName,
    state,
    from: from ?? Number.NEGATIVE_INFINITY,
    to: to ?? Number.POSITIVE_INFINITY,
    limit: limit ?? DEFAULT_PAGE_SIZE,
    cursor,
  };
}

/** The error for a cursor that is not the `next` of a page of this store. */
export function badCursor(cursor: unknown): InvalidOption {
  return new InvalidOption(`search: cursor ${JSON.stringify(cursor)} is not the next of a page`);
}
