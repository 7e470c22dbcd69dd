import {
  BROKER_OPTION_KEYS,
  Broker,
  type BrokerCapabilities,
  type BrokerOptions,
  type DeadLetter,
  type JoinOptions,
  type QueueStats,
} from "./broker.js";
import type { ConsumeOptions, Consumer } from "./consumer.js";
import { QueueJoinTimeout } from "./errors.js";
import { MemoryConsumer, type MemoryDelivery, MemoryQueue } from "./memory-consumer.js";
import type { Message } from "./message.js";
import { assertKnownOptions } from "./option-keys.js";
import type { QueuePauses } from "./queue-pauses.js";
import { canonicalQueueName, delayQueueName } from "./queues.js";

interface DeadEntry {
  readonly message: Message | undefined;
  readonly raw: string;
  readonly reason: string | undefined;
  readonly deadAt: number;
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
export class MemoryBroker extends Broker implements QueuePauses {
  readonly capabilities: BrokerCapabilities = { priorities: false, crashRecovery: "redelivery", queueStats: true };
  private readonly physical = new Map<string, MemoryQueue>();
  private readonly dead = new Map<string, DeadEntry[]>();
  private readonly consumers = new Set<MemoryConsumer>();
  private joiners: Joiner[] = [];
  private readonly paused = new Set<string>();

  constructor(options: BrokerOptions = {}) {
    super(options);
    assertKnownOptions("MemoryBroker", options, BROKER_OPTION_KEYS);
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

  /** The dead-lettered messages of one queue, oldest first, as they were last enqueued. */
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
    entries.push({ message: stored, raw: delivery.raw, reason, deadAt: this.clock.now() });
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

  /**
   * Resolves when nothing for the queue is waiting, delayed or unacknowledged. With
   * `failFast` (the default, as in Dramatiq 2), rejects with the error of the first of
   * its messages to be dead-lettered; `failFast: false` waits through dead letters.
   * `timeout` is real time, whatever the broker's clock.
   */
  join(queueName: string, options: JoinOptions & { failFast?: boolean } = {}): Promise<void> {
    const canonical = canonicalQueueName(queueName);
    if (this.drained(canonical)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const joiner: Joiner = {
        queueName: canonical,
        failFast: options.failFast ?? true,
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

  /** Pauses a queue for the workers of this broker (this process: its queues live here). */
  async pauseQueue(queueName: string): Promise<void> {
    this.paused.add(canonicalQueueName(queueName));
  }

  /** Lets this broker's workers fetch the queue again. */
  async resumeQueue(queueName: string): Promise<void> {
    this.paused.delete(canonicalQueueName(queueName));
  }

  /** The queues paused now. */
  async pausedQueues(): Promise<string[]> {
    return [...this.paused];
  }
}
