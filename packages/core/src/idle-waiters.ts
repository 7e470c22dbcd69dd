import { WorkerJoinTimeout } from "./errors.js";

interface Waiter {
  readonly horizon: number;
  resolve: () => void;
}

/**
 * The callers of `Worker.join`: each waits until the worker is idle up to its horizon (nothing
 * buffered or running, no held delayed message due by then), as `idleUntil` tells.
 */
export class IdleWaiters {
  private waiters: Waiter[] = [];

  constructor(private readonly idleUntil: (horizon: number) => boolean) {}

  /** True while someone waits. */
  get waiting(): boolean {
    return this.waiters.length > 0;
  }

  /** Resolves once the worker is idle up to `horizon`; rejects with `WorkerJoinTimeout` after `timeout` ms of real time. */
  wait(horizon: number, timeout: number | undefined): Promise<void> {
    if (this.idleUntil(horizon)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { horizon, resolve };
      this.waiters.push(waiter);
      if (timeout === undefined) return;
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new WorkerJoinTimeout(timeout));
      }, timeout);
      waiter.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** True once the worker is idle up to `horizon` within `timeout` ms of real time, false if it is not by then. */
  async within(horizon: number, timeout: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeout);
    });
    const idle = await Promise.race([this.wait(horizon, undefined).then(() => true as const), expired]);
    clearTimeout(timer);
    return idle;
  }

  /** Resolves the waiters the worker is idle for now. */
  readonly wake = (): void => {
    const waiting: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (this.idleUntil(waiter.horizon)) waiter.resolve();
      else waiting.push(waiter);
    }
    this.waiters = waiting;
  };
}
