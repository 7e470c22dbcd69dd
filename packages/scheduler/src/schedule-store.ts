/** What a scheduler process asks on each look at a schedule (`ScheduleStore.step`). */
export interface StepRequest {
  /** The asking `Scheduler` instance's id; a claim belongs to it. */
  owner: string;
  /** The scheduler's clock, ms: tick times, catch-up and downtime are measured on it. */
  now: number;
  /** The tick the asker would claim: the first tick after the cursor it knows, when that is due. */
  tick: number | undefined;
  /** The `message_id` of `tick`. */
  messageId: string | undefined;
  /** How long a claim is held before another process may take it over, ms (on the store's clock). */
  lease: number;
  /** A schedule that no process looked at for longer than this was down, ms. */
  downAfter: number;
  /** After downtime, ticks older than this are skipped, ms. */
  catchUp: number;
  /** `overlap: "skip"`: skip `tick` while the message of the last claimed tick has not finished. */
  skipWhileRunning: boolean;
}

/**
 * The store's answer to a step. `cursor` is the time up to which every tick is handled
 * (enqueued or skipped); the asker computes its next candidate from it.
 * - `claimed`: the asker holds `tick` (its own candidate, or an older claim whose holder's
 *   lease ran out) and must enqueue it, then call `complete`.
 * - `busy`: another process holds a claim; ask again within `retryIn` ms.
 * - `idle`: nothing to claim (no candidate, or it is handled already).
 * - `skipped`: `overlap: "skip"` and the message `running` has not finished: the tick is
 *   handled without a message.
 */
export type StepResult =
  | {
      /** The asker holds `tick`. */
      outcome: "claimed";
      /** Ticks up to this time are handled, ms. */
      cursor: number;
      /** The claimed tick, ms. */
      tick: number;
      /** The claimed tick's `message_id`. */
      messageId: string;
    }
  | {
      /** Another process holds a live claim. */
      outcome: "busy";
      /** Ticks up to this time are handled, ms. */
      cursor: number;
      /** Ms until that claim's lease runs out. */
      retryIn: number;
    }
  | {
      /** Nothing to claim. */
      outcome: "idle";
      /** Ticks up to this time are handled, ms. */
      cursor: number;
    }
  | {
      /** The tick is handled without a message. */
      outcome: "skipped";
      /** Ticks up to this time (the skipped one included) are handled, ms. */
      cursor: number;
      /** The `message_id` that has not finished. */
      running: string;
    };

/** What a store knows about one schedule, for listing (`troupe schedules`). */
export interface ScheduleRecord {
  /** Every tick up to this time (ms) is handled. */
  cursor: number;
  /** The newest tick enqueued, ms. */
  lastTick: number | undefined;
  /** The `message_id` of that tick's message. */
  lastMessageId: string | undefined;
  /** The message of the last claimed tick, as `overlap: "skip"` tracks it. */
  current: string | undefined;
  /** The newest of those messages known to have finished. */
  finished: string | undefined;
  /** A tick claimed and not yet completed. */
  claim:
    | {
        /** The claimed tick, ms. */
        tick: number;
        /** The id of the `Scheduler` that holds it. */
        owner: string;
        /** Its `message_id`. */
        messageId: string;
      }
    | undefined;
}

/**
 * Where schedulers agree on who enqueues each tick. Each operation is atomic. The rules,
 * the same for every store:
 * - A new schedule's cursor starts at the asker's `now`: its first tick is the next one.
 * - Every step records that a scheduler looked at the schedule; when none did for
 *   `downAfter`, the schedule was down, and the cursor moves to `now - catchUp` (if later).
 * - A claim is taken only while no other live claim exists, so ticks are claimed one at a
 *   time and in order; a claim whose lease ran out is handed to the next asker as is,
 *   unless its message was reported finished: then it was sent, and is completed instead.
 * - `complete` ends the claim and moves the cursor to its tick.
 */
export interface ScheduleStore {
  /** One look at a schedule: records liveness, applies downtime, then claims or reports. */
  step(name: string, request: StepRequest): Promise<StepResult>;
  /** The claimed `tick` was enqueued as `messageId`: ends its claim and records it as the last tick. */
  complete(name: string, tick: number, messageId: string): Promise<void>;
  /** The scheduled message `messageId` finished (success, dead letter or skip): for `overlap: "skip"`. */
  finish(name: string, messageId: string): Promise<void>;
  /** What the store knows about a schedule, or undefined when no scheduler ever looked at it. */
  read(name: string): Promise<ScheduleRecord | undefined>;
  /** Releases connections the store opened. */
  close(): Promise<void>;
}
