import { type Clock, realClock } from "../clock.js";
import { assertKnownOptions, optionKeys } from "../option-keys.js";
import type { RateLimiterBackend } from "./rate-limiter-backend.js";

interface Entry {
  value: number;
  expiresAt: number;
}

/** Options of `new MemoryRateLimiterBackend(options)`. */
export interface MemoryRateLimiterBackendOptions {
  /**
   * The clock its TTLs and waits follow, and the limiters on it compute windows and buckets
   * on (default the real one); pass `broker.clock` of a `TestBroker` for virtual time.
   */
  clock?: Clock;
}

const MEMORY_RATE_LIMITER_BACKEND_OPTIONS = optionKeys<MemoryRateLimiterBackendOptions>({ clock: true });

/** Rate-limiter state in this process's memory: for tests and single-process apps. */
export class MemoryRateLimiterBackend implements RateLimiterBackend {
  /** The clock its TTLs and waits follow. */
  readonly clock: Clock;
  private readonly entries = new Map<string, Entry>();
  private readonly waiters = new Map<string, Set<() => void>>();
  // Per counter key: each holder's deadline (ms), as the Redis backend keeps them beside the counter.
  private readonly holders = new Map<string, Map<string, number>>();

  constructor(options: MemoryRateLimiterBackendOptions = {}) {
    assertKnownOptions("MemoryRateLimiterBackend", options, MEMORY_RATE_LIMITER_BACKEND_OPTIONS);
    this.clock = options.clock ?? realClock;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private put(key: string, value: number, ttl: number): void {
    this.entries.set(key, { value, expiresAt: this.clock.now() + ttl });
  }

  async add(key: string, value: number, ttl: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.put(key, value, ttl);
    return true;
  }

  async incr(key: string, amount: number, maximum: number, ttl: number): Promise<boolean> {
    const value = (this.live(key)?.value ?? 0) + amount;
    if (value > maximum) return false;
    this.put(key, value, ttl);
    return true;
  }

  async decr(key: string, amount: number, minimum: number, ttl: number): Promise<boolean> {
    const value = (this.live(key)?.value ?? 0) - amount;
    if (value < minimum) return false;
    this.put(key, value, ttl);
    return true;
  }

  async incrAndSum(key: string, keys: readonly string[], amount: number, maximum: number, ttl: number): Promise<boolean> {
    let sum = amount;
    for (const k of keys) sum += this.live(k)?.value ?? 0;
    if (sum > maximum) return false;
    this.put(key, (this.live(key)?.value ?? 0) + amount, ttl);
    return true;
  }

  async acquireSlot(key: string, holder: string, limit: number, ttl: number): Promise<boolean> {
    const now = this.clock.now();
    const deadlines = this.holders.get(key) ?? new Map<string, number>();
    let count = this.live(key)?.value ?? 0;
    for (const [id, deadline] of deadlines) {
      if (deadline > now) continue;
      deadlines.delete(id);
      count = Math.max(count - 1, 0);
    }
    if (count + 1 > limit) {
      const entry = this.live(key);
      if (entry) entry.value = count;
      return false;
    }
    this.put(key, count + 1, ttl);
    deadlines.set(holder, now + ttl);
    this.holders.set(key, deadlines);
    return true;
  }

  async releaseSlot(key: string, holder: string, ttl: number): Promise<boolean> {
    const deadlines = this.holders.get(key);
    if (!deadlines?.delete(holder)) return false;
    if (deadlines.size === 0) this.holders.delete(key);
    const count = this.live(key)?.value ?? 0;
    if (count > 0) this.put(key, count - 1, ttl);
    return true;
  }

  async wait(key: string, timeout: number): Promise<boolean> {
    const events = this.live(key);
    if (events && events.value > 0) return true;
    return new Promise((resolve) => {
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      const waiting = set;
      const wake = () => {
        this.clock.clearTimeout(timer);
        resolve(true);
      };
      const timer = this.clock.setTimeout(() => {
        waiting.delete(wake);
        resolve(false);
      }, timeout);
      waiting.add(wake);
    });
  }

  async notify(key: string, ttl: number): Promise<void> {
    this.put(key, (this.live(key)?.value ?? 0) + 1, ttl);
    const waiting = this.waiters.get(key);
    this.waiters.delete(key);
    for (const wake of waiting ?? []) wake();
  }
}
