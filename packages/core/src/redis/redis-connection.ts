import { ConnectionError, InvalidOption } from "../errors.js";
import type { Logger } from "../logger.js";
import { closeRedisClient } from "./close-redis-client.js";
import { redisAddress } from "./redis-address.js";
import type { RedisClientClass, RedisClientLike, RedisSocketLike } from "./redis-client.js";
import { redisClientOptions } from "./redis-client-options.js";
import { redisConnectionFailure } from "./redis-connection-failure.js";
import { DEFAULT_REDIS_CONNECT_TIMEOUT, type RedisConnectionOptions } from "./redis-connection-options.js";

const MAX_TIMER = 2 ** 31 - 1;

/** How a `RedisConnection` reports and names itself, beside the user's options. */
export interface RedisConnectionSettings {
  /** Where an outage is logged once when it starts and once when it ends (default: nowhere). */
  logger?: Logger;
  /** What logs and errors call the connection (default `Redis at <url, password hidden>`, or `Redis` for a given client). */
  name?: string;
  /** Whether `options.client` is handed over: closed with the connection, and dropped when it stalls (default false). */
  ownsClient?: boolean;
}

/**
 * One Redis client and what every Troupe package needs around it: made from `url` or
 * its pieces (`host`, `port`, `db`, `username`, `password`) with the same driver
 * options everywhere (`redisClientOptions`), or taken from `client`;
 * waiting for it to be ready within `connectTimeout`, failing with `ConnectionError`
 * that names the URL with its password hidden; logging an outage once when it starts
 * and once when it ends, and telling `onReconnect` listeners; dropping a connection of
 * its own that stopped answering (TCP alone notices only after minutes); and closing
 * only a client it made.
 *
 * Core depends on no Redis driver: the adapter passes the driver's class in, and its
 * types flow through `Client` and `ClientOptions`:
 * `new RedisConnection<Redis | Cluster, RedisOptions>(Redis, options, { logger })`.
 */
export class RedisConnection<Client extends RedisClientLike = RedisClientLike, ClientOptions extends object = object> {
  /** The client commands go through. */
  readonly client: Client;
  /** Whether the client is this connection's (made from `url`, a duplicate, or handed over), so `close()` closes it. */
  readonly owned: boolean;
  /** How long an operation waits for an unreachable Redis, ms. */
  readonly connectTimeout: number;
  private readonly driver: RedisClientClass<Client, ClientOptions>;
  private readonly logger: Logger | undefined;
  private readonly label: string;
  private down = false;
  private ended = false;
  /** The driver's latest error, the `cause` of a failure to connect. */
  private lastError: unknown;
  private readonly reconnectListeners = new Set<() => void>();
  /** Callers of `whenReady` (one set of listeners serves them all, however many wait). */
  private readonly readyWaiters = new Set<(error?: Error) => void>();
  private readonly listeners: [string, (...args: unknown[]) => void][] = [];

  /**
   * @param driver - The driver's client class (ioredis's `Redis`), used to make a client from `url`.
   * @param options - `url`, its pieces (`host`, `port`, `db`, `username`, `password`) or `client`, `redisOptions`,
   *   `connectTimeout`; other keys are ignored (the adapter checks them).
   * @throws InvalidOption when `connectTimeout` is not a positive number of ms (at most 2^31 - 1), `url` not a string,
   *   a piece malformed, or given with `url` or `client`.
   */
  constructor(
    driver: RedisClientClass<Client, ClientOptions>,
    options: RedisConnectionOptions<Client, ClientOptions> = {},
    settings: RedisConnectionSettings = {},
  ) {
    const connectTimeout = options.connectTimeout ?? DEFAULT_REDIS_CONNECT_TIMEOUT;
    // Timers take at most 2^31 - 1 ms; a longer (or infinite) one would fire at once.
    if (typeof connectTimeout !== "number" || !(connectTimeout > 0 && connectTimeout <= MAX_TIMER)) {
      throw new InvalidOption(`connectTimeout must be a positive number of ms up to ${MAX_TIMER}, got ${String(connectTimeout)}`);
    }
    if (options.url !== undefined && typeof options.url !== "string") throw new InvalidOption("url must be a string");
    const address = redisAddress(options);
    this.driver = driver;
    this.logger = settings.logger;
    this.connectTimeout = connectTimeout;
    if (options.client) {
      this.client = options.client;
      this.owned = settings.ownsClient ?? false;
      this.label = settings.name ?? "Redis";
    } else {
      // The defaults are ioredis options; `ClientOptions` is ioredis's type, which core cannot name.
      const driverOptions = { ...redisClientOptions(connectTimeout), ...options.redisOptions, ...address.driverOptions };
      this.client = new driver(address.url, driverOptions as ClientOptions);
      this.owned = true;
      this.label = settings.name ?? `Redis at ${address.display}`;
    }
    this.listen("error", (error: unknown) => {
      this.lastError = error;
      this.markDown(error);
    });
    this.listen("close", () => this.markDown(undefined));
    this.listen("ready", () => {
      this.markUp();
      this.settleWaiters();
    });
    this.listen("end", () => this.settleWaiters(this.closedError("was closed")));
  }

  /** What logs and errors call this connection: `Redis at redis://host:port` (no password). */
  get name(): string {
    return this.label;
  }

  /** Whether the client is connected and ready for commands. */
  get ready(): boolean {
    return this.client.status === "ready";
  }

  /** The socket now in use, for `dropStalled`. */
  get stream(): RedisSocketLike | undefined {
    return this.client.stream;
  }

  /**
   * A new client with the same settings (URL, TLS, Sentinel, options) plus `overrides`,
   * on a socket of its own, for the caller to close: for blocking commands and
   * subscriptions, which hold their connection.
   */
  duplicateClient(overrides?: Partial<ClientOptions>): Client {
    // A duplicate is of the same class as its source: `Client` is that class's type.
    return (overrides ? this.client.duplicate(overrides) : this.client.duplicate()) as Client;
  }

  /** A second connection of its own with the same settings plus `overrides`, named `<name> (<purpose>)` in logs. */
  duplicate(overrides: Partial<ClientOptions>, purpose: string): RedisConnection<Client, ClientOptions> {
    return new RedisConnection<Client, ClientOptions>(
      this.driver,
      { client: this.duplicateClient(overrides), connectTimeout: this.connectTimeout },
      { logger: this.logger, name: `${this.label} (${purpose})`, ownsClient: true },
    );
  }

  /** Calls `listener` each time the connection comes back after an outage; returns its removal. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /**
   * Returns `reply`; if it has not come within `connectTimeout` and the client is
   * ours, the connection is presumed dead and dropped, so that the driver reconnects
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

  /**
   * Drops `stream`, on which a command went unanswered, unless it was replaced
   * meanwhile or the client is not ours; the driver then reconnects.
   */
  dropStalled(stream: RedisSocketLike | undefined, why = `a command got no answer within ${this.connectTimeout} ms`): void {
    if (!this.owned || this.ended || !stream || stream.destroyed || stream !== this.stream) return;
    this.logger?.warn(`${why} from ${this.label}: presuming the connection dead and reconnecting`);
    stream.destroy();
  }

  /**
   * Resolves once the client is ready (connecting a lazy one); rejects with
   * `ConnectionError` after `connectTimeout`, or when the client has ended.
   */
  async whenReady(): Promise<void> {
    if (this.client.status === "ready") return;
    if (this.ended) throw this.closedError("is closed");
    if (this.client.status === "end") throw this.closedError("has ended");
    if (this.client.status === "wait") this.client.connect().catch(() => {});
    await new Promise<void>((resolve, reject) => {
      const waiter = (error?: Error) => {
        clearTimeout(timer);
        this.readyWaiters.delete(waiter);
        error ? reject(error) : resolve();
      };
      const timer = setTimeout(() => {
        // Connected but the handshake is unanswered: the driver would wait on it forever.
        if (this.client.status === "connect") this.dropStalled(this.stream, "the handshake got no answer");
        waiter(new ConnectionError(`could not reach ${this.label} within ${this.connectTimeout} ms${this.reason()}`, this.causeOption()));
      }, this.connectTimeout);
      this.readyWaiters.add(waiter);
    });
  }

  /**
   * Runs a command for a caller that must not hang: waits for readiness (at most
   * `connectTimeout`), then bounds the command by `limit` ms (default `connectTimeout`;
   * a blocking read passes its own wait plus that), and wraps any failure in
   * `ConnectionError` naming `what` and the connection.
   */
  async bounded<T>(what: string, run: () => Promise<T>, limit = this.connectTimeout): Promise<T> {
    if (this.client.status !== "ready") {
      try {
        await this.whenReady();
      } catch (error) {
        throw new ConnectionError(`${what} failed: ${(error as Error).message}`, { cause: error });
      }
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ConnectionError(`${what} got no answer from ${this.label} within ${limit} ms`)), limit);
      });
      return await Promise.race([run(), expired]);
    } catch (error) {
      throw redisConnectionFailure(what, this.label, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes a client of its own (politely, then by force); a given one is left open. */
  async close(): Promise<void> {
    this.stopListening();
    if (this.owned) await closeRedisClient(this.client, this.connectTimeout);
  }

  /** Drops the connection at once, as a killed process would. */
  kill(): void {
    this.stopListening();
    this.client.disconnect();
  }

  private stopListening(): void {
    this.ended = true;
    this.settleWaiters(this.closedError("is closed"));
    for (const [event, listener] of this.listeners) this.client.off(event, listener);
    // A client of ours that is being discarded may still report errors while it closes: they no longer matter.
    if (this.owned) this.client.on("error", () => {});
  }

  private settleWaiters(error?: Error): void {
    for (const waiter of [...this.readyWaiters]) waiter(error);
  }

  private closedError(state: string): ConnectionError {
    return new ConnectionError(`the connection to ${this.label} ${state}${this.reason()}`, this.causeOption());
  }

  /** `: <the driver's latest error>`, or nothing. */
  private reason(): string {
    return this.lastError instanceof Error ? `: ${this.lastError.message}` : "";
  }

  private causeOption(): { cause?: unknown } | undefined {
    return this.lastError === undefined ? undefined : { cause: this.lastError };
  }

  private listen(event: string, listener: (...args: unknown[]) => void): void {
    this.client.on(event, listener);
    this.listeners.push([event, listener]);
  }

  private markDown(error: unknown): void {
    if (this.ended || this.down || this.client.status === "wait") return;
    this.down = true;
    const reason = error instanceof Error ? `: ${error.message}` : "";
    this.logger?.warn(`lost the connection to ${this.label}${reason}; reconnecting`);
  }

  private markUp(): void {
    this.lastError = undefined;
    if (!this.down) return;
    this.down = false;
    this.logger?.info(`reconnected to ${this.label}`);
    for (const listener of this.reconnectListeners) listener();
  }
}
