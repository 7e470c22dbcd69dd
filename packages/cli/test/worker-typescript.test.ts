import { Message } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { fixture, space, troupe, until } from "./helpers.js";

describe("troupe worker with a TypeScript module", () => {
  it("loads a .ts module through tsx and runs its actors, in worker threads too", async () => {
    const s = space();
    await s.broker.enqueue(new Message({ queueName: s.queue, actorName: "typed", args: [{ amount: 5 }] }));
    await s.broker.enqueue(new Message({ queueName: s.queue, actorName: "typed_in_thread", args: [{ amount: 7 }] }));
    // Its own folder and tsconfig, as a user's project: tsx resolves @troupe/* to the installed builds.
    const dir = fixture("typescript");
    const worker = troupe(["worker", `${dir}/tasks.ts`, "--processes", "1"], s.env, dir);
    await until(async () => (await s.counter("processed")) === 5 && (await s.counter("processed:thread")) === 7, worker);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  });
});
