import type { DecodeError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Message } from "../message.js";
import type { HeldCount } from "./held-counts.js";
import type { ReaderOptions, TransportCapabilities, TransportReader } from "./transport.js";
import type { TransportConsumer } from "./transport-consumer.js";
import type { TransportDelivery } from "./transport-delivery.js";

/** What a `TransportConsumer` needs of its broker: `TransportBroker` hands one in. */
export interface TransportConsumerHost<Handle = unknown> {
  /** Where the consumer logs its failure streaks. */
  readonly logger: Logger;
  /** The transport's capabilities (`wakeUps`, `pollWithWakeUps`). */
  readonly capabilities: TransportCapabilities;
  /** Declares the queue if needed, then opens a reader of it. */
  openReader(queueName: string, options: ReaderOptions): Promise<TransportReader<Handle>>;
  /** Decodes a delivery's bytes. */
  decodeMessage(raw: string | Buffer): {
    /** The message, or undefined when the bytes cannot be decoded. */
    message: Message | undefined;
    /** Why they cannot be decoded. */
    error?: DecodeError;
  };
  /** The count of deliveries this process holds of a physical queue, which the consumer keeps up to date. */
  heldCount(queueName: string): HeldCount;
  /** Deliveries of the queue were settled on the transport (acks sent, a nack, a requeue, a dead reader). */
  settled(queueName: string): void;
  /** A delivery of the queue was dead-lettered, with why. */
  deadLettered(queueName: string, delivery: TransportDelivery<Handle>, reason: string): void;
  /** The consumer closed (or was abandoned). */
  closed(consumer: TransportConsumer<Handle>): void;
}
