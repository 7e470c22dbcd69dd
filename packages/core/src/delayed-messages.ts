import type { Broker } from "./broker.js";
import type { ClockTimer } from "./clock.js";
import { DelaySchedule } from "./delay-schedule.js";
import { type HeldDelivery, requeueHeld } from "./held-delivery.js";
import type { Message } from "./message.js";

const MAX_TIMER = 2 ** 31 - 1;

/**
 * Delayed messages a worker holds unacked on their delay queue until their eta.
 * One timer serves them all; when messages come due the broker moves them to their
 * queue in one batch (`Broker.moveDelayed`: same `message_id`, no `eta`, the
 * delay-queue copies acked). If the move fails they go back to the delay queue. A held delivery
 * that turned stale (its channel died) is dropped, never moved or handed back:
 * the broker delivers it again, and that copy is the one to move.
 */
export class DelayedMessages {
  private readonly schedule = new DelaySchedule<HeldDelivery>();
  private timer: ClockTimer | undefined;
  private timerDue: number | undefined;
  private stopped = false;
  private paused = false;

  constructor(private readonly broker: Broker) {}

  hold(held: HeldDelivery): void {
    const eta = (held.delivery.message as Message).options.eta;
    this.schedule.push(typeof eta === "number" ? eta : 0, held);
    this.notify(held.delivery.message as Message);
  }

  /** The earliest eta held, if any. */
  get nextDue(): number | undefined {
    return this.schedule.peekDue();
  }

  /** (Re)arms the timer for the earliest eta; call after a batch of `hold`s. */
  arm(): void {
    const due = this.schedule.peekDue();
    if (due === undefined || this.stopped || this.paused) return;
    if (this.timerDue !== undefined && this.timerDue <= due) return;
    const clock = this.broker.clock;
    clock.clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = clock.setTimeout(this.moveDue, Math.min(MAX_TIMER, Math.max(0, due - clock.now())));
  }

  /** Moves nothing while the worker is paused: what is held stays held, and due messages wait for `resume`. */
  pause(): void {
    this.paused = true;
    this.broker.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = undefined;
  }

  /** Moves again, at once what came due during the pause. */
  resume(): void {
    this.paused = false;
    this.arm();
  }

  /** Stops the timer and hands back everything still held that can still be settled. */
  release(): HeldDelivery[] {
    this.stopped = true;
    this.broker.clock.clearTimeout(this.timer);
    return this.schedule.drain().filter(isLive);
  }

  private notify(message: Message): void {
    if (!this.broker.hasHook("beforeDelayMessage")) return;
    Promise.resolve()
      .then(() => this.broker.emitBefore("beforeDelayMessage", message))
      .catch((error) => this.broker.logger.error(`beforeDelayMessage failed for ${message}: ${error}`));
  }

  private readonly moveDue = async (): Promise<void> => {
    this.timer = undefined;
    this.timerDue = undefined;
    const due = this.schedule.popDue(this.broker.clock.now()).filter(isLive);
    if (due.length > 0) {
      try {
        await this.broker.moveDelayed(due);
      } catch (error) {
        this.broker.logger.error(
          `moving ${due.length} delayed message(s) failed: ${(error as Error)?.message ?? error}; they stay on the delay queue`,
        );
        await requeueHeld(due, this.broker.logger);
      }
    }
    this.arm();
  };
}

const isLive = (held: HeldDelivery): boolean => !held.delivery.stale;
