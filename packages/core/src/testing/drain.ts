import { ActorNotFound, assertKnownOptions, canonicalQueueName, type MemoryBroker, optionKeys, Worker } from "@troupe/core";
import type { FaultFiring } from "./fault-firing.js";
import type { DeadLetterEvent, Recorder } from "./recorder.js";
import type { SentLog } from "./sent-log.js";
import { type UnrunnableMessage, UnrunnableMessages } from "./testing-errors.js";
import type { VirtualClock } from "./virtual-clock.js";

/** Options of `TestBroker.drain()`. */
export interface DrainOptions {
  /**
   * Reject as soon as a message is dead-lettered, with that message's own error (its
   * class, message and stack), and stop (default true). With false, run to the end and
   * report the dead letters in the summary.
   */
  failFast?: boolean;
  /**
   * Real ms to wait while actors are running and nothing happens before moving the
   * virtual clock on anyway (default 1 000): an actor may be waiting for virtual time
   * (a blocking result, a barrier) or hang until its time limit. Raise it for actors that
   * take that long in real time.
   */
  stallTimeout?: number;
  /** Actors the drain's worker runs at once (default 8). */
  concurrency?: number;
}

/** What a `drain()` did. */
export interface DrainSummary {
  /** Messages the workers handled: actors that ran, and messages middleware skipped (an age limit). */
  processed: number;
  /** Runs that returned. */
  succeeded: number;
  /** Runs that threw (retried or not), and skipped messages that were failed. */
  failed: number;
  /** Retries sent. */
  retried: number;
  /** Messages dead-lettered. */
  deadLettered: number;
  /** How far the virtual clock moved, in ms. */
  virtualTimeMs: number;
}

const DRAIN_OPTIONS = optionKeys<DrainOptions>({ failFast: true, stallTimeout: true, concurrency: true });

/** What `drain` needs of its `TestBroker`: the broker on its virtual clock, and its private parts. */
export interface DrainTarget {
  readonly broker: MemoryBroker & { readonly clock: VirtualClock };
  readonly recorder: Recorder;
  readonly sentLog: SentLog;
  readonly faults: FaultFiring;
}

/** Runs everything a `TestBroker` holds to the end, moving its virtual clock from one due timer to the next. */
export async function drain(target: DrainTarget, options: DrainOptions = {}): Promise<DrainSummary> {
  assertKnownOptions("drain", options, DRAIN_OPTIONS);
  const failFast = options.failFast ?? true;
  const stallTimeout = options.stallTimeout ?? 1_000;
  const { broker, recorder, sentLog } = target;
  const clock = broker.clock;
  const start = {
    time: clock.now(),
    processed: recorder.processed,
    succeeded: recorder.succeeded,
    failed: recorder.failed,
    retried: sentLog.retried,
    deadLettered: recorder.deadLetters.length,
  };
  const workers = new DrainWorkers(target, options.concurrency ?? 8);
  const unrunnable: UnrunnableMessage[] = [];
  let seen = start.deadLettered;
  let paused: ReadonlySet<string> = new Set();
  let failed = false;
  try {
    for (;;) {
      // Let what the last step started (a move, a fetch, a run of synchronous actors) play out.
      await turn();
      for (; seen < recorder.deadLetters.length; seen++) {
        const event = recorder.deadLetters[seen];
        const reason = neverRuns(event);
        if (reason !== undefined) {
          unrunnable.push({ message: event.message, queueName: event.queueName, reason });
          if (failFast) throw new UnrunnableMessages(unrunnable);
        } else if (failFast) {
          throw event.error ?? new Error(event.reason ?? `${event.message} was dead-lettered`);
        }
      }
      // A new worker (at the start, after a crash) fetches first: look again a turn later.
      if (await workers.ensure()) continue;
      if (workers.running() > 0) {
        // Time stands still while actors run, as it would while they work; unless nothing
        // happens for stallTimeout: then they wait for virtual time, or hang until their limit.
        if (!(await changeWithin(recorder, stallTimeout))) {
          const next = clock.nextTimerAt({ includeUnref: true });
          if (next !== undefined) clock.advanceTo(next);
        }
        continue;
      }
      const next = clock.nextTimerAt();
      if (next !== undefined) {
        clock.advanceTo(next);
        continue;
      }
      // Settles still under way, or messages a consumer is about to fetch (it restarts after a fault).
      paused = new Set(await broker.pausedQueues());
      if (workers.busy(paused)) {
        await changeWithin(recorder, 10);
        continue;
      }
      break;
    }
    unrunnable.push(...workers.stranded(paused));
    if (unrunnable.length > 0) throw new UnrunnableMessages(unrunnable);
    return {
      processed: recorder.processed - start.processed,
      succeeded: recorder.succeeded - start.succeeded,
      failed: recorder.failed - start.failed,
      retried: sentLog.retried - start.retried,
      deadLettered: recorder.deadLetters.length - start.deadLettered,
      virtualTimeMs: clock.now() - start.time,
    };
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await workers.stop(failed);
  }
}

/** Why a dead-lettered message could never have run, or undefined for an ordinary failure. */
function neverRuns(event: DeadLetterEvent): string | undefined {
  if (!event.message) return `its bytes are no message (${event.reason ?? "undecodable"})`;
  if (ActorNotFound.isInstance(event.error)) return `no actor "${event.message.actorName}" is declared on this broker`;
  return undefined;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** True when the broker's workers did something within `ms` ms of real time. */
async function changeWithin(recorder: Recorder, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const quiet = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const changed = await Promise.race([recorder.nextChange().then(() => true as const), quiet]);
  clearTimeout(timer);
  return changed;
}

/**
 * The workers of one drain: one for the queues of the declared actors (as `troupe worker`
 * consumes them), another when an actor on a new queue is declared, and a new one for
 * the queues of a worker that `faults.crashWorker` crashed.
 */
class DrainWorkers {
  private readonly queuesOf = new Map<Worker, string[]>();
  private readonly consumed = new Set<string>();

  constructor(
    private readonly target: DrainTarget,
    private readonly concurrency: number,
  ) {}

  /** Starts a worker for queues none consumes; true when it did. */
  async ensure(): Promise<boolean> {
    if (this.target.faults.crashing.size > 0) await Promise.all(this.target.faults.crashing);
    const queues: string[] = [];
    for (const [worker, own] of this.queuesOf) {
      if (worker.isRunning) continue;
      this.queuesOf.delete(worker);
      queues.push(...own);
    }
    for (const actor of this.target.broker.actors.values()) {
      if (this.consumed.has(actor.queueName)) continue;
      this.consumed.add(actor.queueName);
      queues.push(actor.queueName);
    }
    if (queues.length === 0) return false;
    const worker = new Worker(this.target.broker, { queues, concurrency: this.concurrency });
    this.queuesOf.set(worker, queues);
    await worker.start();
    return true;
  }

  /** Actors running now (their after-hooks not started). */
  running(): number {
    let count = 0;
    for (const worker of this.queuesOf.keys()) {
      for (const context of worker.inFlight) if (this.target.recorder.isRunning(context.message)) count++;
    }
    return count;
  }

  /** Messages settling, or waiting on a consumed queue (not paused) for its consumer. */
  busy(paused: ReadonlySet<string>): boolean {
    for (const worker of this.queuesOf.keys()) if (worker.inFlight.size > 0) return true;
    const transport = this.target.broker.transport;
    for (const name of transport.queueNames()) {
      if (this.consumed.has(canonicalQueueName(name)) && !paused.has(name) && transport.waiting(name).length > 0) return true;
    }
    return false;
  }

  /** What waits on queues no worker of the drain consumes, or that are paused. */
  stranded(paused: ReadonlySet<string>): UnrunnableMessage[] {
    const stranded: UnrunnableMessage[] = [];
    const { broker } = this.target;
    for (const name of broker.transport.queueNames()) {
      const canonical = canonicalQueueName(name);
      const reason = paused.has(name)
        ? `"${canonical}" is paused`
        : this.consumed.has(canonical)
          ? undefined
          : `no worker consumes "${canonical}": no declared actor has it as its queue`;
      if (reason === undefined) continue;
      for (const raw of broker.transport.waiting(name))
        stranded.push({ message: broker.decodeMessage(raw).message, queueName: name, reason });
    }
    return stranded;
  }

  async stop(abort: boolean): Promise<void> {
    await Promise.all([...this.queuesOf.keys()].map((worker) => worker.stop(abort ? { timeout: 0 } : {})));
    await Promise.all(this.target.faults.crashing);
  }
}
