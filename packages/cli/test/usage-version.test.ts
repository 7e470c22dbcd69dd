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
    expect(stderr).toContain("worker MODULE[:export]");
  });

  it("prints the version from the CLI's package.json and exits 0, for --version and -V", async () => {
    for (const flag of ["--version", "-V"]) {
      const { code, stdout, stderr } = await run([flag]);
      expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
    }
  });
});
