import { describe, expect, it } from "vitest";
import { fixture, run, space, troupe, until } from "./helpers.js";

const MODULES = [fixture("tasks.mjs"), fixture("worker-settings.mjs")];

describe("troupe worker and the TROUPE_* worker variables", () => {
  it("gives the Worker in each process its prefetches and timeouts from the environment", async () => {
    const s = space();
    const env = {
      ...s.env,
      TROUPE_QUEUE_PREFETCH: "3",
      TROUPE_DELAY_QUEUE_PREFETCH: "11",
      TROUPE_WORKER_TIMEOUT: "700",
      TROUPE_SHUTDOWN_TIMEOUT: "1234",
    };
    const worker = troupe(["worker", ...MODULES, "--processes", "1"], env);
    await until(async () => (await s.redis.exists(`${s.ns}:test:worker`)) === 1, worker);
    expect(await s.redis.hgetall(`${s.ns}:test:worker`)).toEqual({
      prefetch: "3",
      delayPrefetch: "11",
      workerTimeout: "700",
      shutdownTimeout: "1234",
    });
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  });

  it("lets --shutdown-timeout override TROUPE_SHUTDOWN_TIMEOUT, which is then not read", async () => {
    const s = space();
    const worker = troupe(["worker", ...MODULES, "--processes", "1", "--shutdown-timeout", "99"], {
      ...s.env,
      TROUPE_SHUTDOWN_TIMEOUT: "soon",
    });
    await until(async () => (await s.redis.exists(`${s.ns}:test:worker`)) === 1, worker);
    expect(await s.redis.hget(`${s.ns}:test:worker`, "shutdownTimeout")).toBe("99");
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  });

  it("exits 2 with one line naming a variable that is not a whole number, before starting any worker", async () => {
    const s = space();
    for (const [name, value, min] of [
      ["TROUPE_DELAY_QUEUE_PREFETCH", "lots", 1],
      ["TROUPE_SHUTDOWN_TIMEOUT", "-5", 0],
      ["TROUPE_RESTART_DELAY", "0", 1],
    ] as const) {
      const { code, stderr } = await run(["worker", ...MODULES, "--processes", "1"], { ...s.env, [name]: value });
      expect(code).toBe(2);
      expect(stderr).toBe(`troupe: ${name} must be a whole number of at least ${min}, got "${value}"\n`);
    }
    expect(await s.redis.exists(`${s.ns}:test:booted`)).toBe(0);
  });
});
