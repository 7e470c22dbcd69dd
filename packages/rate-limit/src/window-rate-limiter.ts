import { assertKnownOptions, optionKeys, type RateLimiterBackend } from "@troupe/core";
import { RateLimiter } from "./rate-limiter.js";

/** Options of `new WindowRateLimiter(backend, key, options)`. */
export interface WindowRateLimiterOptions {
  /** Acquisitions within any window. */
  limit: number;
  /** Window length (ms), a multiple of 1000: counters are kept per second. */
  window: number;
}

const WINDOW_OPTIONS = optionKeys<WindowRateLimiterOptions>({ limit: true, window: true });

/**
 * Allows `limit` acquisitions within a sliding window of whole seconds. Each
 * second has its counter `<key>@<unix second>`, as Dramatiq's; an acquisition
 * sums the window's counters and adds to the current one.
 */
export class WindowRateLimiter extends RateLimiter {
  /** Acquisitions within any window. */
  readonly limit: number;
  /** Window length, ms. */
  readonly window: number;
  private readonly seconds: number;

  constructor(backend: RateLimiterBackend, key: string, options: WindowRateLimiterOptions) {
    super(backend, key);
    assertKnownOptions("WindowRateLimiter", options, WINDOW_OPTIONS);
    this.limit = options.limit;
    this.window = options.window;
    if (!(this.limit >= 1)) throw new RangeError("limit must be at least 1");
    if (!(this.window >= 1000) || this.window % 1000 !== 0) throw new RangeError("window must be a positive multiple of 1000 ms");
    this.seconds = this.window / 1000;
  }

  /** The counter keys of the window ending at `now`, the current second first. */
  keysAt(now: number): string[] {
    const second = Math.floor(now / 1000);
    return Array.from({ length: this.seconds }, (_, i) => `${this.key}@${second - i}`);
  }

  tryAcquire(): Promise<boolean> {
    const keys = this.keysAt(this.backend.clock?.now() ?? Date.now());
    return this.backend.incrAndSum(keys[0], keys, 1, this.limit, this.window);
  }
}
