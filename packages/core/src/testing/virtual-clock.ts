import type { Clock, ClockTimer } from "@troupe/core";

/** A timer of a `VirtualClock`. */
class VirtualTimer implements ClockTimer {
  ref = true;
  constructor(
    readonly due: number,
    readonly seq: number,
    readonly callback: () => void,
  ) {}

  unref(): this {
    this.ref = false;
    return this;
  }
}

/**
 * A clock whose time moves only when told to: `advance(ms)`, or a `TestBroker`'s
 * `drain()`, which moves it from one due timer to the next. Timers fire in due
 * order, each with `now()` at its due time; one already due (0 ms) fires on the
 * next turn of the event loop without waiting for anyone, as a real one would.
 * Only Troupe reads it: `Date.now()` and the timers of your own code stay real.
 */
export class VirtualClock implements Clock {
  private time: number;
  // Sorted by due time, then by order of setting: a handful in a test, so an array does.
  private readonly timers: VirtualTimer[] = [];
  private seq = 0;
  private soon: NodeJS.Immediate | undefined;

  /** Starts at `startTime` (ms since the epoch; default the real time now). */
  constructor(startTime: number = Date.now()) {
    this.time = startTime;
  }

  /** The virtual time, in ms since the epoch. */
  now(): number {
    return this.time;
  }

  /**
   * Calls `callback` once the clock has moved `ms` ms on: on the next turn for 0, less or NaN;
   * never for `Infinity` (where Node's own timers would fire at once).
   */
  setTimeout(callback: () => void, ms: number): ClockTimer {
    const timer = new VirtualTimer(this.time + Math.max(0, ms || 0), this.seq++, callback);
    let at = this.timers.length;
    while (at > 0 && this.timers[at - 1].due > timer.due) at--;
    this.timers.splice(at, 0, timer);
    if (timer.due <= this.time) this.fireSoon();
    return timer;
  }

  /** Cancels a timer that has not fired. */
  clearTimeout(timer: ClockTimer | undefined): void {
    if (!(timer instanceof VirtualTimer)) return;
    const at = this.timers.indexOf(timer);
    if (at !== -1) this.timers.splice(at, 1);
  }

  /**
   * Moves the time `ms` ms on, firing every timer that comes due on the way, in order.
   * Synchronous: what the fired timers start (moving a delayed message, running it)
   * happens after it returns, so await something, or use `drain()`, to see it done.
   */
  advance(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`advance needs a finite number of ms ≥ 0, got ${ms}`);
    this.advanceTo(this.time + ms);
  }

  /** Moves the time to `time` (never back), firing the timers due by then in order. */
  advanceTo(time: number): void {
    while (this.timers.length > 0 && this.timers[0].due <= time) {
      const timer = this.timers.shift() as VirtualTimer;
      if (timer.due > this.time) this.time = timer.due;
      timer.callback();
    }
    if (time > this.time) this.time = time;
  }

  /**
   * When the next timer is due, or undefined when none is set. Timers that were
   * `unref`'d (the time limit's) are left out unless `includeUnref` is set.
   */
  nextTimerAt(options: { includeUnref?: boolean } = {}): number | undefined {
    for (const timer of this.timers) {
      if (!Number.isFinite(timer.due)) break;
      if (timer.ref || options.includeUnref) return timer.due;
    }
    return undefined;
  }

  /** How many timers are set and have not fired. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  private fireSoon(): void {
    this.soon ??= setImmediate(() => {
      this.soon = undefined;
      this.advanceTo(this.time);
    });
  }
}
