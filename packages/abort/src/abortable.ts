import { assertKnownOptions, type Broker, contextOf, type Message, type Middleware, messageOption, optionKeys } from "@troupe/core";
import type { AbortBackend, AbortWatch } from "./abort-backend.js";
import { CancelBatch } from "./cancel-batch.js";
import { Abort } from "./errors.js";

declare module "@troupe/core" {
  interface ActorOptions {
    /** Whether `abort()` can stop this actor's messages (`Abortable` from `@troupe/abort`; default true once it is installed). */
    abortable?: boolean;
  }
  interface MessageOptions {
    /** Whether `abort()` can stop this message, over its actor's `abortable` (`Abortable` from `@troupe/abort`). */
    abortable?: boolean;
  }
}

/** How long an abort request waits for its message by default, ms: dramatiq-abort's `abort_ttl`. */
export const DEFAULT_ABORT_TTL = 90_000;

/** Options of `new Abortable(options)`. */
export interface AbortableOptions {
  /** Where abort requests are read (and, for `abort()` through this middleware, written). */
  backend: AbortBackend;
  /**
   * How long a request made through this middleware waits for its message, ms (default
   * 90 000): a cancel of a message that starts later than that (a long delay, a long
   * queue) is lost.
   */
  abortTtl?: number;
}

const ABORTABLE_OPTIONS = optionKeys<AbortableOptions>({ backend: true, abortTtl: true });

// A request taken before the actor's context exists (a later before-hook still runs) is
// delivered once it does; this is how often that is looked at.
const CONTEXT_POLL = 10;

/**
 * Lets `abort()` stop messages by id, from any process with the backend. Before a
 * message runs, its cancel entry is taken: a cancelled message fails with `Abort`
 * without running. While it runs, the worker watches its abort entry: the actor's
 * `currentMessage().signal` aborts with `Abort` and the message fails at once (a
 * thread actor's thread is terminated if it has not settled within the request's
 * `abortTimeout`). An aborted message is not retried; `onFailure` fires and a stored
 * result is a failure of type `Abort`. Actors opt out with `abortable: false`.
 */
export class Abortable implements Middleware {
  readonly actorOptions = ["abortable"];
  /** Where abort requests are read and written. */
  readonly backend: AbortBackend;
  /** How long a request made through this middleware waits for its message, ms. */
  readonly abortTtl: number;
  private readonly cancels: CancelBatch;
  /** The abortable messages running (or about to run) in this process, by id. */
  private readonly running = new Map<string, Message>();
  private watch: AbortWatch | undefined;
  private workers = 0;

  constructor(options: AbortableOptions) {
    assertKnownOptions("Abortable", options, ABORTABLE_OPTIONS);
    if (!options?.backend) throw new TypeError("Abortable needs a backend: new Abortable({ backend: new RedisAbortBackend() })");
    this.backend = options.backend;
    this.abortTtl = options.abortTtl ?? DEFAULT_ABORT_TTL;
    if (!(this.abortTtl > 0)) throw new RangeError("abortTtl must be a positive number of ms");
    this.cancels = new CancelBatch(this.backend);
  }

  beforeWorkerBoot(): void {
    this.workers++;
  }

  /** Closes the watch once the last worker of this process stopped (it opens again on demand). */
  async afterWorkerShutdown(): Promise<void> {
    this.workers = Math.max(0, this.workers - 1);
    if (this.workers > 0 || this.running.size > 0 || !this.watch) return;
    const watch = this.watch;
    this.watch = undefined;
    await watch.close();
  }

  beforeProcessMessage(broker: Broker, message: Message): Promise<void> | undefined {
    if (messageOption(broker, message, "abortable", true) === false) return undefined;
    const id = message.messageId;
    // Watched before the cancel entry is looked at, so a request stored in between is caught by one or the other.
    this.running.set(id, message);
    this.watcher(broker).add(id);
    return this.cancels.take(id).then(
      (cancelled) => {
        if (cancelled) throw new Abort(`${message} was cancelled by abort() before it ran`);
      },
      (error) => {
        broker.logger.warn(`could not look for an abort request of ${message}: ${(error as Error)?.message ?? error}; it runs`);
      },
    );
  }

  afterProcessMessage(_broker: Broker, message: Message): void {
    this.forget(message);
  }

  afterSkipMessage(_broker: Broker, message: Message): void {
    this.forget(message);
  }

  private forget(message: Message): void {
    const id = message.messageId;
    if (this.running.get(id) !== message) return;
    this.running.delete(id);
    this.watch?.delete(id);
  }

  private watcher(broker: Broker): AbortWatch {
    this.watch ??= this.backend.watch({
      onAbort: (id, abortTimeout) => this.deliver(id, abortTimeout),
      onError: (error) => broker.logger.warn(`watching for abort requests failed: ${(error as Error)?.message ?? error}; retrying`),
    });
    return this.watch;
  }

  private deliver(id: string, abortTimeout: number | undefined): void {
    const message = this.running.get(id);
    if (!message) return;
    const context = contextOf(message);
    if (!context) {
      setTimeout(() => this.deliver(id, abortTimeout), CONTEXT_POLL).unref();
      return;
    }
    context.abort(new Abort(`${message} was aborted by abort() while it ran`), { terminateAfter: abortTimeout });
  }
}
