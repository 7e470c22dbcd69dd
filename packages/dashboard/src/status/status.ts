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
  /** How long a record is kept after its latest change, ms (default 7 days). */
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
    const run: Run = {
      message,
      startedAt: performance.now(),
      retries: retriesOf(message),
      phase: "running",
      retried: false,
      recorded: true,
    };
    this.runs.set(message.messageId, run);
    this.record(message, "running", true);
  }

  /** Records `succeeded`; a failure waits for the ack or nack, when what follows it is known. */
  afterProcessMessage(_broker: Broker, message: Message, outcome: ProcessOutcome): void {
    let run = this.runs.get(message.messageId);
    const durationMs = run === undefined ? undefined : performance.now() - run.startedAt;
    if (outcome.error === undefined) {
      this.runs.delete(message.messageId);
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
      const error = { type: "Shutdown", message: `${abandoned.message}: the run was abandoned and the message goes back to its queue` };
      this.buffer.push(new MessageEvent(message, { state: "aborted", at: Date.now(), error }, false));
    }
    this.stopping.delete(worker);
    return this.buffer.flush();
  }

  private endFailedRun(run: Run, otherwise: MessageState): void {
    const { message, error } = run;
    const state = isAbort(error) ? "aborted" : otherwise;
    const transition = { state, at: run.endedAt ?? Date.now(), error: statusError(error, message.options.traceback) };
    this.buffer.push(new MessageEvent(message, transition, !run.recorded, optionsPreview(message.options), run.durationMs));
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
