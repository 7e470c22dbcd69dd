import type { StatusEvent, StatusStore } from "./status-store.js";

/** How the `Status` middleware batches its writes. */
export interface StatusBufferOptions {
  /** The store written to. */
  store: StatusStore;
  /** Lifetime of the records written, ms. */
  ttl: number;
  /** Longest an event waits before its batch is written, ms. */
  flushInterval: number;
  /** A batch this large is written at once. */
  maxBatch: number;
  /** Most events kept while the store cannot be written; beyond, the oldest are dropped. */
  maxBuffered: number;
  /** Told when a write fails (the events are kept and written again) or events are dropped. */
  onError: (problem: string) => void;
  /**
   * Before each write, `queue`s the events the caller holds back that are due (held since
   * `dueBefore` or earlier), or all of them when `everything`; returns how many stay held.
   */
  releaseHeld?: (everything: boolean, dueBefore: number) => number;
}

/**
 * Collects events and writes them in batches: one store call every `flushInterval` ms
 * at most (a single write in flight, so under load batches grow instead of calls
 * piling up), none when idle. A failed write is retried with backoff, keeping order.
 * The caller may hold events back (a run's `running`, until it is `flushInterval` old)
 * and queue them with the event that follows (its end), so that both are one write of one
 * record: it says so with `holding()`, and `releaseHeld` queues the due ones before a write.
 */
export class StatusBuffer {
  private events: StatusEvent[] = [];
  /** Events the caller holds back, as `releaseHeld` last counted them (or `holding()` since). */
  private held = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private failures = 0;

  constructor(private readonly options: StatusBufferOptions) {}

  /** Queues an event for the next batch. */
  push(event: StatusEvent): void {
    this.events.push(event);
    if (this.writing) return;
    if (this.events.length >= this.options.maxBatch) void this.write(false);
    else if (this.timer === undefined) this.schedule(this.options.flushInterval);
  }

  /** The caller holds an event back: a write comes within `flushInterval`, to release it once due. */
  holding(): void {
    this.held++;
    if (!this.writing && this.timer === undefined) this.schedule(this.options.flushInterval);
  }

  /** Queues an event without starting a write: a held one, before the event that follows it (pushed next), or from `releaseHeld`. */
  queue(event: StatusEvent): void {
    this.events.push(event);
  }

  /** Writes every queued and held event now; resolves once they are stored (or a write failed: it was reported and is retried later). */
  flush(): Promise<void> {
    return this.write(true);
  }

  /** Events queued and not yet written. */
  get pending(): number {
    return this.events.length;
  }

  private async write(everything: boolean): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.releaseHeld(everything);
    do {
      this.writing ??= this.writeAll().finally(() => {
        this.writing = undefined;
      });
      await this.writing;
    } while (this.events.length > 0 && this.failures === 0);
    if (this.timer !== undefined) return;
    if (this.events.length > 0) this.schedule(Math.min(this.options.flushInterval * 2 ** this.failures, 5_000));
    else if (this.held > 0) this.schedule(this.options.flushInterval);
  }

  private releaseHeld(everything: boolean): void {
    if (this.held === 0) return;
    const release = this.options.releaseHeld;
    this.held = release ? release(everything, Date.now() - this.options.flushInterval) : 0;
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => void this.write(false), delay);
    // The buffer never keeps a process alive: a worker flushes on shutdown, a producer calls `flush()`.
    this.timer.unref();
  }

  private async writeAll(): Promise<void> {
    const { store, ttl, maxBatch, maxBuffered, onError } = this.options;
    while (this.events.length > 0) {
      const pending = this.events;
      this.events = [];
      for (let at = 0; at < pending.length; at += maxBatch) {
        const batch = pending.length <= maxBatch ? pending : pending.slice(at, at + maxBatch);
        try {
          await store.write(batch, ttl);
          this.failures = 0;
        } catch (error) {
          this.failures++;
          this.events = pending.slice(at).concat(this.events);
          const dropped = this.events.length - maxBuffered;
          if (dropped > 0) this.events.splice(0, dropped);
          onError(
            `writing ${batch.length} status event(s) failed: ${(error as Error)?.message ?? error}; ${this.events.length} kept for the next try` +
              (dropped > 0 ? `, ${dropped} oldest dropped` : ""),
          );
          return;
        }
      }
    }
  }
}
