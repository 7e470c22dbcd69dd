import type { DecodeError } from "./errors.js";
import type { Message } from "./message.js";

/**
 * One message as a consumer received it. `message` is undefined when the bytes
 * could not be decoded; `error` then says why, and the worker nacks it.
 * Brokers extend this with their own handle (a Redis id, an AMQP delivery tag).
 */
export interface Delivery {
  /** The decoded message, or undefined when its bytes could not be decoded. */
  readonly message: Message | undefined;
  /** Why the bytes could not be decoded (absent or `undefined` when they could). */
  readonly error?: DecodeError | undefined;
  /**
   * Set by a consumer when the delivery can no longer be acked (its channel died):
   * the worker drops it unprocessed, since the broker delivers it again.
   */
  readonly stale?: boolean;
  /** The broker delivered this copy before, where it can tell (the worker shows it as `currentMessage().redelivered`). */
  readonly redelivered?: boolean;
}

/** Options of `Broker.consume`. */
export interface ConsumeOptions {
  /** How many messages may be received and not yet acked, nacked or requeued. */
  prefetch: number;
  /** After this many ms without a message the consumer yields an empty batch (an idle tick). */
  timeout: number;
}

/**
 * Reads one queue. Iterating yields batches of deliveries (an empty batch on an
 * idle tick, so the worker can do housekeeping); a batch never takes the number
 * outstanding above `prefetch`. Acks may be batched internally; `close()` flushes
 * them and returns anything still unacked to the queue.
 */
export interface Consumer<D extends Delivery = Delivery> extends AsyncIterable<readonly D[]> {
  /** The queue it reads (canonical or delay). */
  readonly queueName: string;
  /** Marks the message done: the broker deletes it (possibly batched with other acks). */
  ack(delivery: D): void | Promise<void>;
  /** Moves the message to the dead-letter queue. */
  nack(delivery: D, reason?: string): void | Promise<void>;
  /** Returns messages to their queue unprocessed (e.g. on shutdown). */
  requeue(deliveries: readonly D[]): Promise<void>;
  /** Flushes pending acks, returns unacked messages to the queue and stops reading. */
  close(): Promise<void>;
}
