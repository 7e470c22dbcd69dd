import type { Broker, Logger } from "@troupe/core";
import type { Schedule } from "./schedule-options.js";
import type { ScheduleStore, StepResult } from "./schedule-store.js";
import { tickMessage, tickMessageId } from "./tick-message.js";

/** A scheduler looks at each schedule at least this often, ms, also when no tick is due: its liveness. */
export const LOOK_INTERVAL = 1_000;
/** A schedule that no scheduler looked at for longer than this was down, ms: missed ticks are subject to `catchUp`. */
export const DOWN_AFTER = 5_000;

/** What a runner shares with the other runners of its scheduler. */
export interface RunnerContext {
  readonly owner: string;
  readonly store: ScheduleStore;
  readonly broker: Broker;
  readonly logger: Logger;
  readonly lease: number;
  readonly clock: () => number;
}

/**
 * Runs one schedule in one scheduler: looks at it on each due tick and at least every
 * `LOOK_INTERVAL`; each look is one store step, which claims the next due tick for this
 * process, or says another process holds it. A claimed tick is enqueued, then completed.
 */
export class ScheduleRunner {
  private cursor: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<unknown> | undefined;
  private stopped = false;
  private failing = false;
  private skippingFor: string | undefined;

  constructor(
    readonly schedule: Schedule,
    private readonly context: RunnerContext,
  ) {}

  /**
   * Takes the first look (catching up after downtime) and keeps looking; resolves after
   * that first look, or rejects with its error (the runner then keeps trying, until stopped).
   */
  start(): Promise<void> {
    return this.next(this.look());
  }

  /** Stops looking, after the look in progress (a claimed tick is enqueued and completed first). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pass?.catch(() => {});
  }

  /** Plans the next look once `look` settles: when it says, or `LOOK_INTERVAL` after a failure (logged once per streak). */
  private next(look: Promise<number>): Promise<void> {
    const settled = look.then(
      (delay) => {
        if (this.failing) this.context.logger.info(`schedule "${this.schedule.name}" can look for due ticks again`);
        this.failing = false;
        this.plan(delay);
      },
      (error) => {
        if (!this.failing) {
          this.context.logger.warn(
            `schedule "${this.schedule.name}" could not look for due ticks: ${(error as Error)?.message ?? error}; trying again every ${LOOK_INTERVAL} ms`,
          );
        }
        this.failing = true;
        this.plan(LOOK_INTERVAL);
        throw error;
      },
    );
    this.pass = settled;
    return settled;
  }

  private plan(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.next(this.look()).catch(() => {}), delay);
  }

  /** Steps until nothing is due or another process holds the claim; resolves with the ms until the next look. */
  private async look(): Promise<number> {
    const { name, cadence } = this.schedule;
    let looked = false;
    for (;;) {
      const now = this.context.clock();
      let tick = this.cursor === undefined ? undefined : cadence.next(this.cursor);
      if (tick !== undefined && tick > now) tick = undefined;
      if (looked && tick === undefined) return this.untilNext(now, LOOK_INTERVAL);
      const result = await this.step(now, tick);
      looked = true;
      this.cursor = result.cursor;
      if (result.outcome === "claimed") {
        await this.enqueue(result.tick, result.messageId);
        this.cursor = Math.max(this.cursor, result.tick);
      } else if (result.outcome === "skipped") {
        // Once per blocking message: a schedule that skips for good says why, without a line per tick.
        if (result.running !== this.skippingFor) {
          this.context.logger.info(
            `schedule "${name}" skips its ticks until its message ${result.running} has finished ` +
              "(workers report finished messages with the ScheduleTracking middleware)",
          );
        }
        this.skippingFor = result.running;
      } else if (result.outcome === "busy") {
        return this.untilNext(now, Math.min(result.retryIn, LOOK_INTERVAL));
      }
      if (this.stopped) return LOOK_INTERVAL;
    }
  }

  private step(now: number, tick: number | undefined): Promise<StepResult> {
    const { name, catchUp, overlap } = this.schedule;
    return this.context.store.step(name, {
      owner: this.context.owner,
      now,
      tick,
      messageId: tick === undefined ? undefined : tickMessageId(name, tick),
      lease: this.context.lease,
      downAfter: DOWN_AFTER,
      catchUp,
      skipWhileRunning: overlap === "skip",
    });
  }

  private async enqueue(tick: number, messageId: string): Promise<void> {
    const { name, message } = this.schedule;
    // The claim stays in the store until complete: if this process dies here, another finishes it.
    await this.context.broker.enqueue(tickMessage(name, message, tick));
    await this.context.store.complete(name, tick, messageId);
  }

  /** Ms until the next tick after the cursor, at most `limit` (a due tick waits `limit`: another process holds it). */
  private untilNext(now: number, limit: number): number {
    const next = this.cursor === undefined ? undefined : this.schedule.cadence.next(this.cursor);
    if (next === undefined || next <= now) return limit;
    return Math.min(next - now, limit);
  }
}
