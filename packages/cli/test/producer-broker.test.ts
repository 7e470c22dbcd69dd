import { spawn } from "node:child_process";
import { RedisBroker } from "@troupe/broker-redis";
import { describe, expect, it } from "vitest";
import { deleteKeys, fixture, REDIS_URL, space, troupe, until } from "./helpers.js";

/** Runs `node fixtures/producer.mjs` to its end with only the environment given (plus PATH). */
function produce(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [fixture("producer.mjs")], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
}

describe("a producer importing an actors-only module", () => {
  it("sends through the broker of TROUPE_BROKER_URL: the message lands in Redis and a worker runs it", async () => {
    const s = space(`troupe-producer-${process.pid}-${Date.now()}`);
    // A URL broker uses the default namespace; the unique queue name keeps this test apart.
    const inspect = new RedisBroker({ url: REDIS_URL });
    try {
      const sent = await produce({ ...s.env, TROUPE_BROKER_URL: REDIS_URL });
      expect(sent).toMatchObject({ code: 0, stderr: "" });
      const messageId = sent.stdout.trim();
      expect(messageId).toMatch(/^[0-9a-f-]{36}$/);
      expect(await inspect.queueStats(s.queue)).toMatchObject({ ready: 1 });
      const stored = await inspect.client.hvals(`dramatiq:${s.queue}.msgs`);
      expect(stored.map((raw) => JSON.parse(raw))).toMatchObject([{ message_id: messageId, actor_name: "count", queue_name: s.queue }]);

      const worker = troupe(["worker", fixture("no-broker.mjs"), "--processes", "1"], { ...s.env, TROUPE_BROKER_URL: REDIS_URL });
      await until(async () => (await s.counter("processed")) === 1, worker);
      worker.proc.kill("SIGTERM");
      expect(await worker.exit).toBe(0);
      expect(await inspect.queueStats(s.queue)).toMatchObject({ ready: 0, inFlight: 0 });
    } finally {
      await inspect.close();
      await deleteKeys(s.redis, `dramatiq:*${s.queue}*`);
    }
  });

  it("without any broker, send() rejects with BrokerNotSet saying how to set one, and the producer fails", async () => {
    const s = space(`troupe-producer-${process.pid}-${Date.now()}`);
    const sent = await produce(s.env);
    expect(sent.code).toBe(1);
    expect(sent.stdout).toBe("");
    expect(sent.stderr).toMatch(/^BrokerNotSet BROKER_NOT_SET: no broker is set: call setBroker\(broker\)/);
    expect(sent.stderr).toContain("set TROUPE_BROKER_URL");
    expect(sent.stderr).toContain("`troupe worker`");
  });
});
