import type { AnyActor } from "./actor.js";
import { CORE_ACTOR_OPTIONS, CORE_MESSAGE_OPTIONS } from "./actor-options.js";
import { type Clock, realClock } from "./clock.js";
import type { ConsumeOptions, Consumer, Delivery } from "./consumer.js";
import { type Encoder, JsonEncoder } from "./encoder.js";
import { ActorNotFound, DecodeError, DuplicateActor, InvalidOption, MessageTooLarge } from "./errors.js";
import { HookEmitter } from "./hook-emitter.js";
import { consoleLogger, type Logger } from "./logger.js";
import { Message } from "./message.js";
import { defaultMiddleware } from "./middleware/default-middleware.js";
import type { Middleware } from "./middleware.js";
import { assertKnownOptions, optionKeys } from "./option-keys.js";
import { assertQueueName, canonicalQueueName, delayQueueName } from "./queues.js";

/** What a broker can do, so the worker, the CLI and the testkit adapt to it instead of guessing. */
export interface BrokerCapabilities {
  /** Native per-message priority (`brokerPriority`), highest first. */
  priorities: boolean;
  /**
   * Messages a dead consumer held come back: at once on disconnect ("redelivery"), after a
   * missed heartbeat, or never ("none": only a consumer's `close()` returns them).
   */
  crashRecovery: "redelivery" | "heartbeat" | "none";
  /** Operational queue statistics (ready, delayed, in flight, dead). */
  queueStats: boolean;
  /** Dead letters can be listed, requeued and purged (absent: they can, as on every broker before transports). */
  deadLetters?: boolean;
}

/** Options every broker takes. */
export interface BrokerOptions {
  /** Replaces the default middleware list. */
  middleware?: Middleware[];
  /** Turns messages into bytes and back (default `JsonEncoder`, Dramatiq's format). */
  encoder?: Encoder;
  /** Where the broker, its worker and its middleware log (default `consoleLogger()`). */
  logger?: Logger;
  /** Encoded messages larger than this are refused at send with `MessageTooLarge` (default 16 MiB). */
  maxMessageSize?: number;
}

/** The names of `BrokerOptions`, for adapters to check their own options with (`assertKnownOptions`). */
export const BROKER_OPTION_KEYS = optionKeys<BrokerOptions>({ middleware: true, encoder: true, logger: true, maxMessageSize: true });

/** Options of `Broker.enqueue` and `enqueueMany`. */
export interface EnqueueOptions {
  /** Milliseconds before the message may run; it waits on the delay queue until then. */
  delay?: number;
}

/** The names of `EnqueueOptions`, for `enqueue` and the compositions' `run` to check theirs with. */
export const ENQUEUE_OPTION_KEYS = optionKeys<EnqueueOptions>({ delay: true });

/** Options of `Broker.join`. */
export interface JoinOptions {
  /** Ms to wait before rejecting with `QueueJoinTimeout`; without it, waits as long as it takes. */
  timeout?: number;
  /**
   * Rejects with the error of the first of the queue's messages a consumer of this broker
   * dead-letters, instead of waiting through it (default true on `MemoryBroker`, as in
   * Dramatiq 2's stub broker, false on brokers of other processes' queues).
   */
  failFast?: boolean;
}

/** What an operator sees of one queue. */
export interface QueueStats {
  /** The canonical queue name. */
  queueName: string;
  /** Messages waiting on the queue. */
  ready: number;
  /** Messages waiting on its delay queue (`q.DQ`). */
  delayed: number;
  /** Messages fetched and not yet acked, where the broker can count them (undefined on RabbitMQ). */
  inFlight: number | undefined;
  /** Messages on its dead-letter queue (`q.XQ`). */
  deadLetters: number;
}

/** A dead-lettered message, as an operator inspects it. */
export interface DeadLetter {
  /** The message's `message_id` (the broker's own id for this copy when the bytes cannot be decoded). */
  id: string;
  /** The decoded message, or undefined when its bytes cannot be decoded. */
  message: Message | undefined;
  /** The stored bytes as text. */
  raw: string;
  /** When it was dead-lettered (ms), where the broker records it. */
  deadAt: number | undefined;
  /** Why it was dead-lettered, where the broker records it. */
  reason?: string | undefined;
}

/** The option names actors and messages may use on a broker. */
interface OptionNames {
  readonly actor: ReadonlySet<string>;
  readonly message: ReadonlySet<string>;
}

let readOptionNames: (broker: Broker) => OptionNames;

/** The option names actors and messages may use on `broker`: core's, and those its middleware declare. */
export const optionNamesOf = (broker: Broker): OptionNames => readOptionNames(broker);

/**
 * Holds actors, queues and middleware, emits the hooks, and leaves moving bytes
 * to a subclass: `publish`, `consume`, `flush`, `join`, `close`.
 */
export abstract class Broker extends HookEmitter {
  /** What this broker supports. */
  abstract readonly capabilities: BrokerCapabilities;
  /** The declared actors by name, for workers to look up what a message runs. */
  readonly actors = new Map<string, AnyActor>();
  /** The encoder of every message this broker sends and receives. */
  readonly encoder: Encoder;
  /** The logger of this broker, its workers and its middleware. */
  readonly logger: Logger;
  /** Largest encoded message accepted at send, in bytes. */
  readonly maxMessageSize: number;
  /** Where this broker, its workers and its middleware read time: the real clock, except on a `TestBroker` (`@troupe/core/testing`). */
  readonly clock: Clock = realClock;
  private readonly queues = new Set<string>();
  private readonly delayQueues = new Set<string>();
  private readonly queueListeners = new Set<(queueName: string) => void>();
  private knownOptions: OptionNames | undefined;

  constructor(options: BrokerOptions = {}) {
    super(options.middleware ?? defaultMiddleware());
    this.encoder = options.encoder ?? new JsonEncoder();
    this.logger = options.logger ?? consoleLogger();
    this.maxMessageSize = options.maxMessageSize ?? 16 * 1024 * 1024;
  }

  /** The broker handed to every hook: this one. */
  protected override broker(): Broker {
    return this;
  }

  /** Adds middleware (at the end, or before/after a given class) and replays past declarations to it; the same instance twice only warns. */
  addMiddleware(
    middleware: Middleware,
    position: { before?: new (...a: never[]) => Middleware; after?: new (...a: never[]) => Middleware } = {},
  ): void {
    if (this.middleware.includes(middleware)) {
      // Twice in the list, its hooks would run twice per message (two retries, two results).
      this.logger.warn(`${middleware.constructor.name} was added to this broker twice: the second addMiddleware is ignored`);
      return;
    }
    this.insertMiddleware(middleware, position);
    this.knownOptions = undefined;
    for (const queueName of this.queues) {
      middleware.afterDeclareQueue?.(this, queueName);
      middleware.afterDeclareDelayQueue?.(this, delayQueueName(queueName));
    }
    for (const actor of this.actors.values()) middleware.afterDeclareActor?.(this, actor);
  }

  /**
   * Registers an actor and its queue; rejects options that no middleware on this broker reads, naming the likely missing one.
   * Declaring the same actor again does nothing; another actor under a name already taken throws `DuplicateActor`.
   */
  declareActor(actor: AnyActor): void {
    const existing = this.actors.get(actor.actorName);
    if (existing === actor) return;
    if (existing) throw new DuplicateActor(actor.actorName);
    this.validateActorOptions(actor);
    this.emitBeforeSync("beforeDeclareActor", actor);
    this.declareQueue(actor.queueName);
    this.actors.set(actor.actorName, actor);
    this.emitAfterSync("afterDeclareActor", actor);
  }

  /** The declared actor of that name; throws `ActorNotFound` otherwise. */
  getActor(actorName: string): AnyActor {
    const actor = this.actors.get(actorName);
    if (!actor) throw new ActorNotFound(actorName);
    return actor;
  }

  /** Declares a queue and its delay queue (once; later calls do nothing). */
  declareQueue(queueName: string): void {
    if (this.queues.has(queueName)) return;
    assertQueueName(queueName);
    this.emitBeforeSync("beforeDeclareQueue", queueName);
    this.queues.add(queueName);
    this.delayQueues.add(delayQueueName(queueName));
    this.onDeclareQueue(queueName);
    this.emitAfterSync("afterDeclareQueue", queueName);
    this.emitAfterSync("afterDeclareDelayQueue", delayQueueName(queueName));
    for (const listener of this.queueListeners) listener(queueName);
  }

  /**
   * Calls `listener` with each canonical queue declared from now on, once its hooks ran (by
   * an actor, `declareQueue` or an enqueue); returns what stops it. A `Worker` without a
   * `queues` filter listens, so that it consumes queues declared after it started.
   */
  onQueueDeclared(listener: (queueName: string) => void): () => void {
    this.queueListeners.add(listener);
    return () => void this.queueListeners.delete(listener);
  }

  /** The canonical queues declared so far. */
  getDeclaredQueues(): ReadonlySet<string> {
    return this.queues;
  }

  /** The delay queues (`q.DQ`) of the declared queues. */
  getDeclaredDelayQueues(): ReadonlySet<string> {
    return this.delayQueues;
  }

  /** Puts a message on its queue, or on its delay queue with an `eta` when `delay` is given. */
  async enqueue<M extends Message<readonly unknown[], unknown>>(message: M, options: EnqueueOptions = {}): Promise<M> {
    const [sent] = await this.enqueueMany([message], options);
    return sent as M;
  }

  /** Puts many messages on their queues in as few round trips as the broker allows. */
  async enqueueMany<M extends Message<readonly unknown[], unknown>>(messages: readonly M[], options: EnqueueOptions = {}): Promise<M[]> {
    assertKnownOptions("enqueue", options, ENQUEUE_OPTION_KEYS);
    const delay = options.delay !== undefined && options.delay > 0 ? options.delay : undefined;
    const ready: M[] = new Array(messages.length);
    const eta = delay === undefined ? 0 : this.clock.now() + delay;
    for (let i = 0; i < messages.length; i++) {
      let message = messages[i];
      this.declareQueue(message.queueName);
      if (delay !== undefined) {
        message = message.copy({ queueName: delayQueueName(message.queueName), options: { eta } }) as M;
      }
      message.broker = this;
      ready[i] = message;
    }
    try {
      if (this.hasHook("beforeEnqueue")) for (const m of ready) await this.emitBefore("beforeEnqueue", m, delay, ready);
      await this.publish(ready);
    } catch (error) {
      if (this.hasHook("afterEnqueueFailed")) for (const m of ready) await this.emitAfter("afterEnqueueFailed", m, error, ready);
      throw error;
    }
    if (this.hasHook("afterEnqueue")) for (const m of ready) await this.emitAfter("afterEnqueue", m, delay, ready);
    return ready;
  }

  /** Encodes a message for the wire, refusing one over `maxMessageSize`. For brokers and consumers. */
  encodeMessage(message: Message<readonly unknown[], unknown>): string | Buffer {
    const data = message.encode(this.encoder);
    const size = typeof data === "string" ? (data.length > this.maxMessageSize / 3 ? Buffer.byteLength(data) : data.length) : data.length;
    if (size > this.maxMessageSize) throw new MessageTooLarge(size, this.maxMessageSize);
    return data;
  }

  /** Decodes bytes from the wire into a delivery's message, or the reason it cannot be. For consumers. */
  decodeMessage(raw: string | Buffer): {
    /** The message, or undefined when the bytes cannot be decoded. */
    message: Message | undefined;
    /** Why they cannot be decoded. */
    error?: DecodeError;
  } {
    try {
      const message = Message.fromJSON(this.encoder.decode(raw));
      message.broker = this;
      return { message };
    } catch (error) {
      const reason = DecodeError.isInstance(error) ? error : new DecodeError(String(error), { cause: error });
      return { message: undefined, error: reason };
    }
  }

  static {
    readOptionNames = (broker) => broker.optionNames();
  }

  // Core's option names and those this broker's middleware declare in `actorOptions` (which a message may override).
  private optionNames(): OptionNames {
    if (!this.knownOptions) {
      const declared = this.middleware.flatMap((middleware) => middleware.actorOptions ?? []);
      this.knownOptions = {
        actor: new Set([...CORE_ACTOR_OPTIONS, ...declared]),
        message: new Set([...CORE_MESSAGE_OPTIONS, ...declared]),
      };
    }
    return this.knownOptions;
  }

  private validateActorOptions(actor: AnyActor): void {
    const known = this.optionNames().actor;
    for (const name of Object.keys(actor.options)) {
      if (!known.has(name) && Object.hasOwn(OPTION_OWNERS, name)) {
        throw new InvalidOption(
          `actor "${actor.actorName}" has option "${name}" that no middleware on this broker reads: add the ${OPTION_OWNERS[name]} middleware to the broker`,
        );
      }
    }
    assertKnownOptions(`actor "${actor.actorName}"`, actor.options, known);
  }

  /**
   * Moves due delayed messages a worker held on a delay queue to their queues: a copy of
   * each (same `message_id`, no `eta`) goes through `enqueueMany`, so every enqueue hook
   * fires, then each delay-queue copy is acked. A broker that can do both in one atomic
   * step overrides this. Rejects when the enqueue fails; the copies stay unacked then.
   */
  async moveDelayed(due: readonly { readonly consumer: Consumer; readonly delivery: Delivery }[]): Promise<void> {
    const moved = new Array<Message>(due.length);
    for (let i = 0; i < due.length; i++) moved[i] = movedCopy(due[i].delivery.message as Message);
    await this.enqueueMany(moved);
    for (const { consumer, delivery } of due) {
      const acked = consumer.ack(delivery);
      if (acked) await acked;
    }
  }

  /** Called once per newly declared queue; brokers that declare queues remotely do it here or lazily. */
  protected onDeclareQueue(_queueName: string): void {}

  /** Stores ready-made messages (queue name and options final) on their queues. */
  protected abstract publish(messages: readonly Message<readonly unknown[], unknown>[]): Promise<void>;

  /** Starts reading one queue (canonical or delay). */
  abstract consume(queueName: string, options: ConsumeOptions): Consumer;

  /** Drops every message of a queue, its delay queue and its dead letters. */
  abstract flush(queueName: string): Promise<void>;
  /** Drops every message of every declared queue. */
  abstract flushAll(): Promise<void>;
  /** Resolves when the queue and its delay queue hold nothing waiting or unacknowledged. */
  abstract join(queueName: string, options?: JoinOptions): Promise<void>;
  /** Closes the broker's connections; clients handed in by the caller stay open. */
  abstract close(): Promise<void>;

  /** Ready, delayed, in-flight and dead-letter counts of a queue. */
  abstract queueStats(queueName: string): Promise<QueueStats>;
  /** Dead-lettered messages of a queue, oldest first. */
  abstract listDeadLetters(queueName: string, options?: { limit?: number }): Promise<DeadLetter[]>;
  /** Moves dead letters back to their queue (a new copy with the same `message_id`); returns how many. */
  abstract requeueDeadLetters(queueName: string, options?: { limit?: number }): Promise<number>;
  /** Deletes dead letters; returns how many. */
  abstract purgeDeadLetters(queueName: string): Promise<number>;
}

/** The copy of a due delayed message that goes to its canonical queue: same `message_id`, no `eta`. */
export function movedCopy(message: Message): Message {
  return message.copy({ queueName: canonicalQueueName(message.queueName), options: { eta: undefined } });
}

/** Which middleware reads an option, to name it when an actor uses the option without it. */
const OPTION_OWNERS: Record<string, string> = {
  storeResults: "Results",
  resultTtl: "Results",
  rateLimit: "RateLimits (@troupe/rate-limit)",
  abortable: "Abortable (@troupe/abort)",
  maxRetries: "Retries",
  minBackoff: "Retries",
  maxBackoff: "Retries",
  retryWhen: "Retries",
  throws: "Retries",
  onRetryExhausted: "Retries",
  timeLimit: "TimeLimit",
  timeLimitGrace: "TimeLimit",
  maxAge: "AgeLimit",
  notifyShutdown: "ShutdownNotifications",
  onSuccess: "Callbacks",
  onFailure: "Callbacks",
  pipeIgnore: "Pipelines",
};
