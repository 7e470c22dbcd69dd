import { assertKnownOptions, type Broker, type Message, type Middleware, optionKeys, Retries } from "@troupe/core";
import type { ScheduleStore } from "./schedule-store.js";
import { SCHEDULE_OPTION } from "./tick-message.js";

/** Options of `new ScheduleTracking(options)`. */
export interface ScheduleTrackingOptions {
  /** The store the schedulers use. */
  store: ScheduleStore;
}

const SCHEDULE_TRACKING_OPTIONS = optionKeys<ScheduleTrackingOptions>({ store: true });

/**
 * Worker middleware that tells the schedule store when a scheduled message has finished,
 * which `overlap: "skip"` waits for. A message is finished when no copy of it can run
 * again: acked after a success or a skip, acked after a failure with no `Retries`
 * middleware to retry it, or dead-lettered. A failure that will be retried, a crash
 * (the broker delivers the message again) or a shutdown (it is requeued) leaves it
 * unfinished. Add it to the broker of every worker that runs scheduled actors; a
 * `Scheduler` adds it to its own broker.
 */
export class ScheduleTracking implements Middleware {
  /** The store finished messages are reported to. */
  readonly store: ScheduleStore;

  constructor(options: ScheduleTrackingOptions) {
    assertKnownOptions("ScheduleTracking", options, SCHEDULE_TRACKING_OPTIONS);
    if (!options?.store) throw new TypeError("new ScheduleTracking({ store }) needs the schedulers' store");
    this.store = options.store;
  }

  afterAck(broker: Broker, message: Message): Promise<void> | undefined {
    // An acked failure is followed by its retry copy when Retries runs on this broker.
    if (message.lastError !== undefined && broker.getMiddleware(Retries)) return undefined;
    return this.finished(message);
  }

  afterNack(_broker: Broker, message: Message): Promise<void> | undefined {
    return this.finished(message);
  }

  private finished(message: Message): Promise<void> | undefined {
    const name = message.options[SCHEDULE_OPTION];
    if (typeof name !== "string") return undefined;
    return this.store.finish(name, message.messageId);
  }
}
