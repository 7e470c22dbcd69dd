/** What `abort()` stops: `"cancel"` only a message that has not started; `"abort"` a running one too. */
export type AbortMode = "abort" | "cancel";

/** One request of `abort()`, as a backend stores it. */
export interface AbortRequest {
  /** `"cancel"` stores a cancel entry; `"abort"` a cancel entry and an abort entry. */
  readonly mode: AbortMode;
  /** Ms a thread actor gets to settle once its signal aborts before its thread is terminated; unset, core's default. */
  readonly abortTimeout?: number | undefined;
}

/** What a worker watches while messages run: add each message as it starts, delete it when it ends. */
export interface AbortWatch {
  /** Watches the abort entries of this message. */
  add(messageId: string): void;
  /** Stops watching this message (a backend may drop it lazily). */
  delete(messageId: string): void;
  /** Stops watching altogether. */
  close(): Promise<void>;
}

/** The callbacks of `AbortBackend.watch`. */
export interface AbortWatchHandlers {
  /** An abort entry of a watched message was taken; `abortTimeout` is the request's, if any. */
  onAbort(messageId: string, abortTimeout: number | undefined): void;
  /** Watching failed for a while (the backend keeps trying). */
  onError(error: unknown): void;
}

/**
 * Where abort requests wait for the worker running (or about to run) the message.
 * A request stores a cancel entry and, for mode `"abort"`, an abort entry; each is
 * taken once: the cancel entry by the worker before it runs the message, the abort
 * entry by the worker's watch while it runs. Implementations: `RedisAbortBackend`
 * (shared by processes, and with Python's dramatiq-abort) and `MemoryAbortBackend`.
 */
export interface AbortBackend {
  /** Stores `request` for the message; each entry lives `ttl` ms unless taken. */
  request(messageId: string, request: AbortRequest, ttl: number): Promise<void>;
  /** Takes one cancel entry of each message, in one round trip: true where there was one. */
  takeCancels(messageIds: readonly string[]): Promise<boolean[]>;
  /** Starts a watch over the abort entries of the messages it is given. */
  watch(handlers: AbortWatchHandlers): AbortWatch;
  /** Closes the watches, and the connections the backend opened. */
  close(): Promise<void>;
}
