import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidOption } from "@troupe/core";
import { afterAll, describe, expect, it } from "vitest";
import { parseWorker } from "../src/worker-args.js";

const dir = mkdtempSync(join(tmpdir(), "troupe-worker-args-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("parseWorker", () => {
  it("takes several modules, in order, with or without a :name", () => {
    expect(parseWorker(["./a.js", "b.mjs:setup", "./c.js:broker"]).modules).toEqual(["./a.js", "b.mjs:setup", "./c.js:broker"]);
  });

  it("reads -Q a b as Dramatiq does, modules first", () => {
    expect(parseWorker(["./a.js", "./b.js", "-Q", "emails", "images"])).toMatchObject({
      modules: ["./a.js", "./b.js"],
      queues: ["emails", "images"],
    });
  });

  it("reads -Q first when the modules are plainly modules: a path, a script extension, a :name or an existing file", () => {
    const bare = join(dir, "tasks");
    writeFileSync(bare, "");
    const argv = ["-Q", "emails", "images.low", "./a", "b.js", "c.ts", "tasks:broker", "reports", "-c", "2", "x.mjs"];
    // An existing file without extension, named relative to the current directory.
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(parseWorker([...argv, "-Q", "audio", "tasks"])).toMatchObject({
        modules: ["./a", "b.js", "c.ts", "tasks:broker", "x.mjs", "tasks"],
        queues: ["emails", "images.low", "reports", "audio"],
        concurrency: 2,
      });
    } finally {
      process.chdir(cwd);
    }
  });

  it("stays comma compatible, and mixes both forms", () => {
    expect(parseWorker(["t.js", "-Q", "a,b", "c", "--queues=d, e"]).queues).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("ends the queues at a flag or at --", () => {
    expect(parseWorker(["-Q", "a", "-v", "tasks"])).toMatchObject({ modules: ["tasks"], queues: ["a"], verbose: true });
    expect(parseWorker(["-Q", "a", "--", "tasks"])).toMatchObject({ modules: ["tasks"], queues: ["a"] });
  });

  it("reads the watch flags, --skip-logging and an explicit --shutdown-timeout", () => {
    const argv = ["t.js", "--watch", "src", "--watch-use-polling", "--watch-include", "**/*.graphql", "--watch-include", "*.sql"];
    expect(parseWorker([...argv, "--watch-exclude", "dist/**", "--skip-logging", "--shutdown-timeout", "0"])).toMatchObject({
      watch: "src",
      watchUsePolling: true,
      watchInclude: ["**/*.graphql", "*.sql"],
      watchExclude: ["dist/**"],
      skipLogging: true,
      shutdownTimeout: 0,
    });
  });

  it("rejects no module, an empty queue list, and watch flags without --watch", () => {
    for (const argv of [
      ["-Q", "a", "b"],
      ["t.js", "-Q", ","],
      ["t.js", "--watch-use-polling"],
      ["t.js", "--watch-include", "*.sql"],
      ["t.js", "--watch-exclude", "dist/**"],
    ]) {
      expect(() => parseWorker(argv), argv.join(" ")).toThrow(InvalidOption);
    }
    expect(() => parseWorker(["-Q", "a"])).toThrow("troupe worker takes at least one MODULE, got none");
    expect(() => parseWorker(["t.js", "--watch-include", "*.sql"])).toThrow("--watch-include needs --watch DIR");
  });
});
