import type { Deque } from "./deque.js";
import type { RawDelivery, TransportReader } from "./transport/transport.js";

/** A message stored on a memory queue: the bytes, and the reader holding it while it is handed out. It is its own handle. */
export class MemoryEntry implements RawDelivery<MemoryEntry> {
  /** The reader that handed it out and has not settled it. */
  holder: MemoryReader | undefined = undefined;
  /** Handed out before, and returned unsettled. */
  redelivered = false;

  constructor(
    /** The encoded message. */
    readonly data: string | Buffer,
  ) {}

  /** The entry itself: settling it needs nothing else. */
  get handle(): MemoryEntry {
    return this;
  }
}

/** One physical queue in memory: entries waiting, a count of those handed out, and the readers of it. */
export class MemoryQueue {
  readonly readers = new Set<MemoryReader>();
  unacked = 0;

  constructor(readonly ready: Deque<MemoryEntry>) {}

  /** Tells every reader that messages may have arrived. */
  notify(): void {
    for (const reader of this.readers) reader.ready();
  }
}

/** What a reader tells its transport. */
export interface MemoryReaderOwner {
  /** Stores a dead-lettered entry of `queueName` with why. */
  deadLetter(queueName: string, entry: MemoryEntry, reason: string): void;
}

/** Reads one memory queue; what it holds goes back to the queue when it closes or dies. */
export class MemoryReader implements TransportReader<MemoryEntry> {
  alive = true;
  private readonly held = new Set<MemoryEntry>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly queueName: string,
    private readonly queue: MemoryQueue,
    private readonly owner: MemoryReaderOwner,
    /** How many it may hold at once. */
    private readonly prefetch: number,
  ) {
    queue.readers.add(this);
  }

  async fetch(max: number, acks: readonly MemoryEntry[]): Promise<readonly MemoryEntry[]> {
    if (acks.length > 0) this.settle(acks);
    if (!this.alive) return [];
    const ready = this.queue.ready;
    const count = Math.min(max, this.prefetch - this.held.size, ready.length);
    if (count <= 0) return [];
    const batch: MemoryEntry[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const entry = ready.shift() as MemoryEntry;
      entry.holder = this;
      this.held.add(entry);
      batch[i] = entry;
    }
    this.queue.unacked += count;
    return batch;
  }

  async ack(handles: readonly MemoryEntry[]): Promise<void> {
    this.settle(handles);
  }

  async nack(handle: MemoryEntry, reason: string): Promise<void> {
    if (this.release(handle)) this.owner.deadLetter(this.queueName, handle, reason);
  }

  async requeue(handles: readonly MemoryEntry[]): Promise<void> {
    const back = handles.filter((entry) => this.release(entry));
    this.giveBack(back);
  }

  onReady(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.end();
  }

  /** Dies as a crashed process's connection would: what it held goes back to the queue at once. */
  kill(): void {
    if (!this.alive) return;
    this.end();
    for (const listener of this.listeners) listener();
  }

  /** Calls the listeners: messages may have arrived. */
  ready(): void {
    for (const listener of this.listeners) listener();
  }

  /** Removes an entry this reader holds without returning it (acked, or replaced by a move); false when it holds none such. */
  release(entry: MemoryEntry): boolean {
    if (!this.held.delete(entry)) return false;
    entry.holder = undefined;
    this.queue.unacked--;
    return true;
  }

  private settle(handles: readonly MemoryEntry[]): void {
    for (let i = 0; i < handles.length; i++) this.release(handles[i]);
  }

  private end(): void {
    this.alive = false;
    this.queue.readers.delete(this);
    const back = [...this.held];
    for (const entry of back) this.release(entry);
    this.giveBack(back);
  }

  private giveBack(entries: MemoryEntry[]): void {
    if (entries.length === 0) return;
    for (const entry of entries) entry.redelivered = true;
    this.queue.ready.unshiftAll(entries);
    this.queue.notify();
  }
}
