import {
  assertKnownOptions,
  type Message,
  optionKeys,
  REDIS_CONNECTION_OPTION_KEYS,
  RedisBlockingPool,
  RedisConnection,
  type RedisConnectionOptions,
  ResultBackend,
  resultKey,
} from "@troupe/core";
import { type Cluster, Redis, type RedisOptions } from "ioredis";

/** An ioredis client or cluster. */
export type RedisClient = Redis | Cluster;

/**
 * Options of `new RedisResultBackend(options)`: how to reach Redis (`url` or `client`,
 * `redisOptions`, `connectTimeout`, as every Troupe package on Redis), and the layout.
 */
export interface RedisResultBackendOptions extends RedisConnectionOptions<RedisClient, RedisOptions> {
  /** Prefix hashed into every key, as Dramatiq's `namespace` (default `"dramatiq-results"`). */
  namespace?: string;
  /** Idle blocking connections kept for reuse (default 8). */
  maxIdleBlockingConnections?: number;
}

const REDIS_RESULT_BACKEND_OPTIONS = optionKeys<RedisResultBackendOptions>({
  ...REDIS_CONNECTION_OPTION_KEYS,
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
  private readonly connection: RedisConnection<RedisClient, RedisOptions>;
  private readonly pool: RedisBlockingPool<RedisClient, RedisOptions>;

  constructor(options: RedisResultBackendOptions = {}) {
    super();
    assertKnownOptions("RedisResultBackend", options, REDIS_RESULT_BACKEND_OPTIONS);
    this.connection = new RedisConnection<RedisClient, RedisOptions>(Redis, options);
    this.client = this.connection.client;
    this.connectTimeout = this.connection.connectTimeout;
    this.namespace = options.namespace ?? "dramatiq-results";
    this.pool = new RedisBlockingPool(this.connection, options.maxIdleBlockingConnections ?? 8);
  }

  protected override keyFor(message: Message<readonly unknown[], unknown>): string {
    return resultKey(message, this.namespace);
  }

  protected async read(key: string): Promise<string | undefined> {
    const value = await this.connection.bounded("reading a result", () => this.client.lindex(key, 0));
    return value ?? undefined;
  }

  protected async write(key: string, value: string, ttl: number): Promise<void> {
    await this.connection.bounded("storing a result", () =>
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
    // Redis 6+ takes a fractional timeout in seconds; 0 would block forever.
    const seconds = Math.max(timeout, 1) / 1000;
    const value = await this.pool.run("waiting for a result", timeout + this.connectTimeout, (connection) =>
      connection.brpoplpush(key, key, seconds),
    );
    return value ?? undefined;
  }

  /** Closes the blocking connections, and the client when the backend created it. */
  async close(): Promise<void> {
    this.pool.close();
    await this.connection.close();
  }
}
