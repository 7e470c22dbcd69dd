import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { dirname } from "node:path";
import { Barrier, type RateLimiterBackend } from "@troupe/core";
import { afterAll, describe, expect, it } from "vitest";
import { slotExpiryConformance } from "./rate-limiter-slot-conformance.js";

/** Options of `rateLimiterBackendConformance`. */
export interface RateLimiterBackendConformanceOptions {
  /**
   * Whether the backend keeps a deadline per holder (`acquireSlot` / `releaseSlot`), so a
   * dead holder's slot comes back within its TTL under continuous use (default true).
   * False for a store that cannot (memcached): the suite then checks that the backend
   * leaves those methods out, so concurrent limiters fall back to `incr` / `decr`.
   */
  slotExpiry?: boolean;
  /**
   * Runs the cross-process tests: `module` is an absolute path to a TypeScript or
   * JavaScript module exporting `exportName` (default "createBackend"), a function
   * returning a backend on the same store as `factory`. Children run as
   * `node --import tsx` from the module's directory, which must resolve `tsx` and `@troupe/core`.
   */
  processes?: {
    /** Absolute path of the module that creates backends in the child processes. */
    module: string;
    /** The factory's export name (default `"createBackend"`). */
    exportName?: string;
    /** How many child processes compete (default 4). */
    count?: number;
  };
}

type Factory = () => RateLimiterBackend | Promise<RateLimiterBackend>;

const TTL = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A concurrent-limiter acquisition in backend operations, as docs/protocol.md §7 defines it. */
async function tryAcquire(backend: RateLimiterBackend, key: string, limit: number): Promise<boolean> {
  return (await backend.add(key, 1, TTL)) || (await backend.incr(key, 1, limit, TTL));
}

/**
 * The contract every `RateLimiterBackend` meets. Each `factory()` call must return
 * a backend on the same store, on its own connection where there is one (for an
 * in-memory backend: the same instance), so the suite can play several workers.
 * Keys are unique per run and carry short TTLs, so they clean themselves up.
 */
export function rateLimiterBackendConformance(name: string, factory: Factory, options: RateLimiterBackendConformanceOptions = {}): void {
  describe(`rate limiter backend conformance: ${name}`, () => {
    const opened: RateLimiterBackend[] = [];
    const run = randomUUID().slice(0, 8);
    let counter = 0;
    const key = (label: string) => `troupe-conformance-${run}-${label}-${++counter}`;
    const open = async (): Promise<RateLimiterBackend> => {
      const backend = await factory();
      if (!opened.includes(backend)) opened.push(backend);
      return backend;
    };
    const openMany = (n: number) => Promise.all(Array.from({ length: n }, open));

    afterAll(async () => {
      for (const backend of opened) await backend.close?.();
    });

    it("add sets a key only when it is absent", async () => {
      const backend = await open();
      const k = key("add");
      expect(await backend.add(k, 3, TTL)).toBe(true);
      expect(await backend.add(k, 3, TTL)).toBe(false);
    });

    it("incr adds up to the maximum, refuses beyond it, and a refusal takes no slot", async () => {
      const backend = await open();
      const k = key("incr");
      expect(await backend.add(k, 1, TTL)).toBe(true);
      expect(await backend.incr(k, 1, 2, TTL)).toBe(true);
      expect(await backend.incr(k, 1, 2, TTL)).toBe(false);
      expect(await backend.decr(k, 1, 0, TTL)).toBe(true);
      expect(await backend.incr(k, 1, 2, TTL)).toBe(true);
      expect(await backend.incr(k, 1, 2, TTL)).toBe(false);
    });

    it("incr counts a missing key from zero", async () => {
      const backend = await open();
      const k = key("incr-missing");
      expect(await backend.incr(k, 2, 2, TTL)).toBe(true);
      expect(await backend.incr(k, 1, 2, TTL)).toBe(false);
      expect(await backend.incr(key("incr-over"), 3, 2, TTL)).toBe(false);
    });

    it("decr subtracts down to the minimum and refuses below it", async () => {
      const backend = await open();
      const k = key("decr");
      expect(await backend.add(k, 3, TTL)).toBe(true);
      expect(await backend.decr(k, 1, 1, TTL)).toBe(true);
      expect(await backend.decr(k, 1, 1, TTL)).toBe(true);
      expect(await backend.decr(k, 1, 1, TTL)).toBe(false);
      expect(await backend.decr(k, 1, 1, TTL)).toBe(false);
      expect(await backend.decr(key("decr-missing"), 1, 0, TTL)).toBe(false);
    });

    it("incrAndSum refuses when the sum over the keys would pass the maximum", async () => {
      const backend = await open();
      const [current, previous] = [key("sum-now"), key("sum-before")];
      expect(await backend.add(previous, 2, TTL)).toBe(true);
      expect(await backend.incrAndSum(current, [current, previous], 1, 3, TTL)).toBe(true);
      expect(await backend.incrAndSum(current, [current, previous], 1, 3, TTL)).toBe(false);
      // Without the other key in the window, the current counter alone (1) has room.
      expect(await backend.incrAndSum(current, [current], 1, 3, TTL)).toBe(true);
    });

    it("bucket counters are independent: a full bucket leaves the next one free", async () => {
      const backend = await open();
      const base = key("bucket");
      const [first, next] = [`${base}@1795564380000`, `${base}@1795564440000`];
      expect(await tryAcquire(backend, first, 2)).toBe(true);
      expect(await tryAcquire(backend, first, 2)).toBe(true);
      expect(await tryAcquire(backend, first, 2)).toBe(false);
      expect(await tryAcquire(backend, next, 2)).toBe(true);
    });

    it("window counters: a second leaving the window gives its capacity back", async () => {
      const backend = await open();
      const base = key("window");
      const window = (second: number) => [0, 1, 2].map((i) => `${base}@${second - i}`);
      const at100 = window(100);
      expect(await backend.incrAndSum(at100[2], window(98), 1, 3, TTL)).toBe(true);
      expect(await backend.incrAndSum(at100[0], at100, 1, 3, TTL)).toBe(true);
      expect(await backend.incrAndSum(at100[0], at100, 1, 3, TTL)).toBe(true);
      expect(await backend.incrAndSum(at100[0], at100, 1, 3, TTL)).toBe(false);
      const at101 = window(101);
      expect(await backend.incrAndSum(at101[0], at101, 1, 3, TTL)).toBe(true);
      expect(await backend.incrAndSum(at101[0], at101, 1, 3, TTL)).toBe(false);
      const at103 = window(103);
      expect(await backend.incrAndSum(at103[0], at103, 1, 3, TTL)).toBe(true);
    });

    it("keys expire after their TTL", async () => {
      const backend = await open();
      const k = key("ttl");
      expect(await backend.add(k, 1, 1000)).toBe(true);
      expect(await backend.add(k, 1, 1000)).toBe(false);
      // Backends keep TTLs in whole seconds at worst, so allow a few seconds for it to go.
      const deadline = Date.now() + 5000;
      let expired = false;
      while (!expired && Date.now() < deadline) {
        await sleep(100);
        expired = await backend.add(k, 1, 1000);
      }
      expect(expired).toBe(true);
    });

    it("concurrent holders on separate connections never exceed the limit", async () => {
      const backends = await openMany(4);
      const k = key("concurrent");
      const limit = 3;
      let inFlight = 0;
      let maxInFlight = 0;
      let granted = 0;
      const holder = async (backend: RateLimiterBackend) => {
        for (let done = 0; done < 3; ) {
          if (!(await tryAcquire(backend, k, limit))) {
            await sleep(1 + Math.random() * 4);
            continue;
          }
          inFlight++;
          granted++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await sleep(2);
          inFlight--;
          await backend.decr(k, 1, 0, TTL);
          done++;
        }
      };
      await Promise.all(Array.from({ length: 24 }, (_, i) => holder(backends[i % backends.length])));
      expect(granted).toBe(72);
      expect(maxInFlight).toBeLessThanOrEqual(limit);
      // Every slot came back: exactly `limit` fresh acquisitions fit.
      const after = await Promise.all(Array.from({ length: limit + 2 }, (_, i) => tryAcquire(backends[i % backends.length], k, limit)));
      expect(after.filter(Boolean)).toHaveLength(limit);
    });

    it("concurrent incr on one bucket grants exactly the limit", async () => {
      const backends = await openMany(4);
      const k = key("bucket-race");
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => backends[i % backends.length].incr(k, 1, 5, TTL)));
      expect(results.filter(Boolean)).toHaveLength(5);
    });

    it("concurrent incrAndSum never grants more than the limit", async () => {
      const backends = await openMany(4);
      const base = key("window-race");
      const keys = [`${base}@2`, `${base}@1`];
      expect(await backends[0].add(keys[1], 2, TTL)).toBe(true);
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => backends[i % backends.length].incrAndSum(keys[0], keys, 1, 6, TTL)),
      );
      const granted = results.filter(Boolean).length;
      expect(granted).toBeGreaterThanOrEqual(1);
      expect(granted).toBeLessThanOrEqual(4);
    });

    it("wait returns false when nothing is notified within the timeout", async () => {
      const backend = await open();
      expect(await backend.wait(key("quiet"), 300)).toBe(false);
    });

    it("wait returns true when the key was notified before", async () => {
      const backend = await open();
      const k = key("events");
      await backend.notify(k, TTL);
      expect(await backend.wait(k, 5000)).toBe(true);
      expect(await backend.wait(k, 5000)).toBe(true);
    });

    it("blocked barrier waiters on other connections wake when the last party arrives", async () => {
      const [a, b, c] = await openMany(3);
      const k = key("barrier");
      expect(await new Barrier(a, k, { ttl: TTL }).create(3)).toBe(true);
      const waiting = [
        new Barrier(a, k, { ttl: TTL }).wait({ timeout: 20_000 }),
        new Barrier(b, k, { ttl: TTL }).wait({ timeout: 20_000 }),
      ];
      await sleep(100);
      expect(await new Barrier(c, k, { ttl: TTL }).wait({ block: false })).toBe(true);
      expect(await Promise.all(waiting)).toEqual([true, true]);
    });

    it("exactly one of many concurrent barrier arrivals clears it", async () => {
      const backends = await openMany(4);
      const k = key("barrier-race");
      expect(await new Barrier(backends[0], k, { ttl: TTL }).create(20)).toBe(true);
      const arrivals = await Promise.all(
        Array.from({ length: 20 }, (_, i) => new Barrier(backends[i % backends.length], k, { ttl: TTL }).wait({ block: false })),
      );
      expect(arrivals.filter(Boolean)).toHaveLength(1);
      expect(await new Barrier(backends[0], k, { ttl: TTL }).wait({ block: false })).toBe(true);
    });

    if (options.slotExpiry ?? true) {
      const slotProcesses = options.processes && {
        module: options.processes.module,
        exportName: options.processes.exportName ?? "createBackend",
      };
      slotExpiryConformance({ open, key, processes: slotProcesses });
    } else {
      it("leaves out acquireSlot and releaseSlot, which it cannot keep", async () => {
        const backend = await open();
        expect(backend.acquireSlot).toBeUndefined();
        expect(backend.releaseSlot).toBeUndefined();
      });
    }

    const processes = options.processes;
    if (processes) {
      const count = processes.count ?? 4;
      const children = (args: string[]) => runChildren(processes.module, processes.exportName ?? "createBackend", count, args);

      it("holders in several processes never exceed the limit", { timeout: 120_000 }, async () => {
        const k = key("processes");
        const limit = 2;
        const reports = await children(["hold", k, String(limit), "5", "15"]);
        const intervals = reports.flatMap((report) => report.intervals as [number, number][]);
        expect(intervals).toHaveLength(count * 5);
        expect(maxOverlap(intervals)).toBeLessThanOrEqual(limit);
      });

      it("exactly one of several processes arriving at a barrier clears it", { timeout: 120_000 }, async () => {
        const backend = await open();
        const k = key("barrier-processes");
        expect(await new Barrier(backend, k, { ttl: TTL }).create(count)).toBe(true);
        const reports = await children(["barrier", k]);
        expect(reports.filter((report) => report.cleared === true)).toHaveLength(1);
      });
    }
  });
}

/** The most intervals open at one instant; an interval ending when another starts does not overlap it. */
function maxOverlap(intervals: readonly [number, number][]): number {
  const events = intervals.flatMap(([start, end]) => [
    [start, 1],
    [end, -1],
  ]);
  events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  let max = 0;
  for (const [, delta] of events) max = Math.max(max, (open += delta));
  return max;
}

// Each child loads the backend, says "ready", waits for "go" on stdin (so all start
// together), does its part and prints one JSON report. Hold intervals are taken
// inside the real hold (after acquiring, before releasing) on the shared wall clock.
const CHILD = `
import { Barrier } from "@troupe/core";
const [modulePath, exportName, mode, key, ...rest] = process.argv.slice(1);
const mod = await import(modulePath);
const backend = await (mod[exportName] ?? mod.default?.[exportName])();
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
process.stdout.write("ready\\n");
await new Promise((resolve) => process.stdin.once("data", resolve));
let report;
if (mode === "barrier") {
  report = { cleared: await new Barrier(backend, key, { ttl: 30000 }).wait({ block: false }) };
} else {
  const [limit, rounds, hold] = rest.map(Number);
  const intervals = [];
  const deadline = Date.now() + 60000;
  while (intervals.length < rounds && Date.now() < deadline) {
    const got = (await backend.add(key, 1, 30000)) || (await backend.incr(key, 1, limit, 30000));
    if (!got) { await sleep(1 + Math.random() * 4); continue; }
    const start = now();
    await sleep(hold);
    intervals.push([start, now()]);
    await backend.decr(key, 1, 0, 30000);
  }
  report = { intervals };
}
await backend.close?.();
process.stdout.write(JSON.stringify(report) + "\\n");
process.exit(0);
`;

async function runChildren(module: string, exportName: string, count: number, args: string[]): Promise<Record<string, unknown>[]> {
  const children = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", CHILD, module, exportName, ...args], {
      cwd: dirname(module),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk;
        if (stdout.startsWith("ready\n")) resolve();
      });
      child.once("exit", () => reject(new Error(`child exited before it was ready: ${stderr}`)));
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    const done = new Promise<Record<string, unknown>>((resolve, reject) => {
      child.once("exit", (code) => {
        const last = stdout.trim().split("\n").pop() ?? "";
        if (code === 0 && last.startsWith("{")) resolve(JSON.parse(last));
        else reject(new Error(`child exited with ${code}: ${stderr || stdout}`));
      });
    });
    ready.catch(() => {});
    return { child, ready, done };
  });
  try {
    await Promise.all(children.map((c) => c.ready));
    for (const { child } of children) child.stdin.end("go\n");
    return await Promise.all(children.map((c) => c.done));
  } finally {
    for (const { child } of children) if (child.exitCode === null) child.kill();
  }
}
