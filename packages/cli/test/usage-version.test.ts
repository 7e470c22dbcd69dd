import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { run } from "./helpers.js";

const manifest = join(dirname(fileURLToPath(import.meta.url)), "..", "package.json");
const { version } = JSON.parse(readFileSync(manifest, "utf8")) as { version: string };

describe("troupe without a command, and troupe --version", () => {
  it("prints the usage on stderr and exits 2 when no command is given", async () => {
    const { code, stdout, stderr } = await run([]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^Usage: troupe <command> \[options\]\n/);
    expect(stderr).toContain("worker MODULE[:name]...");
  });

  it("lists the worker's flags and variables for troupe worker --help", async () => {
    const { code, stdout } = await run(["worker", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: troupe worker MODULE\[:name\] \[MODULE\[:name\]\.\.\.\] \[options\]\n/);
    for (const text of ["-Q, --queues a b | a,b", "put the modules first", "--watch-include GLOB", "--watch-exclude GLOB"]) {
      expect(stdout).toContain(text);
    }
    for (const text of ["--watch-use-polling", "--skip-logging", "--threads N", "TROUPE_QUEUE_PREFETCH", "TROUPE_SHUTDOWN_TIMEOUT"]) {
      expect(stdout).toContain(text);
    }
  });

  it("prints the version from the CLI's package.json and exits 0, for --version and -V", async () => {
    for (const flag of ["--version", "-V"]) {
      const { code, stdout, stderr } = await run([flag]);
      expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
    }
  });
});
