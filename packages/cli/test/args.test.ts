import { availableParallelism } from "node:os";
import { InvalidOption } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../src/args.js";
import { parseModuleSpec } from "../src/load-module.js";

describe("parseCommandLine", () => {
  it("gives troupe worker its defaults", () => {
    expect(parseCommandLine(["worker", "tasks.js"])).toEqual({
      name: "worker",
      modules: ["tasks.js"],
      processes: availableParallelism(),
      concurrency: 8,
      threads: availableParallelism(),
      queues: undefined,
      watch: undefined,
      watchUsePolling: false,
      watchInclude: [],
      watchExclude: [],
      pidFile: undefined,
      logFile: undefined,
      verbose: false,
      skipLogging: false,
      shutdownTimeout: undefined,
      watchdogTimeout: 30_000,
      maxBlocks: 2,
    });
  });

  it("reads every worker flag", () => {
    const argv = ["worker", "t.js", "-p", "2", "-c", "3", "-Q", "a, b", "--watch", "src", "--pid-file", "p", "--log-file", "l", "-v"];
    const timing = ["--shutdown-timeout", "100", "--watchdog-timeout", "500", "--max-blocks", "3", "--threads", "4"];
    expect(parseCommandLine([...argv, ...timing])).toMatchObject({
      processes: 2,
      concurrency: 3,
      threads: 4,
      queues: ["a", "b"],
      watch: "src",
      pidFile: "p",
      logFile: "l",
      verbose: true,
      shutdownTimeout: 100,
      watchdogTimeout: 500,
      maxBlocks: 3,
    });
  });

  it("rejects unknown flags, commands and bad numbers with InvalidOption", () => {
    for (const argv of [
      ["worker", "t.js", "--nope"],
      ["launch"],
      ["worker", "t.js", "-c", "0"],
      ["worker", "t.js", "--max-blocks", "0"],
      ["worker", "t.js", "--threads", "0"],
      ["worker"],
      ["send", "a", "--kwargs", "[]"],
    ]) {
      expect(() => parseCommandLine(argv)).toThrow(InvalidOption);
    }
  });
});

describe("parseModuleSpec", () => {
  it("splits a trailing export name and leaves paths alone", () => {
    expect(parseModuleSpec("./dist/tasks.js:broker")).toEqual({ path: "./dist/tasks.js", exportName: "broker" });
    expect(parseModuleSpec("./dist/tasks.js")).toEqual({ path: "./dist/tasks.js", exportName: undefined });
    expect(parseModuleSpec("C:\\app\\tasks.js")).toEqual({ path: "C:\\app\\tasks.js", exportName: undefined });
  });
});
