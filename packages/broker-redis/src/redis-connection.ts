import { ConnectionError, type Logger, redactUrl } from "@troupe/core";
import { type Cluster, Redis, type RedisOptions } from "ioredis";

/** An ioredis client the broker can use (Cluster is typed but not supported: the scripts build key names). */
export type RedisClient = Redis | Cluster;

/** How the broker reaches Redis: a URL, or a ready client. */
export interface RedisConnectionOptions {
  /** `redis://[:password@]host[:port][/db]` or `rediss://` for TLS (default `redis://127.0.0.1:6379`). */
  url?: string;
  /** A ready ioredis client (standalone, Sentinel or Cluster); the broker uses it and leaves it open on close. */
  client?: RedisClient;
  /** Extra ioredis options for the client made from `url`: TLS certificates, Sentinel, socket settings. */
  redisOptions?: RedisOptions;
  /** How long an operation may wait for an unreachable Redis before failing with `ConnectionError`, ms (default 10 000). */
  connectTimeout?: number;
}

/**
 * One ioredis client and what the broker needs around it: waiting for it to be
 * ready within a bound, failing with `ConnectionError`, logging an outage once
 * when it starts and once when it ends, and (for a client of its own) dropping a
 * connection that stopped answering, which TCP alone notices only after minutes.
 */
export class RedisConnection {
  readonly client: RedisClient;
  readonly owned: boolean;
  readonly connectTimeout: number;
  private readonly label: string;
  private down = false;
  private ended = false;
  private readonly reconnectListeners = new Set<() => void>();
  /** Callers of `whenReady` (one listener serves them all, however many wait). */
  private readonly readyWaiters = new Set<(error?: Error) => void>();
  private readonly listeners: [string, (...args: unknown[]) => void][] = [];

  /** `adopted`: a client made for this connection (a duplicate), closed with it. */
  constructor(
    options: RedisConnectionOptions,
    private readonly logger: Logger,
    adopted?: { client: RedisClient; label: string },
  ) {
    this.connectTimeout = options.connectTimeout ?? 10_000;
    if (adopted) {
      this.client = adopted.client;
      this.owned = true;
      this.label = adopted.label;
    } else if (options.client) {
      this.client = options.client;
      this.owned = false;
      this.label = "Redis";
    } else {
      const url = options.url ?? "redis://127.0.0.1:6379";
      this.client = new Redis(url, { ...clientOptions(this.connectTimeout), ...options.redisOptions });
      this.owned = true;
      this.label = `Redis at ${redactUrl(url)}`;
    }
    this.listen("error", (error) => this.markDown(error));
    this.listen("close", () => this.markDown(undefined));
    this.listen("ready", () => {
      this.markUp();
      this.settleWaiters();
    });
    this.listen("end", () => this.settleWaiters(new ConnectionError(`the connection to ${this.label} was closed`)));
  }

  /** A second connection of its own with the same settings plus `overrides`, named `purpose` in logs. */
  duplicate(overrides: RedisOptions, purpose: string): RedisConnection {
    const client = (this.client as Redis).duplicate(overrides);
    return new RedisConnection({ connectTimeout: this.connectTimeout }, this.logger, { client, label: `${this.label} (${purpose})` });
  }

  /** What logs call this connection: `Redis at redis://host:port`. */
  get name(): string {
    return this.label;
  }

  /**
   * Returns `reply`; if it has not come within `connectTimeout` and the client is
   * ours, the connection is presumed dead and dropped, so that ioredis reconnects
   * (a black-holed link otherwise hangs every command until TCP gives up).
   */
  watch<T>(reply: Promise<T>): Promise<T> {
    if (!this.owned) return reply;
    const stream = this.stream;
    const timer = setTimeout(() => this.dropStalled(stream), this.connectTimeout);
    const clear = () => clearTimeout(timer);
    reply.then(clear, clear);
    return reply;
  }

  /** The socket now in use, for `dropStalled`. */
  get stream(): Redis["stream"] | undefined {
    return (this.client as Redis).stream;
  }

  /**
   * Drops `stream`, on which a command went unanswered for `connectTimeout`, unless
   * it was replaced meanwhile or the client is not ours; ioredis then reconnects.
   */
  dropStalled(stream: Redis["stream"] | undefined, why = `a command got no answer within ${this.connectTimeout} ms`): void {
    if (!this.owned || this.ended || !stream || stream.destroyed || stream !== this.stream) return;
    this.logger.warn(`${why} from ${this.label}: presuming the connection dead and reconnecting`);
    stream.destroy();
  }

  /** Calls `listener` each time the connection comes back after an outage. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  get ready(): boolean {
    return this.client.status === "ready";
  }

  /** Resolves once the client is ready; rejects with `ConnectionError` after `connectTimeout`. */
  async whenReady(): Promise<void> {
    if (this.client.status === "ready") return;
    if (this.ended) throw new ConnectionError(`the connection to ${this.label} is closed`);
    if (this.client.status === "wait") this.client.connect().catch(() => {});
    await new Promise<void>((resolve, reject) => {
      const waiter = (error?: Error) => {
        clearTimeout(timer);
        this.readyWaiters.delete(waiter);
        error ? reject(error) : resolve();
      };
      const timer = setTimeout(() => {
        // Connected but the handshake is unanswered: ioredis would wait on it forever.
        if (this.client.status === "connect") this.dropStalled(this.stream, "the handshake got no answer");
        waiter(new ConnectionError(`could not reach ${this.label} within ${this.connectTimeout} ms`));
      }, this.connectTimeout);
      this.readyWaiters.add(waiter);
    });
  }

  private settleWaiters(error?: Error): void {
    for (const waiter of [...this.readyWaiters]) waiter(error);
  }

  /**
   * Runs a command for a caller that must not hang: waits for readiness, then
   * bounds the command by `connectTimeout`, and wraps any failure in `ConnectionError`.
   */
  async bounded<T>(what: string, run: () => Promise<T>): Promise<T> {
    if (this.client.status !== "ready") await this.whenReady();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ConnectionError(`${what} got no answer from ${this.label} within ${this.connectTimeout} ms`)),
        this.connectTimeout,
      );
    });
    try {
      return await Promise.race([run(), expired]);
    } catch (error) {
      throw wrapError(what, this.label, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes an owned client (politely, then by force); a borrowed one is left open. */
  async close(): Promise<void> {
    this.stopListening();
    if (!this.owned) return;
    await closeClient(this.client, this.connectTimeout);
  }

  /** Drops the connection at once, as a killed process would. */
  kill(): void {
    this.stopListening();
    this.client.disconnect();
  }

  private stopListening(): void {
    this.ended = true;
    this.settleWaiters(new ConnectionError(`the connection to ${this.label} is closed`));
    for (const [event, listener] of this.listeners) this.client.off(event, listener);
    // A client of ours that is being discarded may still report errors while it closes: they no longer matter.
    if (this.owned) this.client.on("error", () => {});
  }

  private listen(event: string, listener: (...args: unknown[]) => void): void {
    this.client.on(event, listener);
    this.listeners.push([event, listener]);
  }

  private markDown(error: unknown): void {
    if (this.ended || this.down || this.client.status === "wait") return;
    this.down = true;
    const reason = error instanceof Error ? `: ${error.message}` : "";
    this.logger.warn(`lost the connection to ${this.label}${reason}; reconnecting`);
  }

  private markUp(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.info(`reconnected to ${this.label}`);
    for (const listener of this.reconnectListeners) listener();
  }
}

/** Options for clients the package creates: reconnect forever, queue commands meanwhile, pipeline automatically. */
export function clientOptions(connectTimeout: number): RedisOptions {
  return {
    lazyConnect: true,
    connectTimeout,
    // Commands wait for the reconnection instead of failing after 20 tries; producers are bounded by `bounded()`.
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
  };
}

export function wrapError(what: string, label: string, error: unknown): ConnectionError {
  if (ConnectionError.isInstance(error)) return error;
  return new ConnectionError(`${what} failed on ${label}: ${(error as Error)?.message ?? error}`, { cause: error });
}

export async function closeClient(client: RedisClient, timeout: number): Promise<void> {
  if (client.status === "end" || client.status === "wait") {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const forced = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.min(timeout, 2000));
  });
  await Promise.race([client.quit().catch(() => {}), forced]);
  clearTimeout(timer);
  client.disconnect();
}
