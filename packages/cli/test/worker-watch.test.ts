import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixture, space, troupe, until } from "./helpers.js";

const RUNNING = /worker process\(es\) running/;
const RELOADS = /a change in (\S+): reloading the worker processes/g;
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "troupe-cli-watch-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("troupe worker --watch", () => {
  it("reloads for included files only: --watch-exclude and node_modules are ignored, --watch-include adds patterns", async () => {
    const s = space();
    const dir = tempDir();
    mkdirSync(join(dir, "generated"));
    mkdirSync(join(dir, "node_modules"));
    const flags = ["--watch", dir, "--watch-exclude", "generated/**", "--watch-include", "**/*.graphql"];
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "1", ...flags], s.env);
    await worker.waitForOutput(RUNNING);
    writeFileSync(join(dir, "generated", "client.js"), "// excluded by --watch-exclude\n");
    writeFileSync(join(dir, "node_modules", "dep.js"), "// excluded by default\n");
    writeFileSync(join(dir, "notes.txt"), "not a source file\n");
    // Well past the debounce: a reload for any of them would have begun.
    await sleep(1000);
    expect(worker.stdout + worker.stderr).not.toMatch(RELOADS);
    writeFileSync(join(dir, "schema.graphql"), "type Query { a: Int }\n");
    await worker.waitForOutput(/a change in schema\.graphql: reloading/);
    await until(async () => (await s.members("booted")).length === 2, worker);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
    expect([...(worker.stdout + worker.stderr).matchAll(RELOADS)].map((match) => match[1])).toEqual(["schema.graphql"]);
  });

  it("reloads on a change to a default source file with --watch-use-polling", async () => {
    const s = space();
    const dir = tempDir();
    writeFileSync(join(dir, "tasks.ts"), "export {};\n");
    const worker = troupe(["worker", fixture("tasks.mjs"), "--processes", "1", "--watch", dir, "--watch-use-polling"], s.env);
    await worker.waitForOutput(RUNNING);
    writeFileSync(join(dir, "tasks.ts"), "export const changed = true;\n");
    await worker.waitForOutput(/a change in tasks\.ts: reloading/);
    await until(async () => (await s.members("booted")).length === 2, worker);
    worker.proc.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  });
});
