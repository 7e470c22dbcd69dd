import {
  ConnectionError,
  type Logger,
  type MemoryEntry,
  type MemoryReader,
  MemoryTransport,
  type OutgoingMessage,
  type QueueCounts,
  type ReaderOptions,
  type StoredDeadLetter,
  type Transport,
  type TransportCapabilities,
  type TransportReader,
} from "../src/index.js";

/** Options of a `ProbeTransport`. */
export interface ProbeOptions {
  /** The memory store under it (share one between probes to model two processes on one server). */
  inner?: MemoryTransport;
  capabilities?: Partial<TransportCapabilities>;
  storeId?: string;
  /** False: `stats` reports `inFlight` undefined, as RabbitMQ does. */
  countsInFlight?: boolean;
}

/**
 * A real transport (a `MemoryTransport` underneath) that records what core asks of it
 * and refuses on demand, so tests see the runtime's calls: fetch sizes and the acks
 * they carry, separate ack calls, publishes and their `replaces`, readers opened.
 */
export class ProbeTransport implements Transport<MemoryEntry> {
  readonly specificationVersion = "v1";
  readonly system = "probe";
  readonly capabilities: TransportCapabilities;
  readonly storeId: string | undefined;
  readonly inner: MemoryTransport;
  readonly readers: ProbeReader[] = [];
  readonly published: OutgoingMessage<MemoryEntry>[][] = [];
  /** The next this many fetches throw a `ConnectionError`. */
  failFetches = 0;
  /** The next this many `openReader` calls throw a `ConnectionError`. */
  failOpens = 0;
  /** When set, `openReader` throws it (a permanent refusal). */
  openError: Error | undefined;
  /** Every `declareQueue` call, in order. */
  readonly declared: string[] = [];
  /** The next this many `declareQueue` calls reject with a `ConnectionError`. */
  failDeclares = 0;
  private readonly countsInFlight: boolean;

  constructor(options: ProbeOptions = {}) {
    this.inner = options.inner ?? new MemoryTransport();
    this.capabilities = { ...this.inner.capabilities, ...options.capabilities };
    this.storeId = options.storeId;
    this.countsInFlight = options.countsInFlight ?? true;
  }

  async declareQueue(queueName: string): Promise<void> {
    this.declared.push(queueName);
    if (this.failDeclares > 0) {
      this.failDeclares--;
      throw new ConnectionError("probe: could not declare");
    }
  }

  publish(messages: readonly OutgoingMessage<MemoryEntry>[]): Promise<void> {
    this.published.push([...messages]);
    return this.inner.publish(messages);
  }

  openReader(queueName: string, options: ReaderOptions): TransportReader<MemoryEntry> {
    if (this.openError) throw this.openError;
    if (this.failOpens > 0) {
      this.failOpens--;
      throw new ConnectionError("probe: the store is away");
    }
    const reader = new ProbeReader(this, this.inner.openReader(queueName, options));
    this.readers.push(reader);
    return reader;
  }

  purge(queueName: string): Promise<void> {
    return this.inner.purge(queueName);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async stats(queueName: string): Promise<QueueCounts> {
    const counts = await this.inner.stats(queueName);
    return this.countsInFlight ? counts : { ...counts, inFlight: undefined };
  }

  listDeadLetters(queueName: string, limit: number): Promise<readonly StoredDeadLetter[]> {
    return this.inner.listDeadLetters(queueName, limit);
  }

  deleteDeadLetters(queueName: string, ids: readonly string[]): Promise<number> {
    return this.inner.deleteDeadLetters(queueName, ids);
  }

  purgeDeadLetters(queueName: string): Promise<number> {
    return this.inner.purgeDeadLetters(queueName);
  }

  /** Every fetch of every reader, in order. */
  fetches(): { max: number; acks: number }[] {
    return this.readers.flatMap((reader) => reader.fetches);
  }

  /** The sizes of every separate `ack` call of every reader. */
  ackCalls(): number[] {
    return this.readers.flatMap((reader) => reader.ackCalls);
  }
}

/** A memory reader that records its calls; `onReady` only where the probe claims wake-ups. */
export class ProbeReader implements TransportReader<MemoryEntry> {
  readonly fetches: { max: number; acks: number }[] = [];
  readonly ackCalls: number[] = [];
  readonly onReady?: (listener: () => void) => () => void;

  constructor(
    private readonly probe: ProbeTransport,
    readonly inner: MemoryReader,
  ) {
    if (probe.capabilities.wakeUps) this.onReady = (listener) => inner.onReady(listener);
  }

  get alive(): boolean {
    return this.inner.alive;
  }

  async fetch(max: number, acks: readonly MemoryEntry[]): Promise<readonly MemoryEntry[]> {
    this.fetches.push({ max, acks: acks.length });
    if (this.probe.failFetches > 0) {
      this.probe.failFetches--;
      throw new ConnectionError("probe: fetch refused");
    }
    return this.inner.fetch(max, acks);
  }

  ack(handles: readonly MemoryEntry[]): Promise<void> {
    this.ackCalls.push(handles.length);
    return this.inner.ack(handles);
  }

  nack(handle: MemoryEntry, reason: string): Promise<void> {
    return this.inner.nack(handle, reason);
  }

  requeue(handles: readonly MemoryEntry[]): Promise<void> {
    return this.inner.requeue(handles);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A logger that keeps its lines as `"warn …"`, `"info …"`. */
export function recordingLogger(): Logger & { lines: string[]; at(level: string): string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return {
    lines,
    at: (level) => lines.filter((line) => line.startsWith(`${level} `)),
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
