import { Deque } from "./deque.js";
import { MemoryEntry, MemoryQueue, MemoryReader } from "./memory-reader.js";
import { canonicalQueueName, delayQueueName } from "./queues.js";
import type {
  OutgoingMessage,
  QueueCounts,
  ReaderOptions,
  StoredDeadLetter,
  Transport,
  TransportCapabilities,
} from "./transport/transport.js";

/** Options of `new MemoryTransport(options)`. */
export interface MemoryTransportOptions {
  /** Where dead letters read their `deadAt` (default `Date.now`; a `MemoryBroker` passes its clock). */
  now?: () => number;
}

/**
 * A transport in this process's memory, under `MemoryBroker`: messages are stored
 * encoded, as on a real broker. Readers get wake-ups on publish; a reader that closes
 * or dies (`killReaders`) returns what it held to the head of its queue at once.
 */
export class MemoryTransport implements Transport<MemoryEntry> {
  readonly specificationVersion = "v1";
  readonly system = "memory";
  readonly capabilities: TransportCapabilities = {
    priorities: false,
    crashRecovery: "redelivery",
    wakeUps: true,
    queueStats: true,
    deadLetters: true,
    atomicMove: true,
  };
  private readonly queues = new Map<string, MemoryQueue>();
  private readonly dead = new Map<string, StoredDeadLetter[]>();
  private readonly now: () => number;
  private deadIds = 0;
  private readonly owner = {
    deadLetter: (queueName: string, entry: MemoryEntry, reason: string) => this.deadLetter(queueName, entry, reason),
  };

  constructor(options: MemoryTransportOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  async publish(messages: readonly OutgoingMessage<MemoryEntry>[]): Promise<void> {
    let queue: MemoryQueue | undefined;
    let touched: Set<MemoryQueue> | undefined;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i];
      // The move of a due delayed message: its delay copy goes away with this publish.
      message.replaces?.holder?.release(message.replaces);
      const target = this.queue(message.queueName);
      if (queue !== undefined && target !== queue) (touched ??= new Set([queue])).add(target);
      queue = target;
      target.ready.push(new MemoryEntry(message.data));
    }
    if (touched) for (const each of touched) each.notify();
    else queue?.notify();
  }

  /** Puts bytes on a physical queue at once, as a foreign producer would. */
  enqueueRaw(queueName: string, data: string | Buffer): void {
    const queue = this.queue(queueName);
    queue.ready.push(new MemoryEntry(data));
    queue.notify();
  }

  openReader(queueName: string, options: ReaderOptions): MemoryReader {
    return new MemoryReader(queueName, this.queue(queueName), this.owner, options.prefetch);
  }

  /** Kills every open reader, as a crashed process loses its connections: what each held goes back to its queue. */
  killReaders(): void {
    for (const queue of this.queues.values()) for (const reader of [...queue.readers]) reader.kill();
  }

  async purge(queueName: string): Promise<void> {
    const canonical = canonicalQueueName(queueName);
    this.queues.get(canonical)?.ready.clear();
    this.queues.get(delayQueueName(canonical))?.ready.clear();
    this.dead.delete(canonical);
  }

  /** Empties every queue and every dead-letter queue, declared or not. */
  purgeAll(): void {
    for (const queue of this.queues.values()) queue.ready.clear();
    this.dead.clear();
  }

  async close(): Promise<void> {}

  async stats(queueName: string): Promise<QueueCounts> {
    const canonical = canonicalQueueName(queueName);
    const queue = this.queues.get(canonical);
    const delayed = this.queues.get(delayQueueName(canonical));
    return {
      ready: queue?.ready.length ?? 0,
      delayed: (delayed?.ready.length ?? 0) + (delayed?.unacked ?? 0),
      inFlight: queue?.unacked ?? 0,
      deadLetters: this.dead.get(canonical)?.length ?? 0,
    };
  }

  /** The physical queues (canonical or delay) that ever held a message, in order of first use. */
  queueNames(): string[] {
    return [...this.queues.keys()];
  }

  /** The bytes waiting on a physical queue, not handed out. */
  waiting(queueName: string): (string | Buffer)[] {
    return (
      this.queues
        .get(queueName)
        ?.ready.toArray()
        .map((entry) => entry.data) ?? []
    );
  }

  /** The dead letters of a canonical queue, or of every queue, oldest first (by queue). */
  storedDeadLetters(queueName?: string): StoredDeadLetter[] {
    if (queueName !== undefined) return [...(this.dead.get(canonicalQueueName(queueName)) ?? [])];
    return [...this.dead.values()].flat();
  }

  async listDeadLetters(queueName: string, limit: number): Promise<StoredDeadLetter[]> {
    return (this.dead.get(canonicalQueueName(queueName)) ?? []).slice(0, limit);
  }

  async deleteDeadLetters(queueName: string, ids: readonly string[]): Promise<number> {
    const canonical = canonicalQueueName(queueName);
    const letters = this.dead.get(canonical);
    if (!letters) return 0;
    const doomed = new Set(ids);
    const kept = letters.filter((letter) => !doomed.has(letter.id));
    this.dead.set(canonical, kept);
    return letters.length - kept.length;
  }

  async purgeDeadLetters(queueName: string): Promise<number> {
    const canonical = canonicalQueueName(queueName);
    const count = this.dead.get(canonical)?.length ?? 0;
    this.dead.delete(canonical);
    return count;
  }

  private queue(name: string): MemoryQueue {
    let queue = this.queues.get(name);
    if (!queue) this.queues.set(name, (queue = new MemoryQueue(new Deque())));
    return queue;
  }

  private deadLetter(fromQueue: string, entry: MemoryEntry, reason: string): void {
    const canonical = canonicalQueueName(fromQueue);
    let letters = this.dead.get(canonical);
    if (!letters) this.dead.set(canonical, (letters = []));
    letters.push({ id: String(++this.deadIds), data: entry.data, reason, deadAt: this.now() });
  }
}
