import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { eventually, sleep } from "@troupe/testkit";
import { build } from "esbuild";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { tickMessageId } from "../src/index.js";
import { deleteNamespace, REDIS_URL, uniqueNamespace } from "./helpers.js";

const fixture = fileURLToPath(new URL("./fixtures/scheduler-process.ts", import.meta.url));
const packages = fileURLToPath(new URL("../../", import.meta.url));
const admin = new Redis(REDIS_URL);
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

// The scheduler process is bundled once from the sources (as vitest resolves them: `@troupe/x` is
// packages/x/src, Lua is text), so each of the ~100 restarts is a plain `node` start.
const folder = mkdtempSync(join(tmpdir(), "troupe-scheduler-crash-"));
const bundle = join(folder, "scheduler-process.mjs");
beforeAll(async () => {
  await build({
    entryPoints: [fixture],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    loader: { ".lua": "text" },
    // ioredis is CommonJS: its require() calls need a require in the ES module.
    banner: { js: 'import { createRequire as troupeRequire } from "node:module"; const require = troupeRequire(import.meta.url);' },
    plugins: [
      {
        name: "troupe-sources",
        setup(esbuild) {
          esbuild.onResolve({ filter: /^@troupe\/[a-z0-9-]+$/ }, (args) => ({
            path: join(packages, args.path.slice("@troupe/".length), "src", "index.ts"),
          }));
        },
      },
    ],
    logLevel: "silent",
  });
});
afterAll(() => {
  admin.disconnect();
  rmSync(folder, { recursive: true, force: true });
});

const PROCESSES = 5;
const EVERY = 50;
const TICKS = 1_000;
const KILL_EVERY_TICKS = 10;
const LEASE = 500;

interface Child {
  process: ChildProcess;
  ready: Promise<void>;
}

function startChild(namespace: string): Child {
  const child = spawn(process.execPath, [bundle, REDIS_URL, namespace, String(LEASE)], { stdio: ["ignore", "pipe", "inherit"] });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve();
    });
    child.once("exit", (code, signal) => reject(new Error(`a scheduler process exited (${code ?? signal}) before it was ready`)));
  });
  ready.catch(() => {});
  return { process: child, ready };
}

const alive = (child: Child) => child.process.exitCode === null && child.process.signalCode === null;

it(`${PROCESSES} scheduler processes, one SIGKILLed every ${KILL_EVERY_TICKS} ticks and restarted, enqueue each of ${TICKS} ticks (every ${EVERY} ms) exactly once`, {
  timeout: 240_000,
}, async () => {
  const namespace = uniqueNamespace("crash");
  const children: Child[] = [];
  cleanup.push(async () => {
    for (const child of children) if (alive(child)) child.process.kill("SIGKILL");
    await deleteNamespace(admin, namespace);
  });
  const stored = () => admin.hlen(`${namespace}:ticks.msgs`);
  for (let i = 0; i < PROCESSES; i++) children.push(startChild(namespace));
  await Promise.all(children.map((child) => child.ready));

  // Kill one process every few ticks, preferring the one that sent last (likely mid-tick).
  let kills = 0;
  for (let next = KILL_EVERY_TICKS; next < TICKS; next += KILL_EVERY_TICKS) {
    await eventually(async () => (await stored()) >= next, `${next} ticks stored`, 20_000);
    const sending = Number(await admin.get(`${namespace}:test:sending`));
    const living = children.filter(alive);
    const victim = living.find((child) => child.process.pid === sending) ?? living[kills % living.length];
    victim.process.kill("SIGKILL");
    kills++;
    children[children.indexOf(victim)] = startChild(namespace);
  }
  await eventually(async () => (await stored()) >= TICKS, `${TICKS} ticks stored`, 20_000);

  // Let every process come up, then stop them all gracefully: nothing may be left claimed.
  await Promise.all(children.map((child) => child.ready));
  const exits = children.map((child) => once(child.process, "exit"));
  for (const child of children) child.process.kill("SIGTERM");
  await Promise.race([Promise.all(exits), sleep(30_000).then(() => Promise.reject(new Error("a scheduler did not stop within 30 s")))]);

  const messages = Object.values(await admin.hgetall(`${namespace}:ticks.msgs`)).map((raw) => JSON.parse(raw));
  const perTick = new Map<number, number>();
  for (const message of messages) {
    expect(message.message_id).toBe(tickMessageId("tick", message.message_timestamp));
    perTick.set(message.message_timestamp, (perTick.get(message.message_timestamp) ?? 0) + 1);
  }
  const ticks = [...perTick.keys()].sort((a, b) => a - b);
  const missing: number[] = [];
  for (let tick = ticks[0]; tick <= ticks.at(-1)!; tick += EVERY) if (!perTick.has(tick)) missing.push(tick);
  const doubled = [...perTick].filter(([, count]) => count > 1).map(([tick]) => tick);
  const sends = await admin.hgetall(`${namespace}:test:sends`);
  const sent = await admin.hgetall(`${namespace}:test:sent`);
  const resent = Object.values(sends).filter((count) => Number(count) > 1).length;
  // Sent twice and accepted twice by the broker: the killed sender's send had reached Redis.
  const acceptedTwice = Object.values(sent).filter((count) => Number(count) > 1).length;
  const state = await admin.hgetall(`${namespace}:schedules:tick`);
  console.log(
    `scheduler crash run: ${ticks.length} ticks, ${PROCESSES} processes, ${kills} SIGKILLs, ${messages.length} messages stored, ` +
      `${missing.length} missing, ${doubled.length} doubled; ${resent} tick(s) sent again by a process finishing a killed one's claim, ` +
      `${acceptedTwice} of them after the killed one's send had reached Redis (stored once: the copy id is the tick's)`,
  );
  expect(ticks.length).toBeGreaterThanOrEqual(TICKS);
  expect(missing).toEqual([]);
  expect(doubled).toEqual([]);
  expect(messages).toHaveLength(ticks.length);
  expect(await admin.llen(`${namespace}:ticks`)).toBe(messages.length);
  // A process sends a tick only when it claimed it: a second send follows only a kill.
  expect(resent).toBeLessThanOrEqual(kills);
  expect(state.claim_tick).toBeUndefined();
  expect(Number(state.last_tick)).toBe(ticks.at(-1));
});
