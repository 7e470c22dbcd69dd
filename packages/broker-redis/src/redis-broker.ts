import {
  assertKnownOptions,
  BROKER_OPTION_KEYS,
  type BrokerOptions,
  canonicalQueueName,
  type EnqueueOptions,
  type Message,
  type OutgoingMessage,
  type QueuePauses,
  TransportBroker,
  type TransportDelivery,
} from "@troupe/core";
import { CopyNames, copyId } from "./copy-names.js";
import { REDIS_TRANSPORT_OPTION_KEYS, RedisTransport, type RedisTransportOptions } from "./redis-transport.js";
import type { RedisWorkerInfo } from "./worker-heartbeats.js";

/** Options of `new RedisBroker(options)`. */
export interface RedisBrokerOptions extends BrokerOptions, Omit<RedisTransportOptions, "logger"> {}

/** A delivery of a `RedisBroker`: its `handle` is the copy's `redis_message_id`. */
export type RedisDelivery = TransportDelivery<string>;

// The logger is a broker option, which the transport is given.
const REDIS_BROKER_OPTIONS: ReadonlySet<string> = new Set([...BROKER_OPTION_KEYS, ...REDIS_TRANSPORT_OPTION_KEYS]);

/**
 * A broker on Redis with Dramatiq's key layout (docs/protocol.md §4), so Python Dramatiq
 * and Troupe workers can share queues: core's runtime on a `RedisTransport`. Every
 * operation is one Lua script call.
 */
export class RedisBroker extends TransportBroker<string> implements QueuePauses {
  declare readonly transport: RedisTransport;
  /** This broker's id in the heartbeat ZSET and in its ack set names. */
  readonly workerId: string;
  /** Prefix of every key. */
  readonly namespace: string;
  /** Ms of heartbeat silence after which a worker counts as dead. */
  readonly heartbeatTimeout: number;
  /** Ms after which maintenance deletes a dead letter. */
  readonly deadMessageTtl: number;
  /** Ms between maintenance runs of a consuming broker. */
  readonly maintenanceInterval: number;
  private readonly names: CopyNames;

  constructor(options: RedisBrokerOptions = {}) {
    super(({ logger }) => {
      assertKnownOptions("RedisBroker", options, REDIS_BROKER_OPTIONS);
      const { middleware: _m, encoder: _e, logger: _l, maxMessageSize: _s, ...transportOptions } = options;
      return new RedisTransport({ ...transportOptions, logger });
    }, options);
    ({
      workerId: this.workerId,
      namespace: this.namespace,
      heartbeatTimeout: this.heartbeatTimeout,
      deadMessageTtl: this.deadMessageTtl,
      maintenanceInterval: this.maintenanceInterval,
    } = this.transport);
    this.names = new CopyNames();
  }

  /** The underlying ioredis client. */
  get client() {
    return this.transport.client;
  }

  /** A key of this broker's namespace: `key("q")` → `"dramatiq:q"`. */
  key(name: string): string {
    return this.transport.key(name);
  }

  /** Names each message's copy before core makes delay copies of it, which inherit the name. */
  override enqueueMany<M extends Message<readonly unknown[], unknown>>(messages: readonly M[], options?: EnqueueOptions): Promise<M[]> {
    for (const message of messages) this.names.name(message);
    return super.enqueueMany(messages, options);
  }

  /** The transport stores a copy under its `redis_message_id`, the key that makes a resend idempotent. */
  protected override outgoing(message: Message<readonly unknown[], unknown>, replaces: string | undefined): OutgoingMessage<string> {
    const messageId = copyId(message);
    return { ...super.outgoing(message, replaces), messageId };
  }

  /** Ends the broker as a killed process would: no acks, no requeues, no more heartbeats. For tests. */
  simulateCrash(): void {
    this.abandonConsumers();
    this.transport.simulateCrash();
  }

  /**
   * Pauses a queue for every Troupe worker on this namespace, in every process: it is
   * added to the `__paused__` set, which workers read once per idle tick. Python Dramatiq
   * workers do not read it and keep consuming.
   */
  pauseQueue(queueName: string): Promise<void> {
    return this.transport.pauseQueue(canonicalQueueName(queueName));
  }

  /** Resumes a paused queue for every Troupe worker on this namespace. */
  resumeQueue(queueName: string): Promise<void> {
    return this.transport.resumeQueue(canonicalQueueName(queueName));
  }

  /** The canonical queues paused on this namespace. */
  pausedQueues(): Promise<string[]> {
    return this.transport.pausedQueues();
  }

  /**
   * Every process in the heartbeat set (workers, and producers, which beat on each send),
   * with the messages each holds of `queueNames` (default: the declared queues). Read-only.
   */
  listWorkers(queueNames: readonly string[] = [...this.getDeclaredQueues()]): Promise<RedisWorkerInfo[]> {
    return this.transport.listWorkers(queueNames.map(canonicalQueueName));
  }
}
