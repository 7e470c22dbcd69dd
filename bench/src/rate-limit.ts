/**
 * `pnpm bench rate-limit [--duration MS] [--concurrency 1,10,50,100] [--backends redis,memcached]`:
 * acquisitions per second of each limiter on Redis (127.0.0.1:6379) and memcached
 * (127.0.0.1:11211), with 1 to 100 acquirers sharing one backend. Limits are set so
 * every attempt is granted: the figures are the cost of the acquire path itself
 * (for the concurrent limiter, acquire plus release).
 */
import { randomUUID } from "node:crypto";
import { register } from "node:module";
import { BucketRateLimiter, ConcurrentRateLimiter, type RateLimiter, type RateLimiterBackend, WindowRateLimiter } from "@troupe/rate-limit";
import { MemcachedRateLimiterBackend } from "@troupe/rate-limit/memcached";

// tsx follows the tsconfig paths to the sources, where the Redis backend imports its
// Lua scripts as files: load them as text, as tsup does in the build.
const LUA_AS_TEXT = `
import { readFile } from "node:fs/promises";
export async function load(url, context, next) {
  if (!url.endsWith(".lua")) return next(url, context);
  const text = await readFile(new URL(url), "utf8");
  return { format: "module", source: "export default " + JSON.stringify(text) + ";", shortCircuit: true };
}`;
register(`data:text/javascript,${encodeURIComponent(LUA_AS_TEXT)}`, import.meta.url);
const { RedisRateLimiterBackend } = await import("@troupe/rate-limit/redis");

type LimiterKind = "concurrent" | "bucket" | "window";
const KINDS: LimiterKind[] = ["concurrent", "bucket", "window"];
const UNLIMITED = 1_000_000_000;

interface Row {
  backend: string;
  limiter: LimiterKind;
  concurrency: number;
  perSecond: number;
  grantedShare: number;
}

function option(args: string[], name: string, fallback: string): string {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : (args[at + 1] ?? fallback);
}

function limiterFor(kind: LimiterKind, backend: RateLimiterBackend, concurrency: number): RateLimiter {
  const key = `troupe-bench-${kind}-${randomUUID().slice(0, 8)}`;
  if (kind === "concurrent") return new ConcurrentRateLimiter(backend, key, { limit: concurrency, ttl: 60_000 });
  if (kind === "bucket") return new BucketRateLimiter(backend, key, { limit: UNLIMITED, bucket: 60_000 });
  return new WindowRateLimiter(backend, key, { limit: UNLIMITED, window: 10_000 });
}

async function measure(
  limiter: RateLimiter,
  concurrency: number,
  duration: number,
): Promise<{ attempts: number; granted: number; ms: number }> {
  let attempts = 0;
  let granted = 0;
  const started = performance.now();
  const deadline = started + duration;
  const acquirer = async () => {
    while (performance.now() < deadline) {
      attempts++;
      if (await limiter.tryAcquire()) {
        granted++;
        await limiter.release();
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, acquirer));
  return { attempts, granted, ms: performance.now() - started };
}

export async function run(args: string[]): Promise<void> {
  const duration = Number(option(args, "duration", "2000"));
  const levels = option(args, "concurrency", "1,10,50,100").split(",").map(Number);
  const names = option(args, "backends", "redis,memcached").split(",");
  const rows: Row[] = [];
  for (const name of names) {
    const backend: RateLimiterBackend =
      name === "redis"
        ? new RedisRateLimiterBackend({ url: "redis://127.0.0.1:6379" })
        : new MemcachedRateLimiterBackend({ servers: "127.0.0.1:11211" });
    try {
      // Warm up the connection and the JIT before the first measured round.
      await measure(limiterFor("bucket", backend, 1), 10, 300);
      for (const kind of KINDS) {
        for (const concurrency of levels) {
          const { attempts, granted, ms } = await measure(limiterFor(kind, backend, concurrency), concurrency, duration);
          rows.push({ backend: name, limiter: kind, concurrency, perSecond: (attempts * 1000) / ms, grantedShare: granted / attempts });
        }
      }
    } finally {
      await backend.close?.();
    }
  }
  print(rows, duration);
}

function print(rows: Row[], duration: number): void {
  console.log(`rate limiters: acquisitions per second, ${duration} ms per cell, one backend connection shared by all acquirers\n`);
  const header = ["backend", "limiter", "concurrency", "acquisitions/s", "granted"];
  const lines = rows.map((r) => [
    r.backend,
    r.limiter,
    String(r.concurrency),
    Math.round(r.perSecond).toLocaleString("en-US"),
    `${(r.grantedShare * 100).toFixed(1)}%`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]) => cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  console.log(format(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const line of lines) console.log(format(line));
}
