import {
  type ActorHandle,
  assertKnownOptions,
  BROKER_OPTION_KEYS,
  type BrokerOptions,
  MemoryBroker,
  type MemoryEntry,
  type Message,
  optionKeys,
  type TransportDelivery,
} from "@troupe/core";
import { type DrainOptions, type DrainSummary, drain as runDrain } from "./drain.js";
import { FaultFiring } from "./fault-firing.js";
import { Faults, faultBook } from "./faults.js";
import { Recorder } from "./recorder.js";
import { SentLog } from "./sent-log.js";
import { VirtualClock } from "./virtual-clock.js";

/** Options of `new TestBroker(options)`: those of every broker, and where virtual time starts. */
export interface TestBrokerOptions extends BrokerOptions {
  /** The virtual clock's start, in ms since the epoch (default: the real time at construction). */
  startTime?: number;
}

/** Options of `TestBroker.waitFor`. */
export interface WaitForOptions<M extends Message = Message> {
  /** Only a message this accepts counts (default: any message to the actor). */
  where?: (message: M) => boolean;
  /** Real ms to wait before rejecting with `WaitForTimeout` (default 5 000). */
  timeout?: number;
}

// biome-ignore lint/suspicious/noExplicitAny: an actor of any signature
type AnyHandle = ActorHandle<any, any>;
/** The type of an actor's messages: `MessageOf<typeof sendEmail>`. */
export type MessageOf<A> = A extends ActorHandle<infer Args, infer R> ? Message<Args, R> : Message;

const TEST_BROKER_OPTIONS: ReadonlySet<string> = new Set([...BROKER_OPTION_KEYS, "startTime"]);
const WAIT_FOR_OPTIONS = optionKeys<WaitForOptions>({ where: true, timeout: true });

/**
 * A `MemoryBroker` on a virtual clock, for unit tests of actors: `drain()` runs
 * everything (queued, delayed, retries with their backoff, callbacks, pipelines,
 * groups) in milliseconds of real time, however far apart in virtual time, and
 * rejects with an actor's own error when a message is dead-lettered. `sent()` and
 * `waitFor()` show what was sent, `faults` injects failures, and no socket is opened.
 * Time is virtual where Troupe reads it (`broker.clock`); your code's `Date.now()`
 * and timers stay real. Use it as any broker: `setBroker(new TestBroker())`.
 */
export class TestBroker extends MemoryBroker {
  /** The virtual clock the broker, its workers and its middleware follow; `advance(ms)` moves it. */
  override readonly clock: VirtualClock;
  /** Faults to inject: failing enqueues, a message delivered twice, a worker that crashes. */
  readonly faults = new Faults();
  private readonly firing: FaultFiring;
  private readonly recorder: Recorder;
  private readonly sentLog = new SentLog();
  private draining = false;

  constructor(options: TestBrokerOptions = {}) {
    assertKnownOptions("TestBroker", options, TEST_BROKER_OPTIONS);
    const { startTime, ...brokerOptions } = options;
    super(brokerOptions);
    this.clock = new VirtualClock(startTime);
    this.firing = new FaultFiring(faultBook(this.faults), this);
    this.recorder = new Recorder(this.firing);
    this.addMiddleware(this.recorder);
  }

  /** The messages sent so far (to `actor`, or to every actor), in order: one per message, retries and delays included in it. */
  sent<A extends AnyHandle>(actor: A): MessageOf<A>[];
  /** The messages sent so far (to the actor of that name, or to every actor), in order. */
  sent(actorName?: string): Message[];
  sent(actor?: AnyHandle | string): Message[] {
    return this.sentLog.list(typeof actor === "object" ? actor.actorName : actor);
  }

  /**
   * The first message sent to `actor` that `where` accepts: at once if one was sent
   * already, else when one is. Rejects with `WaitForTimeout` after `timeout` ms of real time.
   */
  waitFor<A extends AnyHandle>(actor: A, options?: WaitForOptions<MessageOf<A>>): Promise<MessageOf<A>>;
  /** The first message sent to the actor of that name that `where` accepts (see the overload above). */
  waitFor(actorName: string, options?: WaitForOptions): Promise<Message>;
  waitFor(actor: AnyHandle | string, options: WaitForOptions = {}): Promise<Message> {
    assertKnownOptions("waitFor", options, WAIT_FOR_OPTIONS);
    return this.sentLog.waitFor(typeof actor === "object" ? actor.actorName : actor, options.where, options.timeout ?? 5_000);
  }

  /**
   * Runs everything there is to run, with a worker of its own, moving the virtual clock
   * from one due timer to the next (delays, etas, retry backoffs, time and age limits),
   * and resolves with what happened once nothing is left. With `failFast` (the default)
   * it rejects with the error of the first message dead-lettered, as the actor threw it.
   * It rejects with `UnrunnableMessages`, naming them, when messages are left that can
   * never run (an actor no one declared, a queue no declared actor uses).
   */
  async drain(options: DrainOptions = {}): Promise<DrainSummary> {
    if (this.draining) throw new Error("drain() is already running on this broker");
    this.draining = true;
    try {
      return await runDrain({ broker: this, recorder: this.recorder, sentLog: this.sentLog, faults: this.firing }, options);
    } finally {
      this.draining = false;
    }
  }

  /** Empties every queue and the dead letters, forgets what was sent and disarms the faults; the clock keeps its time. */
  async reset(): Promise<void> {
    await this.flushAll();
    this.sentLog.clear();
    this.faults.clear();
  }

  protected override async publish(messages: readonly Message[]): Promise<void> {
    this.firing.beforePublish(messages);
    await super.publish(messages);
    this.firing.afterPublish(messages);
    this.sentLog.record(messages);
  }

  protected override deadLettered(queueName: string, delivery: TransportDelivery<MemoryEntry>, reason: string): void {
    super.deadLettered(queueName, delivery, reason);
    this.recorder.deadLettered({ queueName, message: delivery.message, error: delivery.message?.lastError, reason });
  }
}
