/**
 * The transport contract: what a broker adapter implements so that core's runtime
 * (`TransportBroker`) can do everything else. A transport only moves bytes: it stores
 * encoded messages on named queues, hands them out in batches, and settles them.
 * Idle ticks, wake-up waits, ack batching, reconnect backoff and its log lines, stale
 * deliveries, delayed-message holding, `join`, dead-letter requeue and every hook
 * belong to core, written once for every transport.
 *
 * `specificationVersion` names the version of this contract a transport implements,
 * so that a later core can keep running transports written against an earlier one.
 */

/** The versions of the transport contract this core runs. */
export type TransportSpecificationVersion = "v1";

/** What a transport can do; core turns features on and off by these, never by guessing. */
export interface TransportCapabilities {
  /** Honours `OutgoingMessage.priority` (highest first) on the queue itself. */
  readonly priorities: boolean;
  /**
   * What happens to the deliveries of a reader whose process died: handed out again at once
   * when its connection drops (`"redelivery"`), after its heartbeat goes stale (`"heartbeat"`),
   * or never (`"none"`: only `close()` returns them).
   */
  readonly crashRecovery: "redelivery" | "heartbeat" | "none";
  /**
   * The reader calls its `onReady` listener when messages may have arrived. Without it,
   * core polls an empty queue with a backoff up to the idle tick.
   */
  readonly wakeUps: boolean;
  /**
   * With `wakeUps`: some messages arrive without one (producers outside Troupe, such as
   * Python Dramatiq, publish no wake-up), so core polls an empty queue with its backoff
   * too. Without it, a reader with `wakeUps` is fetched on a wake-up and once per idle tick.
   */
  readonly pollWithWakeUps?: boolean;
  /** `stats` counts a queue's ready, delayed, in-flight and dead messages. */
  readonly queueStats: boolean;
  /** `listDeadLetters`, `deleteDeadLetters` and `purgeDeadLetters` are implemented. */
  readonly deadLetters: boolean;
  /**
   * `publish` of an `OutgoingMessage` with `replaces` also removes that delivery from its
   * delay queue in the same atomic step (else core publishes, then acks it).
   */
  readonly atomicMove: boolean;
}

/** One encoded message for `Transport.publish`. */
export interface OutgoingMessage<Handle = unknown> {
  /** The physical queue: a canonical queue, or its delay queue (`q.DQ`). */
  readonly queueName: string;
  /** The message's `message_id` (idempotency key where the transport has one). */
  readonly messageId: string;
  /** The encoded message, as it travels on the wire. */
  readonly data: string | Buffer;
  /** Ms since the epoch before which a message on a delay queue must not run. */
  readonly eta?: number;
  /** Broker priority, where `capabilities.priorities` is true. */
  readonly priority?: number;
  /**
   * With `capabilities.atomicMove`: a delivery of the delay queue this publish replaces
   * (removed in the same step). Core acks it afterwards too, so an ack of a handle already
   * gone must do nothing.
   */
  readonly replaces?: Handle;
}

/** One message as a reader handed it out, before core decodes it. */
export interface RawDelivery<Handle = unknown> {
  /** The encoded message. */
  readonly data: string | Buffer;
  /** What the transport needs to settle this copy (a Redis id, an AMQP delivery tag). */
  readonly handle: Handle;
  /** The transport delivered this copy before (where it can tell). */
  readonly redelivered?: boolean;
}

/** Options of `Transport.openReader`. */
export interface ReaderOptions {
  /** How many deliveries may be out (handed out, not yet settled) at once. */
  readonly prefetch: number;
}

/** A dead letter as a transport stores it. */
export interface StoredDeadLetter {
  /** The transport's id of this copy, for `deleteDeadLetters`. */
  readonly id: string;
  /** The encoded message. */
  readonly data: string | Buffer;
  /** Why it was dead-lettered, where the transport stores it. */
  readonly reason?: string | undefined;
  /** When it was dead-lettered (ms since the epoch), where the transport stores it. */
  readonly deadAt?: number | undefined;
}

/** Counts of one canonical queue, as `Transport.stats` reads them. */
export interface QueueCounts {
  /** Waiting on the queue. */
  readonly ready: number;
  /** Waiting on its delay queue, held by readers included where the transport counts `inFlight`. */
  readonly delayed: number;
  /** Handed out on the queue and not yet settled, where the transport can count them. */
  readonly inFlight: number | undefined;
  /** On its dead-letter queue. */
  readonly deadLetters: number;
}

/**
 * Reads one physical queue. Core calls at most one method of a reader at a time, except
 * `close`, `alive` and the settle calls, which may overlap a `fetch` in flight.
 */
export interface TransportReader<Handle = unknown> {
  /**
   * Acks `acks` (core collected them since the last call) and hands out up to `max`
   * deliveries that are ready now; resolves with an empty array when none are, without
   * waiting for one. Throws (a `ConnectionError`) when the transport cannot be reached:
   * core backs off and calls again. A transport that lost a reply should make good on
   * the next call (hand the lost deliveries back to its queue).
   */
  fetch(max: number, acks: readonly Handle[]): Promise<readonly RawDelivery<Handle>[]>;
  /** Removes finished deliveries for good (core batches these). Idempotent. */
  ack(handles: readonly Handle[]): Promise<void>;
  /** Moves a delivery to the queue's dead letters, with why. */
  nack(handle: Handle, reason: string): Promise<void>;
  /** Returns deliveries to the head of their queue unprocessed. */
  requeue(handles: readonly Handle[]): Promise<void>;
  /**
   * False once deliveries handed out can no longer be settled through this reader (its
   * channel died): core marks them stale, drops them, and opens a new reader; the
   * transport delivers them again.
   */
  readonly alive: boolean;
  /**
   * Calls `listener` whenever messages may have arrived, and when `alive` turns false (so
   * core notices at once); returns what stops it (with `capabilities.wakeUps`).
   */
  onReady?(listener: () => void): () => void;
  /** Stops reading. Deliveries not settled by then are the transport's to return. */
  close(): Promise<void>;
}

/**
 * The contract between core and a broker adapter. Wrap one in a `TransportBroker` to
 * get a full `Broker`; the in-memory, Redis and RabbitMQ brokers are built this way.
 */
export interface Transport<Handle = unknown> {
  /** The version of this contract the transport implements. */
  readonly specificationVersion: TransportSpecificationVersion;
  /** The messaging system, as OpenTelemetry names it: `"redis"`, `"rabbitmq"`, `"memory"`. */
  readonly system: string;
  /** What it can do. */
  readonly capabilities: TransportCapabilities;
  /**
   * Names the store this transport talks to (e.g. its server's URL), where two transports
   * in one process can reach the same queues: `join` on one broker then counts what the
   * other's consumers hold, which matters where `stats` cannot count in-flight messages.
   */
  readonly storeId?: string;
  /** Makes a canonical queue, its delay queue and its dead letters exist (once per queue). */
  declareQueue?(queueName: string): void | Promise<void>;
  /** Stores a batch of messages durably; resolves once every one of them is written. */
  publish(messages: readonly OutgoingMessage<Handle>[]): Promise<void>;
  /** Starts reading one physical queue (canonical or delay). */
  openReader(queueName: string, options: ReaderOptions): TransportReader<Handle> | Promise<TransportReader<Handle>>;
  /** Drops every message of a canonical queue, its delay queue and its dead letters. */
  purge(queueName: string): Promise<void>;
  /** Closes the transport's connections (clients handed in by the caller stay open). */
  close(): Promise<void>;
  /** Counts of a canonical queue (with `capabilities.queueStats`). */
  stats?(queueName: string): Promise<QueueCounts>;
  /** Dead letters of a canonical queue, oldest first, at most `limit` (`Infinity` for all; with `capabilities.deadLetters`). */
  listDeadLetters?(queueName: string, limit: number): Promise<readonly StoredDeadLetter[]>;
  /** Deletes dead letters by `StoredDeadLetter.id`; returns how many were there (with `capabilities.deadLetters`). */
  deleteDeadLetters?(queueName: string, ids: readonly string[]): Promise<number>;
  /** Deletes every dead letter of a canonical queue; returns how many (with `capabilities.deadLetters`). */
  purgeDeadLetters?(queueName: string): Promise<number>;
}
