import { BROKER_OPTION_KEYS, type BrokerOptions, type Logger, optionKeys } from "@troupe/core";

/** Options of `new RabbitmqTransport(options)`; every process sharing the queues must agree on `maxPriority` and `deadMessageTtl`. */
export interface RabbitmqTransportOptions {
  /**
   * `amqp://` or `amqps://` URL with credentials and vhost (default `amqp://127.0.0.1:5672`).
   * Several URLs, as an array or `;`-separated as Dramatiq takes them (`amqp://a;amqp://b`),
   * are tried in turn for failover between cluster nodes: on each (re)connect, from the one
   * after the URL that failed. No password appears in logs or errors.
   */
  url?: string | readonly string[];
  /** Declares queues with `x-max-priority` so `brokerPriority` orders delivery. Must match every other producer. */
  maxPriority?: number;
  /** How long dead letters stay in `q.XQ`, ms (default 604 800 000, seven days, as Dramatiq). */
  deadMessageTtl?: number;
  /** Wait for publisher confirms before `enqueue` resolves (default true). */
  confirm?: boolean;
  /** How long a producer waits for an unreachable RabbitMQ before `ConnectionError`, ms (default 10 000). */
  connectTimeout?: number;
  /**
   * How long a `send` may go without any answer from RabbitMQ (confirm, room to
   * write) before it rejects, ms (default: `connectTimeout`). The connection is then
   * given up; the rejection is `EnqueueUncertain` when messages had left, since
   * RabbitMQ may have enqueued them, else `ConnectionError`.
   */
  publishTimeout?: number;
  /** AMQP heartbeat, ms (default 60 000; a `heartbeat` query parameter in the URL, in seconds, wins). 0 turns it off. */
  heartbeat?: number;
  /** Shown by RabbitMQ (management UI, `rabbitmqctl list_connections user_provided_name`), suffixed with "producer" or "consumer" (default "troupe"). */
  connectionName?: string;
  /** Extra socket options for `net.connect` / `tls.connect` (e.g. `ca`, `cert`, `key` for amqps). */
  socketOptions?: Record<string, unknown>;
  /** Where connection losses and recoveries are logged (default `consoleLogger()`). */
  logger?: Logger;
}

/** Options of `new RabbitmqBroker(options)`: the transport's and every broker's. */
export interface RabbitmqBrokerOptions extends BrokerOptions, RabbitmqTransportOptions {}

/** The names of `RabbitmqTransportOptions`: the constructor refuses any other. */
export const RABBITMQ_TRANSPORT_OPTIONS: ReadonlySet<string> = new Set(
  optionKeys<RabbitmqTransportOptions>({
    logger: true,
    url: true,
    maxPriority: true,
    deadMessageTtl: true,
    confirm: true,
    connectTimeout: true,
    publishTimeout: true,
    heartbeat: true,
    connectionName: true,
    socketOptions: true,
  }),
);

/** The names of `RabbitmqBrokerOptions`: the constructor refuses any other. */
export const RABBITMQ_BROKER_OPTIONS: ReadonlySet<string> = new Set([...BROKER_OPTION_KEYS, ...RABBITMQ_TRANSPORT_OPTIONS]);

export const DEFAULT_URL = "amqp://127.0.0.1:5672";
export const DEFAULT_DEAD_MESSAGE_TTL = 604_800_000;
export const DEFAULT_CONNECT_TIMEOUT = 10_000;
export const DEFAULT_HEARTBEAT = 60_000;
/** AMQP's basic.qos prefetch-count is a 16-bit field. */
export const MAX_PREFETCH = 65_535;
