import { Broker, type BrokerCapabilities, type BrokerOptions, type DeadLetter, type JoinOptions, type QueueStats } from "./broker.js";
import type { ConsumeOptions, Consumer, Delivery } from "./consumer.js";
import { Deque } from "./deque.js";
import { QueueJoinTimeout } from "./errors.js";
import { setDefaultBrokerFactory } from "./global-broker.js";
import type { Message } from "./message.js";
import { canonicalQueueName, delayQueueName } from "./queues.js";

interface MemoryDelivery extends Delivery {
  readonly raw: string;
}

interface DeadEntry {
  readonly message: Message | undefined;
  readonly raw: string;
  readonly reason: string | undefined;
  readonly deadAt: number;
}

/** One physical queue: bytes waiting, a count of unacked ones, and who waits on it. */
class MemoryQueue {
  readonly ready = new Deque<string>();
  unacked = 0;
  readonly waiters = new Set<() => void>();

  notify(): void {
    for (const wake of this.waiters) wake();
  }
}

interface Joiner {
  readonly queueName: string;
  readonly failFast: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * A broker in this process's memory: for tests, demos and zero-setup use. Messages
 * are stored encoded, exactly as on a real broker, so tests exercise the same paths.
 */
export class MemoryBroker extends Broker {
  readonly capabilities: BrokerCapabilities = { priorities: false, crashRecovery: "redelivery", queueStats: true };
  private readonly physical = new Map<string, MemoryQueue>();
  private readonly dead = new Map<string, DeadEntry[]>();
  private readonly consumers = new Set<MemoryConsumer>();
  private joiners: Joiner[] = [];

  constructor(options: BrokerOptions = {}) {
    super(options);
  }

  /** @internal */
  queue(name: string): MemoryQueue {
    let queue = this.physical.get(name);
    if (!queue) this.physical.set(name, (queue = new MemoryQueue()));
    return queue;
  }

  /** Every dead-lettered message, oldest first (undecodable ones are left out). */
  get deadLetters(): Message[] {
    const all: Message[] = [];
    for (const entries of this.dead.values()) for (const entry of entries) if (entry.message) all.push(entry.message);
    return all;
  }

  deadLettersByQueue(queueName: string): Message[] {
    return (this.dead.get(canonicalQueueName(queueName)) ?? []).flatMap((entry) => (entry.message ? [entry.message] : []));
  }

  /** Puts raw bytes on a queue, as a foreign producer would (for tests of bad input). */
  enqueueRaw(queueName: string, raw: string): void {
    const queue = this.queue(queueName);
    queue.ready.push(raw);
    queue.notify();
  }

  /** Simulates a crashed worker: every consumer vanishes without acking, and its messages are delivered again. */
  simulateCrash(): void {
    for (const consumer of [...this.consumers]) consumer.abandon();
  }

  protected async publish(messages: readonly Message<readonly unknown[], unknown>[]): Promise<void> {
    const touched = new Set<MemoryQueue>();
    for (const message of messages) {
      const queue = this.queue(message.queueName);
      queue.ready.push(this.encodeMessage(message) as string);
      touched.add(queue);
    }
    for (const queue of touched) queue.notify();
  }

  consume(queueName: string, options: ConsumeOptions): Consumer {
    const consumer = new MemoryConsumer(this, queueName, this.queue(queueName), options);
    this.consumers.add(consumer);
    return consumer;
  }

  /** @internal */
  forget(consumer: MemoryConsumer): void {
    this.consumers.delete(consumer);
  }

  /** @internal */
  deadLetter(fromQueue: string, delivery: MemoryDelivery, reason: string | undefined): void {
    const queueName = canonicalQueueName(fromQueue);
    let entries = this.dead.get(queueName);
    if (!entries) this.dead.set(queueName, (entries = []));
    // Keep the copy as it was enqueued, not as middleware changed it in memory (as on Redis and RabbitMQ).
    const stored = delivery.message ? this.decodeMessage(delivery.raw).message : undefined;
    entries.push({ message: stored, raw: delivery.raw, reason, deadAt: Date.now() });
    if (delivery.message) {
      const error = delivery.message.lastError ?? new Error(reason ?? "dead-lettered");
      for (const joiner of this.joiners) if (joiner.failFast && joiner.queueName === queueName) joiner.reject(error);
      this.joiners = this.joiners.filter((joiner) => !(joiner.failFast && joiner.queueName === queueName));
    }
  }

  private drained(queueName: string): boolean {
    const queue = this.physical.get(queueName);
    const delayed = this.physical.get(delayQueueName(queueName));
    return (
      (!queue || (queue.ready.length === 0 && queue.unacked === 0)) && (!delayed || (delayed.ready.length === 0 && delayed.unacked === 0))
    );
  }

  /** @internal called whenever a queue's counts change */
  settled(): void {
    if (this.joiners.length === 0) return;
    this.joiners = this.joiners.filter((joiner) => {
      if (!this.drained(joiner.queueName)) return true;
      joiner.resolve();
      return false;
    });
  }

  join(queueName: string, options: JoinOptions & { failFast?: boolean } = {}): Promise<void> {
    const canonical = canonicalQueueName(queueName);
    if (this.drained(canonical)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const joiner: Joiner = {
        queueName: canonical,
        failFast: options.failFast ?? false,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      if (options.timeout !== undefined) {
        timer = setTimeout(() => {
          this.joiners = this.joiners.filter((j) => j !== joiner);
          reject(new QueueJoinTimeout(canonical, options.timeout as number));
        }, options.timeout);
      }
      this.joiners.push(joiner);
    });
  }

  async flush(queueName: string): Promise<void> {
    const canonical = canonicalQueueName(queueName);
    this.physical.get(canonical)?.ready.clear();
    this.physical.get(delayQueueName(canonical))?.ready.clear();
    this.dead.delete(canonical);
    this.settled();
  }

  async flushAll(): Promise<void> {
    for (const queue of this.physical.values()) queue.ready.clear();
    this.dead.clear();
    this.settled();
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => consumer.close()));
  }

  async queueStats(queueName: string): Promise<QueueStats> {
    const canonical = canonicalQueueName(queueName);
    const queue = this.physical.get(canonical);
    const delayed = this.physical.get(delayQueueName(canonical));
    return {
      queueName: canonical,
      ready: queue?.ready.length ?? 0,
      delayed: (delayed?.ready.length ?? 0) + (delayed?.unacked ?? 0),
      inFlight: queue?.unacked ?? 0,
      deadLetters: this.dead.get(canonical)?.length ?? 0,
    };
  }

  async listDeadLetters(queueName: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    return (this.dead.get(canonicalQueueName(queueName)) ?? []).slice(0, options.limit ?? Number.POSITIVE_INFINITY).map((entry) => ({
      id: entry.message?.messageId ?? "",
      message: entry.message,
      raw: entry.raw,
      deadAt: entry.deadAt,
    }));
  }

  async requeueDeadLetters(queueName: string, options: { limit?: number } = {}): Promise<number> {
    const canonical = canonicalQueueName(queueName);
    const entries = this.dead.get(canonical) ?? [];
    const taken = entries.splice(0, options.limit ?? entries.length);
    const messages = taken.flatMap((entry) =>
      entry.message ? [entry.message.copy({ queueName: canonical, options: { eta: undefined } })] : [],
    );
    await this.enqueueMany(messages);
    return messages.length;
  }

  async purgeDeadLetters(queueName: string): Promise<number> {
    const canonical = canonicalQueueName(queueName);
    const count = this.dead.get(canonical)?.length ?? 0;
    this.dead.delete(canonical);
    return count;
  }
}

class MemoryConsumer implements Consumer<MemoryDelivery> {
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

setDefaultBrokerFactory(() => new MemoryBroker());
