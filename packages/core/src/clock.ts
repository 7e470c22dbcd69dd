/** A timer set on a `Clock`; cancel it with the same clock's `clearTimeout`. */
export interface ClockTimer {
  /**
   * Lets the timer not keep things going: a real one no longer holds the process open,
   * and a virtual one (`@troupe/core/testing`) is not a reason for `drain()` to move time.
   */
  unref(): unknown;
}

/**
 * Where Troupe reads time: the broker, its workers and its middleware ask
 * `broker.clock` for the time and for the timers that follow it (delays, retries'
 * backoff, time and age limits, the worker's pauses before giving a message back).
 * The real clock is the default; a `TestBroker` (`@troupe/core/testing`) has a
 * virtual one that tests move forward.
 */
export interface Clock {
  /** The time, in ms since the epoch. */
  now(): number;
  /** Calls `callback` once `ms` ms of this clock's time have passed. */
  setTimeout(callback: () => void, ms: number): ClockTimer;
  /** Cancels a timer of this clock (nothing happens for `undefined` or a timer that already ran). */
  clearTimeout(timer: ClockTimer | undefined): void;
}

/** The real clock: `Date.now()` and Node's timers. Every broker uses it unless it is a `TestBroker`. */
export const realClock: Clock = {
  // Looked up at each call, as before clocks existed, so that fake timers (vi.useFakeTimers) still apply.
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout | undefined),
};
