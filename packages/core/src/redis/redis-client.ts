/**
 * The socket under a Redis client, as far as `RedisConnection` needs it: to drop one
 * on which commands stopped being answered.
 */
export interface RedisSocketLike {
  /** Whether the socket is already destroyed. */
  readonly destroyed: boolean;
  /** Destroys the socket; the client then reconnects. */
  destroy(): void;
}

/**
 * What `RedisConnection` uses of a Redis client, written structurally so that core
 * needs no Redis driver: ioredis's `Redis` and `Cluster` both satisfy it.
 */
export interface RedisClientLike {
  /** `"wait"` (lazy, not connected yet), `"connecting"`, `"connect"`, `"ready"`, `"reconnecting"`, `"close"` or `"end"`. */
  readonly status: string;
  /** The socket in use (a standalone client only). */
  readonly stream?: RedisSocketLike;
  /** Adds an event listener (`"ready"`, `"error"`, `"close"`, `"end"`, ...). */
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Removes an event listener. */
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Connects a lazy client. */
  connect(): Promise<unknown>;
  /** Closes the connection after the replies to the commands sent. */
  quit(): Promise<unknown>;
  /** Closes the connection at once. */
  disconnect(): void;
  /** A new client with the same settings (plus `overrides`) and a connection of its own. */
  duplicate(overrides?: object): RedisClientLike;
}

/**
 * The driver's client class, which the adapter passes in (ioredis's `Redis`), so the
 * adapter, not core, depends on the driver: `new RedisConnection(Redis, options)`.
 */
export type RedisClientClass<Client, ClientOptions> = new (url: string, options: ClientOptions) => Client;
