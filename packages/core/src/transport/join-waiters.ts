import { ConnectionError, QueueJoinTimeout } from "../errors.js";

/** How often waiters look again when nothing settled here (another process may be consuming), ms. */
const POLL = 25;

interface Waiter {
  readonly queueName: string;
  readonly failFast: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The callers of `TransportBroker.join`: they look at their queue's counts when
 * something settled in this process (at most once per event-loop turn) and every
 * 25 ms otherwise, and resolve once it is drained. A failFast waiter rejects with
 * the error of the first of its queue's messages dead-lettered here.
 */
export class JoinWaiters {
  private readonly waiters = new Set<Waiter>();
  private scheduled = false;
  private looking = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  /** `drained(queue)` reads whether a canonical queue holds nothing waiting, delayed or unsettled. */
  constructor(private readonly drained: (queueName: string) => Promise<boolean>) {}

  /** Resolves once `queueName` (canonical) is drained; rejects after `timeout` real ms with `QueueJoinTimeout`. */
  wait(queueName: string, timeout: number | undefined, failFast: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        queueName,
        failFast,
        resolve: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          reject(error);
        },
      };
      if (timeout !== undefined) timer = setTimeout(() => waiter.reject(new QueueJoinTimeout(queueName, timeout)), timeout);
      this.waiters.add(waiter);
      void this.look();
    });
  }

  /** Something settled in this process: look again at the end of this turn. */
  poke(): void {
    if (this.scheduled || this.waiters.size === 0) return;
    this.scheduled = true;
    setImmediate(this.onPoke);
  }

  /** A message of `queueName` was dead-lettered with `error`: failFast waiters of that queue reject with it. */
  deadLettered(queueName: string, error: unknown): void {
    for (const waiter of this.waiters) if (waiter.failFast && waiter.queueName === queueName) waiter.reject(error);
  }

  private readonly onPoke = (): void => {
    this.scheduled = false;
    void this.look();
  };

  private async look(): Promise<void> {
    if (this.looking) {
      this.again = true;
      return;
    }
    this.looking = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    try {
      do {
        this.again = false;
        const queues = new Set<string>();
        for (const waiter of this.waiters) queues.add(waiter.queueName);
        for (const queueName of queues) await this.lookAt(queueName);
      } while (this.again && this.waiters.size > 0);
    } finally {
      this.looking = false;
      if (this.waiters.size > 0) this.timer = setTimeout(this.onPoke, POLL);
    }
  }

  private async lookAt(queueName: string): Promise<void> {
    let drained: boolean;
    try {
      drained = await this.drained(queueName);
    } catch (error) {
      // Unreachable for now: look again later (a timeout bounds the wait); anything else is final.
      if (ConnectionError.isInstance(error)) return;
      for (const waiter of this.waiters) if (waiter.queueName === queueName) waiter.reject(error);
      return;
    }
    if (!drained) return;
    for (const waiter of this.waiters) if (waiter.queueName === queueName) waiter.resolve();
  }
}
