/**
 * The entries of Python dramatiq-abort's Redis backend, so that either side can abort
 * the other's messages: a request RPUSHes `{}` onto `<namespace>cancel:<message_id>`
 * and, for mode abort, `{"abort_timeout": ms}` (or `{}`) onto `<namespace>abort:<message_id>`.
 */
export const DEFAULT_NAMESPACE = "dramatiq:aborts:";

export const cancelKey = (namespace: string, messageId: string): string => `${namespace}cancel:${messageId}`;
export const abortKey = (namespace: string, messageId: string): string => `${namespace}abort:${messageId}`;

/** The cancel entry's value. */
export const CANCEL_VALUE = "{}";

/** An abort entry's value, spaced as Python's `json.dumps` writes it. */
export function abortValue(abortTimeout: number | undefined): string {
  return abortTimeout === undefined ? "{}" : `{"abort_timeout": ${abortTimeout}}`;
}

/**
 * The `abort_timeout` of an abort entry written by any peer. A value that is not the
 * expected JSON still aborts (the request is clear, only its timeout is not), without one.
 */
export function readAbortTimeout(value: string): number | undefined {
  try {
    const parsed = JSON.parse(value) as { abort_timeout?: unknown } | null;
    const timeout = parsed?.abort_timeout;
    return typeof timeout === "number" && Number.isFinite(timeout) && timeout >= 0 ? timeout : undefined;
  } catch {
    return undefined;
  }
}
