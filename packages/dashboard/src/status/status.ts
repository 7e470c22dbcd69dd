import {
  assertKnownOptions,
  type Broker,
  getBroker,
  InvalidOption,
  type Logger,
  type Message,
  type Middleware,
  optionKeys,
  type ProcessOutcome,
  Shutdown,
  type Worker,
} from "@troupe/core";
import { MessageEvent } from "./message-event.js";
import { installMessageGetStatus } from "./message-get-status.js";
import type { MessageState } from "./message-state.js";
import { optionsPreview, statusError } from "./previews.js";
import { StatusBuffer } from "./status-buffer.js";
import type { StatusRecord, StatusStore } from "./status-store.js";

/** Options of `new Status(options)`. */
export interface StatusOptions {
  /** Where records are written and read. */
  store: StatusStore;
  /**
   * How long a record is kept after its latest change, ms (default 7 days). A change within
   * 1% of it after the message was sent may leave the expiry the record's creation set.
   */
  ttl?: number;
  /** Longest a transition waits before it is written, ms (default 50): a change is visible in about that time. */
  flushInterval?: number;
  /** Transitions written per store call at most; a full batch is written at once (default 1 000). */
  maxBatch?: number;
}

const STATUS_OPTIONS = optionKeys<StatusOptions>({ store: true, ttl: true, flushInterval: true, maxBatch: true });

/** The default lifetime of a record: 7 days. */
export const DEFAULT_STATUS_TTL = 7 * 24 * 3_600_000;

/** One run of a message in this process, from `beforeProcessMessage` until the worker settles it. */
interface Run {
  message: Message;
  /** `performance.now()` when it started, to time it. */
  startedAt: number;
  /** The message's `retries` option when it started: its retry carries one more. */
  retries: number;
  /** `running` until the actor settled; `settling` while a failure waits for the ack or nack that says what follows. */
  phase: "running" | "settling";
  /** Whether `Retries` enqueued the retry of this run (seen in `afterEnqueue`, same message id). */
  retried: boolean;
  /** Whether this process recorded the message already (else the next event carries the previews that create the record). */
  recorded: boolean;
  /** Its `running` while held back, so that a short run's `running` and end are written together. */
  started?: MessageEvent;
  error?: unknown;
  endedAt?: number;
  durationMs?: number;
}

/**
 * Records every message's transitions in a `StatusStore`: `queued` or `delayed` when
 * sent, `running`, then `succeeded`, `retrying` (the retry is waiting), `failed`
 * (then `dead-lettered` when nacked), `skipped` or `aborted`. Writes are buffered
 * and sent in one store call per `flushInterval`, never one per hook. A failure's
 * outcome is decided when the worker acks or nacks it, after `Retries` has run,
 * so the order of the middleware list does not matter. Messages sent without this
 * middleware (by Python producers) get their record when a worker with it runs them.
 */
export class Status implements Middleware {
  /** Where records are written. */
  readonly store: StatusStore;
  /** How long a record is kept after its latest change, ms. */
  readonly ttl: number;
  private readonly buffer: StatusBuffer;
  private readonly runs = new Map<string, Run>();
  /** Runs whose `running` is held back (`started`), not yet queued. */
  private held = 0;
  private readonly stopping = new Map<Worker, Message[]>();
  /** When each message being enqueued was handed to the broker: a worker may run it before `afterEnqueue` sees it. */
  private readonly enqueuedAt = new WeakMap<Message, number>();
  private logger: Logger | undefined;

  constructor(options: StatusOptions) {
    assertKnownOptions("Status", options, STATUS_OPTIONS);
    if (!options?.store) throw new InvalidOption("Status needs a store: new Status({ store: new RedisStatusStore(...) })");
    this.store = options.store;
    this.ttl = positive("ttl", options.ttl ?? DEFAULT_STATUS_TTL);
    this.buffer = new StatusBuffer({
      store: this.store,
      ttl: this.ttl,
      flushInterval: positive("flushInterval", options.flushInterval ?? 50),
      maxBatch: positive("maxBatch", options.maxBatch ?? 1_000),
      maxBuffered: 100_000,
      onError: (problem) => (this.logger ?? console).warn(`Status: ${problem}`),
      releaseHeld: (everything, dueBefore) => this.releaseHeld(everything, dueBefore),
    });
    installMessageGetStatus((message) => statusOf(message.broker ?? getBroker()).read(message.messageId));
  }

  /** Writes the transitions buffered so far; a producer that exits soon after sending awaits it. */
  flush(): Promise<void> {
    return this.buffer.flush();
  }

  /** The record of `messageId`, after writing what this process buffered (so it sees its own changes). */
  async read(messageId: string): Promise<StatusRecord | undefined> {
    await this.buffer.flush();
    return this.store.get(messageId);
  }

  /** Notes when the message is sent, the time its `queued` or `delayed` transition carries. */
  beforeEnqueue(_broker: Broker, message: Message): void {
    this.enqueuedAt.set(message, Date.now());
  }

  /** Records `queued` or `delayed`; the retry `Retries` enqueues for a failed run is recorded as `retrying` instead. */
  afterEnqueue(broker: Broker, message: Message, delay: number | undefined): void {
    const run = this.runs.get(message.messageId);
    // The same id may be sent again while it runs (a worker can start a message before its producer's afterEnqueue).
    if (run !== undefined && retriesOf(message) === run.retries + 1) {
      run.retried = true;
      return;
    }
    this.logger = broker.logger;
    const at = this.enqueuedAt.get(message) ?? Date.now();
    this.buffer.push(new MessageEvent(message, { state: delay === undefined ? "queued" : "delayed", at }, true));
  }

  /** Records `running`, creating the record of a message first seen here. */
  beforeProcessMessage(broker: Broker, message: Message): void {
    this.logger = broker.logger;
    // The same id run again before its run here ended (a duplicate delivery): that run's `running` goes now.
    this.release(this.runs.get(message.messageId));
    const started = new MessageEvent(message, { state: "running", at: Date.now() }, true);
    const run: Run = {
      message,
      startedAt: performance.now(),
      retries: retriesOf(message),
      phase: "running",
      retried: false,
      recorded: true,
      started,
    };
    this.runs.set(message.messageId, run);
    this.held++;
    this.buffer.holding();
  }

  /** Records `succeeded`; a failure waits for the ack or nack, when what follows it is known. */
  afterProcessMessage(_broker: Broker, message: Message, outcome: ProcessOutcome): void {
    let run = this.runs.get(message.messageId);
    // To the microsecond: finer digits are noise, and they would be stored and sent for every run.
    const durationMs = run === undefined ? undefined : Math.round((performance.now() - run.startedAt) * 1000) / 1000;
    if (outcome.error === undefined) {
      this.runs.delete(message.messageId);
      this.release(run);
      this.buffer.push(new MessageEvent(message, { state: "succeeded", at: Date.now() }, false, undefined, durationMs));
      return;
    }
    if (run === undefined) {
      // An earlier middleware's before-hook failed the run before this one's could start it.
      run = { message, startedAt: 0, retries: retriesOf(message), phase: "running", retried: false, recorded: false };
      this.runs.set(message.messageId, run);
    }
    run.phase = "settling";
    run.error = outcome.error;
    run.endedAt = Date.now();
    run.durationMs = durationMs;
  }

  /** Records `skipped`. */
  afterSkipMessage(_broker: Broker, message: Message): void {
    const run = this.runs.get(message.messageId);
    this.runs.delete(message.messageId);
    this.release(run);
    this.record(message, "skipped", run === undefined);
  }

  /** Ends a failed run that was acked: `retrying` when `Retries` enqueued its retry, else `failed` (or `aborted`). */
  afterAck(_broker: Broker, message: Message): void {
    const run = this.runs.get(message.messageId);
    if (run?.phase !== "settling" || run.message !== message) return;
    this.runs.delete(message.messageId);
    this.endFailedRun(run, run.retried ? "retrying" : "failed");
  }

  /** Records `dead-lettered`, after the `failed` (or `aborted`) that ends a failed run. */
  afterNack(_broker: Broker, message: Message): void {
    const run = this.runs.get(message.messageId);
    if (run?.phase === "settling" && run.message === message) {
      this.runs.delete(message.messageId);
      this.endFailedRun(run, "failed");
      this.record(message, "dead-lettered", false);
      return;
    }
    // Skipped and failed, refused by the worker (unknown actor, bad options), or a successor not written.
    const error = message.lastError === undefined ? undefined : statusError(message.lastError);
    this.buffer.push(new MessageEvent(message, { state: "dead-lettered", at: Date.now(), ...(error ? { error } : {}) }, true));
  }

  /** Notes the runs a stopping worker still has: those it abandons go back to the queue without hooks. */
  beforeWorkerShutdown(_broker: Broker, worker: Worker): void {
    this.stopping.set(
      worker,
      [...worker.inFlight].map((context) => context.message),
    );
  }

  /** Records `aborted` for the runs the worker abandoned, then writes everything buffered. */
  afterWorkerShutdown(_broker: Broker, worker: Worker): Promise<void> {
    const abandoned = new Shutdown();
    for (const message of this.stopping.get(worker) ?? []) {
      const run = this.runs.get(message.messageId);
      if (run?.message !== message || run.phase !== "running") continue;
      this.runs.delete(message.messageId);
      this.release(run);
      const error = { type: "Shutdown", message: `${abandoned.message}: the run was abandoned and the message goes back to its queue` };
      this.buffer.push(new MessageEvent(message, { state: "aborted", at: Date.now(), error }, false));
    }
    this.stopping.delete(worker);
    return this.buffer.flush();
  }

  private endFailedRun(run: Run, otherwise: MessageState): void {
    this.release(run);
    const { message, error } = run;
    const state = isAbort(error) ? "aborted" : otherwise;
    const transition = { state, at: run.endedAt ?? Date.now(), error: statusError(error, message.options.traceback) };
    this.buffer.push(new MessageEvent(message, transition, !run.recorded, optionsPreview(message.options), run.durationMs));
  }

  /** Queues the run's held `running`, if it is not queued yet, before the end the caller pushes next. */
  private release(run: Run | undefined): void {
    if (run?.started === undefined) return;
    this.buffer.queue(run.started);
    run.started = undefined;
    this.held--;
  }

  /** The buffer's `releaseHeld`: queues the `running` of the runs started before `dueBefore` (all with `everything`). */
  private releaseHeld(everything: boolean, dueBefore: number): number {
    if (this.held === 0) return 0;
    for (const run of this.runs.values()) if (run.started && (everything || run.started.transition.at <= dueBefore)) this.release(run);
    return this.held;
  }

  private record(message: Message, state: MessageState, previews: boolean): void {
    this.buffer.push(new MessageEvent(message, { state, at: Date.now() }, previews));
  }
}

/** The `Status` middleware of `broker`; throws `InvalidOption` when it has none. */
export function statusOf(broker: Broker): Status {
  const status = broker.getMiddleware(Status);
  if (!status)
    throw new InvalidOption("reading a status needs the Status middleware on the broker: add `new Status({ store })`, or pass { store }");
  return status;
}

// A `Shutdown` (a `notifyShutdown` actor stopped by the worker) or an abort by message id, whose error has code ABORTED.
function isAbort(error: unknown): boolean {
  return Shutdown.isInstance(error) || (typeof error === "object" && error !== null && (error as { code?: unknown }).code === "ABORTED");
}

function retriesOf(message: Message): number {
  const retries = message.options.retries;
  return typeof retries === "number" ? retries : 0;
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new InvalidOption(`Status: ${name} must be a positive number, got ${value}`);
  return value;
}
