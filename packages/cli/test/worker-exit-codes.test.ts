import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Message } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { fixture, run, type Space, space, type Troupe, troupe, until } from "./helpers.js";

const RUNNING = /worker process\(es\) running/;

describe("troupe worker exit codes", () => {
  it("exits 0 after a graceful stop", async () => {
    const s = space();
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "1"], s.env);
    await worker.waitForOutput(RUNNING);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  });

  it("exits 1 when a second signal stops it at once", async () => {
    const s = space();
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "1"], s.env);
    await worker.waitForOutput(RUNNING);
    await s.broker.enqueue(slowMessage(s.queue, 60_000));
    await untilStarted(s, worker);
    worker.proc.kill("SIGTERM");
    await worker.waitForOutput(/stopping gracefully/);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(1);
  });

  it("exits 2 with one line when the module does not exist", async () => {
    const { code, stderr } = await run(["worker", fixture("missing.mjs"), "--processes", "1"]);
    expect(code).toBe(2);
    expect(stderr.trim().split("\n")).toEqual([expect.stringMatching(/^troupe: module not found: .*missing\.mjs/)]);
  });

  it("exits 2 with one line when importing the module throws", async () => {
    const { code, stderr } = await run(["worker", fixture("throws.mjs"), "--processes", "2"]);
    expect(code).toBe(2);
    expect(stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^troupe: importing .*throws\.mjs failed: Error: configuration is missing/),
    ]);
  });

  it("exits 2 when the module sets no broker and TROUPE_BROKER_URL is unset", async () => {
    const { code, stderr } = await run(["worker", fixture("no-broker.mjs"), "--processes", "1"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^troupe: .*no-broker\.mjs sets no broker: call setBroker\(\) in it, export the broker, or set TROUPE_BROKER_URL\n$/,
    );
  });

  it("exits 2 on an argument error", async () => {
    const { code, stderr } = await run(["worker", fixture("tasks.mjs"), "--processes", "many"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--processes must be a whole number/);
  });

  it("exits 3 with the URL, password hidden, when the broker is unreachable at start", async () => {
    const { code, stderr } = await run(["worker", fixture("unreachable.mjs"), "--processes", "2"]);
    expect(code).toBe(3);
    const ours = stderr.split("\n").filter((line) => line.startsWith("troupe:"));
    expect(ours).toEqual([expect.stringMatching(/^troupe: cannot reach the broker.*redis:\/\/:\*\*\*@127\.0\.0\.1:1/)]);
    expect(stderr).not.toContain("s3cret");
  });

  it("exits 4 when the pid file names a running process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "troupe-cli-"));
    const pidFile = join(dir, "worker.pid");
    writeFileSync(pidFile, `${process.pid}\n`);
    const { code, stderr } = await run(["worker", fixture("tasks.mjs"), "--pid-file", pidFile], space().env);
    expect(code).toBe(4);
    expect(stderr).toContain(`belongs to running process ${process.pid}`);
  });

  it("exits 4 when the pid file cannot be written", async () => {
    const pidFile = join(tmpdir(), `troupe-missing-dir-${process.pid}`, "worker.pid");
    const { code, stderr } = await run(["worker", fixture("tasks.mjs"), "--pid-file", pidFile], space().env);
    expect(code).toBe(4);
    expect(stderr).toContain("cannot write the pid file");
  });
});

function slowMessage(queueName: string, ms: number) {
  return new Message({ queueName, actorName: "slow", args: [ms] });
}

function untilStarted(s: Space, worker: Troupe) {
  return until(async () => (await s.counter("started")) > 0, worker);
}
