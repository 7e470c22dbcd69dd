import type { Broker } from "../broker.js";
import type { ClockTimer } from "../clock.js";
import { contextOf } from "../current-message.js";
import { TimeLimitExceeded } from "../errors.js";
import type { Message } from "../message.js";
import type { Middleware } from "../middleware.js";
import { assertKnownOptions, optionKeys } from "../option-keys.js";
import { messageOption } from "./option.js";

/** Defaults of the `TimeLimit` middleware, for actors that do not set their own. */
export interface TimeLimitOptions {
  /** Ms an actor may run (default 600 000; 0 turns it off). */
  timeLimit?: number;
  /** Ms a thread actor's function gets after its signal aborted, before its thread is terminated (default 1000). */
  timeLimitGrace?: number;
}

const TIME_LIMIT_OPTIONS = optionKeys<TimeLimitOptions>({ timeLimit: true, timeLimitGrace: true });

/**
 * Fails actors that run past `timeLimit` ms (default 10 minutes): their signal aborts
 * and the message fails with `TimeLimitExceeded` (and is retried). An event-loop
 * actor's slot is freed at once, though Node cannot stop its code (a blocked event
 * loop is the CLI supervisor's to catch). A thread actor's code is stopped: if it has
 * not settled `timeLimitGrace` ms later, its thread is terminated, and the message
 * fails then. One timer serves every running message.
 */
export class TimeLimit implements Middleware {
  readonly actorOptions = ["timeLimit", "timeLimitGrace"];
  private readonly deadlines = new Map<Message, { at: number; limit: number }>();
  private timer: ClockTimer | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(private readonly options: TimeLimitOptions = {}) {
    assertKnownOptions("TimeLimit", options, TIME_LIMIT_OPTIONS);
  }

  beforeProcessMessage(broker: Broker, message: Message): void {
    const limit = messageOption(broker, message, "timeLimit", this.options.timeLimit ?? 600_000);
    if (!limit) return;
    const at = broker.clock.now() + limit;
    this.deadlines.set(message, { at, limit });
    if (at < this.timerAt) this.arm(broker, at);
  }

  afterProcessMessage(_broker: Broker, message: Message): void {
    this.deadlines.delete(message);
  }

  afterSkipMessage(_broker: Broker, message: Message): void {
    this.deadlines.delete(message);
  }

  private arm(broker: Broker, at: number): void {
    broker.clock.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = broker.clock.setTimeout(() => this.expire(broker), Math.max(0, at - broker.clock.now()));
    this.timer.unref();
  }

  private expire(broker: Broker): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = broker.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [message, { at, limit }] of this.deadlines) {
      if (at <= now) {
        this.deadlines.delete(message);
        broker.logger.warn(`${message} exceeded its time limit of ${limit} ms`);
        // Read only now, off the hot path: few messages ever reach their limit.
        const grace = messageOption(broker, message, "timeLimitGrace", this.options.timeLimitGrace ?? 1000);
        contextOf(message)?.abort(new TimeLimitExceeded(limit), { terminateAfter: grace });
      } else if (at < next) {
        next = at;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(broker, next);
  }
}
