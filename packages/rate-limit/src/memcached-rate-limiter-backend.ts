import { assertKnownOptions, ConnectionError, optionKeys, type RateLimiterBackend } from "@troupe/core";
import type { Client } from "memjs";
import { MemcachedConnection, parseCounter } from "./memcached-connection.js";
import { requireOptional } from "./require-optional.js";

const memjs = requireOptional<typeof import("memjs")>("memjs", "@troupe/rate-limit/memcached");

/** pylibmc's item flag for integers: Python readers see ints, not bytes. */
export const INTEGER_FLAGS = 4;

/** Options of `new MemcachedRateLimiterBackend(options)`: servers or a ready client. */
export interface MemcachedRateLimiterBackendOptions {
  /** "host:port" or a list of them (default "127.0.0.1:11211"). Ignored when `client` is given. */
  servers?: string | readonly string[];
  /** A ready memjs client; it stays open on `close()`. */
  client?: Client;
  /** Per-operation timeout in seconds when connecting by `servers` (memjs's default 0.5). */
  timeout?: number;
}

const MEMCACHED_BACKEND_OPTIONS = optionKeys<MemcachedRateLimiterBackendOptions>({ servers: true, client: true, timeout: true });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Rate-limiter state in memcached, readable by Dramatiq's pylibmc backend: counters
 * are decimal text with item flags 4. memcached's own `incr`/`decr` keep an item's
 * TTL (they do not refresh it) and `decr` stops at 0. An `incr` that goes over its
 * maximum is undone at once, so refused acquisitions do not eat slots.
 * `wait` polls, since memcached has no blocking reads.
 */
export class MemcachedRateLimiterBackend implements RateLimiterBackend {
  /** The memjs client (given, or made from `servers`). */
  readonly client: Client;
  private readonly connection: MemcachedConnection;
  private readonly ownsClient: boolean;

  constructor(options: MemcachedRateLimiterBackendOptions = {}) {
    assertKnownOptions("MemcachedRateLimiterBackend", options, MEMCACHED_BACKEND_OPTIONS);
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
    } else {
      const servers = typeof options.servers === "string" ? options.servers : (options.servers ?? ["127.0.0.1:11211"]).join(",");
      this.client = memjs.Client.create(servers, { timeout: options.timeout, logger: { log() {} } });
      this.ownsClient = true;
    }
    this.connection = new MemcachedConnection(this.client, memjs);
  }

  add(key: string, value: number, ttl: number): Promise<boolean> {
    return this.connection.add(key, String(value), INTEGER_FLAGS, ttl);
  }

  async incr(key: string, amount: number, maximum: number, ttl: number): Promise<boolean> {
    if (amount > maximum) return false;
    const value = await this.bump(key, amount, ttl);
    if (value <= maximum) return true;
    await this.connection.decr(key, amount);
    return false;
  }

  async decr(key: string, amount: number, minimum: number, ttl: number): Promise<boolean> {
    const value = await this.connection.decr(key, amount);
    if (value === undefined) return false;
    if (value >= minimum) return true;
    // Above 0 the whole amount came off (memcached stops at 0), so it can be put back.
    if (value > 0) await this.bump(key, amount, ttl);
    return false;
  }

  async incrAndSum(key: string, keys: readonly string[], amount: number, maximum: number, ttl: number): Promise<boolean> {
    if (amount > maximum) return false;
    // Count ourselves in first, then look at the others: of two racing callers the
    // later one always sees the earlier, so the sum can never be overshot.
    const value = await this.bump(key, amount, ttl);
    let sum = value;
    if (sum <= maximum) {
      const others = await Promise.all(keys.filter((k) => k !== key).map((k) => this.connection.get(k)));
      for (const item of others) if (item) sum += parseCounter(item.value);
    }
    if (sum <= maximum) return true;
    await this.connection.decr(key, amount);
    return false;
  }

  async wait(key: string, timeout: number): Promise<boolean> {
    const deadline = Date.now() + timeout;
    let pause = 10;
    for (;;) {
      if (await this.connection.get(key)) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await sleep(Math.min(pause, left));
      pause = Math.min(pause * 2, 250);
    }
  }

  notify(key: string, ttl: number): Promise<void> {
    return this.connection.set(key, "x", 0, ttl);
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.close();
  }

  /** Adds `amount` to a counter, creating it (with integer flags and `ttl`) when absent; the new value. */
  private async bump(key: string, amount: number, ttl: number): Promise<number> {
    // A second round only happens when another caller created the key between our incr and add.
    for (let attempt = 0; attempt < 5; attempt++) {
      const value = await this.connection.incr(key, amount);
      if (value !== undefined) return value;
      if (await this.connection.add(key, String(amount), INTEGER_FLAGS, ttl)) return amount;
    }
    throw new ConnectionError(`memcached would neither increment nor create "${key}"`);
  }
}
