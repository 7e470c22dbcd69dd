import { availableParallelism } from "node:os";
import type { AnyActor } from "./actor.js";
import type { Broker } from "./broker.js";
import type { Consumer, Delivery } from "./consumer.js";
import { MessageContext, onAbortOf, runInContext } from "./current-message.js";
import { DelayedMessages } from "./delayed-messages.js";
import { ActorNotFound, DecodeError, InvalidOption, Shutdown, SkipMessage, WorkerJoinTimeout } from "./errors.js";
import { GiveBack } from "./give-back.js";
import { type HeldDelivery, requeueHeld } from "./held-delivery.js";
import { type Message, setRunOf } from "./message.js";
import type { ProcessOutcome } from "./middleware.js";
import { assertKnownOptions, optionKeys } from "./option-keys.js";
import { PauseGate } from "./pause-gate.js";
import { PriorityBuffer } from "./priority-buffer.js";
import { canPauseQueues } from "./queue-pauses.js";
import { canonicalQueueName, delayQueueName, isDelayQueue } from "./queues.js";
import { Settlement } from "./settlement.js";
import { DEFAULT_TERMINATE_AFTER, ThreadPool } from "./thread-pool.js";
import { wireOptionProblem } from "./wire-options.js";
import { workerEnvDefault } from "./worker-env.js";

/** Options of `new Worker(broker, options)`. */
export interface WorkerOptions {
  /** Actors running at once (default 8). */
  concurrency?: number;
  /** Messages fetched ahead per queue (default `TROUPE_QUEUE_PREFETCH`, else 2 × concurrency). */
  prefetch?: number;
  /** Delayed messages held per delay queue (default `TROUPE_DELAY_QUEUE_PREFETCH`, else 1000 × concurrency). */
  delayPrefetch?: number;
  /** Queues to consume (default: every queue declared when the worker starts). */
  queues?: readonly string[];
  /** Idle tick of the consumers, ms (default `TROUPE_WORKER_TIMEOUT`, else 1000). */
  workerTimeout?: number;
  /** How long `stop()` lets in-flight actors finish before requeueing them, ms (default `TROUPE_SHUTDOWN_TIMEOUT`, else 30 000). */
  shutdownTimeout?: number;
  /** Size of the `worker_threads` pool that runs thread actors (`isolation: "thread"`), started on their first message (default: the number of CPUs). */
  threads?: number;
}

const WORKER_OPTIONS = optionKeys<WorkerOptions>({
  concurrency: true,
  prefetch: true,
  delayPrefetch: true,
  queues: true,
  workerTimeout: true,
  shutdownTimeout: true,
  threads: true,
});
const STOP_OPTIONS = optionKeys<NonNullable<Parameters<Worker["stop"]>[0]>>({ timeout: true });
const JOIN_OPTIONS = optionKeys<NonNullable<Parameters<Worker["join"]>[0]>>({ timeout: true });

interface Job extends HeldDelivery {
  readonly actor: AnyActor;
}

type State = "new" | "running" | "stopping" | "stopped";

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Consumes queues and runs actors in `concurrency` slots. Each queue and delay
 * queue has one consumer; fetched messages wait in a buffer ordered by actor
 * priority, delayed ones in a schedule until their eta. A message is acked only
 * after its actor settles, and nacked when middleware failed it.
 */
export class Worker {
  /** The broker it consumes from. */
  readonly broker: Broker;
  /** Actors running at once. */
  readonly concurrency: number;
  /** Messages fetched ahead per queue. */
  readonly prefetch: number;
  /** Delayed messages held per delay queue. */
  readonly delayPrefetch: number;
  /** Idle tick of the consumers, ms. */
  readonly workerTimeout: number;
  /** Grace period of `stop()` for in-flight actors, ms. */
  readonly shutdownTimeout: number;
  /** Threads of the pool that runs thread actors. */
  readonly threads: number;
  private readonly queueFilter: readonly string[] | undefined;
  private readonly consumers = new Map<string, Consumer>();
  private readonly loops: Promise<void>[] = [];
  private readonly buffer = new PriorityBuffer<Job>();
  private readonly delayed: DelayedMessages;
  private readonly active = new Set<MessageContext>();
  private readonly abandoned = new WeakSet<MessageContext>();
  private readonly pendingRequeues = new Set<Promise<void>>();
  private readonly giveBack: GiveBack;
  private readonly settlement: Settlement;
  private readonly threadPool: ThreadPool;
  /** Present when the broker can pause queues (`QueuePauses`): canonical queues wait while paused. */
  private readonly pauses: PauseGate | undefined;
  private running = 0;
  private idleWaiters: { horizon: number; resolve: () => void }[] = [];
  private state: State = "new";
  private stopping: Promise<void> | undefined;

  constructor(broker: Broker, options: WorkerOptions = {}) {
    assertKnownOptions("Worker", options, WORKER_OPTIONS);
    this.broker = broker;
    this.concurrency = options.concurrency ?? 8;
    if (!(this.concurrency >= 1)) throw new RangeError("concurrency must be at least 1");
    // As in Dramatiq, the environment gives the defaults (worker-env.ts), so programmatic workers get them too.
    this.prefetch = options.prefetch ?? workerEnvDefault("prefetch") ?? 2 * this.concurrency;
    this.delayPrefetch = options.delayPrefetch ?? workerEnvDefault("delayPrefetch") ?? 1000 * this.concurrency;
    this.workerTimeout = options.workerTimeout ?? workerEnvDefault("workerTimeout") ?? 1000;
    this.shutdownTimeout = options.shutdownTimeout ?? workerEnvDefault("shutdownTimeout") ?? 30_000;
    this.threads = options.threads ?? availableParallelism();
    if (!(Number.isInteger(this.threads) && this.threads >= 1)) throw new RangeError("threads must be an integer of at least 1");
    this.threadPool = new ThreadPool(this.threads, broker.logger);
    this.queueFilter = options.queues;
    this.delayed = new DelayedMessages(broker);
    this.giveBack = new GiveBack(broker.logger, broker.clock);
    this.settlement = new Settlement(broker, this.giveBack);
    this.pauses = canPauseQueues(broker) ? new PauseGate(broker, this.workerTimeout, broker.logger) : undefined;
  }

  /** Messages whose actors are running now. */
  get inFlight(): ReadonlySet<MessageContext> {
    return this.active;
  }

  /** True between `start()` and `stop()`. */
  get isRunning(): boolean {
    return this.state === "running";
  }

  /** Starts consuming (once per worker): one consumer per queue and per delay queue. */
  async start(): Promise<void> {
    if (this.state !== "new") throw new Error("a worker can be started once");
    await this.broker.emitBefore("beforeWorkerBoot", this);
    this.state = "running";
    const queues = this.queueFilter ?? [...this.broker.getDeclaredQueues()];
    for (const queueName of queues) {
      this.broker.declareQueue(canonicalQueueName(queueName));
      this.loops.push(this.consumeLoop(canonicalQueueName(queueName), this.prefetch));
      this.loops.push(this.consumeLoop(delayQueueName(queueName), this.delayPrefetch));
    }
    await this.broker.emitAfter("afterWorkerBoot", this);
  }

  /**
   * Resolves when nothing is buffered or running and no delayed message this worker holds
   * comes due within `timeout` ms (on the broker's clock), as Dramatiq's join also waits for
   * its delay queues; messages delayed past that are not waited for. Rejects with
   * `WorkerJoinTimeout` once `timeout` ms of real time have passed. Without `timeout` it
   * waits as long as it takes, for delayed messages already due.
   */
  join(options: { timeout?: number } = {}): Promise<void> {
    assertKnownOptions("Worker.join", options, JOIN_OPTIONS);
    const { timeout } = options;
    const horizon = this.broker.clock.now() + (timeout ?? 0);
    if (this.idleUntil(horizon)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { horizon, resolve };
      this.idleWaiters.push(waiter);
      if (timeout === undefined) return;
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== waiter);
        reject(new WorkerJoinTimeout(timeout));
      }, timeout);
      waiter.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private idleUntil(horizon: number): boolean {
    if (this.running > 0 || this.buffer.size > 0) return false;
    const due = this.delayed.nextDue;
    return due === undefined || due > horizon;
  }

  // A turn later, so that a retry or a delayed message enqueued just now is held before it is looked at.
  private readonly wakeIdleWaiters = (): void => {
    const waiting: typeof this.idleWaiters = [];
    for (const waiter of this.idleWaiters) {
      if (this.idleUntil(waiter.horizon)) waiter.resolve();
      else waiting.push(waiter);
    }
    this.idleWaiters = waiting;
  };

  /**
   * Stops gracefully: no new fetches, buffered and held messages go back to their
   * queues, in-flight actors get `timeout` ms to finish (then their messages are
   * requeued), acks are flushed and consumers closed.
   */
  stop(options: { timeout?: number } = {}): Promise<void> {
    assertKnownOptions("Worker.stop", options, STOP_OPTIONS);
    this.stopping ??= this.shutdown(options.timeout ?? this.shutdownTimeout);
    return this.stopping;
  }

  private async shutdown(timeout: number): Promise<void> {
    if (this.state === "new") {
      this.state = "stopped";
      return;
    }
    await this.broker.emitBefore("beforeWorkerShutdown", this);
    this.state = "stopping";
    this.giveBack.stop();
    await requeueHeld([...this.buffer.drain(), ...this.delayed.release()], this.broker.logger);
    if (!(await this.idleWithin(timeout))) {
      this.broker.logger.warn(`${this.running} actor(s) still running after ${timeout} ms: their messages go back to the queue`);
      for (const context of this.active) {
        this.abandoned.add(context);
        context.abort(new Shutdown(), { terminateAfter: DEFAULT_TERMINATE_AFTER });
      }
      // Thread actors get their grace, then their threads are terminated.
      await this.idleWithin(DEFAULT_TERMINATE_AFTER + 1000);
    }
    for (const [queueName, consumer] of this.consumers) {
      await this.broker.emitBefore("beforeConsumerShutdown", this, queueName);
      await consumer.close().catch((error) => this.broker.logger.error(`closing the consumer of ${queueName} failed: ${error}`));
    }
    this.state = "stopped";
    await Promise.allSettled(this.loops);
    await Promise.allSettled(this.pendingRequeues);
    await this.threadPool.close();
    await this.broker.emitAfter("afterWorkerShutdown", this);
  }

  private async idleWithin(timeout: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeout);
    });
    const idle = await Promise.race([this.join().then(() => true as const), expired]);
    clearTimeout(timer);
    return idle;
  }

  private async consumeLoop(queueName: string, prefetch: number): Promise<void> {
    const delayQueue = isDelayQueue(queueName);
    let backoff = 100;
    let failing = false;
    // Consumers fetch when iterated, so not asking for the next batch stops fetching a paused queue.
    const pauses = delayQueue ? undefined : this.pauses;
    const stopped = () => this.state !== "running";
    while (this.state === "running") {
      try {
        await pauses?.whilePaused(queueName, stopped);
        const consumer = this.broker.consume(queueName, { prefetch, timeout: this.workerTimeout });
        this.consumers.set(queueName, consumer);
        for await (const batch of consumer) {
          if (failing) {
            failing = false;
            backoff = 100;
            this.broker.logger.info(`consumer of ${queueName} resumed`);
          }
          if (batch.length > 0) this.intake(consumer, batch, delayQueue);
          if (this.state !== "running") break;
          await pauses?.whilePaused(queueName, stopped);
        }
        if (this.state === "running") throw new Error("the consumer ended on its own");
      } catch (error) {
        if (this.state !== "running") break;
        if (!failing) this.broker.logger.warn(`consumer of ${queueName} failed: ${(error as Error)?.message ?? error}; restarting`);
        failing = true;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  private intake(consumer: Consumer, batch: readonly Delivery[], delayQueue: boolean): void {
    if (this.state !== "running") {
      // Awaited by shutdown, so the requeue lands before the caller closes the broker.
      const requeue = requeueHeld(
        batch.map((delivery) => ({ consumer, delivery })),
        this.broker.logger,
      );
      this.pendingRequeues.add(requeue);
      void requeue.finally(() => this.pendingRequeues.delete(requeue));
      return;
    }
    for (const delivery of batch) {
      const message = delivery.message;
      if (!message) {
        this.settlement.reject(consumer, delivery, delivery.error ?? new DecodeError("undecodable message"));
        continue;
      }
      const problem = wireOptionProblem(message.options);
      if (problem) {
        this.settlement.reject(consumer, delivery, new InvalidOption(problem));
        continue;
      }
      if (delayQueue) {
        this.delayed.hold({ consumer, delivery });
        continue;
      }
      const actor = this.broker.actors.get(message.actorName);
      if (!actor) {
        this.settlement.reject(consumer, delivery, new ActorNotFound(message.actorName));
      } else if (!actor.options.kwargs && Object.keys(message.kwargs).length > 0) {
        this.settlement.reject(
          consumer,
          delivery,
          new DecodeError(`actor "${actor.actorName}" got keyword arguments; declare it with { kwargs: true } to accept them`),
        );
      } else {
        this.buffer.push(actor.priority, { consumer, delivery, actor });
      }
    }
    if (delayQueue) this.delayed.arm();
    else this.fillSlots();
  }

  private fillSlots(): void {
    while (this.running < this.concurrency && this.state === "running") {
      const job = this.buffer.shift();
      if (!job) break;
      if (job.delivery.stale) continue;
      this.running++;
      this.process(job).then(this.onJobDone);
    }
  }

  private readonly onJobDone = (): void => {
    this.running--;
    this.fillSlots();
    if (this.running === 0 && this.buffer.size === 0 && this.idleWaiters.length) setImmediate(this.wakeIdleWaiters);
  };

  private async process(job: Job): Promise<void> {
    const { consumer, delivery } = job;
    const actor = job.actor;
    const message = delivery.message as Message;
    const broker = this.broker;
    const context = new MessageContext(message);
    this.active.add(context);
    try {
      let outcome: ProcessOutcome;
      try {
        const before = broker.emitBefore("beforeProcessMessage", message);
        if (before) await before;
        outcome = { result: await this.invoke(context, actor, message) };
      } catch (error) {
        if (SkipMessage.isInstance(error) && !context.aborted) {
          if (message.failed && message.lastError === undefined) message.lastError = error;
          let after: void | Promise<void>;
          try {
            after = broker.emitAfter("afterSkipMessage", message);
          } catch (error) {
            after = Promise.reject(error);
          }
          await this.settlement.afterHooks(consumer, delivery, message, after);
          return;
        }
        outcome = { error: error ?? new Error("the actor threw undefined") };
      }
      if (this.abandoned.has(context)) {
        await consumer.requeue([delivery]);
        return;
      }
      if (outcome.error !== undefined) message.lastError = outcome.error;
      let after: void | Promise<void>;
      try {
        after = broker.emitAfter("afterProcessMessage", message, outcome);
      } catch (error) {
        after = Promise.reject(error);
      }
      await this.settlement.afterHooks(consumer, delivery, message, after, outcome);
    } catch (error) {
      broker.logger.error(`processing ${message} failed unexpectedly: ${(error as Error)?.stack ?? error}`);
    } finally {
      this.active.delete(context);
      setRunOf(message, undefined);
    }
  }

  private invoke(context: MessageContext, actor: AnyActor, message: Message): Promise<unknown> {
    if (actor.threadModule) return this.threadPool.run(context, actor, message);
    return new Promise((resolve, reject) => {
      onAbortOf(context, reject);
      const args = actor.options.kwargs ? [...message.args, message.kwargs] : (message.args as unknown[]);
      let result: unknown;
      try {
        const broker = this.broker;
        result = broker.hasHook("aroundActor")
          ? broker.emitAround(message, () => runInContext(context, actor.fn, args))
          : runInContext(context, actor.fn, args);
      } catch (error) {
        reject(error);
        return;
      }
      if (isThenable(result)) result.then(resolve, reject);
      else resolve(result);
    });
  }
}
