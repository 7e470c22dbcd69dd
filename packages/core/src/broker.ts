import type { AnyActor } from "./actor.js";
import type { ConsumeOptions, Consumer } from "./consumer.js";
import { type Encoder, JsonEncoder } from "./encoder.js";
import { ActorNotFound, DecodeError, InvalidOption, MessageTooLarge } from "./errors.js";
import { HookEmitter } from "./hook-emitter.js";
import { consoleLogger, type Logger } from "./logger.js";
import { Message } from "./message.js";
import { defaultMiddleware } from "./middleware/default-middleware.js";
import type { Middleware } from "./middleware.js";
import { assertQueueName, delayQueueName } from "./queues.js";

export interface BrokerCapabilities {
  /** Native per-message priority (`brokerPriority`), highest first. */
  priorities: boolean;
  /** Messages a dead consumer held come back: at once on disconnect ("redelivery") or after a missed heartbeat. */
  crashRecovery: "redelivery" | "heartbeat";
  /** Operational queue statistics (ready, delayed, in flight, dead). */
  queueStats: boolean;
}

export interface BrokerOptions {
  /** Replaces the default middleware list. */
  middleware?: Middleware[];
  encoder?: Encoder;
  logger?: Logger;
  /** Encoded messages larger than this are refused at send with `MessageTooLarge` (default 16 MiB). */
  maxMessageSize?: number;
}

export interface EnqueueOptions {
  /** Milliseconds before the message may run; it waits on the delay queue until then. */
  delay?: number;
}

export interface JoinOptions {
  timeout?: number;
}

/** What an operator sees of one queue. */
export interface QueueStats {
  queueName: string;
  ready: number;
  delayed: number;
  inFlight: number | undefined;
  deadLetters: number;
}

/** A dead-lettered message, as an operator inspects it. */
export interface DeadLetter {
  id: string;
  message: Message | undefined;
  raw: string;
  /** When it was dead-lettered (ms), where the broker records it. */
  deadAt: number | undefined;
}

/**
 * Holds actors, queues and middleware, emits the hooks, and leaves moving bytes
 * to a subclass: `publish`, `consume`, `flush`, `join`, `close`.
 */
export abstract class Broker extends HookEmitter {
  abstract readonly capabilities: BrokerCapabilities;
  readonly actors = new Map<string, AnyActor>();
  readonly encoder: Encoder;
  readonly logger: Logger;
  readonly maxMessageSize: number;
  private readonly queues = new Set<string>();
  private readonly delayQueues = new Set<string>();

  constructor(options: BrokerOptions = {}) {
    super(options.middleware ?? defaultMiddleware());
    this.encoder = options.encoder ?? new JsonEncoder();
    this.logger = options.logger ?? consoleLogger();
    this.maxMessageSize = options.maxMessageSize ?? 16 * 1024 * 1024;
  }

  protected override broker(): Broker {
    return this;
  }

  /** Adds middleware (at the end, or before/after a given class) and replays past declarations to it. */
  addMiddleware(
    middleware: Middleware,
    position: { before?: new (...a: never[]) => Middleware; after?: new (...a: never[]) => Middleware } = {},
  ): void {
    this.insertMiddleware(middleware, position);
    for (const queueName of this.queues) {
      middleware.afterDeclareQueue?.(this, queueName);
      middleware.afterDeclareDelayQueue?.(this, delayQueueName(queueName));
    }
    for (const actor of this.actors.values()) middleware.afterDeclareActor?.(this, actor);
  }

  declareActor(actor: AnyActor): void {
    this.validateActorOptions(actor);
    this.emitBeforeSync("beforeDeclareActor", actor);
    this.declareQueue(actor.queueName);
    this.actors.set(actor.actorName, actor);
    this.emitAfterSync("afterDeclareActor", actor);
  }

  getActor(actorName: string): AnyActor {
    const actor = this.actors.get(actorName);
    if (!actor) throw new ActorNotFound(actorName);
    return actor;
  }

  declareQueue(queueName: string): void {
    if (this.queues.has(queueName)) return;
    assertQueueName(queueName);
    this.emitBeforeSync("beforeDeclareQueue", queueName);
    this.queues.add(queueName);
    this.delayQueues.add(delayQueueName(queueName));
    this.onDeclareQueue(queueName);
    this.emitAfterSync("afterDeclareQueue", queueName);
    this.emitAfterSync("afterDeclareDelayQueue", delayQueueName(queueName));
  }

  getDeclaredQueues(): ReadonlySet<string> {
    return this.queues;
  }

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
    const delay = options.delay !== undefined && options.delay > 0 ? options.delay : undefined;
    const ready: M[] = new Array(messages.length);
    const eta = delay === undefined ? 0 : Date.now() + delay;
    for (let i = 0; i < messages.length; i++) {
      let message = messages[i];
      this.declareQueue(message.queueName);
      if (delay !== undefined) {
        message = message.copy({ queueName: delayQueueName(message.queueName), options: { eta } }) as M;
      }
      message.broker = this;
      ready[i] = message;
    }
    if (this.hasHook("beforeEnqueue")) for (const m of ready) await this.emitBefore("beforeEnqueue", m, delay);
    await this.publish(ready);
    if (this.hasHook("afterEnqueue")) for (const m of ready) await this.emitAfter("afterEnqueue", m, delay);
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
  decodeMessage(raw: string | Buffer): { message: Message | undefined; error?: DecodeError } {
    try {
      const message = Message.fromJSON(this.encoder.decode(raw));
      message.broker = this;
      return { message };
    } catch (error) {
      const reason = DecodeError.isInstance(error) ? error : new DecodeError(String(error), { cause: error });
      return { message: undefined, error: reason };
    }
  }

  private validateActorOptions(actor: AnyActor): void {
    const known = new Set<string>(["queueName", "priority", "broker", "kwargs"]);
    for (const middleware of this.middleware) for (const name of middleware.actorOptions ?? []) known.add(name);
    for (const name of Object.keys(actor.options)) {
      if (!known.has(name)) {
        const hint = OPTION_OWNERS[name] ? `: add the ${OPTION_OWNERS[name]} middleware to the broker` : "";
        throw new InvalidOption(`actor "${actor.actorName}" has option "${name}" that no middleware on this broker reads${hint}`);
      }
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
  abstract flushAll(): Promise<void>;
  /** Resolves when the queue and its delay queue hold nothing waiting or unacknowledged. */
  abstract join(queueName: string, options?: JoinOptions): Promise<void>;
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

/** Which middleware reads an option, to name it when an actor uses the option without it. */
const OPTION_OWNERS: Record<string, string> = {
  storeResults: "Results",
  resultTtl: "Results",
  rateLimit: "RateLimits (@troupe/rate-limit)",
  maxRetries: "Retries",
  timeLimit: "TimeLimit",
  maxAge: "AgeLimit",
};
