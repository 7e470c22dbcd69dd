import {
  ConnectionError,
  type ConsumeOptions,
  type Consumer,
  type DecodeError,
  type Delivery,
  type Logger,
  type Message,
} from "@troupe/core";
import type { Message as AmqpMessage, Channel, ConsumeMessage } from "amqplib";
import { type ConnectionManager, closeQuietly } from "./connection.js";
import { MAX_PREFETCH } from "./options.js";
import type { Topology } from "./topology.js";
import type { UnackedCount } from "./unacked.js";

/** What a consumer needs from its broker. */
export interface ConsumerContext {
  readonly manager: ConnectionManager;
  readonly topology: Topology;
  readonly logger: Logger;
  decode(raw: Buffer): { message: Message | undefined; error?: DecodeError };
  /** Called once the consumer is closed. */
  release(consumer: RabbitmqConsumer): void;
}

/** One channel's consumer: its deliveries' tags mean something on this channel only. */
class Subscription {
  alive = true;
  /** Deliveries not yet acked, nacked or requeued, in delivery-tag order. */
  readonly outstanding = new Map<number, RabbitmqDelivery>();
  pendingAcks: RabbitmqDelivery[] = [];
  flushScheduled = false;

  constructor(readonly channel: Channel) {}
}

/** A message as received from RabbitMQ. */
export class RabbitmqDelivery implements Delivery {
  /** @internal */
  acked = false;

  /** @internal built by the consumer for each message it receives */
  constructor(
    /** The decoded message, or undefined when the body could not be decoded. */
    readonly message: Message | undefined,
    /** Why the body could not be decoded. */
    readonly error: DecodeError | undefined,
    /** The message body as received. */
    readonly raw: Buffer,
    /** The AMQP delivery tag, valid on the channel that delivered it. */
    readonly tag: number,
    /** @internal */
    readonly subscription: Subscription,
  ) {}

  /** True once the channel that delivered it is gone: RabbitMQ delivers the message again, so this copy must not run. */
  get stale(): boolean {
    return !this.subscription.alive;
  }
}

/** amqplib acks take a message but read only its delivery tag. */
const byTag = (deliveryTag: number) => ({ fields: { deliveryTag } }) as AmqpMessage;

/** Permanent refusals (access, arguments) go up to the worker; anything else is retried here. */
function isPermanent(error: unknown): boolean {
  const code = ((error as { cause?: { code?: number } })?.cause ?? (error as { code?: number }))?.code;
  return code === 403 || code === 406;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads one queue on its own channel of the consumer connection, with manual acks
 * and `basic.qos(prefetch)`. When the channel dies, the deliveries it gave out are
 * void (RabbitMQ delivers them again; acking them elsewhere would ack the wrong
 * messages), and the consumer subscribes again by itself, yielding idle ticks
 * while RabbitMQ is away. Acks wait for the end of the event-loop turn and go out
 * as one `multiple` ack for every leading run of acked tags.
 */
export class RabbitmqConsumer implements Consumer<RabbitmqDelivery> {
  /** The queue it reads (`q` or `q.DQ`). */
  readonly queueName: string;
  private subscription: Subscription | undefined;
  private ready: RabbitmqDelivery[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private onClose: (() => void) | undefined;
  private readonly closing = new Promise<void>((resolve) => {
    this.onClose = resolve;
  });
  /** Why the last channel was lost, while it is not back: logged once. */
  private trouble: string | undefined;

  /** @internal built by `RabbitmqBroker.consume` */
  constructor(
    private readonly context: ConsumerContext,
    queueName: string,
    private readonly options: ConsumeOptions,
    private readonly unacked: UnackedCount,
  ) {
    this.queueName = queueName;
  }

  /** Yields batches of deliveries as they arrive, and an empty batch on each idle tick. */
  async *[Symbol.asyncIterator](): AsyncIterator<readonly RabbitmqDelivery[]> {
    let backoff = 100;
    while (!this.closed) {
      if (!this.subscription) {
        try {
          const subscribing = this.subscribe();
          // If close() wins the race, a late failure has nobody left to tell.
          subscribing.catch(() => {});
          await Promise.race([subscribing, this.closing]);
          backoff = 100;
        } catch (error) {
          if (this.closed) break;
          if (isPermanent(error) || this.context.manager.isClosed) throw error;
          this.trouble ??= (error as Error).message;
          await Promise.race([sleep(Math.min(backoff, this.options.timeout)), this.closing]);
          backoff = Math.min(backoff * 2, 5000);
          if (!this.closed) yield [];
          continue;
        }
      }
      if (this.ready.length > 0) {
        const batch = this.ready;
        this.ready = [];
        yield batch;
        continue;
      }
      if (!(await this.waitForDeliveries()) && !this.closed) yield [];
    }
  }

  private waitForDeliveries(): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve(false);
      }, this.options.timeout);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(true);
      };
    });
  }

  private async subscribe(): Promise<void> {
    const channel = await this.context.manager.openChannel();
    const subscription = new Subscription(channel);
    let failure: Error | undefined;
    channel.on("error", (error: Error) => {
      failure = error;
    });
    channel.on("close", () => this.lose(subscription, failure?.message));
    try {
      await this.context.topology.declare(channel, this.queueName);
      await channel.prefetch(Math.min(Math.max(1, this.options.prefetch), MAX_PREFETCH));
      await channel.consume(this.queueName, (message) => this.receive(subscription, message), { noAck: false });
    } catch (error) {
      subscription.alive = false;
      await closeQuietly(channel);
      if (ConnectionError.isInstance(error)) throw error;
      throw new ConnectionError(`could not consume "${this.queueName}": ${(error as Error).message}`, { cause: error });
    }
    if (this.closed || !subscription.alive) {
      this.lose(subscription, undefined);
      await closeQuietly(channel);
      if (!this.closed) throw new ConnectionError(`the channel of "${this.queueName}" closed while subscribing`);
      return;
    }
    this.subscription = subscription;
    if (this.trouble !== undefined) {
      this.context.logger.info(`consumer of ${this.queueName} subscribed again`);
      this.trouble = undefined;
    }
  }

  private receive(subscription: Subscription, amqpMessage: ConsumeMessage | null): void {
    if (amqpMessage === null) {
      // basic.cancel: the queue was deleted (or its node went away); declare it again.
      this.context.topology.forget(subscription.channel, this.queueName);
      this.lose(subscription, `RabbitMQ cancelled the consumer of "${this.queueName}" (was the queue deleted?)`);
      void closeQuietly(subscription.channel);
      return;
    }
    if (!subscription.alive) return;
    const body = amqpMessage.content;
    const { message, error } = this.context.decode(body);
    const delivery = new RabbitmqDelivery(message, error, body, amqpMessage.fields.deliveryTag, subscription);
    subscription.outstanding.set(delivery.tag, delivery);
    this.unacked.value++;
    this.ready.push(delivery);
    this.wake?.();
  }

  /** The channel is gone: its deliveries go back to the queue on RabbitMQ's side. */
  private lose(subscription: Subscription, reason: string | undefined): void {
    if (!subscription.alive) return;
    subscription.alive = false;
    // Acked deliveries wait in `outstanding` for the flush, and were counted off when acked.
    for (const delivery of subscription.outstanding.values()) if (!delivery.acked) this.unacked.value--;
    subscription.outstanding.clear();
    subscription.pendingAcks = [];
    if (this.subscription !== subscription) return;
    this.subscription = undefined;
    this.ready = [];
    if (this.closed) return;
    // A lost connection is logged by the connection; a channel-level failure is logged here.
    if (reason !== undefined && this.trouble === undefined) {
      this.context.logger.warn(`consumer of ${this.queueName} lost its channel (${reason}); subscribing again`);
    }
    this.trouble ??= reason ?? "connection lost";
    this.wake?.();
  }

  /** Acks at the end of the event-loop turn, batched with the other acks of the channel. */
  ack(delivery: RabbitmqDelivery): void {
    const subscription = delivery.subscription;
    if (!subscription.alive || delivery.acked || !subscription.outstanding.has(delivery.tag)) return;
    delivery.acked = true;
    this.unacked.value--;
    subscription.pendingAcks.push(delivery);
    if (!subscription.flushScheduled) {
      subscription.flushScheduled = true;
      setImmediate(this.flushAcks, subscription);
    }
  }

  private readonly flushAcks = (subscription: Subscription): void => {
    subscription.flushScheduled = false;
    const pending = subscription.pendingAcks;
    if (!subscription.alive || pending.length === 0) return;
    subscription.pendingAcks = [];
    // Acks complete out of order; `multiple` covers only the leading run that is all acked.
    let upTo = 0;
    let run = 0;
    for (const [tag, delivery] of subscription.outstanding) {
      if (!delivery.acked) break;
      upTo = tag;
      run++;
    }
    const channel = subscription.channel;
    try {
      if (run > 0) channel.ack(byTag(upTo), run > 1);
      for (const delivery of pending) if (delivery.tag > upTo) channel.ack(byTag(delivery.tag));
    } catch {
      // The channel closed meanwhile: RabbitMQ delivers those messages again.
    }
    for (const delivery of pending) subscription.outstanding.delete(delivery.tag);
  };

  nack(delivery: RabbitmqDelivery): void {
    if (!this.release(delivery)) return;
    try {
      delivery.subscription.channel.nack(byTag(delivery.tag), false, false);
    } catch {
      // The channel closed meanwhile: the message comes back and fails again.
    }
  }

  async requeue(deliveries: readonly RabbitmqDelivery[]): Promise<void> {
    for (const delivery of deliveries) {
      if (!this.release(delivery)) continue;
      try {
        delivery.subscription.channel.nack(byTag(delivery.tag), false, true);
      } catch {
        // The channel closed meanwhile, which requeues it too.
      }
    }
  }

  /** Forgets a delivery that is being nacked or requeued; false when it is void or already settled. */
  private release(delivery: RabbitmqDelivery): boolean {
    const subscription = delivery.subscription;
    if (!subscription.alive || delivery.acked || !subscription.outstanding.delete(delivery.tag)) return false;
    this.unacked.value--;
    return true;
  }

  /** Sends pending acks and closes the channel, which hands every unacked message back to its queue. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose?.();
    this.wake?.();
    this.context.release(this);
    const subscription = this.subscription;
    this.subscription = undefined;
    this.ready = [];
    if (!subscription) return;
    this.flushAcks(subscription);
    this.lose(subscription, undefined);
    // Awaited: RabbitMQ answers channel.close after the acks written before it, while a
    // connection.close sent sooner (on channel 0) would make it drop them. Closing the
    // channel hands every unacked message back to the queue.
    await closeQuietly(subscription.channel);
  }
}
