import { assertKnownOptions, TransportBroker } from "@troupe/core";
import { RABBITMQ_BROKER_OPTIONS, type RabbitmqBrokerOptions } from "./options.js";
import type { RabbitmqHandle } from "./rabbitmq-reader.js";
import { RabbitmqTransport } from "./rabbitmq-transport.js";

/**
 * A broker on RabbitMQ, laid out as Dramatiq's `RabbitmqBroker` (docs/protocol.md §5),
 * so Python and Node workers share its queues: core's runtime on a `RabbitmqTransport`.
 * Producers publish persistent messages with publisher confirms on one connection;
 * consumers read on another, one channel each; both reconnect by themselves.
 */
export class RabbitmqBroker extends TransportBroker<RabbitmqHandle> {
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
  private readonly rabbitmq: RabbitmqTransport;

  constructor(options: RabbitmqBrokerOptions = {}) {
    assertKnownOptions("RabbitmqBroker", options, RABBITMQ_BROKER_OPTIONS);
    const { middleware, encoder, logger, maxMessageSize, ...transportOptions } = options;
    let made: RabbitmqTransport | undefined;
    // The transport logs where the broker does; the broker's logger is known inside super().
    super((context) => (made = new RabbitmqTransport({ ...transportOptions, logger: context.logger })), options);
    const transport = made as RabbitmqTransport;
    this.rabbitmq = transport;
    this.urls = transport.urls;
    this.maxPriority = transport.maxPriority;
    this.deadMessageTtl = transport.deadMessageTtl;
    this.confirm = transport.confirm;
    this.connectTimeout = transport.connectTimeout;
    this.publishTimeout = transport.publishTimeout;
  }

  /**
   * The consumers RabbitMQ counts on a queue and on its delay queue: one per worker
   * process consuming it (each consumes on a channel of its own). Read-only.
   */
  consumerCounts(queueName: string): Promise<{
    /** Consumers of the queue. */
    queue: number;
    /** Consumers of its delay queue. */
    delayQueue: number;
  }> {
    return this.rabbitmq.consumerCounts(queueName);
  }

  /** Ends this broker as a killed process would (for tests): sockets dropped, nothing acked. */
  simulateCrash(): void {
    this.abandonConsumers();
    this.rabbitmq.destroy();
  }
}
