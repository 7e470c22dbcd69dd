import { Message } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { fixture, type Space, space, troupe, until } from "./helpers.js";

const RUNNING = /worker process\(es\) running/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const counts = (s: Space, n: number) => Array.from({ length: n }, () => new Message({ queueName: s.queue, actorName: "count", args: [] }));

describe("troupe worker pause and resume (SIGUSR1, SIGUSR2)", () => {
  it("SIGUSR1 pauses every worker process once running actors finish, nothing runs meanwhile, SIGUSR2 resumes", async () => {
    const s = space();
    // A short idle tick, so that "nothing is fetched" is looked at over several of them.
    const env = { ...s.env, TROUPE_WORKER_TIMEOUT: "100" };
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "2", "--concurrency", "2"], env);
    await worker.waitForOutput(RUNNING);
    await s.broker.enqueueMany(counts(s, 4));
    await until(async () => (await s.counter("processed")) === 4, worker);
    await s.broker.enqueue(new Message({ queueName: s.queue, actorName: "slow", args: [500] }));
    await until(async () => (await s.counter("started")) === 1, worker);

    worker.proc.kill("SIGUSR1");
    await worker.waitForOutput(/SIGUSR1: pausing the worker processes/);
    await worker.waitForOutput(/2 worker process\(es\) paused/);
    // The running actor finished before the pause was complete.
    expect(await s.counter("processed")).toBe(5);
    await s.broker.enqueueMany(counts(s, 10));
    await sleep(800);
    expect(await s.counter("processed")).toBe(5);
    // Redis's blocked reads may take up to a prefetch (2 × concurrency) per process ahead: held, not run.
    const held = await s.broker.queueStats(s.queue);
    expect(held.ready + (held.inFlight ?? 0)).toBe(10);
    expect(held.inFlight).toBeLessThanOrEqual(2 * 4);
    await sleep(500);
    expect(await s.counter("processed")).toBe(5);
    expect(await s.broker.queueStats(s.queue)).toMatchObject({ ready: held.ready, inFlight: held.inFlight });

    worker.proc.kill("SIGUSR2");
    await worker.waitForOutput(/SIGUSR2: resuming the worker processes/);
    await until(async () => (await s.counter("processed")) === 15, worker);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
    expect(await s.broker.queueStats(s.queue)).toMatchObject({ ready: 0, inFlight: 0, deadLetters: 0 });
  }, 60_000);

  it("starts the worker processes of a reload paused while paused", async () => {
    const s = space();
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "1"], { ...s.env, TROUPE_WORKER_TIMEOUT: "100" });
    await worker.waitForOutput(RUNNING);
    worker.proc.kill("SIGUSR1");
    await worker.waitForOutput(/1 worker process\(es\) paused/);
    const [before] = await s.members("booted");
    worker.proc.kill("SIGHUP");
    await until(async () => (await s.members("booted")).length === 2, worker);
    // The second "running" line: the new process is consuming (paused).
    await worker.waitForOutput(/worker process\(es\) running[\s\S]*worker process\(es\) running/);
    const after = (await s.members("booted")).find((pid) => pid !== before);
    await s.broker.enqueueMany(counts(s, 3));
    await sleep(600);
    expect(await s.counter("processed")).toBe(0);
    expect((await s.broker.queueStats(s.queue)).ready).toBe(3);

    worker.proc.kill("SIGUSR2");
    await until(async () => (await s.counter("processed")) === 3, worker);
    expect(await s.members("pids")).toEqual([after]);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  }, 60_000);
});
