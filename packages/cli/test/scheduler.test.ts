import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tickMessageId } from "@troupe/scheduler";
import { describe, expect, it } from "vitest";
import { deleteKeys, fixture, run, type Space, space, troupe, until } from "./helpers.js";

const RUNNING = /scheduler running 2 schedule\(s\): beat, nightly/;
const stored = async (s: Space) => (await s.redis.hvals(`${s.ns}:${s.queue}.msgs`)).map((raw) => JSON.parse(raw));

describe("troupe scheduler", () => {
  it("runs the module's Scheduler: its ticks land on the queue; SIGTERM stops it gracefully with exit code 0", async () => {
    const s = space();
    const scheduler = troupe(["scheduler", fixture("schedules.mjs")], s.env);
    await scheduler.waitForOutput(RUNNING);
    await until(async () => (await stored(s)).length >= 3, scheduler);
    scheduler.proc.kill("SIGTERM");
    expect(await scheduler.exit).toBe(0);
    expect(scheduler.stderr).toMatch(/scheduler stopped/);
    for (const message of await stored(s)) {
      expect(message).toMatchObject({
        actor_name: "beat",
        queue_name: s.queue,
        message_id: tickMessageId("beat", message.message_timestamp),
      });
    }
  });

  it("two scheduler processes on one store send each tick once", async () => {
    const s = space();
    const first = troupe(["scheduler", fixture("schedules.mjs")], s.env);
    const second = troupe(["scheduler", fixture("schedules.mjs")], s.env);
    await Promise.all([first.waitForOutput(RUNNING), second.waitForOutput(RUNNING)]);
    await until(async () => (await stored(s)).length >= 20, first);
    for (const proc of [first, second]) proc.proc.kill("SIGTERM");
    expect([await first.exit, await second.exit]).toEqual([0, 0]);
    const ticks = (await stored(s)).map((m) => m.message_timestamp as number).sort((a, b) => a - b);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.at(-1)! - ticks[0]).toBe((ticks.length - 1) * 100);
  });

  it("exits 1 when a second signal arrives while the stop waits for an enqueue", async () => {
    const s = space();
    const scheduler = troupe(["scheduler", fixture("schedules.mjs")], { ...s.env, TEST_SLOW_ENQUEUE: "60000" });
    // A tick is claimed and its enqueue hangs: the graceful stop has to wait for it. The claim
    // can come in the first look, before "scheduler running" is printed, or in a later one.
    await until(async () => (await s.redis.hexists(`${s.ns}:schedules:beat`, "claim_tick")) === 1, scheduler);
    scheduler.proc.kill("SIGTERM");
    await scheduler.waitForOutput(/stopping gracefully/);
    scheduler.proc.kill("SIGTERM");
    expect(await scheduler.exit).toBe(1);
  });

  it("exits 1 at a second signal while the first look, catching up, waits for an enqueue", async () => {
    const s = space();
    const first = troupe(["scheduler", fixture("schedules.mjs")], s.env);
    await first.waitForOutput(RUNNING);
    await until(async () => (await stored(s)).length >= 1, first);
    first.proc.kill("SIGTERM");
    expect(await first.exit).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The ticks missed while stopped are due at once: the start itself claims one and hangs in its enqueue.
    const second = troupe(["scheduler", fixture("schedules.mjs")], { ...s.env, TEST_SLOW_ENQUEUE: "60000", TEST_CATCH_UP: "60000" });
    await until(async () => (await s.redis.hexists(`${s.ns}:schedules:beat`, "claim_tick")) === 1, second);
    second.proc.kill("SIGTERM");
    await second.waitForOutput(/stopping gracefully/);
    second.proc.kill("SIGTERM");
    expect(await second.exit).toBe(1);
    expect(second.stderr).not.toMatch(RUNNING);
  });

  it("takes the broker from TROUPE_BROKER_URL when the Scheduler has none, and builds it from an exported function", async () => {
    const s = space(`troupe-sched-${process.pid}-${Date.now()}`);
    try {
      const scheduler = troupe(["scheduler", fixture("schedules-no-broker.mjs")], {
        ...s.env,
        TROUPE_BROKER_URL: "redis://127.0.0.1:6379",
      });
      await scheduler.waitForOutput(/scheduler running 1 schedule\(s\): beat/);
      await until(async () => (await s.redis.hlen(`dramatiq:${s.queue}.msgs`)) >= 2, scheduler);
      scheduler.proc.kill("SIGTERM");
      expect(await scheduler.exit).toBe(0);
    } finally {
      await deleteKeys(s.redis, `dramatiq:*${s.queue}*`);
    }
  });

  it("exits 2 when the module has no Scheduler, or the Scheduler no broker", async () => {
    const none = await run(["scheduler", fixture("tasks.mjs")]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^troupe: .*tasks\.mjs has no Scheduler in a default export or an export named scheduler/);
    const s = space();
    const noBroker = await run(["scheduler", fixture("schedules-no-broker.mjs")], s.env);
    expect(noBroker.code).toBe(2);
    expect(noBroker.stderr).toMatch(/sets no broker: give the Scheduler a broker, call setBroker\(\) in it, or set TROUPE_BROKER_URL/);
  });

  it("exits 3 when the store cannot be reached", async () => {
    const s = space();
    const { code, stderr } = await run(["scheduler", fixture("schedules.mjs")], { ...s.env, TEST_STORE_URL: "redis://127.0.0.1:1" });
    expect(code).toBe(3);
    expect(stderr).toMatch(/Redis at redis:\/\/127\.0\.0\.1:1/);
  });

  it("exits 4 when the pid file names a running process", async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), "troupe-sched-pid-")), "scheduler.pid");
    writeFileSync(pidFile, String(process.pid));
    const s = space();
    const { code } = await run(["scheduler", fixture("schedules.mjs"), "--pid-file", pidFile], s.env);
    expect(code).toBe(4);
  });
});

describe("troupe schedules", () => {
  it("lists each schedule with its next and last tick and the last message id", async () => {
    const s = space();
    const scheduler = troupe(["scheduler", fixture("schedules.mjs")], s.env);
    await scheduler.waitForOutput(RUNNING);
    await until(async () => (await stored(s)).length >= 2, scheduler);
    scheduler.proc.kill("SIGTERM");
    expect(await scheduler.exit).toBe(0);
    const last = Math.max(...(await stored(s)).map((m) => m.message_timestamp as number));

    const listed = await run(["schedules", fixture("schedules.mjs"), "--json"], s.env);
    expect(listed.code).toBe(0);
    const [beat, nightly] = JSON.parse(listed.stdout);
    expect(beat).toMatchObject({
      name: "beat",
      every: 100,
      actorName: "beat",
      lastTick: new Date(last).toISOString(),
      lastMessageId: tickMessageId("beat", last),
    });
    expect(Date.parse(beat.nextTick) % 100).toBe(0);
    expect(nightly).toMatchObject({
      name: "nightly",
      cron: "0 30 2 * * *",
      timezone: "America/New_York",
      lastTick: null,
      lastMessageId: null,
    });

    const table = await run(["schedules", fixture("schedules.mjs")], s.env);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^schedule\s+when\s+actor\s+next tick\s+last tick\s+last message id$/);
    expect(lines[1]).toMatch(
      new RegExp(`^beat\\s+every 100 ms\\s+beat\\s+\\S+Z\\s+${new Date(last).toISOString()}\\s+${tickMessageId("beat", last)}$`),
    );
    expect(lines[2]).toMatch(/^nightly\s+0 30 2 \* \* \* \(America\/New_York\)\s+report\s+\S+Z\s+-\s+-$/);
  });
});
