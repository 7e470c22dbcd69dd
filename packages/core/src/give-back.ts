import { type Clock, realClock } from "./clock.js";
import type { Consumer, Delivery } from "./consumer.js";
import type { Logger } from "./logger.js";

const FIRST_PAUSE = 250;
const MAX_PAUSE = 5_000;
/** Faults closer together than this belong to one outage: the pause keeps growing. */
const OUTAGE_GAP = 10_000;

/**
 * Returns to their queue the messages a worker must not ack (a successor could not
 * be written, a dead letter could not be stored). It waits a little first, longer
 * while faults keep coming, so an outage does not become a busy loop of reruns; a
 * requeue that fails too is tried again with the same backoff. After `stop()` it
 * gives up: the message is still unacked, and the consumer's close or the broker's
 * own recovery (Redis: the ack set of a closed or dead consumer; RabbitMQ: the
 * channel's close) returns it. It is never acked, so never lost.
 */
export class GiveBack {
  private pause = 0;
  private lastFault = 0;
  private stopped = false;
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock = realClock,
  ) {}

  /** Requeues one delivery; resolves once it is back, stale, or the worker stops. */
  async run(consumer: Consumer, delivery: Delivery, what: string): Promise<void> {
    let warned = false;
    for (;;) {
      await this.wait(this.nextPause());
      if (this.stopped || delivery.stale) return;
      try {
        await consumer.requeue([delivery]);
        if (warned) this.logger.info(`${what} is back on ${consumer.queueName}`);
        return;
      } catch (error) {
        if (!warned) {
          this.logger.error(
            `returning ${what} to ${consumer.queueName} failed: ${(error as Error)?.message ?? error}; ` +
              "trying again until the broker answers (if the worker stops first, the broker's own recovery returns it)",
          );
        }
        warned = true;
      }
    }
  }

  /** Ends every wait; what is still held stays unacked for the consumer's close and the broker. */
  stop(): void {
    this.stopped = true;
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
  }

  private nextPause(): number {
    const now = this.clock.now();
    this.pause = now - this.lastFault < OUTAGE_GAP ? Math.min(MAX_PAUSE, Math.max(FIRST_PAUSE, this.pause * 2)) : FIRST_PAUSE;
    this.lastFault = now;
    return this.pause;
  }

  private wait(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.clock.clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = this.clock.setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}
