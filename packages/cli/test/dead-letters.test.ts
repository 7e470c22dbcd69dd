import { Message } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { fixture, run, type Space, space, troupe, until } from "./helpers.js";

const LONG = "x".repeat(100);

/** Dead-letters `count` messages the real way: a worker runs the failing actor until its retry is exhausted. */
async function deadLetters(s: Space, count: number): Promise<string[]> {
  const sent = await s.broker.enqueueMany(
    Array.from({ length: count }, (_, i) => new Message({ queueName: s.queue, actorName: "fail", args: [i, LONG] })),
  );
  const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "1"], s.env);
  await until(async () => (await s.broker.queueStats(s.queue)).deadLetters === count, worker);
  worker.proc.kill("SIGTERM");
  expect(await worker.exit).toBe(0);
  return sent.map((message) => message.messageId);
}

/** The message ids waiting on the queue, read by consuming them without acking. */
async function waitingIds(s: Space, count: number): Promise<string[]> {
  const consumer = s.broker.consume(s.queue, { prefetch: count, timeout: 200 });
  const ids: string[] = [];
  for await (const batch of consumer) {
    for (const delivery of batch) ids.push(delivery.message?.messageId as string);
    if (ids.length >= count || batch.length === 0) break;
  }
  await consumer.close();
  return ids;
}

describe("troupe dead-letters", () => {
  it("list shows the actor, truncated arguments, message id and reason of each dead letter", async () => {
    const s = space();
    const ids = await deadLetters(s, 2);
    const { code, stdout, stderr } = await run(["dead-letters", "list", s.queue, "-m", fixture("tasks.mjs")], s.env);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    for (const [i, id] of ids.entries()) {
      const line = lines.find((candidate) => candidate.includes(id)) as string;
      expect(line).toContain(`fail(${i},"xxxx`);
      expect(line).toContain("…");
      expect(line).not.toContain(LONG);
      expect(line).toContain(`message_id=${id}`);
      expect(line).toContain("reason: Error: boom");
    }
    expect(stderr).toBe(`2 dead letter(s) in ${s.queue}\n`);
  });

  it("list --json --limit N gives at most N dead letters as JSON", async () => {
    const s = space();
    const ids = await deadLetters(s, 3);
    const { code, stdout } = await run(["dead-letters", "list", s.queue, "-m", fixture("tasks.mjs"), "--json", "--limit", "2"], s.env);
    expect(code).toBe(0);
    const letters = JSON.parse(stdout) as { message: { message_id: string; actor_name: string }; reason: string }[];
    expect(letters).toHaveLength(2);
    for (const letter of letters) {
      expect(ids).toContain(letter.message.message_id);
      expect(letter.message.actor_name).toBe("fail");
      expect(letter.reason).toBe("Error: boom");
    }
  });

  it("requeue moves every dead letter back to its queue with the same message id, and prints a summary when stderr is not a TTY", async () => {
    const s = space();
    const ids = await deadLetters(s, 3);
    const { code, stdout, stderr } = await run(["dead-letters", "requeue", s.queue, "-m", fixture("tasks.mjs")], s.env);
    expect(code).toBe(0);
    expect(stdout).toBe(`requeued 3 dead letter(s) to ${s.queue}\n`);
    expect(stderr).toBe("");
    expect(await s.broker.queueStats(s.queue)).toMatchObject({ ready: 3, deadLetters: 0 });
    expect((await waitingIds(s, 3)).sort()).toEqual([...ids].sort());
  });

  it("requeue --limit N moves only N", async () => {
    const s = space();
    await deadLetters(s, 3);
    const { code, stdout } = await run(["dead-letters", "requeue", s.queue, "-m", fixture("tasks.mjs"), "--limit", "2"], s.env);
    expect(code).toBe(0);
    expect(stdout).toBe(`requeued 2 dead letter(s) to ${s.queue}\n`);
    expect(await s.broker.queueStats(s.queue)).toMatchObject({ ready: 2, deadLetters: 1 });
  });

  it("purge deletes the dead letters", async () => {
    const s = space();
    await deadLetters(s, 2);
    const { code, stdout } = await run(["dead-letters", "purge", s.queue, "-m", fixture("tasks.mjs")], s.env);
    expect(code).toBe(0);
    expect(stdout).toBe(`purged 2 dead letter(s) from ${s.queue}\n`);
    expect(await s.broker.queueStats(s.queue)).toMatchObject({ ready: 0, deadLetters: 0 });
  });

  it("exits 2 on an unknown action", async () => {
    const { code, stderr } = await run(["dead-letters", "revive", "default"]);
    expect(code).toBe(2);
    expect(stderr).toBe(`troupe: troupe dead-letters needs list, requeue or purge, got "revive"\n`);
  });
});
