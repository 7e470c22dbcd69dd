/**
 * How a Redis-backed component reaches Redis: a URL, the URL's pieces (`host`, `port`,
 * `db`, `username`, `password`, as Dramatiq's `RedisBroker` takes them), or a ready
 * client. Every Troupe package on Redis (the broker, the result backend, the
 * rate-limiter backend, the schedule and status stores) takes these same options. `Client` and `ClientOptions`
 * are the driver's types (ioredis's `Redis | Cluster` and `RedisOptions`), which the
 * adapter fills in; core itself never loads a Redis driver.
 */
export interface RedisConnectionOptions<Client = unknown, ClientOptions = object> {
  /**
   * `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS (default
   * `redis://127.0.0.1:6379`). Ignored when `client` is given. The password never
   * appears in logs or errors. Not together with its pieces (`host` ... `password`).
   */
  url?: string;
  /**
   * The Redis host, as redis-py's `Redis(host=...)` to which Dramatiq's `RedisBroker`
   * passes its keyword arguments: the address piece by piece instead of `url`
   * (default `127.0.0.1`). Not together with `url` or `client`.
   */
  host?: string;
  /** The Redis port (default 6379); like each piece, it may be given without the others. */
  port?: number;
  /** The database number (default 0). */
  db?: number;
  /** The ACL user name (Redis 6+; default `default`), with `password`. */
  username?: string;
  /** The password (default: none); it never appears in logs or errors. */
  password?: string;
  /**
   * A ready client (standalone, Sentinel or Cluster), used as is and left open on
   * `close()`; connections of its own (blocking reads, subscriptions) are duplicates of it.
   */
  client?: Client;
  /**
   * Extra driver options for the client made from `url` or its pieces: TLS certificates (`tls`),
   * Sentinel, socket settings. They override the defaults (see `redisClientOptions`).
   */
  redisOptions?: ClientOptions;
  /**
   * How long an operation may wait for an unreachable Redis before it fails with
   * `ConnectionError`, ms (default 10 000). Also the driver's TCP connect timeout.
   */
  connectTimeout?: number;
}

/**
 * The option names of `RedisConnectionOptions`, to spread into an adapter's own
 * `optionKeys` record so that it accepts exactly these and rejects any other:
 * `optionKeys<MyStoreOptions>({ ...REDIS_CONNECTION_OPTION_KEYS, namespace: true })`.
 */
export const REDIS_CONNECTION_OPTION_KEYS = {
  /** `RedisConnectionOptions.url`. */
  url: true,
  /** `RedisConnectionOptions.host`. */
  host: true,
  /** `RedisConnectionOptions.port`. */
  port: true,
  /** `RedisConnectionOptions.db`. */
  db: true,
  /** `RedisConnectionOptions.username`. */
  username: true,
  /** `RedisConnectionOptions.password`. */
  password: true,
  /** `RedisConnectionOptions.client`. */
  client: true,
  /** `RedisConnectionOptions.redisOptions`. */
  redisOptions: true,
  /** `RedisConnectionOptions.connectTimeout`. */
  connectTimeout: true,
} as const satisfies { readonly [K in keyof Required<RedisConnectionOptions>]: true };

/** The address used when neither `url`, its pieces nor `client` is given. */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** `connectTimeout` when none is given, ms. */
export const DEFAULT_REDIS_CONNECT_TIMEOUT = 10_000;
