import {
  assertKnownOptions,
  Broker,
  type BrokerCapabilities,
  ConnectionError,
  type ConsumeOptions,
  canonicalQueueName,
  type DeadLetter,
  deadLetterQueueName,
  delayQueueName,
  InvalidOption,
  type JoinOptions,
  type Message,
  QueueJoinTimeout,
  type QueueStats,
  TroupeError,
} from "@troupe/core";
import type { Channel } from "amqplib";
import { ConnectionManager, closeQuietly } from "./connection.js";
import { toDeadLetter } from "./dead-letters.js";
import {
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_DEAD_MESSAGE_TTL,
  DEFAULT_HEARTBEAT,
  DEFAULT_URL,
  RABBITMQ_BROKER_OPTIONS,
  type RabbitmqBrokerOptions,
} from "./options.js";
import { type Outgoing, Publisher } from "./publisher.js";
import { type ConsumerContext, RabbitmqConsumer } from "./rabbitmq-consumer.js";
import { Topology } from "./topology.js";
import { unackedCount } from "./unacked.js";

/** setTimeout's limit; a longer delay would fire at once. */
const MAX_TIMEOUT = 2 ** 31 - 1;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Dead letters moved back per confirm round trip. */
const REQUEUE_CHUNK = 500;

function priorityOf(message: Message): number | undefined {
  const priority = message.options.broker_priority;
  return typeof priority === "number" ? Math.min(255, Math.max(0, Math.trunc(priority))) : undefined;
}

/**
 * A broker on RabbitMQ, laid out as Dramatiq's `RabbitmqBroker` (docs/protocol.md §5),
 * so Python and Node workers share its queues. Producers publish persistent
 * messages with publisher confirms on one connection; consumers read on another,
 * one channel each; both reconnect by themselves.
 */
export class RabbitmqBroker extends Broker {
  readonly capabilities: BrokerCapabilities = { priorities: true, crashRecovery: "redelivery", queueStats: true };
  /** The URLs tried in turn. */
  readonly urls: readonly string[];
  /** `x-max-priority` of the queues, if any. */
  readonly maxPriority: number | undefined;
  /** `x-message-ttl` of the dead-letter queues, ms. */
  readonly deadMessageTtl: number;
  /** Whether sends wait for publisher confirms. */
  readonly confirm: boolean;
  /** How long a producer waits for RabbitMQ before `ConnectionError`, ms. */
  readonly connectTimeout: number;
  /** How long a send may go without an answer from RabbitMQ before it rejects, ms. */
  readonly publishTimeout: number;
  private readonly producer: ConnectionManager;
  private readonly consumerConnection: ConnectionManager;
  private readonly topology: Topology;
  private readonly publisher: Publisher;
  private readonly consumers = new Set<RabbitmqConsumer>();
  private readonly consumerContext: ConsumerContext;
  /** Identifies the RabbitMQ for the process-wide unacked counts. */
  private readonly server: string;
  private adminChannel: Promise<Channel> | undefined;

  constructor(options: RabbitmqBrokerOptions = {}) {
    super(options);
    assertKnownOptions("RabbitmqBroker", options, RABBITMQ_BROKER_OPTIONS);
    const urls = typeof options.url === "string" ? [options.url] : [...(options.url ?? [DEFAULT_URL])];
    if (urls.length === 0) throw new InvalidOption("RabbitmqBroker needs at least one URL");
    for (const url of urls) {
      if (!/^amqps?:\/\//i.test(url))
        throw new InvalidOption(`RabbitmqBroker URLs start with amqp:// or amqps://, not "${url.split(":")[0]}:"`);
    }
    const { maxPriority } = options;
    if (maxPriority !== undefined && !(Number.isInteger(maxPriority) && maxPriority >= 1 && maxPriority <= 255)) {
      throw new InvalidOption(`maxPriority must be an integer from 1 to 255, not ${maxPriority}`);
    }
    this.urls = urls;
    this.maxPriority = maxPriority;
    this.deadMessageTtl = options.deadMessageTtl ?? DEFAULT_DEAD_MESSAGE_TTL;
    this.confirm = options.confirm ?? true;
    this.connectTimeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
    this.publishTimeout = options.publishTimeout ?? this.connectTimeout;
    if (typeof this.publishTimeout !== "number" || !(this.publishTimeout > 0 && this.publishTimeout <= MAX_TIMEOUT)) {
      throw new InvalidOption(`publishTimeout must be a number of ms from 1 to ${MAX_TIMEOUT}, not ${this.publishTimeout}`);
    }
    this.server = urls.join(",");
    const settings = {
      urls,
      connectTimeout: this.connectTimeout,
      heartbeat: options.heartbeat ?? DEFAULT_HEARTBEAT,
      socketOptions: options.socketOptions,
      logger: this.logger,
    };
    // Separate connections, as RabbitMQ advises: flow control that blocks publishers must not stall consumers.
    const name = options.connectionName ?? "troupe";
    this.producer = new ConnectionManager({ ...settings, role: "producer", name: `${name} producer` });
    this.consumerConnection = new ConnectionManager({ ...settings, role: "consumer", name: `${name} consumer` });
    this.topology = new Topology(this.maxPriority, this.deadMessageTtl);
    this.publisher = new Publisher(this.producer, this.topology, this.confirm, this.publishTimeout);
    this.consumerContext = {
      manager: this.consumerConnection,
      topology: this.topology,
      logger: this.logger,
      decode: (raw) => this.decodeMessage(raw),
      release: (consumer) => this.consumers.delete(consumer),
    };
  }

  protected async publish(messages: readonly Message<readonly unknown[], unknown>[]): Promise<void> {
    const items: Outgoing[] = new Array(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i];
      const data = this.encodeMessage(message);
      items[i] = { queueName: message.queueName, body: typeof data === "string" ? Buffer.from(data) : data, priority: priorityOf(message) };
    }
    await this.publisher.publish(items);
  }

  consume(queueName: string, options: ConsumeOptions): RabbitmqConsumer {
    const consumer = new RabbitmqConsumer(this.consumerContext, queueName, options, unackedCount(this.server, queueName));
    this.consumers.add(consumer);
    return consumer;
  }

  async flush(queueName: string): Promise<void> {
    const canonical = canonicalQueueName(queueName);
    await this.withAdmin(async (channel) => {
      await this.topology.declare(channel, canonical);
      await Promise.all([canonical, delayQueueName(canonical), deadLetterQueueName(canonical)].map((name) => channel.purgeQueue(name)));
    });
  }

  async flushAll(): Promise<void> {
    for (const queueName of this.getDeclaredQueues()) await this.flush(queueName);
  }

  /**
   * Resolves when `q` and `q.DQ` hold nothing ready and this process holds nothing
   * unacked from them (RabbitMQ does not tell AMQP clients about other processes'
   * unacked messages). Polls; meant for tests.
   */
  async join(queueName: string, options: JoinOptions = {}): Promise<void> {
    const canonical = canonicalQueueName(queueName);
    const deadline = options.timeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeout;
    const held = [unackedCount(this.server, canonical), unackedCount(this.server, delayQueueName(canonical))];
    const idle = () => held[0].value === 0 && held[1].value === 0;
    // Two quiet looks in a row: a message on its way to a consumer is briefly neither ready nor held.
    let quiet = 0;
    for (;;) {
      const drained = idle() && (await this.readyCount(canonical)) === 0 && idle();
      quiet = drained ? quiet + 1 : 0;
      if (quiet >= 2) return;
      if (Date.now() >= deadline) throw new QueueJoinTimeout(canonical, options.timeout as number);
      await sleep(drained ? 10 : 20);
    }
  }

  async queueStats(queueName: string): Promise<QueueStats> {
    const canonical = canonicalQueueName(queueName);
    const [ready, delayed, deadLetters] = await this.messageCounts(canonical, [
      canonical,
      delayQueueName(canonical),
      deadLetterQueueName(canonical),
    ]);
    return { queueName: canonical, ready, delayed, inFlight: undefined, deadLetters };
  }

  async listDeadLetters(queueName: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    const canonical = canonicalQueueName(queueName);
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    // basic.get without ack on a channel of its own: closing it puts every message back in place.
    return this.withChannel(canonical, async (channel) => {
      const letters: DeadLetter[] = [];
      while (letters.length < limit) {
        const got = await channel.get(deadLetterQueueName(canonical), { noAck: false });
        if (!got) break;
        letters.push(toDeadLetter(got, this.decodeMessage(got.content)));
      }
      return letters;
    });
  }

  async requeueDeadLetters(queueName: string, options: { limit?: number } = {}): Promise<number> {
    const canonical = canonicalQueueName(queueName);
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    return this.withChannel(canonical, async (channel) => {
      let moved = 0;
      let exhausted = false;
      while (moved < limit && !exhausted) {
        const taken: { tag: number; message: Message }[] = [];
        while (taken.length < Math.min(REQUEUE_CHUNK, limit - moved)) {
          const got = await channel.get(deadLetterQueueName(canonical), { noAck: false });
          if (!got) {
            exhausted = true;
            break;
          }
          // Undecodable letters stay unacked, so they go back to q.XQ when the channel closes.
          const { message } = this.decodeMessage(got.content);
          if (message) taken.push({ tag: got.fields.deliveryTag, message });
        }
        if (taken.length === 0) break;
        await this.enqueueMany(taken.map(({ message }) => message.copy({ queueName: canonical, options: { eta: undefined } })));
        for (const { tag } of taken) channel.ack({ fields: { deliveryTag: tag } } as never);
        moved += taken.length;
      }
      return moved;
    });
  }

  async purgeDeadLetters(queueName: string): Promise<number> {
    const canonical = canonicalQueueName(queueName);
    return this.withAdmin(async (channel) => {
      await this.topology.declare(channel, canonical);
      return (await channel.purgeQueue(deadLetterQueueName(canonical))).messageCount;
    });
  }

  /**
   * The consumers RabbitMQ counts on a queue and on its delay queue: one per worker
   * process consuming it (each consumes on a channel of its own). Read-only.
   */
  async consumerCounts(queueName: string): Promise<{
    /** Consumers of the queue. */
    queue: number;
    /** Consumers of its delay queue. */
    delayQueue: number;
  }> {
    const canonical = canonicalQueueName(queueName);
    const [queue, delayQueue] = await this.withAdmin(async (channel) => {
      await this.topology.declare(channel, canonical);
      return Promise.all([canonical, delayQueueName(canonical)].map(async (name) => (await channel.checkQueue(name)).consumerCount));
    });
    return { queue, delayQueue };
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => consumer.close()));
    await this.publisher.close();
    await this.producer.close();
    await this.consumerConnection.close();
  }

  /** Ends this broker as a killed process would (for tests): sockets dropped, nothing acked. */
  simulateCrash(): void {
    this.producer.destroy();
    this.consumerConnection.destroy();
  }

  private async readyCount(canonical: string): Promise<number> {
    const [ready, delayed] = await this.messageCounts(canonical, [canonical, delayQueueName(canonical)]);
    return ready + delayed;
  }

  private messageCounts(canonical: string, names: string[]): Promise<number[]> {
    return this.withAdmin(async (channel) => {
      await this.topology.declare(channel, canonical);
      return Promise.all(names.map(async (name) => (await channel.checkQueue(name)).messageCount));
    });
  }

  /** Runs an operation on the shared admin channel of the producer connection. */
  private async withAdmin<T>(operation: (channel: Channel) => Promise<T>): Promise<T> {
    if (!this.adminChannel) {
      const opening = this.producer.openChannel().then((channel) => {
        channel.on("close", () => {
          if (this.adminChannel === opening) this.adminChannel = undefined;
        });
        return channel;
      });
      this.adminChannel = opening;
      opening.catch(() => {
        if (this.adminChannel === opening) this.adminChannel = undefined;
      });
    }
    return wrapErrors(async () => operation(await (this.adminChannel as Promise<Channel>)));
  }

  /** Runs an operation on a channel of its own, closed afterwards (which returns its unacked messages). */
  private async withChannel<T>(canonical: string, operation: (channel: Channel) => Promise<T>): Promise<T> {
    const channel = await this.producer.openChannel();
    try {
      return await wrapErrors(async () => {
        await this.topology.declare(channel, canonical);
        return operation(channel);
      });
    } finally {
      await closeQuietly(channel);
    }
  }
}

async function wrapErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (TroupeError.isInstance(error)) throw error;
    throw new ConnectionError(`RabbitMQ operation failed: ${(error as Error)?.message ?? error}`, { cause: error });
  }
}
