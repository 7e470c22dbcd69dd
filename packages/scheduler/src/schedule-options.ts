import { assertKnownOptions, type Message, optionKeys } from "@troupe/core";
import { type Cadence, cronCadence, everyCadence } from "./cadence.js";
import { InvalidSchedule } from "./errors.js";

/** Options of `scheduler.add(name, message, options)`: exactly one of `cron` and `every`. */
export interface ScheduleOptions {
  /** A cron expression: 6 fields with seconds first (`"0 30 2 * * *"`), or the usual 5 (`"30 2 * * *"`). */
  cron?: string;
  /** An interval instead of `cron`, ms: ticks fall on the multiples of it since the Unix epoch. */
  every?: number;
  /** The IANA time zone `cron` is read in (default `"UTC"`); not allowed with `every`. */
  timezone?: string;
  /** After downtime, ticks newer than this are still enqueued, oldest first, ms (default 0: none). */
  catchUp?: number;
  /** `"allow"` (default), or `"skip"`: no new tick while the previous tick's message is queued or running. */
  overlap?: "allow" | "skip";
}

const SCHEDULE_OPTIONS = optionKeys<ScheduleOptions>({ cron: true, every: true, timezone: true, catchUp: true, overlap: true });

/** A validated schedule, as a scheduler runs it. */
export interface Schedule {
  readonly name: string;
  readonly message: Message;
  readonly cadence: Cadence;
  readonly cron: string | undefined;
  readonly every: number | undefined;
  readonly timezone: string;
  readonly catchUp: number;
  readonly overlap: "allow" | "skip";
}

/** Validates `add`'s arguments; throws `InvalidSchedule` with the reason. */
export function defineSchedule(name: string, message: Message, options: ScheduleOptions): Schedule {
  if (typeof name !== "string" || name.length === 0) throw new InvalidSchedule(String(name), "a schedule needs a non-empty name");
  const refuse = (reason: string) => new InvalidSchedule(name, reason);
  assertKnownOptions(`schedule "${name}"`, options, SCHEDULE_OPTIONS);
  if (!message || typeof message.actorName !== "string" || typeof message.encode !== "function") {
    throw refuse("the second argument must be a message, e.g. report.message(...)");
  }
  try {
    message.encode();
  } catch (error) {
    throw refuse(`its message cannot be encoded: ${(error as Error)?.message ?? error}`);
  }
  const { cron, every, catchUp = 0, overlap = "allow" } = options;
  if ((cron === undefined) === (every === undefined)) throw refuse('give exactly one of "cron" and "every"');
  if (!Number.isFinite(catchUp) || catchUp < 0) throw refuse(`catchUp must be a number of ms >= 0, not ${catchUp}`);
  if (overlap !== "allow" && overlap !== "skip") throw refuse(`overlap must be "allow" or "skip", not ${JSON.stringify(overlap)}`);
  let cadence: Cadence;
  if (every !== undefined) {
    if (!Number.isSafeInteger(every) || every < 1) throw refuse(`every must be a whole number of ms >= 1, not ${every}`);
    if (options.timezone !== undefined) throw refuse('timezone applies to "cron" only: "every" ticks on the epoch');
    cadence = everyCadence(every);
  } else {
    if (typeof cron !== "string") throw refuse(`cron must be a string, not ${typeof cron}`);
    try {
      cadence = cronCadence(cron, options.timezone ?? "UTC");
    } catch (error) {
      throw refuse((error as Error)?.message ?? String(error));
    }
  }
  return { name, message, cadence, cron, every, timezone: options.timezone ?? "UTC", catchUp, overlap };
}
