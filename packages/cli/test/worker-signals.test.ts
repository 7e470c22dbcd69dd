import { Message } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { fixture, isAlive, type Space, space, troupe, until } from "./helpers.js";

const RUNNING = /worker process\(es\) running/;
const messages = (s: Space, actorName: string, argsList: unknown[][]) =>
  argsList.map((args) => new Message({ queueName: s.queue, actorName, args }));

describe("troupe worker signals", () => {
  it("loses nothing when SIGTERM arrives during a 1000-message run", async () => {
    const s = space();
    await s.broker.enqueueMany(
      messages(
        s,
        "count",
        Array.from({ length: 1000 }, () => [2]),
      ),
    );
    const first = troupe(["worker", fixture("tasks.mjs"), "--processes", "2", "--concurrency", "4"], s.env);
    await until(async () => (await s.counter("processed")) >= 100, first);
    first.proc.kill("SIGTERM");
    expect(await first.exit).toBe(0);

    const afterStop = await s.broker.queueStats(s.queue);
    expect(afterStop.inFlight).toBe(0);
    expect((await s.counter("processed")) + afterStop.ready).toBe(1000);

    const second = troupe(["worker", fixture("tasks.mjs"), "--processes", "2", "--concurrency", "4"], s.env);
    await until(async () => (await s.counter("processed")) >= 1000, second);
    second.proc.kill("SIGTERM");
    expect(await second.exit).toBe(0);
    expect(await s.counter("processed")).toBe(1000);
    expect(await s.broker.queueStats(s.queue)).toMatchObject({ ready: 0, delayed: 0, inFlight: 0, deadLetters: 0 });
  }, 90_000);

  it("SIGINT stops gracefully: the in-flight actor finishes before the exit", async () => {
    const s = space();
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "1"], s.env);
    await worker.waitForOutput(RUNNING);
    await s.broker.enqueue(new Message({ queueName: s.queue, actorName: "slow", args: [500] }));
    await until(async () => (await s.counter("started")) === 1, worker);
    worker.proc.kill("SIGINT");
    expect(await worker.exit).toBe(0);
    expect(await s.counter("processed")).toBe(1);
    expect(await s.broker.queueStats(s.queue)).toMatchObject({ ready: 0, inFlight: 0 });
  });

  it("--shutdown-timeout cuts off an actor still running, and its message is delivered again", async () => {
    const s = space();
    // A short Redis heartbeat timeout also brings the message back if the stopping worker could not requeue it itself.
    const env = { ...s.env, TEST_HEARTBEAT_TIMEOUT: "1000" };
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "1", "--shutdown-timeout", "200"], env);
    await worker.waitForOutput(RUNNING);
    await s.broker.enqueue(new Message({ queueName: s.queue, actorName: "slow", args: [60_000] }));
    await until(async () => (await s.counter("started")) === 1, worker);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
    expect(await s.counter("processed")).toBe(0);

    const next = troupe(["worker", fixture("tasks.mjs"), "--processes", "1", "--shutdown-timeout", "200"], env);
    await until(async () => (await s.counter("started")) === 2, next);
    next.proc.kill("SIGTERM");
    expect(await next.exit).toBe(0);
  });

  it("SIGHUP reloads: the worker processes are replaced and the supervisor keeps running", async () => {
    const s = space();
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "1"], s.env);
    await worker.waitForOutput(RUNNING);
    const [before] = await s.members("booted");
    worker.proc.kill("SIGHUP");
    await worker.waitForOutput(/SIGHUP: reloading the worker processes/);
    await until(async () => (await s.members("booted")).length === 2, worker);
    await until(() => !isAlive(Number(before)), worker);
    await s.broker.enqueue(new Message({ queueName: s.queue, actorName: "count", args: [] }));
    await until(async () => (await s.counter("processed")) === 1, worker);
    const after = (await s.members("booted")).find((pid) => pid !== before);
    expect(await s.members("pids")).toEqual([after]);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  });
});
