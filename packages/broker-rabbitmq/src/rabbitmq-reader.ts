import type { Logger, RawDelivery, TransportReader } from "@troupe/core";
import type { Message as AmqpMessage, Channel, ConsumeMessage } from "amqplib";
import { closeQuietly } from "./connection.js";
import type { Topology } from "./topology.js";

/** What settles one delivery: its delivery tag, which means something only on the channel that delivered it. */
export interface RabbitmqHandle {
  /** The AMQP delivery tag. */
  readonly tag: number;
}

/** Marks a delivery acked locally whose ack is not on the wire yet. */
const ACKED = 0;
const NO_DELIVERIES: readonly RawDelivery<RabbitmqHandle>[] = [];

/**
 * Resolves once amqplib has handed the frames written so far to the socket: its muxer
 * writes them on a `setImmediate` it schedules a tick after the first frame, so a
 * settle that resolved is on the wire even if the process dies right after.
 */
const onTheWire = (): Promise<void> => new Promise((resolve) => process.nextTick(() => setImmediate(resolve)));

/** amqplib acks take a message but read only its delivery tag. */
const byTag = (deliveryTag: number) => ({ fields: { deliveryTag } }) as AmqpMessage;

/**
 * Reads one queue on one channel: `basic.consume` pushes deliveries into a buffer
 * that `fetch` takes from, and wakes the listener. When the channel closes (its
 * connection dropped, RabbitMQ cancelled the consumer), the reader turns dead and
 * its deliveries void: RabbitMQ delivers them again, and a tag acked on another
 * channel would ack another message.
 */
export class RabbitmqReader implements TransportReader<RabbitmqHandle> {
  private buffer: RawDelivery<RabbitmqHandle>[] = [];
  /** Deliveries handed out and not settled on the wire, in delivery-tag order; `ACKED` once acked locally. */
  private readonly outstanding = new Map<number, RabbitmqHandle | typeof ACKED>();
  private readonly listeners: (() => void)[] = [];
  private dead = false;

  constructor(
    private readonly channel: Channel,
    private readonly queueName: string,
    private readonly topology: Topology,
    private readonly logger: Logger,
    /** Called once the reader is dead. */
    private readonly onDeath: () => void,
  ) {
    let failure: Error | undefined;
    channel.on("error", (error: Error) => {
      failure = error;
    });
    channel.on("close", () => {
      // Core logs that the reader died; the connection logs its own loss. This says why a channel alone failed.
      if (failure && !this.dead) this.logger.debug(`the channel reading ${queueName} failed: ${failure.message}`);
      this.die();
    });
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** amqplib's consume callback. */
  readonly receive = (message: ConsumeMessage | null): void => {
    if (message === null) {
      // basic.cancel: the queue was deleted (or its node went away); declare it again.
      this.topology.forget(this.channel, this.queueName);
      this.logger.debug(`RabbitMQ cancelled the consumer of "${this.queueName}" (was the queue deleted?)`);
      this.die();
      void closeQuietly(this.channel);
      return;
    }
    if (this.dead) return;
    const handle: RabbitmqHandle = { tag: message.fields.deliveryTag };
    this.outstanding.set(handle.tag, handle);
    this.buffer.push({ data: message.content, handle, redelivered: message.fields.redelivered });
    for (const listener of this.listeners) listener();
  };

  async fetch(max: number, acks: readonly RabbitmqHandle[]): Promise<readonly RawDelivery<RabbitmqHandle>[]> {
    if (acks.length > 0) this.settleAcks(acks);
    const buffered = this.buffer.length;
    if (buffered === 0) return NO_DELIVERIES;
    if (buffered <= max) {
      const batch = this.buffer;
      this.buffer = [];
      return batch;
    }
    return this.buffer.splice(0, max);
  }

  /** Resolves once the acks are on the wire, so a process that dies right after does not run them again. */
  async ack(handles: readonly RabbitmqHandle[]): Promise<void> {
    if (this.settleAcks(handles)) await onTheWire();
  }

  /** One `multiple` ack for the leading run of acked tags (acks complete out of order), single acks for the rest. */
  private settleAcks(handles: readonly RabbitmqHandle[]): boolean {
    if (this.dead) return false;
    let marked = 0;
    for (const handle of handles) {
      if (this.outstanding.get(handle.tag) !== handle) continue;
      this.outstanding.set(handle.tag, ACKED);
      marked++;
    }
    if (marked === 0) return false;
    // Deleted as they go: outstanding never keeps an ACKED entry past this call.
    let upTo = 0;
    let run = 0;
    for (const [tag, entry] of this.outstanding) {
      if (entry !== ACKED) break;
      this.outstanding.delete(tag);
      upTo = tag;
      run++;
    }
    try {
      if (run > 0) this.channel.ack(byTag(upTo), run > 1);
      if (run === marked) return true;
      for (const handle of handles) {
        if (this.outstanding.get(handle.tag) !== ACKED) continue;
        this.outstanding.delete(handle.tag);
        this.channel.ack(byTag(handle.tag));
      }
    } catch {
      // The channel closed meanwhile: RabbitMQ delivers those messages again.
    }
    return true;
  }

  /** Without requeue, RabbitMQ dead-letters it to `q.XQ` (with its `x-death` header), as Dramatiq does; the reason has nowhere to go. */
  async nack(handle: RabbitmqHandle, _reason: string): Promise<void> {
    this.settle(handle, false);
  }

  /** Not waited for on the wire: a process that dies first hands these back all the same. */
  async requeue(handles: readonly RabbitmqHandle[]): Promise<void> {
    for (const handle of handles) this.settle(handle, true);
  }

  private settle(handle: RabbitmqHandle, requeue: boolean): void {
    if (this.dead || this.outstanding.get(handle.tag) !== handle) return;
    this.outstanding.delete(handle.tag);
    try {
      this.channel.nack(byTag(handle.tag), false, requeue);
    } catch {
      // The channel closed meanwhile, which requeues it: it comes back.
    }
  }

  onReady(listener: () => void): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  /**
   * Closes the channel, which hands every unsettled delivery back to the queue.
   * Awaited: RabbitMQ answers channel.close after the acks written before it, while a
   * connection.close sent sooner (on channel 0) would make it drop them.
   */
  async close(): Promise<void> {
    if (this.dead) return;
    this.die();
    await closeQuietly(this.channel);
  }

  private die(): void {
    if (this.dead) return;
    this.dead = true;
    this.buffer = [];
    this.outstanding.clear();
    this.onDeath();
    // Wakes a runtime waiting for deliveries, so it sees the reader is dead.
    for (const listener of [...this.listeners]) listener();
  }
}
