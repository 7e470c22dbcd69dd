import { RateLimitExceeded, type RateLimiterBackend } from "@troupe/core";

export interface AcquireOptions {
  /** Throw `RateLimitExceeded` when no slot is free (default); otherwise resolve to undefined without running `fn`. */
  raiseOnFailure?: boolean;
}

/**
 * The shared shape of every limiter: `acquire(fn)` runs `fn` holding a slot, and
 * `tryAcquire()` / `release()` do the same by hand for code that cannot use a callback.
 */
export abstract class RateLimiter {
  constructor(
    readonly backend: RateLimiterBackend,
    readonly key: string,
  ) {
    if (!key) throw new RangeError("a rate limiter needs a non-empty key");
  }

  /** Takes a slot if one is free; true when taken. Pair a true result with `release()`. */
  abstract tryAcquire(): Promise<boolean>;

  /** Gives back a slot taken by `tryAcquire()`; a no-op for limiters that count time, not holders. */
  async release(): Promise<void> {}

  acquire<T>(fn: () => T | Promise<T>, options: { raiseOnFailure: false }): Promise<T | undefined>;
  acquire<T>(fn: () => T | Promise<T>, options?: AcquireOptions): Promise<T>;
  async acquire<T>(fn: () => T | Promise<T>, options: AcquireOptions = {}): Promise<T | undefined> {
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
