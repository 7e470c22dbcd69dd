import type { Message } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { fixture, REDIS_URL, run, type Space, space } from "./helpers.js";

async function receive(s: Space, queueName: string): Promise<Message> {
  const consumer = s.broker.consume(queueName, { prefetch: 1, timeout: 200 });
  try {
    for await (const batch of consumer) if (batch.length > 0) return batch[0].message as Message;
    throw new Error("the consumer ended");
  } finally {
    await consumer.close();
  }
}

describe("troupe send", () => {
  it("enqueues one message with the given queue and arguments and prints its id", async () => {
    const s = space();
    const { code, stdout } = await run(["send", "count", "--queue", s.queue, "--args", "[1,2]", "-m", fixture("tasks.mjs")], s.env);
    expect(code).toBe(0);
    const id = stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const message = await receive(s, s.queue);
    expect(message).toMatchObject({ actorName: "count", queueName: s.queue, args: [1, 2], messageId: id });
  });

  it("takes the queue from the module's actor when --queue is omitted", async () => {
    const s = space();
    const { code } = await run(["send", "on_alpha", "-m", fixture("tasks.mjs")], s.env);
    expect(code).toBe(0);
    expect(await s.broker.queueStats(`${s.queue}-alpha`)).toMatchObject({ ready: 1 });
  });

  it("--delay puts the message on the delay queue", async () => {
    const s = space();
    const { code } = await run(["send", "count", "--queue", s.queue, "--delay", "60000", "-m", fixture("tasks.mjs")], s.env);
    expect(code).toBe(0);
    expect(await s.broker.queueStats(s.queue)).toMatchObject({ ready: 0, delayed: 1 });
  });

  it("exits 2 when --args is not a JSON array", async () => {
    const { code, stderr } = await run(["send", "count", "--args", "{1}", "--url", REDIS_URL]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^troupe: --args is not valid JSON/);
  });
});
