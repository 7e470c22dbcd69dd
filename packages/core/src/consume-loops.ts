import type { Broker } from "./broker.js";
import type { Consumer, Delivery } from "./consumer.js";
import type { PauseGate } from "./pause-gate.js";
import { canonicalQueueName, delayQueueName, isDelayQueue } from "./queues.js";

/** The worker's settings its consume loops read. */
export interface ConsumeLoopSettings {
  readonly prefetch: number;
  readonly delayPrefetch: number;
  readonly workerTimeout: number;
  readonly restartDelay: number;
  readonly maxRestartDelay: number;
}

/** What the loops need of their worker. */
export interface ConsumeLoopHost {
  /** Takes a batch a consumer yielded. */
  intake(consumer: Consumer, batch: readonly Delivery[], delayQueue: boolean): void;
  /** True while no actor runs: a pause is complete once none does. */
  idle(): boolean;
}

/**
 * A worker's consumers: one loop per physical queue (each canonical queue and its delay
 * queue) that iterates its broker consumer and hands each batch to the worker. Consumers
 * fetch when iterated, so a loop that does not ask for the next batch stops fetching while
 * what its consumer holds stays held: that is how a loop waits while the worker is paused
 * (`pause`) and while its canonical queue is paused (`QueuePauses`). A consumer that fails
 * is started again after `restartDelay` ms, doubling up to `maxRestartDelay` while it keeps failing.
 * A pause is complete once no loop is in a fetch (each waits at the pause, or for its restart)
 * and no actor runs: a consumer waiting for messages when it came takes at most one batch more,
 * within its idle tick, which the worker holds.
 */
export class ConsumeLoops {
  /** The consumer of each physical queue, for the worker to close. */
  readonly consumers = new Map<string, Consumer>();
  private readonly queues = new Set<string>();
  private readonly loops: Promise<void>[] = [];
  private paused: { readonly over: Promise<void>; readonly end: () => void } | undefined;
  private stopped = false;
  private readonly sleepers = new Set<() => void>();
  private readonly isStopped = () => this.stopped;
  /** Loops not in a fetch now: waiting at a pause or for a restart. */
  private parked = 0;
  private quietWaiters: (() => void)[] = [];

  constructor(
    private readonly broker: Broker,
    private readonly settings: ConsumeLoopSettings,
    private readonly queuePauses: PauseGate | undefined,
    private readonly host: ConsumeLoopHost,
  ) {}

  /** Starts consuming a queue and its delay queue, declaring them; a queue consumed already is left as it is. */
  add(queueName: string): void {
    const canonical = canonicalQueueName(queueName);
    if (this.stopped || this.queues.has(canonical)) return;
    // Noted first: declaring it tells the worker's queue listener, which lands here again.
    this.queues.add(canonical);
    this.broker.declareQueue(canonical);
    this.loops.push(this.run(canonical, this.settings.prefetch));
    this.loops.push(this.run(delayQueueName(canonical), this.settings.delayPrefetch));
  }

  /** True between `pause()` and `resume()`. */
  get isPaused(): boolean {
    return this.paused !== undefined;
  }

  /** No loop asks its consumer for another batch until `resume()` (a fetch under way finishes). */
  pause(): void {
    if (this.paused) return;
    let end!: () => void;
    const over = new Promise<void>((resolve) => {
      end = resolve;
    });
    this.paused = { over, end };
  }

  /** Lets every loop fetch again. */
  resume(): void {
    const paused = this.paused;
    this.paused = undefined;
    paused?.end();
    this.checkQuiet();
  }

  /** Ends every loop at its next turn; a pause or a restart's delay ends at once. */
  stop(): void {
    this.stopped = true;
    this.paused?.end();
    for (const wake of this.sleepers) wake();
    this.checkQuiet();
  }

  /** Resolves once the pause is complete (no loop fetches, no actor runs), or over (resumed, stopped). */
  quiet(): Promise<void> {
    return new Promise((resolve) => {
      this.quietWaiters.push(resolve);
      this.checkQuiet();
    });
  }

  /** Resolves the waiters of `quiet` if they may go; the worker calls it when its last running actor finished. */
  checkQuiet(): void {
    if (this.quietWaiters.length === 0) return;
    const over = this.paused === undefined || this.stopped;
    if (!over && (this.parked < this.loops.length || !this.host.idle())) return;
    const waiters = this.quietWaiters;
    this.quietWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves once every loop has ended. */
  async ended(): Promise<void> {
    await Promise.allSettled(this.loops);
  }

  private async run(queueName: string, prefetch: number): Promise<void> {
    const delayQueue = isDelayQueue(queueName);
    const { restartDelay, maxRestartDelay, workerTimeout } = this.settings;
    const logger = this.broker.logger;
    let delay = restartDelay;
    let failing = false;
    while (!this.stopped) {
      try {
        const wait = this.beforeFetch(queueName, delayQueue);
        if (wait) await wait;
        if (this.stopped) break;
        const consumer = this.broker.consume(queueName, { prefetch, timeout: workerTimeout });
        this.consumers.set(queueName, consumer);
        for await (const batch of consumer) {
          if (failing) {
            failing = false;
            delay = restartDelay;
            logger.info(`consumer of ${queueName} resumed`);
          }
          if (batch.length > 0) this.host.intake(consumer, batch, delayQueue);
          if (this.stopped) break;
          const next = this.beforeFetch(queueName, delayQueue);
          if (next) await next;
        }
        if (!this.stopped) throw new Error("the consumer ended on its own");
      } catch (error) {
        if (this.stopped) break;
        if (!failing) logger.warn(`consumer of ${queueName} failed: ${(error as Error)?.message ?? error}; restarting`);
        failing = true;
        await this.sleep(delay);
        delay = Math.min(delay * 2, maxRestartDelay);
      }
    }
  }

  /** What to wait for before the next fetch: nothing (undefined) on the hot path, where nothing can be paused. */
  private beforeFetch(queueName: string, delayQueue: boolean): Promise<void> | undefined {
    const queuePauses = delayQueue ? undefined : this.queuePauses;
    if (this.paused === undefined && queuePauses === undefined) return undefined;
    return this.whilePaused(queueName, queuePauses);
  }

  private async whilePaused(queueName: string, queuePauses: PauseGate | undefined): Promise<void> {
    this.park();
    try {
      for (;;) {
        if (this.paused) await this.paused.over;
        await queuePauses?.whilePaused(queueName, this.isStopped);
        // Paused again while the queue was: wait for that too.
        if (this.paused === undefined || this.stopped) return;
      }
    } finally {
      this.parked--;
    }
  }

  private park(): void {
    this.parked++;
    if (this.paused) this.checkQuiet();
  }

  private sleep(ms: number): Promise<void> {
    this.park();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        this.parked--;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}
