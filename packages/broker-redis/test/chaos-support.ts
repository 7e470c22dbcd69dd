import { type Broker, ConnectionError, type EnqueueOptions, EnqueueUncertain, type Logger, type Message } from "@troupe/core";
import { Redis } from "ioredis";

/** A logger that keeps every line (with its level), for a test to find the line a fault must leave. */
export function capturingLogger(lines: string[]): Logger {
  const keep = (level: string) => (text: string) => void lines.push(`${level}: ${text}`);
  return { debug() {}, info: keep("info"), warn: keep("warn"), error: keep("error") };
}

/** Records unhandled rejections while a test runs; `stop()` returns them and removes the listener. */
export function watchUnhandledRejections(): { stop(): unknown[] } {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => void seen.push(reason);
  process.on("unhandledRejection", listener);
  return {
    stop() {
      process.off("unhandledRejection", listener);
      return seen;
    },
  };
}

/**
 * What happened to every message a test sent: acknowledged (the send resolved),
 * refused (`ConnectionError`: provably not stored) or uncertain (`EnqueueUncertain`),
 * and how often each ran. Acknowledged messages must run exactly once, refused ones
 * never, uncertain ones at most once.
 */
export class Ledger {
  readonly acknowledged = new Set<string>();
  readonly refused = new Set<string>();
  readonly uncertain = new Set<string>();
  readonly runs = new Map<string, number>();

  ran(messageId: string): void {
    this.runs.set(messageId, (this.runs.get(messageId) ?? 0) + 1);
  }

  /** Sends `messages`; true when acknowledged. Other errors than the two above fail the test. */
  async send(broker: Broker, messages: readonly Message[], options?: EnqueueOptions): Promise<boolean> {
    try {
      await broker.enqueueMany(messages, options);
      for (const message of messages) this.acknowledged.add(message.messageId);
      return true;
    } catch (error) {
      const into = EnqueueUncertain.isInstance(error) ? this.uncertain : ConnectionError.isInstance(error) ? this.refused : undefined;
      if (!into) throw error;
      for (const message of messages) into.add(message.messageId);
      return false;
    }
  }

  /** True once every acknowledged message ran. */
  get settled(): boolean {
    for (const id of this.acknowledged) if (!this.runs.has(id)) return false;
    return true;
  }

  summary() {
    const count = (ids: Iterable<string>, test: (runs: number) => boolean) => [...ids].filter((id) => test(this.runs.get(id) ?? 0));
    return {
      acknowledged: this.acknowledged.size,
      refused: this.refused.size,
      uncertain: this.uncertain.size,
      lost: count(this.acknowledged, (n) => n === 0).length,
      duplicated: [...this.runs.values()].filter((n) => n > 1).length,
      refusedButRan: count(this.refused, (n) => n > 0).length,
      uncertainRan: count(this.uncertain, (n) => n > 0).length,
    };
  }
}

/**
 * Keeps a redis-server busy for `ms` (a Lua loop on a connection of its own): it reads
 * and runs nothing else meanwhile, so commands sent now arrive late. Resolves once the
 * loop has been sent (after a short pause, so it runs), with the promise of its end.
 */
export async function blockRedis(url: string, ms: number): Promise<{ done: Promise<void> }> {
  const client = new Redis(url);
  await client.ping();
  const done = client
    .eval(
      `local t = redis.call("TIME")
local stop = tonumber(t[1]) * 1000000 + tonumber(t[2]) + tonumber(ARGV[1]) * 1000
repeat t = redis.call("TIME") until tonumber(t[1]) * 1000000 + tonumber(t[2]) >= stop
return 1`,
      0,
      ms,
    )
    .then(() => {})
    .finally(() => client.disconnect());
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { done };
}

/** Milliseconds since `start`, rounded. */
export const since = (start: number): number => Math.round(performance.now() - start);
