/// <reference path="./lua.d.ts" />
// The reference keeps the `.lua` imports typed when another project compiles these sources through tsconfig paths.
import {
  assertKnownOptions,
  optionKeys,
  type RateLimiterBackend,
  REDIS_CONNECTION_OPTION_KEYS,
  RedisBlockingPool,
  RedisConnection,
  type RedisConnectionOptions,
} from "@troupe/core";
import type { Redis, RedisOptions } from "ioredis";
import acquireSlotScript from "./acquire-slot.lua";
import decrScript from "./decr.lua";
import incrScript from "./incr.lua";
import incrAndSumScript from "./incr-and-sum.lua";
import notifyScript from "./notify.lua";
import releaseSlotScript from "./release-slot.lua";
import { requireOptional } from "./require-optional.js";

const RedisClient = requireOptional<typeof import("ioredis").default>("ioredis", "@troupe/rate-limit/redis");

/**
 * Options of `new RedisRateLimiterBackend(options)`: how to reach Redis (`url` or
 * `client`, `redisOptions`, `connectTimeout`, as every Troupe package on Redis).
 */
export interface RedisRateLimiterBackendOptions extends RedisConnectionOptions<Redis, RedisOptions> {
  /** Idle blocking connections kept for `wait` (default 4); more are opened on demand. */
  maxIdleWaitConnections?: number;
}

const REDIS_BACKEND_OPTIONS = optionKeys<RedisRateLimiterBackendOptions>({
  ...REDIS_CONNECTION_OPTION_KEYS,
  maxIdleWaitConnections: true,
});

interface RateLimitCommands {
  troupeRateIncr(key: string, amount: number, maximum: number, ttl: number): Promise<number>;
  troupeRateDecr(key: string, amount: number, minimum: number, ttl: number): Promise<number>;
  troupeRateIncrAndSum(numberOfKeys: number, ...args: (string | number)[]): Promise<number>;
  troupeRateNotify(key: string, ttl: number): Promise<number>;
  troupeRateAcquireSlot(key: string, holders: string, holder: string, limit: number, ttl: number): Promise<number>;
  troupeRateReleaseSlot(key: string, holders: string, holder: string, ttl: number): Promise<number>;
}

/** The sorted set of a concurrent counter's holders and their deadlines, beside the counter Dramatiq reads. */
const holdersKey = (key: string): string => `${key}@holders`;

type ScriptedRedis = Redis & RateLimitCommands;

/**
 * Rate-limiter state in Redis, laid out as Dramatiq's: plain string keys holding
 * decimal counters with `PX` TTLs, and `<key>@events` lists for barrier waiters.
 * Concurrent limiters also keep `<key>@holders`, a sorted set of each holder's
 * deadline, so the slot of a holder that died is freed once its TTL passes.
 * Every operation is one command or one Lua script, so it is atomic without retries.
 */
export class RedisRateLimiterBackend implements RateLimiterBackend {
  /** The ioredis client commands go through (given, or made from the URL). */
  readonly client: Redis;
  private readonly scripted: ScriptedRedis;
  private readonly connection: RedisConnection<Redis, RedisOptions>;
  // BRPOPLPUSH blocks its connection, so each waiter borrows its own.
  private readonly pool: RedisBlockingPool<Redis, RedisOptions>;

  constructor(options: RedisRateLimiterBackendOptions = {}) {
    assertKnownOptions("RedisRateLimiterBackend", options, REDIS_BACKEND_OPTIONS);
    this.connection = new RedisConnection<Redis, RedisOptions>(RedisClient, options);
    this.client = this.connection.client;
    this.pool = new RedisBlockingPool(this.connection, options.maxIdleWaitConnections ?? 4);
    this.scripted = this.client as ScriptedRedis;
    if (!this.scripted.troupeRateIncr) {
      this.client.defineCommand("troupeRateIncr", { numberOfKeys: 1, lua: incrScript });
      this.client.defineCommand("troupeRateDecr", { numberOfKeys: 1, lua: decrScript });
      this.client.defineCommand("troupeRateIncrAndSum", { lua: incrAndSumScript });
      this.client.defineCommand("troupeRateNotify", { numberOfKeys: 1, lua: notifyScript });
      this.client.defineCommand("troupeRateAcquireSlot", { numberOfKeys: 2, lua: acquireSlotScript });
      this.client.defineCommand("troupeRateReleaseSlot", { numberOfKeys: 2, lua: releaseSlotScript });
    }
  }

  add(key: string, value: number, ttl: number): Promise<boolean> {
    return this.run("add", async () => (await this.client.set(key, value, "PX", ttl, "NX")) === "OK");
  }

  incr(key: string, amount: number, maximum: number, ttl: number): Promise<boolean> {
    return this.run("incr", async () => (await this.scripted.troupeRateIncr(key, amount, maximum, ttl)) === 1);
  }

  decr(key: string, amount: number, minimum: number, ttl: number): Promise<boolean> {
    return this.run("decr", async () => (await this.scripted.troupeRateDecr(key, amount, minimum, ttl)) === 1);
  }

  incrAndSum(key: string, keys: readonly string[], amount: number, maximum: number, ttl: number): Promise<boolean> {
    return this.run("incrAndSum", async () => {
      return (await this.scripted.troupeRateIncrAndSum(keys.length + 1, key, ...keys, amount, maximum, ttl)) === 1;
    });
  }

  acquireSlot(key: string, holder: string, limit: number, ttl: number): Promise<boolean> {
    return this.run("acquireSlot", async () => (await this.scripted.troupeRateAcquireSlot(key, holdersKey(key), holder, limit, ttl)) === 1);
  }

  releaseSlot(key: string, holder: string, ttl: number): Promise<boolean> {
    return this.run("releaseSlot", async () => (await this.scripted.troupeRateReleaseSlot(key, holdersKey(key), holder, ttl)) === 1);
  }

  async wait(key: string, timeout: number): Promise<boolean> {
    // Popping and pushing back the same list leaves the event for every other waiter.
    // Redis reads a 0 timeout as "forever", so anything shorter waits 1 ms.
    const event = await this.pool.run(`rate limiter wait on "${key}"`, timeout + this.connection.connectTimeout, (connection) =>
      connection.brpoplpush(key, key, Math.max(timeout, 1) / 1000),
    );
    return event === "x";
  }

  async notify(key: string, ttl: number): Promise<void> {
    await this.run("notify", () => this.scripted.troupeRateNotify(key, ttl));
  }

  /** Closes the blocking connections, and the client when the backend created it. */
  async close(): Promise<void> {
    this.pool.close();
    await this.connection.close();
  }

  /** Bounds `fn` by `connectTimeout`, failing with `ConnectionError` (the driver error as its cause). */
  private run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return this.connection.bounded(`rate limiter ${operation}`, fn);
  }
}
