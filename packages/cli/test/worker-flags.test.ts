import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RedisBroker } from "@troupe/broker-redis";
import { Message } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { deleteKeys, fixture, isAlive, REDIS_URL, type Space, space, troupe, until } from "./helpers.js";

const RUNNING = /worker process\(es\) running/;
const send = (s: Space, actorName: string, count: number, args: unknown[] = [], queueName = s.queue) =>
  s.broker.enqueueMany(Array.from({ length: count }, () => new Message({ queueName, actorName, args })));
const tempDir = () => mkdtempSync(join(tmpdir(), "troupe-cli-"));

describe("troupe worker flags", () => {
  it("--concurrency C runs at most C actors at once in a process, and uses all C", async () => {
    const s = space();
    await send(s, "track", 12, [200]);
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "1", "--concurrency", "3"], s.env);
    await until(async () => (await s.counter("processed")) === 12, worker);
    expect(Object.values(await s.redis.hgetall(`${s.ns}:test:max-running`))).toEqual(["3"]);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  });

  it("--queues consumes only the named queues", async () => {
    const s = space();
    for (const name of ["alpha", "beta", "gamma"]) await send(s, `on_${name}`, 1, [], `${s.queue}-${name}`);
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "1", "--queues", `${s.queue}-alpha,${s.queue}-beta`], s.env);
    await until(async () => (await s.counter("processed:alpha")) === 1 && (await s.counter("processed:beta")) === 1, worker);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
    expect(await s.counter("processed:gamma")).toBe(0);
    expect(await s.broker.queueStats(`${s.queue}-gamma`)).toMatchObject({ ready: 1, inFlight: 0 });
  });

  it("--watch DIR reloads the worker processes when a file in DIR changes", async () => {
    const s = space();
    const dir = tempDir();
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "1", "--watch", dir], s.env);
    await worker.waitForOutput(RUNNING);
    const [before] = await s.members("booted");
    writeFileSync(join(dir, "tasks.js"), "// changed\n");
    await worker.waitForOutput(/a change in tasks\.js: reloading the worker processes/);
    await until(async () => (await s.members("booted")).length === 2, worker);
    await until(() => !isAlive(Number(before)), worker);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  });

  it("--watch keeps the supervisor up through an import error after a reload, and starts workers once it is fixed", async () => {
    const s = space();
    const dir = mkdtempSync(join(fixture(""), ".watch-"));
    try {
      const module = join(dir, "tasks.mjs");
      writeFileSync(module, 'export * from "../tasks.mjs";\n');
      const worker = troupe(["worker", module, "--processes", "1", "--watch", dir], s.env);
      await worker.waitForOutput(RUNNING);
      writeFileSync(module, 'throw new Error("half-saved");\n');
      await worker.waitForOutput(/importing .*tasks\.mjs failed: Error: half-saved[\s\S]*waiting for a change in/);
      writeFileSync(module, 'export * from "../tasks.mjs";\n');
      await until(async () => (await s.members("booted")).length === 2, worker);
      await send(s, "count", 1);
      await until(async () => (await s.counter("processed")) === 1, worker);
      worker.proc.kill("SIGTERM");
      expect(await worker.exit).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--pid-file holds the supervisor's pid while it runs, replaces a stale one, and is removed at exit", async () => {
    const s = space();
    const pidFile = join(tempDir(), "worker.pid");
    writeFileSync(pidFile, "999999999\n");
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "1", "--pid-file", pidFile], s.env);
    await worker.waitForOutput(RUNNING);
    expect(readFileSync(pidFile, "utf8")).toBe(`${worker.pid}\n`);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
    expect(existsSync(pidFile)).toBe(false);
  });

  it("--log-file receives the supervisor's log and the worker processes' output", async () => {
    const s = space();
    const logFile = join(tempDir(), "troupe.log");
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "1", "--log-file", logFile], s.env);
    await until(() => existsSync(logFile) && RUNNING.test(readFileSync(logFile, "utf8")), worker);
    const [pid] = await s.members("booted");
    await until(() => readFileSync(logFile, "utf8").includes(`booted ${pid}`), worker);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
    expect(readFileSync(logFile, "utf8")).toContain("SIGTERM: stopping gracefully");
    expect(worker.stdout + worker.stderr).toBe("");
  });

  it("-v logs debug details", async () => {
    const s = space();
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "1", "-v"], s.env);
    await worker.waitForOutput(/DEBUG forked worker process \d+/);
    await worker.waitForOutput(RUNNING);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  });

  it("MODULE:export takes the broker from that export and binds the module's actors to it", async () => {
    const s = space();
    await send(s, "count", 3);
    const worker = troupe(["worker", `${fixture("exported.mjs")}:redis`, "--processes", "1"], s.env);
    await until(async () => (await s.counter("processed")) === 3, worker);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  });

  it("TROUPE_BROKER_URL supplies the broker when the module sets none, and the declared actors bind to it", async () => {
    const s = space(`troupe-cli-${process.pid}-${Date.now()}`);
    // A URL broker uses the default namespace; the unique queue name keeps this test apart.
    const producer = new RedisBroker({ url: REDIS_URL });
    try {
      await producer.enqueueMany([1, 2].map(() => new Message({ queueName: s.queue, actorName: "count", args: [] })));
      const worker = troupe(["worker", fixture("no-broker.mjs"), "--processes", "1"], { ...s.env, TROUPE_BROKER_URL: REDIS_URL });
      await until(async () => (await s.counter("processed")) === 2, worker);
      worker.proc.kill("SIGTERM");
      expect(await worker.exit).toBe(0);
      expect(await producer.queueStats(s.queue)).toMatchObject({ ready: 0, inFlight: 0 });
    } finally {
      await producer.close();
      await deleteKeys(s.redis, `dramatiq:*${s.queue}*`);
    }
  });
});
