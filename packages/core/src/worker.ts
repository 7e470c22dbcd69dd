import { availableParallelism } from "node:os";
import type { AnyActor } from "./actor.js";
import type { Broker } from "./broker.js";
import { ConsumeLoops } from "./consume-loops.js";
import type { Consumer, Delivery } from "./consumer.js";
import { MessageContext } from "./current-message.js";
import { DelayedMessages } from "./delayed-messages.js";
import { refusalOf } from "./delivery-refusal.js";
import { Shutdown, SkipMessage } from "./errors.js";
import { GiveBack } from "./give-back.js";
import { type HeldDelivery, requeueHeld } from "./held-delivery.js";
import { IdleWaiters } from "./idle-waiters.js";
import { invokeActor } from "./invoke-actor.js";
import { type Message, setRunOf } from "./message.js";
import type { ProcessOutcome } from "./middleware.js";
import { assertKnownOptions, optionKeys } from "./option-keys.js";
import { PauseGate } from "./pause-gate.js";
import { PriorityBuffer } from "./priority-buffer.js";
import { canPauseQueues } from "./queue-pauses.js";
import { Settlement } from "./settlement.js";
import { DEFAULT_TERMINATE_AFTER, ThreadPool } from "./thread-pool.js";
import { workerEnvDefault } from "./worker-env.js";
import { WORKER_OPTIONS, type WorkerOptions } from "./worker-options.js";

const STOP_OPTIONS = optionKeys<NonNullable<Parameters<Worker["stop"]>[0]>>({ timeout: true });
const JOIN_OPTIONS = optionKeys<NonNullable<Parameters<Worker["join"]>[0]>>({ timeout: true });

interface Job extends HeldDelivery {
  readonly actor: AnyActor;
}

type State = "new" | "running" | "stopping" | "stopped";

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
  /** Ms before a failed consumer is started again (doubling while it keeps failing). */
  readonly restartDelay: number;
  /** The longest pause between restarts of a failing consumer, ms. */
  readonly maxRestartDelay: number;
  private readonly queueFilter: readonly string[] | undefined;
  private readonly consuming: ConsumeLoops;
  private stopListening: (() => void) | undefined;
  private readonly buffer = new PriorityBuffer<Job>();
  private readonly delayed: DelayedMessages;
  private readonly active = new Set<MessageContext>();
  private readonly abandoned = new WeakSet<MessageContext>();
  private readonly pendingRequeues = new Set<Promise<void>>();
  private readonly giveBack: GiveBack;
  private readonly settlement: Settlement;
  private readonly threadPool: ThreadPool;
  private running = 0;
  private readonly idleWaiters = new IdleWaiters((horizon) => this.idleUntil(horizon));
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
    this.restartDelay = options.restartDelay ?? workerEnvDefault("restartDelay") ?? 100;
    if (!(this.restartDelay >= 1)) throw new RangeError("restartDelay must be at least 1 ms");
    this.maxRestartDelay = options.maxRestartDelay ?? Math.max(10_000, this.restartDelay);
    if (!(this.maxRestartDelay >= this.restartDelay)) throw new RangeError("maxRestartDelay must be at least restartDelay");
    this.threadPool = new ThreadPool(this.threads, broker.logger);
    this.queueFilter = options.queues;
    this.delayed = new DelayedMessages(broker);
    this.giveBack = new GiveBack(broker.logger, broker.clock);
    this.settlement = new Settlement(broker, this.giveBack);
    // Where the broker can pause queues (`QueuePauses`), canonical queues wait while paused.
    const queuePauses = canPauseQueues(broker) ? new PauseGate(broker, this.workerTimeout, broker.logger) : undefined;
    this.consuming = new ConsumeLoops(broker, this, queuePauses, {
      intake: (consumer, batch, delayQueue) => this.intake(consumer, batch, delayQueue),
      idle: () => this.running === 0,
    });
  }

  /** Messages whose actors are running now. */
  get inFlight(): ReadonlySet<MessageContext> {
    return this.active;
  }

  /** True between `start()` and `stop()`. */
  get isRunning(): boolean {
    return this.state === "running";
  }

  /** True between `pause()` and `resume()`. */
  get isPaused(): boolean {
    return this.consuming.isPaused;
  }

  /**
   * Starts consuming (once per worker): one consumer per queue and per delay queue. Without a
   * `queues` filter, a queue declared on the broker later (by an actor declared after `start()`,
   * or an enqueue to a new queue) is consumed from then on, its delay queue too.
   */
  async start(): Promise<void> {
    if (this.state !== "new") throw new Error("a worker can be started once");
    await this.broker.emitBefore("beforeWorkerBoot", this);
    this.state = "running";
    // Listening before reading the declared queues, so that none declared in between is missed.
    if (!this.queueFilter) this.stopListening = this.broker.onQueueDeclared((queueName) => this.consuming.add(queueName));
    for (const queueName of this.queueFilter ?? [...this.broker.getDeclaredQueues()]) this.consuming.add(queueName);
    await this.broker.emitAfter("afterWorkerBoot", this);
  }

  /**
   * Stops fetching, as Dramatiq's `Worker.pause`, and starts no held message: no consumer asks
   * its broker for more, actors already running finish (and are acked), and what the worker
   * holds stays held, unacked, without a round trip back to the broker: fetched messages wait
   * in its buffer, delayed ones in its schedule (a delayed message coming due is not moved to
   * its queue either). A consumer waiting for messages when it is called may take one batch
   * more within its idle tick (`workerTimeout`), and a transport that reads ahead by itself
   * (RabbitMQ's channel prefetch, Redis's blocked read) up to `prefetch` messages per queue:
   * all held too, none run. Resolves once no fetch is under way and no actor runs, or when
   * `resume()` or `stop()` comes first; there is no need to await it. Before `start()` it makes
   * the worker start paused (its consumers then open no reader). `stop()` works as ever while
   * paused: what is held goes back to its queue.
   */
  pause(): Promise<void> {
    if (this.state === "stopping" || this.state === "stopped") return Promise.resolve();
    this.consuming.pause();
    this.delayed.pause();
    return this.consuming.quiet();
  }

  /** Undoes `pause()`: held messages start in their order, due delayed ones move to their queue, and consumers fetch again. */
  resume(): void {
    if (!this.consuming.isPaused) return;
    this.consuming.resume();
    this.delayed.resume();
    this.fillSlots();
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
    return this.idleWaiters.wait(this.broker.clock.now() + (timeout ?? 0), timeout);
  }

  private idleUntil(horizon: number): boolean {
    if (this.running > 0 || this.buffer.size > 0) return false;
    const due = this.delayed.nextDue;
    return due === undefined || due > horizon;
  }

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
    this.stopListening?.();
    this.consuming.stop();
    this.giveBack.stop();
    await requeueHeld([...this.buffer.drain(), ...this.delayed.release()], this.broker.logger);
    if (!(await this.idleWaiters.within(this.broker.clock.now(), timeout))) {
      this.broker.logger.warn(`${this.running} actor(s) still running after ${timeout} ms: their messages go back to the queue`);
      for (const context of this.active) {
        this.abandoned.add(context);
        context.abort(new Shutdown(), { terminateAfter: DEFAULT_TERMINATE_AFTER });
      }
      // Thread actors get their grace, then their threads are terminated.
      await this.idleWaiters.within(this.broker.clock.now(), DEFAULT_TERMINATE_AFTER + 1000);
    }
    for (const [queueName, consumer] of this.consuming.consumers) {
      await this.broker.emitBefore("beforeConsumerShutdown", this, queueName);
      await consumer.close().catch((error) => this.broker.logger.error(`closing the consumer of ${queueName} failed: ${error}`));
    }
    this.state = "stopped";
    await this.consuming.ended();
    await Promise.allSettled(this.pendingRequeues);
    await this.threadPool.close();
    await this.broker.emitAfter("afterWorkerShutdown", this);
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
      const { refusal, actor } = refusalOf(this.broker, delivery, delayQueue);
      if (refusal) this.settlement.reject(consumer, delivery, refusal);
      else if (actor) this.buffer.push(actor.priority, { consumer, delivery, actor });
      else this.delayed.hold({ consumer, delivery });
    }
    if (delayQueue) this.delayed.arm();
    else this.fillSlots();
  }

  private fillSlots(): void {
    while (this.running < this.concurrency && this.state === "running" && !this.consuming.isPaused) {
      const job = this.buffer.shift();
      if (!job) break;
      if (job.delivery.stale) continue;
      this.running++;
      this.process(job).then(this.onJobDone);
    }
  }

  private readonly onJobDone = (): void => {
    this.running--;
    if (this.running === 0 && this.consuming.isPaused) this.consuming.checkQuiet();
    this.fillSlots();
    // A turn later, so that a retry or a delayed message enqueued just now is held before it is looked at.
    if (this.running === 0 && this.buffer.size === 0 && this.idleWaiters.waiting) setImmediate(this.idleWaiters.wake);
  };

  private async process(job: Job): Promise<void> {
    const { consumer, delivery } = job;
    const actor = job.actor;
    const message = delivery.message as Message;
    const broker = this.broker;
    const context = new MessageContext(message, delivery.redelivered === true);
    this.active.add(context);
    try {
      let outcome: ProcessOutcome;
      try {
        const before = broker.emitBefore("beforeProcessMessage", message);
        if (before) await before;
        outcome = { result: await invokeActor(broker, this.threadPool, context, actor, message) };
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
}
