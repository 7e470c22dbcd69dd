import { ConnectionError, EnqueueUncertain, type OutgoingMessage } from "@troupe/core";
import type { Channel, ChannelModel, ConfirmChannel } from "amqplib";
import { type ConnectionManager, closeQuietly } from "./connection.js";
import { PublishDeadline } from "./publish-deadline.js";
import type { Topology } from "./topology.js";

type Outgoing = OutgoingMessage<unknown>;

const toBuffer = (data: string | Buffer): Buffer => (typeof data === "string" ? Buffer.from(data) : data);
/** AMQP's priority is an octet; RabbitMQ caps it at the queue's `x-max-priority`. */
const toPriority = (priority: number | undefined): number | undefined =>
  priority === undefined ? undefined : Math.min(255, Math.max(0, Math.trunc(priority) || 0));

/**
 * The parts of an amqplib channel below `publish`. `publish` always adds an empty
 * `headers` table; Dramatiq's frames carry only delivery_mode and priority, so we
 * build the same frame ourselves (and skip a per-message options copy on the hot path).
 */
interface FrameChannel {
  sendMessage(fields: object, properties: object, content: Buffer): boolean;
  pushConfirmCallback(callback: (error: unknown) => void): void;
}

const MAX_ATTEMPTS = 5;

/**
 * Publishes batches on one channel of the producer connection: persistent, to the
 * default exchange. With confirms, publishes are `mandatory` so a message for a
 * vanished queue comes back instead of disappearing, and everything a confirm did
 * not cover (channel lost, nacked, returned) is published again after declaring.
 * A call that makes no progress for `timeout` ms rejects, writes nothing more, and
 * gives up the connection; once a message of it left, the rejection is `EnqueueUncertain`.
 */
export class Publisher {
  private channel: Promise<Channel> | undefined;
  private returned: { routingKey: string; body: Buffer }[] = [];

  constructor(
    private readonly manager: ConnectionManager,
    private readonly topology: Topology,
    private readonly confirm: boolean,
    private readonly timeout: number,
  ) {}

  async publish(items: readonly Outgoing[]): Promise<void> {
    // Connecting has a deadline of its own (connectTimeout), and an error that says so.
    const connection = await this.manager.connect();
    const deadline = new PublishDeadline(this.timeout);
    let outcome: "done" | "expired";
    try {
      outcome = await Promise.race([
        this.deliver(items, deadline).then(() => "done" as const),
        deadline.passed.then(() => "expired" as const),
      ]);
    } catch (error) {
      if (!deadline.written || EnqueueUncertain.isInstance(error)) throw error;
      throw new EnqueueUncertain(
        `publishing failed after ${items.length} message(s) left for RabbitMQ, which may or may not have enqueued them: ${(error as Error)?.message ?? error}`,
        { cause: error },
      );
    } finally {
      deadline.stop();
    }
    if (outcome === "expired") throw this.timedOut(connection, items.length, deadline);
  }

  private async deliver(items: readonly Outgoing[], deadline: PublishDeadline): Promise<void> {
    let pending = items;
    for (let attempt = 1; ; attempt++) {
      const channel = await this.open();
      if (deadline.expired) return;
      deadline.progress();
      await this.declare(channel, pending);
      if (deadline.expired) return;
      deadline.progress();
      pending = await this.send(channel, pending, deadline);
      if (pending.length === 0 || deadline.expired) return;
      if (attempt >= MAX_ATTEMPTS) {
        throw new ConnectionError(`RabbitMQ did not confirm ${pending.length} message(s) after ${attempt} attempts`);
      }
    }
  }

  /** The rejection of a publish whose deadline passed; a silent connection is given up, so the next publish dials again. */
  private timedOut(connection: ChannelModel, count: number, deadline: PublishDeadline): ConnectionError {
    const blocked = this.manager.blocked;
    const what =
      blocked === undefined
        ? `RabbitMQ answered nothing for ${deadline.timeout} ms (publishTimeout)`
        : `RabbitMQ blocks publishing (${blocked}) and confirmed nothing for ${deadline.timeout} ms (publishTimeout)`;
    // A blocked connection is alive and unblocks by itself; a silent one may be a black hole.
    if (blocked === undefined) this.manager.drop(connection, what);
    if (!deadline.written) return new ConnectionError(`${what}; nothing was published`);
    return new EnqueueUncertain(`${what}: ${count} message(s) were published and may or may not be enqueued`);
  }

  private open(): Promise<Channel> {
    if (this.channel) return this.channel;
    const opening: Promise<Channel> = (this.confirm ? this.manager.openConfirmChannel() : this.manager.openChannel()).then((channel) => {
      channel.on("close", () => {
        if (this.channel === opening) this.channel = undefined;
        this.returned = [];
      });
      if (this.confirm)
        channel.on("return", (message) => this.returned.push({ routingKey: message.fields.routingKey, body: message.content }));
      return channel;
    });
    this.channel = opening;
    opening.catch(() => {
      if (this.channel === opening) this.channel = undefined;
    });
    return opening;
  }

  private async declare(channel: Channel, items: readonly Outgoing[]): Promise<void> {
    let last: string | undefined;
    for (const item of items) {
      if (item.queueName === last) continue;
      last = item.queueName;
      await this.topology.declare(channel, item.queueName);
    }
  }

  /** Writes the batch and resolves with the messages that must be sent again (none once the deadline passed). */
  private async send(channel: Channel, items: readonly Outgoing[], deadline: PublishDeadline): Promise<Outgoing[]> {
    const frames = channel as unknown as FrameChannel;
    const failed: Outgoing[] = [];
    const settled = this.confirm ? new Uint8Array(items.length) : undefined;
    let waiting = items.length;
    let allSettled: (() => void) | undefined;
    const confirmed = new Promise<void>((resolve) => {
      allSettled = resolve;
    });
    const settle = (index: number, ok: boolean) => {
      if (!settled || settled[index]) return;
      settled[index] = 1;
      deadline.progress();
      if (!ok) failed.push(items[index]);
      if (--waiting === 0) allSettled?.();
    };
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const fields = {
        exchange: "",
        routingKey: item.queueName,
        mandatory: this.confirm,
        immediate: false,
        deliveryMode: 2,
        priority: toPriority(item.priority),
      };
      let flowing: boolean;
      try {
        if (settled) frames.pushConfirmCallback((error) => settle(i, !error && !this.wasReturned(channel, item)));
        flowing = frames.sendMessage(fields, fields, toBuffer(item.data));
        deadline.written = true;
      } catch {
        // The channel closed under us: nothing from here on was sent.
        if (!settled) return items.slice(i);
        for (let j = i; j < items.length; j++) settle(j, false);
        break;
      }
      if (!flowing && i < items.length - 1) {
        await drained(channel);
        if (deadline.expired) return [];
        deadline.progress();
      }
    }
    if (settled && waiting > 0) await confirmed;
    return failed;
  }

  private wasReturned(channel: Channel, item: Outgoing): boolean {
    if (this.returned.length === 0) return false;
    const index = this.returned.findIndex((r) => r.routingKey === item.queueName && r.body.equals(toBuffer(item.data)));
    if (index < 0) return false;
    this.returned.splice(index, 1);
    this.topology.forget(channel, item.queueName);
    return true;
  }

  async close(): Promise<void> {
    const channel = this.channel;
    this.channel = undefined;
    const open = await channel?.catch(() => undefined);
    if (open) await closeQuietly(open);
  }
}

/** Resolves when the channel's write buffer has room again, or the channel is gone. */
function drained(channel: Channel | ConfirmChannel): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      channel.off("drain", done);
      channel.off("close", done);
      resolve();
    };
    channel.on("drain", done);
    channel.on("close", done);
  });
}
