import { AsyncLocalStorage } from "node:async_hooks";
import { type Message, runOf, setRunOf } from "./message.js";

type AbortListener = (reason: unknown, options: RunAbortOptions) => void;
let setOnAbort: (context: MessageContext, listener: AbortListener) => void;

/** Calls `listener` when the run of `context` is aborted (the worker settles the run with it). */
export const onAbortOf = (context: MessageContext, listener: AbortListener): void => setOnAbort(context, listener);

/** Options of `MessageContext.abort`. */
export interface RunAbortOptions {
  /**
   * For a thread actor (`isolation: "thread"`): ms the function gets to settle after its
   * signal aborted before its thread is terminated (default 1000; 0 terminates at once).
   * An event-loop actor cannot be stopped, so there it has no effect.
   */
  terminateAfter?: number;
}

/**
 * What an actor can see of the message it is running. `signal` aborts when the
 * time limit passes or the worker shuts down; pass it to fetch, streams, timers.
 */
export class MessageContext {
  /** The message being processed. */
  readonly message: Message;
  /**
   * The broker delivered this copy before: it was handed to a consumer that did not settle it
   * (its connection or channel dropped, its process died, it was given back). RabbitMQ's
   * `redelivered` flag, as Dramatiq's `MessageProxy.redelivered`; false where the broker cannot tell.
   */
  readonly redelivered: boolean;
  private controller: AbortController | undefined;
  private abortReason: unknown;
  // The worker's hook to settle the run when it is aborted; private, see `onAbortOf`.
  #onAbort: AbortListener | undefined = undefined;

  constructor(message: Message, redelivered = false) {
    this.message = message;
    this.redelivered = redelivered;
  }

  static {
    setOnAbort = (context, listener) => {
      context.#onAbort = listener;
    };
  }

  /** Aborts on the time limit and on shutdown (with `notifyShutdown`); its `reason` is the error. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Whether the run was aborted. */
  get aborted(): boolean {
    return this.abortReason !== undefined;
  }

  /**
   * Aborts the run: the signal fires with `reason`. An event-loop actor's message fails with
   * `reason` at once (its code may go on: Node cannot stop it). A thread actor's signal aborts
   * inside its thread too, and its message fails with `reason` once the function settles or,
   * past `terminateAfter` ms, once its thread is terminated. Only the first call counts.
   */
  abort(reason: unknown, options: RunAbortOptions = {}): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
    this.#onAbort?.(reason, options);
  }
}

// On globalThis, so that every copy of core in a process shares it: a thread actor's module may
// load another build of core (CommonJS, a duplicate install) than the thread entry that runs it.
const STORAGE = Symbol.for("troupe.currentMessage");
const storage: AsyncLocalStorage<MessageContext> = ((globalThis as Record<symbol, unknown>)[STORAGE] ??=
  new AsyncLocalStorage<MessageContext>()) as AsyncLocalStorage<MessageContext>;

/** Runs an actor function inside its message context (the worker's). */
export function runInContext<A extends unknown[], R>(context: MessageContext, fn: (...args: A) => R, args: A): R {
  setRunOf(context.message, context);
  return storage.run(context, fn, ...args);
}

/** The context of a message being processed now, if any (for middleware). */
export function contextOf(message: Message): MessageContext | undefined {
  return runOf(message);
}

/** The message the calling actor is running, with its abort signal. Throws outside an actor. */
export function currentMessage(): {
  /** The message being processed. */
  message: Message;
  /** Aborts on the time limit and on shutdown (with `notifyShutdown`). */
  signal: AbortSignal;
  /** The broker delivered this copy before (see `MessageContext.redelivered`); false where it cannot tell. */
  redelivered: boolean;
} {
  const context = storage.getStore();
  if (!context) throw new Error("currentMessage() was called outside a running actor");
  return { message: context.message, signal: context.signal, redelivered: context.redelivered };
}
