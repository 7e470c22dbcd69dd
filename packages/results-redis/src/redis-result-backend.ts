import { assertKnownOptions, ConnectionError, type Message, optionKeys, ResultBackend, redactUrl, resultKey } from "@troupe/core";
import { type Cluster, Redis } from "ioredis";
import { BlockingPool } from "./blocking-pool.js";

export type RedisClient = Redis | Cluster;

/** Options of `new RedisResultBackend(options)`: a URL or a ready client. */
export interface RedisResultBackendOptions {
  /** `redis://[:password@]host[:port][/db]` or `rediss://` (default `redis://127.0.0.1:6379`). */
  url?: string;
  /** A ready ioredis client; blocking reads use duplicates of it. It is left open on close. */
  client?: RedisClient;
  /** How long an operation may wait for an unreachable Redis before `ConnectionError`, ms (default 10 000). */
  connectTimeout?: number;
  /** Prefix hashed into every key, as Dramatiq's `namespace` (default `"dramatiq-results"`). */
  namespace?: string;
  /** Idle blocking connections kept for reuse (default 8). */
  maxIdleBlockingConnections?: number;
}

const REDIS_RESULT_BACKEND_OPTIONS = optionKeys<RedisResultBackendOptions>({
  url: true,
  client: true,
  connectTimeout: true,
  namespace: true,
  maxIdleBlockingConnections: true,
});

/**
 * Stores results as Dramatiq's RedisBackend does (docs/protocol.md §6): a one-element
 * LIST under the md5 key, with a PTTL. Blocking reads use BRPOPLPUSH on the key
 * itself, which leaves the value for other readers, each on its own connection.
 */
export class RedisResultBackend extends ResultBackend {
  /** The ioredis client for reads and writes (blocking reads use duplicates of it). */
  readonly client: RedisClient;
  /** How long an operation waits for an unreachable Redis, ms. */
  readonly connectTimeout: number;
  /** The prefix hashed into every key. */
  readonly namespace: string;
  private readonly owned: boolean;
  private readonly label: string;
  private readonly pool: BlockingPool;

  constructor(options: RedisResultBackendOptions = {}) {
    super();
    assertKnownOptions("RedisResultBackend", options, REDIS_RESULT_BACKEND_OPTIONS);
    this.connectTimeout = options.connectTimeout ?? 10_000;
    this.namespace = options.namespace ?? "dramatiq-results";
    if (options.client) {
      this.client = options.client;
      this.owned = false;
      this.label = "Redis";
    } else {
      const url = options.url ?? "redis://127.0.0.1:6379";
      this.client = new Redis(url, {
        lazyConnect: true,
        connectTimeout: this.connectTimeout,
        maxRetriesPerRequest: null,
        enableAutoPipelining: true,
        retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
      });
      this.owned = true;
      this.label = `Redis at ${redactUrl(url)}`;
    }
    this.client.on("error", () => {});
    this.pool = new BlockingPool(this.client, options.maxIdleBlockingConnections ?? 8);
  }

  protected override keyFor(message: Message<readonly unknown[], unknown>): string {
    return resultKey(message, this.namespace);
  }

  protected async read(key: string): Promise<string | undefined> {
    const value = await this.bounded("reading a result", this.connectTimeout, () => this.client.lindex(key, 0));
    return value ?? undefined;
  }

  protected async write(key: string, value: string, ttl: number): Promise<void> {
    await this.bounded("storing a result", this.connectTimeout, () =>
      this.client
        .multi()
        .del(key)
        .lpush(key, value)
        .pexpire(key, Math.max(1, Math.round(ttl)))
        .exec(),
    );
  }

  protected override async waitFor(key: string, timeout: number): Promise<string | undefined> {
    if (timeout <= 0) return this.read(key);
    const connection = this.pool.acquire();
    let healthy = false;
    try {
      // Redis 6+ takes a fractional timeout in seconds; 0 would block forever.
      const seconds = Math.max(timeout, 1) / 1000;
      const value = await this.bounded("waiting for a result", timeout + this.connectTimeout, () =>
        connection.brpoplpush(key, key, seconds),
      );
      healthy = true;
      return value ?? undefined;
    } finally {
      this.pool.release(connection, healthy);
    }
  }

  /** Closes the blocking connections, and the client when the backend created it. */
  async close(): Promise<void> {
    await this.pool.close();
    if (!this.owned) return;
    // QUIT would wait for a connection that may never come back.
    if (this.client.status !== "ready") {
      this.client.disconnect();
      return;
    }
    await this.bounded("closing", this.connectTimeout, () => this.client.quit()).catch(() => {});
    this.client.disconnect();
  }

  /** Fails with `ConnectionError` instead of hanging when Redis is unreachable. */
  private async bounded<T>(what: string, limit: number, run: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ConnectionError(`${what} got no answer from ${this.label} within ${limit} ms`)), limit);
    });
    try {
      return await Promise.race([run(), expired]);
    } catch (error) {
      if (ConnectionError.isInstance(error)) throw error;
      throw new ConnectionError(`${what} failed on ${this.label}: ${(error as Error)?.message ?? error}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}
