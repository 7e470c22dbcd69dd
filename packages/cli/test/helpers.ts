import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RedisBroker } from "@troupe/broker-redis";
import { Redis } from "ioredis";
import { afterAll, afterEach } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
export const BIN = join(here, "..", "dist", "bin.js");
export const fixture = (name: string) => join(here, "fixtures", name);
export const REDIS_URL = "redis://127.0.0.1:6379";

if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build the CLI first (npx turbo run build --filter=@troupe/cli...)`);

/** A spawned `troupe` command, with its output collected as it comes. */
export interface Troupe {
  readonly proc: ChildProcess;
  readonly pid: number;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  readonly exit: Promise<number | string>;
  /** Resolves when stdout + stderr match; rejects when the process exits first. */
  waitForOutput(pattern: RegExp): Promise<RegExpMatchArray>;
}

const spawned = new Set<ChildProcess>();

/** Runs `node dist/bin.js ...args` in its own process group, so cleanup can kill its worker processes too. */
export function troupe(args: string[], env: Record<string, string | undefined> = {}, cwd?: string): Troupe {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, TROUPE_BROKER_URL: undefined, TROUPE_LOG_LEVEL: undefined, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  spawned.add(proc);
  const listeners = new Set<() => void>();
  const handle: Troupe = {
    proc,
    pid: proc.pid as number,
    stdout: "",
    stderr: "",
    exit: new Promise((resolve) =>
      proc.once("exit", (code, signal) => {
        spawned.delete(proc);
        resolve(code ?? (signal as string));
        for (const listener of listeners) listener();
      }),
    ),
    waitForOutput(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = (handle.stdout + handle.stderr).match(pattern);
          if (match) {
            listeners.delete(check);
            resolve(match);
          } else if (proc.exitCode !== null || proc.signalCode !== null) {
            listeners.delete(check);
            reject(new Error(`troupe exited before printing ${pattern}:\n${handle.stdout}\n${handle.stderr}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
  };
  proc.stdout?.on("data", (chunk) => {
    handle.stdout += chunk;
    for (const listener of [...listeners]) listener();
  });
  proc.stderr?.on("data", (chunk) => {
    handle.stderr += chunk;
    for (const listener of [...listeners]) listener();
  });
  return handle;
}

/** Runs a short command to completion. */
export async function run(args: string[], env: Record<string, string | undefined> = {}) {
  const handle = troupe(args, env);
  const code = await handle.exit;
  return { code, stdout: handle.stdout, stderr: handle.stderr };
}

function killGroup(proc: ChildProcess): void {
  try {
    process.kill(-(proc.pid as number), "SIGKILL");
  } catch {
    // Already gone.
  }
}

afterEach(() => {
  for (const proc of spawned) killGroup(proc);
  spawned.clear();
});

/** A test's own Redis namespace, its broker (for enqueueing and stats) and a plain client; all removed after the file. */
export interface Space {
  ns: string;
  queue: string;
  env: Record<string, string>;
  broker: RedisBroker;
  redis: Redis;
  counter(name: string): Promise<number>;
  members(name: string): Promise<string[]>;
}

const spaces: Space[] = [];
let client: Redis | undefined;

export function space(queue = "default"): Space {
  client ??= new Redis(REDIS_URL);
  const redis = client;
  const ns = `troupe-cli-test-${randomUUID()}`;
  const created: Space = {
    ns,
    queue,
    env: { TEST_NS: ns, TEST_QUEUE: queue },
    broker: new RedisBroker({ url: REDIS_URL, namespace: ns }),
    redis,
    counter: async (name) => Number((await redis.get(`${ns}:test:${name}`)) ?? 0),
    members: (name) => redis.smembers(`${ns}:test:${name}`),
  };
  spaces.push(created);
  return created;
}

export async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== "0");
}

afterAll(async () => {
  for (const { ns, broker } of spaces.splice(0)) {
    await broker.close();
    if (client) await deleteKeys(client, `${ns}:*`);
  }
  await client?.quit();
  client = undefined;
});

/** Polls until `check` holds; the test's own timeout bounds it. Fails at once, with its output, if `worker` exits meanwhile. */
export async function until(check: () => Promise<boolean> | boolean, worker?: Troupe): Promise<void> {
  while (!(await check())) {
    if (worker && (worker.proc.exitCode !== null || worker.proc.signalCode !== null)) {
      throw new Error(`troupe exited while the test waited:\n${worker.stdout}\n${worker.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
