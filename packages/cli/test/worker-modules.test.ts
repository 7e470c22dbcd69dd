import { Message } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { fixture, run, type Space, space, troupe, until } from "./helpers.js";

const send = (s: Space, actorName: string, queueName = s.queue) => s.broker.enqueue(new Message({ queueName, actorName, args: [] }));

describe("troupe worker with several modules and MODULE:name", () => {
  it("imports every module in order on one broker and consumes all their queues", async () => {
    const s = space();
    await send(s, "count");
    await send(s, "second", `${s.queue}-second`);
    // The second module's actor is declared before the first one's setBroker runs: it binds to that broker.
    const worker = troupe(["worker", fixture("second-module.mjs"), fixture("tasks.mjs"), "--processes", "1"], s.env);
    await until(async () => (await s.counter("processed")) === 1 && (await s.counter("processed:second")) === 1, worker);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  });

  it("calls a sync setup function and runs on the broker it returns", async () => {
    const s = space();
    await send(s, "count");
    const worker = troupe(["worker", `${fixture("setup.mjs")}:setup`, "--processes", "1"], s.env);
    await until(async () => (await s.counter("processed")) === 1, worker);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  });

  it("awaits an async setup function and runs on the broker it passed to setBroker", async () => {
    const s = space();
    await send(s, "count");
    const worker = troupe(["worker", `${fixture("setup.mjs")}:setupAsync`, "--processes", "1"], s.env);
    await until(async () => (await s.counter("processed")) === 1, worker);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  });

  it("exits 2 naming both modules when they give two different brokers", async () => {
    const s = space();
    const { code, stderr } = await run(["worker", fixture("tasks.mjs"), fixture("other-broker.mjs"), "--processes", "1"], s.env);
    expect(code).toBe(2);
    expect(stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^troupe: \S*tasks\.mjs and \S*other-broker\.mjs give two different brokers: troupe worker runs all its modules on one/,
      ),
    ]);
  });

  it("exits 2 when a setup function returns something else than a broker, or the name is neither", async () => {
    const s = space();
    const wrong = await run(["worker", `${fixture("setup.mjs")}:setupWrong`, "--processes", "1"], s.env);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/setup\.mjs:setupWrong\(\) returned an object \(Object\), not a broker/);
    const missing = await run(["worker", `${fixture("setup.mjs")}:nothing`, "--processes", "1"], s.env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/setup\.mjs has no broker export or setup function named "nothing"/);
  });

  for (const [name, order] of [
    ["modules first", (modules: string[], queues: string[]) => [...modules, "-Q", ...queues]],
    ["-Q first", (modules: string[], queues: string[]) => ["-Q", ...queues, ...modules]],
  ] as const) {
    it(`-Q a b consumes the queues named, space-separated, with ${name}`, async () => {
      const s = space();
      for (const queue of ["alpha", "beta", "gamma"]) await send(s, `on_${queue}`, `${s.queue}-${queue}`);
      await send(s, "second", `${s.queue}-second`);
      const modules = [fixture("tasks.mjs"), fixture("second-module.mjs")];
      const queues = [`${s.queue}-alpha`, `${s.queue}-beta`, `${s.queue}-second`];
      const worker = troupe(["worker", ...order(modules, queues), "--processes", "1"], s.env);
      await until(async () => {
        const counts = await Promise.all(["processed:alpha", "processed:beta", "processed:second"].map((counter) => s.counter(counter)));
        return counts.every((count) => count === 1);
      }, worker);
      worker.proc.kill("SIGTERM");
      expect(await worker.exit).toBe(0);
      expect(await s.counter("processed:gamma")).toBe(0);
      expect(await s.broker.queueStats(`${s.queue}-gamma`)).toMatchObject({ ready: 1, inFlight: 0 });
    });
  }
});
