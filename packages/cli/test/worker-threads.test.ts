import { Message } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { fixture, space, troupe, until } from "./helpers.js";

describe("troupe worker --threads", () => {
  it("runs thread actors in N threads per process, and their busy loops never trip the watchdog", async () => {
    const s = space();
    const messages = Array.from({ length: 4 }, () => new Message({ queueName: s.queue, actorName: "spin_in_thread", args: [700] }));
    await s.broker.enqueueMany(messages);
    // Each run blocks its thread for 700 ms, over twice the watchdog timeout.
    const args = ["worker", fixture("threads.mjs"), "--processes", "1", "--threads", "2", "--watchdog-timeout", "300"];
    const worker = troupe(args, s.env);
    await until(async () => (await s.counter("processed")) === 4, worker);
    const threads = await s.members("threads");
    const pids = new Set(threads.map((entry) => entry.split(":")[0]));
    expect(pids.size).toBe(1);
    expect(new Set(threads).size).toBe(2);
    expect(Object.values(await s.redis.hgetall(`${s.ns}:test:max-running`))).toEqual(["2"]);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
    expect(worker.stdout + worker.stderr).not.toMatch(/blocked|watchdog|restart/i);
  });
});
