import { InvalidOption } from "@troupe/core";

/**
 * A schedule that `scheduler.add` refuses: an invalid cron expression or time zone,
 * a bad interval, a duplicate name. Its `code` is `INVALID_OPTION` (it is an
 * `InvalidOption`), so a caller that already handles invalid options handles it too.
 */
export class InvalidSchedule extends InvalidOption {
  /** The name of the schedule that was refused. */
  readonly schedule: string;
  /** Why, e.g. the cron library's own message for the expression. */
  readonly reason: string;

  constructor(schedule: string, reason: string) {
    super(`schedule "${schedule}" is invalid: ${reason}`);
    this.schedule = schedule;
    this.reason = reason;
  }
}
