import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");

/** Runs a TypeScript fixture in its own Node process (tsx resolves @troupe/core to its sources). */
export function spawnFixture(name: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", join(fixtures, name), ...args], {
    env: { ...process.env, TSX_TSCONFIG_PATH: join(fixtures, "tsconfig.json") },
    stdio: ["ignore", "pipe", "inherit"],
  });
}

/** Resolves when the child prints `line`; rejects if it exits first. */
export function waitForLine(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(line)) resolve();
    });
    child.once("exit", (code) => reject(new Error(`the child exited (${code}) before printing "${line}"`)));
  });
}
