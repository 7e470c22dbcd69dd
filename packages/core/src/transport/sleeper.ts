/** What may end a consumer's sleep before its timer: a wake-up (idle), free room (full), or only close (backing off). */
export type WakeOn = "signal" | "room" | "close";

/** A consumer's one sleep at a time: a timer, and who may cut it short. One promise per sleep, none per message. */
export class Sleeper {
  /** What may end the current (or last) sleep early. */
  wakeOn: WakeOn = "signal";
  private resolve: ((woken: boolean) => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** True while a sleep is under way. */
  get asleep(): boolean {
    return this.resolve !== undefined;
  }

  /** Sleeps `ms`; resolves true when `wake` ended it first. */
  sleep(ms: number, wakeOn: WakeOn): Promise<boolean> {
    this.wakeOn = wakeOn;
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(this.timeUp, ms);
    });
  }

  /** Ends the sleep under way, if any. */
  wake(woken: boolean): void {
    const resolve = this.resolve;
    if (resolve === undefined) return;
    this.resolve = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    resolve(woken);
  }

  private readonly timeUp = (): void => {
    this.timer = undefined;
    const resolve = this.resolve;
    this.resolve = undefined;
    resolve?.(false);
  };
}
