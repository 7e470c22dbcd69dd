import { assertKnownOptions, optionKeys, RateLimitExceeded, type RateLimiterBackend } from "@troupe/core";

/** Options of `RateLimiter.acquire`. */
export interface AcquireOptions {
  /** Throw `RateLimitExceeded` when no slot is free (default); otherwise resolve to undefined without running `fn`. */
  raiseOnFailure?: boolean;
}

const ACQUIRE_OPTIONS = optionKeys<AcquireOptions>({ raiseOnFailure: true });

/**
 * The shared shape of every limiter: `acquire(fn)` runs `fn` holding a slot, and
 * `tryAcquire()` / `release()` do the same by hand for code that cannot use a callback.
 */
export abstract class RateLimiter {
  constructor(
    /** Where the counters live; share it between processes to share the limit. */
    readonly backend: RateLimiterBackend,
    /** The limit's name: the raw backend key, or the prefix of its counter keys. */
    readonly key: string,
  ) {
    if (!key) throw new RangeError("a rate limiter needs a non-empty key");
  }

  /** Takes a slot if one is free; true when taken. Pair a true result with `release()`. */
  abstract tryAcquire(): Promise<boolean>;

  /** Gives back a slot taken by `tryAcquire()`; a no-op for limiters that count time, not holders. */
  async release(): Promise<void> {}

  /** Runs `fn` holding a slot and resolves with its result; without a free slot, resolves to undefined. */
  acquire<T>(fn: () => T | Promise<T>, options: { raiseOnFailure: false }): Promise<T | undefined>;
  /** Runs `fn` holding a slot and resolves with its result; without a free slot, rejects with `RateLimitExceeded`. */
  acquire<T>(fn: () => T | Promise<T>, options?: AcquireOptions): Promise<T>;
  async acquire<T>(fn: () => T | Promise<T>, options: AcquireOptions = {}): Promise<T | undefined> {
    assertKnownOptions("RateLimiter.acquire", options, ACQUIRE_OPTIONS);
    if (!(await this.tryAcquire())) {
      if (options.raiseOnFailure ?? true) throw new RateLimitExceeded(`rate limit exceeded for key "${this.key}"`);
      return undefined;
    }
    try {
      return await fn();
    } finally {
      await this.release();
    }
  }
}
