import {
  assertKnownOptions,
  ConnectionError,
  canonicalQueueName,
  consoleLogger,
  deadLetterQueueName,
  delayQueueName,
  InvalidOption,
  type Logger,
  type OutgoingMessage,
  type QueueCounts,
  type ReaderOptions,
  redactUrl,
  type StoredDeadLetter,
  type Transport,
  type TransportCapabilities,
  type TransportReader,
} from "@troupe/core";
import { AdminChannels } from "./admin-channels.js";
import { ConnectionManager } from "./connection.js";
import { deleteDeadLetters, readDeadLetters } from "./dead-letters.js";
import {
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_DEAD_MESSAGE_TTL,
  DEFAULT_HEARTBEAT,
  DEFAULT_URL,
  MAX_PREFETCH,
  RABBITMQ_TRANSPORT_OPTIONS,
  type RabbitmqTransportOptions,
} from "./options.js";
import { Publisher } from "./publisher.js";
import { type RabbitmqHandle, RabbitmqReader } from "./rabbitmq-reader.js";
import { Topology } from "./topology.js";
import { amqpUrlList } from "./url-list.js";

/** setTimeout's limit; a longer delay would fire at once. */
const MAX_TIMEOUT = 2 ** 31 - 1;

/**
 * The RabbitMQ transport, laid out as Dramatiq's `RabbitmqBroker` (docs/protocol.md §5):
 * `q`, `q.DQ` and `q.XQ` with Dramatiq's arguments, persistent messages with publisher
 * confirms on a producer connection, one channel per reader on a consumer connection
 * (separate, so flow control that blocks publishers does not stall consumers). Both
 * connections come back by themselves on next use.
 */
export class RabbitmqTransport implements Transport<RabbitmqHandle> {
  readonly specificationVersion = "v1";
  readonly system = "rabbitmq";
  readonly capabilities: TransportCapabilities = {
    priorities: true,
    crashRecovery: "redelivery",
    wakeUps: true,
    queueStats: true,
    deadLetters: true,
    atomicMove: false,
  };
  /** The RabbitMQ it reaches, so `join` counts what every broker on it in this process holds. */
  readonly storeId: string;
  /** The URLs tried in turn. */
  readonly urls: readonly string[];
  /** `x-max-priority` of the queues, if any. */
  readonly maxPriority: number | undefined;
  /** `x-message-ttl` of the dead-letter queues, ms. */
  readonly deadMessageTtl: number;
  /** Whether publishes wait for publisher confirms. */
  readonly confirm: boolean;
  /** How long a producer waits for RabbitMQ before `ConnectionError`, ms. */
  readonly connectTimeout: number;
  /** How long a publish may go without an answer from RabbitMQ before it rejects, ms. */
  readonly publishTimeout: number;
  private readonly logger: Logger;
  private readonly producer: ConnectionManager;
  private readonly consumer: ConnectionManager;
  private readonly topology: Topology;
  private readonly publisher: Publisher;
  private readonly admin: AdminChannels;
  private readonly readers = new Set<RabbitmqReader>();

  constructor(options: RabbitmqTransportOptions = {}) {
    assertKnownOptions("RabbitmqTransport", options, RABBITMQ_TRANSPORT_OPTIONS);
    const urls = amqpUrlList(options.url, DEFAULT_URL);
    const { maxPriority } = options;
    if (maxPriority !== undefined && !(Number.isInteger(maxPriority) && maxPriority >= 1 && maxPriority <= 255)) {
      throw new InvalidOption(`maxPriority must be an integer from 1 to 255, not ${maxPriority}`);
    }
    this.urls = urls;
    this.storeId = `rabbitmq:${urls.map(redactUrl).join(",")}`;
    this.maxPriority = maxPriority;
    this.deadMessageTtl = options.deadMessageTtl ?? DEFAULT_DEAD_MESSAGE_TTL;
    this.confirm = options.confirm ?? true;
    this.connectTimeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
    this.publishTimeout = options.publishTimeout ?? this.connectTimeout;
    if (typeof this.publishTimeout !== "number" || !(this.publishTimeout > 0 && this.publishTimeout <= MAX_TIMEOUT)) {
      throw new InvalidOption(`publishTimeout must be a number of ms from 1 to ${MAX_TIMEOUT}, not ${this.publishTimeout}`);
    }
    this.logger = options.logger ?? consoleLogger();
    const settings = {
      urls,
      connectTimeout: this.connectTimeout,
      heartbeat: options.heartbeat ?? DEFAULT_HEARTBEAT,
      socketOptions: options.socketOptions,
      logger: this.logger,
    };
    const name = options.connectionName ?? "troupe";
    this.producer = new ConnectionManager({ ...settings, role: "producer", name: `${name} producer` });
    this.consumer = new ConnectionManager({ ...settings, role: "consumer", name: `${name} consumer` });
    this.topology = new Topology(this.maxPriority, this.deadMessageTtl);
    this.publisher = new Publisher(this.producer, this.topology, this.confirm, this.publishTimeout);
    this.admin = new AdminChannels(this.producer, this.topology);
  }

  /** Publishes the batch in one go and waits once for its confirms; see `Publisher`. */
  publish(messages: readonly OutgoingMessage<RabbitmqHandle>[]): Promise<void> {
    return this.publisher.publish(messages);
  }

  /** Subscribes on a channel of its own with manual acks and `basic.qos(prefetch)`. */
  async openReader(queueName: string, options: ReaderOptions): Promise<TransportReader<RabbitmqHandle>> {
    const channel = await this.consumer.openChannel();
    const reader: RabbitmqReader = new RabbitmqReader(channel, queueName, this.topology, this.logger, () => this.readers.delete(reader));
    try {
      await this.topology.declare(channel, queueName);
      await channel.prefetch(Math.min(Math.max(1, options.prefetch), MAX_PREFETCH));
      await channel.consume(queueName, reader.receive, { noAck: false });
    } catch (error) {
      await reader.close();
      if (ConnectionError.isInstance(error)) throw error;
      throw new ConnectionError(`could not consume "${queueName}": ${(error as Error).message}`, { cause: error });
    }
    if (!reader.alive) throw new ConnectionError(`the channel of "${queueName}" closed while subscribing`);
    this.readers.add(reader);
    return reader;
  }

  /** Purges `q`, `q.DQ` and `q.XQ`. */
  async purge(queueName: string): Promise<void> {
    const canonical = canonicalQueueName(queueName);
    await this.admin.withShared(canonical, async (channel) => {
      await Promise.all(family(canonical).map((name) => channel.purgeQueue(name)));
    });
  }

  /** `inFlight` is undefined: RabbitMQ does not report unacked counts to AMQP clients. */
  async stats(queueName: string): Promise<QueueCounts> {
    const canonical = canonicalQueueName(queueName);
    const [ready, delayed, deadLetters] = await this.admin.withShared(canonical, (channel) =>
      Promise.all(family(canonical).map(async (name) => (await channel.checkQueue(name)).messageCount)),
    );
    return { ready, delayed, inFlight: undefined, deadLetters };
  }

  /** Reads `q.XQ` on a channel of its own, closed afterwards, which puts every letter back in place; `deadAt` is RabbitMQ's `x-death` time. */
  listDeadLetters(queueName: string, limit: number): Promise<readonly StoredDeadLetter[]> {
    const canonical = canonicalQueueName(queueName);
    return this.admin.withOwn(canonical, (channel) => readDeadLetters(channel, canonical, limit));
  }

  /** Acks the letters of those ids from the head of `q.XQ`; the others go back in place. */
  deleteDeadLetters(queueName: string, ids: readonly string[]): Promise<number> {
    const canonical = canonicalQueueName(queueName);
    return this.admin.withOwn(canonical, (channel) => deleteDeadLetters(channel, canonical, ids));
  }

  /** Purges `q.XQ`. */
  purgeDeadLetters(queueName: string): Promise<number> {
    const canonical = canonicalQueueName(queueName);
    return this.admin.withShared(canonical, async (channel) => (await channel.purgeQueue(deadLetterQueueName(canonical))).messageCount);
  }

  /** The consumers RabbitMQ counts on a queue and on its delay queue. */
  async consumerCounts(queueName: string): Promise<{
    /** Consumers of the queue. */
    queue: number;
    /** Consumers of its delay queue. */
    delayQueue: number;
  }> {
    const canonical = canonicalQueueName(queueName);
    const [queue, delayQueue] = await this.admin.withShared(canonical, (channel) =>
      Promise.all([canonical, delayQueueName(canonical)].map(async (name) => (await channel.checkQueue(name)).consumerCount)),
    );
    return { queue, delayQueue };
  }

  /** Closes the readers (their unsettled deliveries go back to the queues), then both connections. */
  async close(): Promise<void> {
    await Promise.all([...this.readers].map((reader) => reader.close()));
    await this.publisher.close();
    await this.producer.close();
    await this.consumer.close();
  }

  /** Ends the transport as a killed process would: sockets dropped, nothing acked. */
  destroy(): void {
    this.producer.destroy();
    this.consumer.destroy();
  }
}

const family = (canonical: string): string[] => [canonical, delayQueueName(canonical), deadLetterQueueName(canonical)];
