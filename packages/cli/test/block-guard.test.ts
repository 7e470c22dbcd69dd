import { actor, MemoryBroker, Worker } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { BlockGuard } from "../src/block-guard.js";
import type { ChildMessage } from "../src/ipc.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A memory broker with the guard, an actor that records the runs it overlaps, and a worker of concurrency 4. */
async function guarded(maxBlocks: number) {
  const errors: string[] = [];
  const broker = new MemoryBroker({ logger: { debug() {}, info() {}, warn() {}, error: (line) => void errors.push(line) } });
  const reports: ChildMessage[] = [];
  const guard = new BlockGuard(maxBlocks, [], (message) => void reports.push(message));
  broker.addMiddleware(guard);
  let running = 0;
  const overlaps = new Map<number, number>();
  const job = actor(
    "job",
    async (n: number) => {
      running++;
      overlaps.set(n, Math.max(overlaps.get(n) ?? 0, running));
      await sleep(20);
      overlaps.set(n, Math.max(overlaps.get(n) ?? 0, running));
      running--;
    },
    { broker },
  );
  const worker = new Worker(broker, { concurrency: 4, workerTimeout: 50 });
  return { broker, guard, reports, overlaps, job, worker, errors };
}

describe("BlockGuard", () => {
  it("runs a message that was running during a kill alone in its process, and reports starts and finishes", async () => {
    const g = await guarded(2);
    const messages = await g.job.sendMany(Array.from({ length: 12 }, (_, n) => [n]));
    g.guard.record({ id: messages[5].messageId, actor: "job", kills: 1, ms: 1000 });
    await g.worker.start();
    await g.broker.join("default", { timeout: 10_000 });
    await g.worker.stop();
    expect(g.overlaps.size).toBe(12);
    expect(g.overlaps.get(5)).toBe(1);
    expect(Math.max(...g.overlaps.values())).toBeGreaterThan(1);
    const started = g.reports.filter((r) => r.type === "started").map((r) => (r as { id: string }).id);
    const finished = g.reports.filter((r) => r.type === "finished").map((r) => (r as { id: string }).id);
    expect(started.sort()).toEqual(messages.map((m) => m.messageId).sort());
    expect(finished.sort()).toEqual(started);
  });

  it("dead-letters, unrun, a message that arrives with --max-blocks kills, with the reason", async () => {
    const g = await guarded(2);
    const [poison, fine] = await g.job.sendMany([[1], [2]]);
    g.guard.record({ id: poison.messageId, actor: "job", kills: 2, ms: 1234 });
    await g.worker.start();
    await g.broker.join("default", { timeout: 10_000, failFast: false });
    await g.worker.stop();
    expect([...g.overlaps.keys()]).toEqual([2]);
    expect(g.broker.deadLetters.map((m) => m.messageId)).toEqual([poison.messageId]);
    const [dead] = await g.broker.listDeadLetters("default");
    expect(dead.id).toBe(poison.messageId);
    expect(g.errors).toEqual([
      expect.stringMatching(
        /^dead-lettering .*: it blocked the event loop for 1234 ms in job, and its worker process was killed for it 2 time/,
      ),
    ]);
    expect(g.reports).toContainEqual({ type: "finished", id: poison.messageId });
    expect(g.reports).toContainEqual({ type: "finished", id: fine.messageId });
  });
});
