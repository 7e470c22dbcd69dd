import { assertKnownOptions, type Broker, getBroker, InvalidOption, optionKeys } from "@troupe/core";
import type { AbortBackend, AbortMode } from "./abort-backend.js";
import { Abortable, DEFAULT_ABORT_TTL } from "./abortable.js";

/** Options of `abort(messageId, options)`. */
export interface AbortOptions {
  /** `"abort"` (default) stops the message whether it runs or waits; `"cancel"` only one that has not started. */
  mode?: AbortMode;
  /**
   * Ms a thread actor (`isolation: "thread"`) gets to settle once its signal aborted
   * before its thread is terminated (default: core's, 1 000). An actor on the event
   * loop fails at once whatever this says: Node cannot stop its code.
   */
  abortTimeout?: number;
  /** Write here (a process that only aborts needs no middleware) instead of to the `Abortable` of `broker`. */
  backend?: AbortBackend;
  /** Use the `Abortable` middleware of this broker instead of the global broker's. */
  broker?: Broker;
  /** How long the request waits for its message, ms (default: the middleware's `abortTtl`, else 90 000). */
  abortTtl?: number;
}

const ABORT_OPTIONS = optionKeys<AbortOptions>({ mode: true, abortTimeout: true, backend: true, broker: true, abortTtl: true });
const MODES: readonly AbortMode[] = ["abort", "cancel"];

/**
 * Asks for a message to be stopped, from any process: the worker that runs it, or
 * will, reads the request from the backend. A message that has not started never
 * runs; one that runs (mode `"abort"`) sees its signal abort with `Abort` within
 * about a round trip. Either way it fails with `Abort` and is not retried.
 * Resolves once the request is stored; a request for a message that never comes
 * expires after `abortTtl`.
 *
 * The backend is `options.backend` when given, else that of the `Abortable`
 * middleware on `options.broker` or the global broker: `InvalidOption` when that
 * broker has none, `BrokerNotSet` when there is no broker either.
 */
export async function abort(message: string | { readonly messageId: string }, options: AbortOptions = {}): Promise<void> {
  assertKnownOptions("abort", options, ABORT_OPTIONS);
  const messageId = typeof message === "string" ? message : message?.messageId;
  if (typeof messageId !== "string" || messageId === "") throw new InvalidOption("abort needs a message id (or a message)");
  const mode = options.mode ?? "abort";
  if (!MODES.includes(mode)) throw new InvalidOption(`abort mode must be "abort" or "cancel", not ${JSON.stringify(mode)}`);
  const { abortTimeout } = options;
  if (abortTimeout !== undefined && !(Number.isFinite(abortTimeout) && abortTimeout >= 0)) {
    throw new InvalidOption(`abortTimeout must be a number of ms of at least 0, not ${abortTimeout}`);
  }
  let backend = options.backend;
  let middleware: Abortable | undefined;
  if (!backend) {
    middleware = abortableOf(options.broker ?? getBroker());
    backend = middleware.backend;
  }
  const ttl = options.abortTtl ?? middleware?.abortTtl ?? DEFAULT_ABORT_TTL;
  if (!(ttl > 0)) throw new InvalidOption(`abortTtl must be a positive number of ms, not ${ttl}`);
  await backend.request(messageId, { mode, abortTimeout: abortTimeout === undefined ? undefined : Math.round(abortTimeout) }, ttl);
}

function abortableOf(broker: Broker): Abortable {
  const middleware = broker.getMiddleware(Abortable);
  if (!middleware) {
    throw new InvalidOption("abort needs a backend: add `new Abortable({ backend })` to the broker, or pass { backend }");
  }
  return middleware;
}
