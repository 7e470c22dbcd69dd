import { randomUUID } from "node:crypto";
import { assertKnownOptions, optionKeys, type RateLimiterBackend } from "@troupe/core";
import { RateLimiter } from "./rate-limiter.js";

/** Options of `new ConcurrentRateLimiter(backend, key, options)`. */
export interface ConcurrentRateLimiterOptions {
  /** Holders at once (default 1: a distributed mutex). */
  limit?: number;
  /**
   * How long one holder may keep its slot (ms, default 900 000): the slot of a holder that
   * died without releasing comes back within it, even while others keep the limiter busy
   * (on backends with `acquireSlot`: memory, Redis; on memcached only once the counter
   * expires). Make it longer than the longest hold. Also the counter's TTL, as in Dramatiq.
   */
  ttl?: number;
}

const CONCURRENT_OPTIONS = optionKeys<ConcurrentRateLimiterOptions>({ limit: true, ttl: true });

/** Allows at most `limit` holders at once across every process sharing the backend. */
export class ConcurrentRateLimiter extends RateLimiter {
  /** Holders at once. */
  readonly limit: number;
  /** How long one holder may keep its slot, and the counter's TTL, ms. */
  readonly ttl: number;
  // This instance's acquisitions, oldest first: `release()` gives back the oldest, whose deadline is nearest.
  private readonly held: string[] = [];

  constructor(backend: RateLimiterBackend, key: string, options: ConcurrentRateLimiterOptions = {}) {
    super(backend, key);
    assertKnownOptions("ConcurrentRateLimiter", options, CONCURRENT_OPTIONS);
    this.limit = options.limit ?? 1;
    this.ttl = options.ttl ?? 900_000;
    if (!(this.limit >= 1)) throw new RangeError("limit must be at least 1");
    if (!(this.ttl > 0)) throw new RangeError("ttl must be positive");
  }

  async tryAcquire(): Promise<boolean> {
    if (!this.backend.acquireSlot) {
      // Dramatiq tries `add` before `incr` because its memcached `incr` fails on a
      // missing key; ours count a missing key from zero, so one round trip does.
      return this.backend.incr(this.key, 1, this.limit, this.ttl);
    }
    const holder = randomUUID();
    if (!(await this.backend.acquireSlot(this.key, holder, this.limit, this.ttl))) return false;
    this.held.push(holder);
    return true;
  }

  override async release(): Promise<void> {
    if (!this.backend.releaseSlot) {
      await this.backend.decr(this.key, 1, 0, this.ttl);
      return;
    }
    const holder = this.held.shift();
    // A holder past its TTL was freed already (its slot went to someone else): nothing to give back.
    if (holder !== undefined) await this.backend.releaseSlot(this.key, holder, this.ttl);
  }
}
