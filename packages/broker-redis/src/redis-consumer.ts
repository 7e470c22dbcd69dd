import { type ConsumeOptions, type Consumer, canonicalQueueName, type Delivery } from "@troupe/core";
import type { RedisBroker } from "./redis-broker.js";
import { MAX_IDS_PER_CALL } from "./redis-scripts.js";

/** A message fetched from Redis, with the `redis_message_id` that names it in the ack set. */
export interface RedisDelivery extends Delivery {
  /** The `redis_message_id` of this copy. */
  readonly id: string;
}

const FIRST_POLL = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads one queue: fetches up to the free room in one script call (which also
 * carries the acks collected since the last call), sleeps when the queue is
 * empty until a producer's wake-up signal or a backoff poll, and after a lost
 * reply hands back to the queue whatever the ack set holds that it never received.
 */
export class RedisConsumer implements Consumer<RedisDelivery> {
  readonly queueName: string;
  private readonly canonical: string;
  private readonly outstanding = new Set<string>();
  private pendingAcks: string[] = [];
  private readonly ackingNow = new Set<string[]>();
  private flushScheduled = false;
  private needsReclaim = false;
  private signals = 0;
  private closed = false;
  private abandoned = false;
  private fetching: Promise<RedisDelivery[]> | undefined;
  private wakeUp: (() => void) | undefined;
  private failing = false;
  private readonly stopReconnectWatch: () => void;
  private readonly minBatch: number;

  constructor(
    private readonly broker: RedisBroker,
    queueName: string,
    private readonly options: ConsumeOptions,
  ) {
    this.queueName = queueName;
    this.canonical = canonicalQueueName(queueName);
    this.minBatch = Math.max(1, Math.floor(options.prefetch / 4));
    // A reply lost in the outage may have moved ids into the ack set: check once the loop can.
    this.stopReconnectWatch = broker.connection.onReconnect(() => {
      this.needsReclaim = true;
    });
  }

  private readonly wake = (): void => {
    this.signals++;
    this.wakeUp?.();
  };

  async *[Symbol.asyncIterator](): AsyncIterator<readonly RedisDelivery[]> {
    await this.broker.signal.add(this.queueName, this.wake);
    let idleSince = Date.now();
    let pause = FIRST_POLL;
    while (!this.closed) {
      const room = this.options.prefetch - this.outstanding.size;
      // While three quarters of prefetch are still held, the worker has work: wait and fetch a bigger batch.
      if (room >= this.minBatch) {
        if (this.needsReclaim) await this.reclaim();
        const signals = this.signals;
        const fetching = (this.fetching = this.fetch(room));
        let batch: RedisDelivery[];
        try {
          batch = await fetching;
        } catch (error) {
          this.needsReclaim = true;
          if (!this.failing)
            this.broker.logger.warn(`fetching from ${this.queueName} failed: ${(error as Error)?.message ?? error}; retrying`);
          this.failing = true;
          await sleep(Math.min(pause, this.options.timeout));
          pause = Math.min(pause * 2, this.options.timeout);
          continue;
        } finally {
          this.fetching = undefined;
        }
        this.failing = false;
        if (this.closed) break;
        if (batch.length > 0) {
          idleSince = Date.now();
          pause = FIRST_POLL;
          yield batch;
          continue;
        }
        if (this.signals !== signals) continue;
      }
      const left = idleSince + this.options.timeout - Date.now();
      if (left <= 0) {
        idleSince = Date.now();
        yield [];
        continue;
      }
      // Foreign producers send no signal: poll with a backoff up to the idle timeout.
      const woken = await this.sleep(room >= this.minBatch ? Math.min(pause, left) : left);
      if (room >= this.minBatch) pause = woken ? FIRST_POLL : Math.min(pause * 2, this.options.timeout);
    }
  }

  private async fetch(room: number): Promise<RedisDelivery[]> {
    const acks = this.takeAcks();
    let pairs: string[];
    try {
      pairs = (await this.broker.script("troupeFetch", [this.queueName, room], acks)) as string[];
    } catch (error) {
      this.returnAcks(acks);
      throw error;
    } finally {
      if (acks) this.ackingNow.delete(acks);
    }
    const batch: RedisDelivery[] = new Array(pairs.length / 2);
    for (let i = 0, j = 0; i < pairs.length; i += 2, j++) {
      const id = pairs[i];
      this.outstanding.add(id);
      const decoded = this.broker.decodeMessage(pairs[i + 1]);
      batch[j] = { message: decoded.message, error: decoded.error, id };
    }
    return batch;
  }

  /** Waits for a signal, for room, or `timeout` ms; true when something woke it. */
  private sleep(timeout: number | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.wakeUp = () => {
        this.wakeUp = undefined;
        clearTimeout(timer);
        resolve(true);
      };
      if (timeout !== undefined) {
        timer = setTimeout(() => {
          this.wakeUp = undefined;
          resolve(false);
        }, timeout);
      }
    });
  }

  /** True while this consumer holds the copy `id` (fetched, not yet acked, nacked or requeued). */
  holds(id: string): boolean {
    return this.outstanding.has(id);
  }

  ack(delivery: RedisDelivery): void {
    if (!this.outstanding.delete(delivery.id)) return;
    this.pendingAcks.push(delivery.id);
    this.wakeUp?.();
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  /** On failure the message stays held, so the worker can return it instead and `close()` requeues it. */
  async nack(delivery: RedisDelivery, _reason?: string): Promise<void> {
    if (!this.outstanding.delete(delivery.id)) return;
    this.wakeUp?.();
    try {
      await this.broker.script("troupeNack", [this.queueName, this.canonical], [delivery.id]);
    } catch (error) {
      this.outstanding.add(delivery.id);
      throw error;
    }
  }

  /** On failure the ids not yet returned stay held, so a second call (or `close()`) tries them again. */
  async requeue(deliveries: readonly RedisDelivery[]): Promise<void> {
    const ids = deliveries.filter((delivery) => this.outstanding.delete(delivery.id)).map((delivery) => delivery.id);
    if (ids.length === 0) return;
    this.wakeUp?.();
    let returned = 0;
    for (let i = 0; i < ids.length; i += MAX_IDS_PER_CALL) {
      try {
        returned += (await this.broker.script("troupeRequeue", [this.queueName], ids.slice(i, i + MAX_IDS_PER_CALL))) as number;
      } catch (error) {
        for (const id of ids.slice(i)) this.outstanding.add(id);
        throw error;
      }
    }
    if (returned < ids.length) {
      this.broker.logger.info(
        `${ids.length - returned} of ${ids.length} message(s) to return to ${this.queueName} were no longer held here ` +
          "(a move whose answer was lost had already taken them): left as they are",
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopReconnectWatch();
    this.broker.signal.remove(this.queueName, this.wake);
    this.wakeUp?.();
    if (this.abandoned) return;
    // A fetch still on the wire adds its deliveries to `outstanding`, which go back below.
    await this.fetching?.catch(() => {});
    await this.flushAcks();
    await this.requeue([...this.outstanding].map((id) => ({ id, message: undefined })));
    this.broker.forget(this);
  }

  /** Stops as a killed process would: nothing is acked or requeued. */
  abandon(): void {
    this.abandoned = true;
    this.pendingAcks = [];
    void this.close();
  }

  private readonly flushSoon = (): void => {
    this.flushScheduled = false;
    this.flushAcks().catch(() => {});
  };

  /** Sends every collected ack; on failure they are kept and retried, as acks are idempotent. */
  private async flushAcks(): Promise<void> {
    while (this.pendingAcks.length > 0 && !this.abandoned) {
      const acks = this.takeAcks() as string[];
      try {
        await this.broker.script("troupeAck", [this.queueName], acks);
      } catch (error) {
        this.returnAcks(acks);
        this.broker.logger.warn(
          `acking ${acks.length} message(s) on ${this.queueName} failed: ${(error as Error)?.message ?? error}; retrying`,
        );
        if (this.closed) return;
        await sleep(100);
      } finally {
        this.ackingNow.delete(acks);
      }
    }
  }

  private takeAcks(): string[] | undefined {
    if (this.pendingAcks.length === 0) return undefined;
    let acks: string[];
    if (this.pendingAcks.length <= MAX_IDS_PER_CALL) {
      acks = this.pendingAcks;
      this.pendingAcks = [];
    } else {
      acks = this.pendingAcks.splice(0, MAX_IDS_PER_CALL);
    }
    this.ackingNow.add(acks);
    return acks;
  }

  private returnAcks(acks: string[] | undefined): void {
    if (!acks || this.abandoned) return;
    this.pendingAcks.push(...acks);
  }

  /**
   * Requeues ids of this worker's ack set that this consumer does not hold (their
   * fetch reply was lost). Runs only between fetches, so no reply is on the wire.
   */
  private async reclaim(): Promise<void> {
    try {
      const members = await this.broker.ackSetMembers(this.queueName);
      const known = new Set([...this.outstanding, ...this.pendingAcks]);
      for (const acks of this.ackingNow) for (const id of acks) known.add(id);
      const lost = members.filter((id) => !known.has(id));
      let count = 0;
      for (let i = 0; i < lost.length; i += MAX_IDS_PER_CALL) {
        count += (await this.broker.script("troupeRequeue", [this.queueName], lost.slice(i, i + MAX_IDS_PER_CALL))) as number;
      }
      this.needsReclaim = false;
      if (count > 0) this.broker.logger.info(`returned ${count} message(s) of a lost reply to ${this.queueName}`);
    } catch {
      // Still unreachable: the next turn of the loop tries again.
    }
  }
}
