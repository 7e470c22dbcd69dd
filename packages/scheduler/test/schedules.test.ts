import { actor, InvalidOption, MemoryBroker } from "@troupe/core";
import { eventually } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidSchedule, MemoryScheduleStore, Scheduler } from "../src/index.js";
import { captureEnqueues, quietLogger } from "./helpers.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

function setup() {
  const broker = new MemoryBroker({ logger: quietLogger });
  const ping = actor("ping", () => {}, { broker, queueName: "pings" });
  const pong = actor("pong", () => {}, { broker, queueName: "pings" });
  const sent = captureEnqueues(broker);
  const scheduler = new Scheduler({ broker, store: new MemoryScheduleStore(), logger: quietLogger });
  cleanup.push(() => scheduler.stop());
  return { ping, pong, sent, scheduler };
}

/** The error `run` throws. */
function thrown(run: () => unknown): InvalidSchedule {
  try {
    run();
  } catch (error) {
    return error as InvalidSchedule;
  }
  throw new Error("nothing was thrown");
}

describe("adding schedules", () => {
  it("rejects an invalid cron expression when added, with croner's reason", () => {
    const { ping, scheduler } = setup();
    const error = thrown(() => scheduler.add("bad", ping.message(), { cron: "61 * * * * *" }));
    expect(InvalidSchedule.isInstance(error)).toBe(true);
    expect(InvalidOption.isInstance(error)).toBe(true);
    expect(error.code).toBe("INVALID_OPTION");
    expect(error.schedule).toBe("bad");
    expect(error.message).toMatch(/schedule "bad" is invalid: .*second: 61/);
    expect(thrown(() => scheduler.add("bad", ping.message(), { cron: "every day" })).reason).toMatch(/five, six, or seven/);
    expect(thrown(() => scheduler.add("bad", ping.message(), { cron: "0 0 0 * * * 2030" })).reason).toMatch(/5 or 6 parts/);
    expect(thrown(() => scheduler.add("bad", ping.message(), { cron: "0 0 30 2 *" })).reason).toMatch(/never matches/);
    expect(scheduler.names()).toEqual([]);
  });

  it("rejects an invalid time zone when added, with the reason", () => {
    const { ping, scheduler } = setup();
    const error = thrown(() => scheduler.add("tz", ping.message(), { cron: "0 30 2 * * *", timezone: "Mars/Olympus_Mons" }));
    expect(error.reason).toMatch(/time zone.*Mars\/Olympus_Mons/i);
    expect(thrown(() => scheduler.add("tz", ping.message(), { every: 1_000, timezone: "UTC" })).reason).toMatch(/applies to "cron" only/);
  });

  it("rejects a bad interval, overlap, catchUp, both or neither of cron and every, and a duplicate name", () => {
    const { ping, scheduler } = setup();
    expect(thrown(() => scheduler.add("x", ping.message(), { every: 0 })).reason).toMatch(/every must be/);
    expect(thrown(() => scheduler.add("x", ping.message(), { every: 1.5 })).reason).toMatch(/every must be/);
    expect(thrown(() => scheduler.add("x", ping.message(), { every: 10, cron: "* * * * *" })).reason).toMatch(/exactly one/);
    expect(thrown(() => scheduler.add("x", ping.message(), {})).reason).toMatch(/exactly one/);
    expect(thrown(() => scheduler.add("x", ping.message(), { every: 10, catchUp: -1 })).reason).toMatch(/catchUp/);
    expect(thrown(() => scheduler.add("x", ping.message(), { every: 10, overlap: "queue" as "skip" })).reason).toMatch(/overlap/);
    expect(() => scheduler.add("x", ping.message(), { every: 10, evry: 5 } as { every: number })).toThrow(
      /unknown option "evry".*did you mean "every"/,
    );
    scheduler.add("x", ping.message(), { every: 10 });
    expect(thrown(() => scheduler.add("x", ping.message(), { every: 20 })).reason).toMatch(/added already/);
  });
});

describe("schedules while running", () => {
  it("take effect without a restart: an added schedule starts ticking, a removed one stops", async () => {
    const { ping, pong, sent, scheduler } = setup();
    scheduler.add("ping", ping.message(), { every: 20 });
    await scheduler.start();
    await eventually(() => sent.some((m) => m.actorName === "ping"), "ping ticks");

    scheduler.add("pong", pong.message(), { every: 20 });
    await eventually(() => sent.filter((m) => m.actorName === "pong").length >= 3, "pong, added while running, ticks");

    expect(await scheduler.remove("ping")).toBe(true);
    const pings = sent.filter((m) => m.actorName === "ping").length;
    const pongs = sent.filter((m) => m.actorName === "pong").length;
    await eventually(() => sent.filter((m) => m.actorName === "pong").length >= pongs + 5, "pong keeps ticking");
    expect(sent.filter((m) => m.actorName === "ping")).toHaveLength(pings);
    expect(scheduler.names()).toEqual(["pong"]);
    expect(await scheduler.remove("ping")).toBe(false);
  });

  it("lists each schedule with its next and last tick and the last message id", async () => {
    const { ping, sent, scheduler } = setup();
    scheduler.add("ping", ping.message(), { every: 20 });
    scheduler.add("nightly", ping.message(), { cron: "0 30 2 * * *", timezone: "America/New_York" });
    await scheduler.start();
    await eventually(() => sent.length >= 2, "two pings");
    await scheduler.stop();
    const [pingInfo, nightly] = await scheduler.list();
    const last = sent.at(-1)!;
    expect(pingInfo).toMatchObject({
      name: "ping",
      every: 20,
      actorName: "ping",
      lastTick: last.messageTimestamp,
      lastMessageId: last.messageId,
    });
    expect(pingInfo.nextTick! % 20).toBe(0);
    expect(pingInfo.nextTick!).toBeGreaterThan(last.messageTimestamp);
    expect(nightly).toMatchObject({
      name: "nightly",
      cron: "0 30 2 * * *",
      timezone: "America/New_York",
      lastTick: undefined,
      lastMessageId: undefined,
    });
    const next = new Date(nightly.nextTick!);
    expect(next.toLocaleTimeString("en-US", { timeZone: "America/New_York", hour12: false })).toMatch(/^0[23]:[03]0:00$/);
  });
});
