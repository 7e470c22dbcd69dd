import {
  BROKER_OPTION_KEYS,
  Broker,
  type BrokerCapabilities,
  type BrokerOptions,
  type DeadLetter,
  type JoinOptions,
  movedCopy,
  type QueueStats,
} from "../broker.js";
import type { ConsumeOptions, Consumer, Delivery } from "../consumer.js";
import { NotSupported } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Message } from "../message.js";
import { assertKnownOptions, optionKeys } from "../option-keys.js";
import { canonicalQueueName, delayQueueName } from "../queues.js";
import { toDeadLetter } from "./dead-letters.js";
import { type HeldCount, heldCount, heldCounts } from "./held-counts.js";
import { JoinWaiters } from "./join-waiters.js";
import { QueueDeclarations } from "./queue-declarations.js";
import type { OutgoingMessage, Transport, TransportSpecificationVersion } from "./transport.js";
import { TransportConsumer } from "./transport-consumer.js";
import type { TransportConsumerHost } from "./transport-consumer-host.js";
import { TransportDelivery } from "./transport-delivery.js";

/** What a transport factory gets from the broker it is made for. */
export interface TransportContext {
  /** The broker's logger. */
  readonly logger: Logger;
  /** The broker's clock, read now: the real time, or a `TestBroker`'s virtual one. */
  now(): number;
}

/** Makes a broker's transport once the broker's options are read (its logger is known). */
export type TransportFactory<Handle> = (context: TransportContext) => Transport<Handle>;

const SPECIFICATION_VERSIONS: ReadonlySet<TransportSpecificationVersion> = new Set(["v1"]);
const JOIN_OPTIONS = optionKeys<JoinOptions>({ timeout: true, failFast: true });
/** Dead letters requeued per enqueue and delete. */
const REQUEUE_CHUNK = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A full `Broker` on a `Transport`: core's runtime does everything but moving bytes.
 * Its consumers batch acks, wait for wake-ups, tick when idle, back off while the
 * transport is away and drop the deliveries of a dead reader; the broker declares
 * each queue once, encodes on publish, moves due delayed messages (atomically where
 * the transport can), joins, and lists, requeues (through `enqueueMany`, so every
 * enqueue hook fires) and purges dead letters. `MemoryBroker`, `RedisBroker` and
 * `RabbitmqBroker` are built on it; so is a third-party transport:
 * `new TransportBroker(new MyTransport(), { middleware })`.
 */
export class TransportBroker<Handle = unknown> extends Broker {
  /** The transport this broker runs on. */
  readonly transport: Transport<Handle>;
  readonly capabilities: BrokerCapabilities;
  private readonly consumers = new Set<TransportConsumer<Handle>>();
  private readonly declarations: QueueDeclarations;
  private readonly joiners = new JoinWaiters((queueName) => this.drained(queueName));
  private readonly held: Map<string, HeldCount>;
  private readonly host: TransportConsumerHost<Handle>;
  /** The delay-queue delivery each moved copy replaces, while `moveDelayed` runs. */
  private readonly replacing = new WeakMap<Message<readonly unknown[], unknown>, Handle>();
  private moving = 0;

  /** Wraps a transport (or the factory of one, given the broker's logger) with `BrokerOptions`. */
  constructor(transport: Transport<Handle> | TransportFactory<Handle>, options: BrokerOptions = {}) {
    super(options);
    if (new.target === TransportBroker) assertKnownOptions("TransportBroker", options, BROKER_OPTION_KEYS);
    this.transport = typeof transport === "function" ? transport({ logger: this.logger, now: () => this.clock.now() }) : transport;
    if (!SPECIFICATION_VERSIONS.has(this.transport.specificationVersion)) {
      throw new NotSupported(
        `the ${this.transport.system} transport implements transport specification "${this.transport.specificationVersion}"; ` +
          `this @troupe/core runs ${[...SPECIFICATION_VERSIONS].map((v) => `"${v}"`).join(", ")}: upgrade @troupe/core`,
      );
    }
    const { priorities, crashRecovery, queueStats, deadLetters } = this.transport.capabilities;
    this.capabilities = { priorities, crashRecovery, queueStats, deadLetters };
    this.held = heldCounts(this.transport);
    this.declarations = new QueueDeclarations(this.transport);
    this.host = {
      logger: this.logger,
      capabilities: this.transport.capabilities,
      openReader: async (queueName, readerOptions) => {
        await this.declarations.of(canonicalQueueName(queueName));
        return this.transport.openReader(queueName, readerOptions);
      },
      decodeMessage: (raw) => this.decodeMessage(raw),
      heldCount: (queueName) => heldCount(this.held, queueName),
      settled: () => this.joiners.poke(),
      deadLettered: (queueName, delivery, reason) => this.deadLettered(queueName, delivery, reason),
      closed: (consumer) => void this.consumers.delete(consumer),
    };
  }

  protected override onDeclareQueue(queueName: string): void {
    // Started now, awaited by the first publish or reader of the queue (which retry a failure).
    this.declarations.of(queueName)?.catch(() => {});
  }

  protected async publish(messages: readonly Message<readonly unknown[], unknown>[]): Promise<void> {
    const outgoing = new Array<OutgoingMessage<Handle>>(messages.length);
    let queueName: string | undefined;
    let declarations: Promise<void>[] | undefined;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i];
      if (message.queueName !== queueName) {
        queueName = message.queueName;
        const declaring = this.declarations.of(canonicalQueueName(queueName));
        if (declaring) (declarations ??= []).push(declaring);
      }
      outgoing[i] = this.outgoing(message, this.moving > 0 ? this.replacing.get(message) : undefined);
    }
    if (declarations) await Promise.all(declarations);
    await this.transport.publish(outgoing);
  }

  /**
   * The transport's view of a message about to be published: its queue, `message_id`,
   * encoded bytes, `eta`, `broker_priority`, and the delay-queue delivery it replaces.
   * An adapter that needs more of the message (a copy id of its own) extends this.
   */
  protected outgoing(message: Message<readonly unknown[], unknown>, replaces: Handle | undefined): OutgoingMessage<Handle> {
    const { eta, broker_priority: priority } = message.options;
    return {
      queueName: message.queueName,
      messageId: message.messageId,
      data: this.encodeMessage(message),
      eta: typeof eta === "number" ? eta : undefined,
      priority: typeof priority === "number" ? priority : undefined,
      replaces,
    };
  }

  /** Core's runtime consumer of one queue on this broker's transport. */
  consume(queueName: string, options: ConsumeOptions): Consumer {
    const consumer = new TransportConsumer(this.host, queueName, options);
    this.consumers.add(consumer);
    return consumer;
  }

  /**
   * Moves due delayed messages to their queues through `enqueueMany` (every enqueue hook
   * fires). Where the transport has `atomicMove`, each publish also removes the delay-queue
   * copy it replaces, in the same step; the ack that follows only lets the consumer forget it.
   */
  override async moveDelayed(due: readonly { readonly consumer: Consumer; readonly delivery: Delivery }[]): Promise<void> {
    if (!this.transport.capabilities.atomicMove) return super.moveDelayed(due);
    const moved = new Array<Message>(due.length);
    for (let i = 0; i < due.length; i++) {
      const { consumer, delivery } = due[i];
      const copy = movedCopy(delivery.message as Message);
      if (delivery instanceof TransportDelivery && this.consumers.has(consumer as TransportConsumer<Handle>)) {
        this.replacing.set(copy, delivery.handle as Handle);
      }
      moved[i] = copy;
    }
    this.moving++;
    try {
      await this.enqueueMany(moved);
    } finally {
      this.moving--;
    }
    for (const { consumer, delivery } of due) {
      const acked = consumer.ack(delivery);
      if (acked) await acked;
    }
  }

  /**
   * Called after a consumer of this broker dead-lettered a delivery (`queueName` is the
   * physical queue it came from): failFast joins of its queue reject with the message's
   * error. An adapter or a test broker extending this calls `super`.
   */
  protected deadLettered(queueName: string, delivery: TransportDelivery<Handle>, reason: string): void {
    const message = delivery.message;
    if (message) this.joiners.deadLettered(canonicalQueueName(queueName), message.lastError ?? new Error(reason));
  }

  /** Stops every consumer as a killed process would: no acks, no requeues, readers left to the transport (for `simulateCrash`). */
  protected abandonConsumers(): void {
    for (const consumer of [...this.consumers]) consumer.abandon();
  }

  async flush(queueName: string): Promise<void> {
    await this.transport.purge(canonicalQueueName(queueName));
    this.joiners.poke();
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.getDeclaredQueues()].map((queueName) => this.transport.purge(queueName)));
    this.joiners.poke();
  }

  /**
   * Resolves when nothing of the queue is waiting, delayed or unsettled: on the transport,
   * and held by consumers of this process. With `failFast`, rejects with the error of the
   * first of its messages a consumer of this broker dead-letters. `timeout` is real time.
   */
  join(queueName: string, options: JoinOptions = {}): Promise<void> {
    assertKnownOptions("join", options, JOIN_OPTIONS);
    this.requireCapability("queueStats", "join");
    return this.joiners.wait(canonicalQueueName(queueName), options.timeout, options.failFast ?? false);
  }

  private async drained(canonical: string): Promise<boolean> {
    const ready = heldCount(this.held, canonical);
    const delayed = heldCount(this.held, delayQueueName(canonical));
    for (let look = 0; ; look++) {
      if (ready.value + delayed.value > 0) return false;
      const counts = await this.transport.stats!(canonical);
      if (counts.ready + counts.delayed + (counts.inFlight ?? 0) > 0 || ready.value + delayed.value > 0) return false;
      // Where in-flight messages are not counted, one on its way to a consumer is briefly
      // neither ready nor held: only two quiet looks in a row are drained.
      if (counts.inFlight !== undefined || look === 1) return true;
      await sleep(10);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => consumer.close()));
    await this.transport.close();
  }

  async queueStats(queueName: string): Promise<QueueStats> {
    this.requireCapability("queueStats", "queueStats");
    const canonical = canonicalQueueName(queueName);
    const counts = await this.transport.stats!(canonical);
    return {
      queueName: canonical,
      ready: counts.ready,
      delayed: counts.delayed,
      inFlight: counts.inFlight,
      deadLetters: counts.deadLetters,
    };
  }

  async listDeadLetters(queueName: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    const transport = this.deadLetterTransport("listDeadLetters");
    if (options.limit !== undefined && options.limit <= 0) return [];
    const stored = await transport.listDeadLetters(canonicalQueueName(queueName), options.limit ?? Number.POSITIVE_INFINITY);
    return stored.map((letter) => toDeadLetter(letter, this.decodeMessage(letter.data).message));
  }

  /**
   * Moves the oldest dead letters back to their queue through `enqueueMany` (a new copy,
   * same `message_id`; every enqueue hook fires), then deletes them. Undecodable ones stay.
   */
  async requeueDeadLetters(queueName: string, options: { limit?: number } = {}): Promise<number> {
    const transport = this.deadLetterTransport("requeueDeadLetters");
    if (options.limit !== undefined && options.limit <= 0) return 0;
    const canonical = canonicalQueueName(queueName);
    const stored = await transport.listDeadLetters(canonical, options.limit ?? Number.POSITIVE_INFINITY);
    const ids: string[] = [];
    const copies: Message[] = [];
    for (const letter of stored) {
      const message = this.decodeMessage(letter.data).message;
      if (!message) continue;
      ids.push(letter.id);
      copies.push(message.copy({ queueName: canonical, options: { eta: undefined } }));
    }
    for (let i = 0; i < copies.length; i += REQUEUE_CHUNK) {
      await this.enqueueMany(copies.slice(i, i + REQUEUE_CHUNK));
      await transport.deleteDeadLetters(canonical, ids.slice(i, i + REQUEUE_CHUNK));
    }
    return copies.length;
  }

  async purgeDeadLetters(queueName: string): Promise<number> {
    return this.deadLetterTransport("purgeDeadLetters").purgeDeadLetters(canonicalQueueName(queueName));
  }

  private requireCapability(capability: "queueStats" | "deadLetters", operation: string): void {
    const transport = this.transport;
    const present =
      capability === "queueStats"
        ? transport.capabilities.queueStats && transport.stats !== undefined
        : transport.capabilities.deadLetters &&
          transport.listDeadLetters !== undefined &&
          transport.deleteDeadLetters !== undefined &&
          transport.purgeDeadLetters !== undefined;
    if (!present) throw new NotSupported(`${operation} needs a transport with ${capability}; the ${transport.system} transport has none`);
  }

  private deadLetterTransport(
    operation: string,
  ): Required<Pick<Transport<Handle>, "listDeadLetters" | "deleteDeadLetters" | "purgeDeadLetters">> {
    this.requireCapability("deadLetters", operation);
    return this.transport as Required<Transport<Handle>>;
  }
}
