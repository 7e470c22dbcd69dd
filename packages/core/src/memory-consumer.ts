import type { ConsumeOptions, Consumer, Delivery } from "./consumer.js";
import { Deque } from "./deque.js";
import type { MemoryBroker } from "./memory-broker.js";

export interface MemoryDelivery extends Delivery {
  readonly raw: string;
}

/** One physical queue: bytes waiting, a count of unacked ones, and who waits on it. */
export class MemoryQueue {
  readonly ready = new Deque<string>();
  unacked = 0;
  readonly waiters = new Set<() => void>();

  notify(): void {
    for (const wake of this.waiters) wake();
  }
}

/** Reads one in-memory queue; unacked messages go back to the queue on close. */
export class MemoryConsumer implements Consumer<MemoryDelivery> {
  readonly queueName: string;
  private readonly outstanding = new Set<MemoryDelivery>();
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly broker: MemoryBroker,
    queueName: string,
    private readonly queue: MemoryQueue,
    private readonly options: ConsumeOptions,
  ) {
    this.queueName = queueName;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<readonly MemoryDelivery[]> {
    while (!this.closed) {
      const room = this.options.prefetch - this.outstanding.size;
      if (room > 0 && this.queue.ready.length > 0) {
        const count = Math.min(room, this.queue.ready.length);
        const batch: MemoryDelivery[] = new Array(count);
        for (let i = 0; i < count; i++) {
          const raw = this.queue.ready.shift() as string;
          const decoded = this.broker.decodeMessage(raw);
          const delivery: MemoryDelivery = { message: decoded.message, error: decoded.error, raw };
          this.outstanding.add(delivery);
          batch[i] = delivery;
        }
        this.queue.unacked += count;
        yield batch;
        continue;
      }
      const woken = await this.sleep(this.options.timeout);
      if (!woken && !this.closed) yield [];
    }
  }

  /** Waits for new messages or free room; false when the idle timeout passed first. */
  private sleep(timeout: number | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = () => {
        this.queue.waiters.delete(wake);
        this.wake = undefined;
        clearTimeout(timer);
        resolve(true);
      };
      this.wake = wake;
      this.queue.waiters.add(wake);
      if (timeout !== undefined) {
        timer = setTimeout(() => {
          this.queue.waiters.delete(wake);
          this.wake = undefined;
          resolve(false);
        }, timeout);
      }
    });
  }

  private release(delivery: MemoryDelivery): boolean {
    if (!this.outstanding.delete(delivery)) return false;
    this.queue.unacked--;
    // Refill in batches: wake a consumer that is full only once half its prefetch is free.
    if (this.wake && this.outstanding.size <= this.options.prefetch >> 1) this.wake();
    return true;
  }

  ack(delivery: MemoryDelivery): void {
    if (this.release(delivery)) this.broker.settled();
  }

  nack(delivery: MemoryDelivery, reason?: string): void {
    if (!this.release(delivery)) return;
    this.broker.deadLetter(this.queueName, delivery, reason);
    this.broker.settled();
  }

  async requeue(deliveries: readonly MemoryDelivery[]): Promise<void> {
    const raws = deliveries.filter((d) => this.release(d)).map((d) => d.raw);
    this.queue.ready.unshiftAll(raws);
    this.queue.notify();
    this.broker.settled();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.requeue([...this.outstanding]);
    this.wake?.();
    this.broker.forget(this);
  }

  /** Drops the consumer as a killed process would; its unacked messages return to the queue. */
  abandon(): void {
    void this.close();
  }
}
