import { Message } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { fixture, isAlive, type Space, space, troupe, until } from "./helpers.js";

const RUNNING = /worker process\(es\) running: (\d+), (\d+)/;
const send = (s: Space, actorName: string, count: number, args: unknown[] = []) =>
  s.broker.enqueueMany(Array.from({ length: count }, () => new Message({ queueName: s.queue, actorName, args })));

describe("troupe worker supervision", () => {
  it("--processes 2 runs two worker processes that share the queue", async () => {
    const s = space();
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "2", "--concurrency", "1"], s.env);
    const [, a, b] = await worker.waitForOutput(RUNNING);
    await send(s, "count", 40, [20]);
    await until(async () => (await s.counter("processed")) === 40, worker);
    expect((await s.members("pids")).sort()).toEqual([a, b].sort());
    expect([a, b]).not.toContain(String(worker.pid));
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  });

  it("emits afterProcessBoot in each worker process after importing the module", async () => {
    const s = space();
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "2"], s.env);
    const [, a, b] = await worker.waitForOutput(RUNNING);
    expect((await s.members("booted")).sort()).toEqual([a, b].sort());
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  });

  it("restarts a worker process that was killed", async () => {
    const s = space();
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "2"], s.env);
    const [, a, b] = await worker.waitForOutput(RUNNING);
    process.kill(Number(a), "SIGKILL");
    await worker.waitForOutput(new RegExp(`worker process ${a} was killed by SIGKILL; restarting it`));
    await until(async () => (await s.members("booted")).length === 3, worker);
    const replacement = (await s.members("booted")).find((pid) => pid !== a && pid !== b) as string;
    expect(isAlive(Number(replacement))).toBe(true);
    await send(s, "count", 20, [20]);
    await until(async () => (await s.counter("processed")) === 20, worker);
    expect(await s.members("pids")).not.toContain(a);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  });

  it("the watchdog kills a process blocked in a busy loop, names the actor, restarts it, and the message comes back", async () => {
    const s = space();
    const env = { ...s.env, TEST_HEARTBEAT_TIMEOUT: "2000" };
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "1", "--watchdog-timeout", "1000"], env);
    await worker.waitForOutput(/worker process\(es\) running: (\d+)/);
    const [blocked] = await s.members("booted");
    await send(s, "busy", 1);
    await worker.waitForOutput(new RegExp(`worker process ${blocked} has been blocked for \\d+ ms running busy: killing it`));
    await until(async () => (await s.members("booted")).length === 2, worker);
    expect(isAlive(Number(blocked))).toBe(false);
    // The second delivery of the same message (after the Redis heartbeat timeout) finishes.
    await until(async () => (await s.counter("processed")) === 1, worker);
    expect(await s.counter("busy")).toBe(2);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  });
});
