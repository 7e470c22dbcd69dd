import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, "..", "..", "..", "cli", "dist", "bin.js");
export const fixture = (name: string) => join(here, "..", "fixtures", name);

/** A running `troupe` command with its output collected as it comes. */
export interface Troupe {
  readonly proc: ChildProcess;
  output(): string;
  /** Resolves with the first match in stdout + stderr; rejects if the process exits first. */
  waitForOutput(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the exit code or signal name. */
  readonly exit: Promise<number | string>;
}

const spawned = new Set<ChildProcess>();

/** Starts `node packages/cli/dist/bin.js ...args` in its own process group, so cleanup reaches its worker processes. */
export function troupe(args: string[], env: Record<string, string>): Troupe {
  const missing = [BIN, join(here, "..", "..", "dist", "index.js")].find((file) => !existsSync(file));
  if (missing)
    throw new Error(`${missing} is missing: build first (npx turbo run build --filter=@troupe/prometheus... --filter=@troupe/cli...)`);
  const proc = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, TROUPE_BROKER_URL: undefined, TROUPE_LOG_LEVEL: undefined, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  spawned.add(proc);
  let text = "";
  const listeners = new Set<() => void>();
  const exit = new Promise<number | string>((resolve) =>
    proc.once("exit", (code, signal) => {
      spawned.delete(proc);
      resolve(code ?? (signal as string));
      for (const listener of [...listeners]) listener();
    }),
  );
  const onData = (chunk: Buffer) => {
    text += chunk;
    for (const listener of [...listeners]) listener();
  };
  proc.stdout?.on("data", onData);
  proc.stderr?.on("data", onData);
  return {
    proc,
    exit,
    output: () => text,
    waitForOutput: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = text.match(pattern);
          if (match) {
            listeners.delete(check);
            resolve(match);
          } else if (proc.exitCode !== null || proc.signalCode !== null) {
            listeners.delete(check);
            reject(new Error(`troupe exited before printing ${pattern}:\n${text}`));
          }
        };
        listeners.add(check);
        check();
      }),
  };
}

afterEach(() => {
  // Whatever a test left running, supervisor and worker processes alike, goes with its process group.
  for (const proc of spawned) {
    try {
      process.kill(-(proc.pid as number), "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  spawned.clear();
});
