import { actor, MemoryBroker } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { MemoryScheduleStore, Scheduler } from "../src/index.js";
import { captureEnqueues, quietLogger, virtualClock } from "./helpers.js";

/**
 * The ticks a scheduler enqueues for `cron` in `timezone` between `from` and `to`: it
 * first looks at `from`, then comes back at `to` catching up on everything in between.
 */
async function ticksBetween(cron: string, timezone: string | undefined, from: string, to: string): Promise<string[]> {
  const broker = new MemoryBroker({ logger: quietLogger });
  const job = actor("job", () => {}, { broker });
  const sent = captureEnqueues(broker);
  const store = new MemoryScheduleStore();
  const clock = virtualClock(Date.parse(from));
  const options = { cron, catchUp: 7 * 86_400_000, ...(timezone === undefined ? {} : { timezone }) };
  const first = new Scheduler({ broker, store, clock: clock.now, logger: quietLogger }).add("job", job.message(), options);
  await first.start();
  await first.stop();
  clock.set(Date.parse(to));
  const second = new Scheduler({ broker, store, clock: clock.now, logger: quietLogger }).add("job", job.message(), options);
  await second.start();
  await second.stop();
  return sent.map((message) => new Date(message.messageTimestamp).toISOString());
}

describe("time zones and DST (as croner computes them)", () => {
  it("America/New_York spring forward: a daily 02:30 fires at 03:00 EDT on the day 02:30 does not exist", async () => {
    // 2025-03-09 02:00 EST -> 03:00 EDT.
    expect(await ticksBetween("0 30 2 * * *", "America/New_York", "2025-03-08T12:00:00Z", "2025-03-10T12:00:00Z")).toEqual([
      "2025-03-09T07:00:00.000Z", // 03:00 EDT: the first valid time after the gap
      "2025-03-10T06:30:00.000Z", // 02:30 EDT
    ]);
  });

  it("America/New_York spring forward: an interval expression skips the times that do not exist", async () => {
    expect(await ticksBetween("0 */30 * * * *", "America/New_York", "2025-03-09T06:10:00Z", "2025-03-09T07:40:00Z")).toEqual([
      "2025-03-09T06:30:00.000Z", // 01:30 EST
      "2025-03-09T07:00:00.000Z", // 03:00 EDT (02:00 and 02:30 do not exist)
      "2025-03-09T07:30:00.000Z", // 03:30 EDT
    ]);
  });

  it("America/New_York fall back: a daily 01:30 fires once, in the first pass through the repeated hour", async () => {
    // 2025-11-02 02:00 EDT -> 01:00 EST: 01:30 happens twice.
    expect(await ticksBetween("0 30 1 * * *", "America/New_York", "2025-11-01T12:00:00Z", "2025-11-03T12:00:00Z")).toEqual([
      "2025-11-02T05:30:00.000Z", // 01:30 EDT; not again at 01:30 EST (06:30Z)
      "2025-11-03T06:30:00.000Z", // 01:30 EST
    ]);
  });

  it("America/New_York fall back: an interval expression fires in both passes through the repeated hour", async () => {
    expect(await ticksBetween("0 */30 * * * *", "America/New_York", "2025-11-02T04:50:00Z", "2025-11-02T07:10:00Z")).toEqual([
      "2025-11-02T05:00:00.000Z", // 01:00 EDT
      "2025-11-02T05:30:00.000Z", // 01:30 EDT
      "2025-11-02T06:00:00.000Z", // 01:00 EST
      "2025-11-02T06:30:00.000Z", // 01:30 EST
      "2025-11-02T07:00:00.000Z", // 02:00 EST
    ]);
  });

  it("Australia/Lord_Howe, a 30-minute shift: 02:15 fires at 02:30 when skipped, 01:45 once when repeated", async () => {
    // 2025-10-05 02:00 +10:30 -> 02:30 +11:00.
    expect(await ticksBetween("0 15 2 * * *", "Australia/Lord_Howe", "2025-10-03T12:00:00Z", "2025-10-06T12:00:00Z")).toEqual([
      "2025-10-03T15:45:00.000Z", // 2025-10-04 02:15 +10:30
      "2025-10-04T15:30:00.000Z", // 2025-10-05 02:30 +11:00: the first valid time after the gap
      "2025-10-05T15:15:00.000Z", // 2025-10-06 02:15 +11:00
    ]);
    // 2025-04-06 02:00 +11:00 -> 01:30 +10:30: 01:45 happens twice.
    expect(await ticksBetween("0 45 1 * * *", "Australia/Lord_Howe", "2025-04-04T12:00:00Z", "2025-04-07T12:00:00Z")).toEqual([
      "2025-04-04T14:45:00.000Z", // 2025-04-05 01:45 +11:00
      "2025-04-05T14:45:00.000Z", // 2025-04-06 01:45 +11:00, the first pass; not 15:15Z
      "2025-04-06T15:15:00.000Z", // 2025-04-07 01:45 +10:30
    ]);
  });

  it("Pacific/Chatham (+12:45/+13:45): 03:00 fires at 03:45 when skipped, 03:15 once when repeated", async () => {
    // 2025-09-28 02:45 +12:45 -> 03:45 +13:45.
    expect(await ticksBetween("0 0 3 * * *", "Pacific/Chatham", "2025-09-26T12:00:00Z", "2025-09-29T12:00:00Z")).toEqual([
      "2025-09-26T14:15:00.000Z", // 2025-09-27 03:00 +12:45
      "2025-09-27T14:00:00.000Z", // 2025-09-28 03:45 +13:45: the first valid time after the gap
      "2025-09-28T13:15:00.000Z", // 2025-09-29 03:00 +13:45
    ]);
    // 2025-04-06 03:45 +13:45 -> 02:45 +12:45: 03:15 happens twice.
    expect(await ticksBetween("0 15 3 * * *", "Pacific/Chatham", "2025-04-04T12:00:00Z", "2025-04-07T12:00:00Z")).toEqual([
      "2025-04-04T13:30:00.000Z", // 2025-04-05 03:15 +13:45
      "2025-04-05T13:30:00.000Z", // 2025-04-06 03:15 +13:45, the first pass; not 14:30Z
      "2025-04-06T14:30:00.000Z", // 2025-04-07 03:15 +12:45
    ]);
  });

  it("reads 5-field expressions as minute-first, and defaults to UTC", async () => {
    expect(await ticksBetween("30 2 * * *", undefined, "2025-06-01T00:00:00Z", "2025-06-02T12:00:00Z")).toEqual([
      "2025-06-01T02:30:00.000Z",
      "2025-06-02T02:30:00.000Z",
    ]);
  });
});
