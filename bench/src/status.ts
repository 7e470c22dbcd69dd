/**
 * `pnpm bench status [--records N] [--window W]`: `@troupe/dashboard`'s `RedisStatusStore`
 * with N records (default 1 000 000, three transitions each, 20 actors on 5 queues,
 * created 1 ms apart): how fast it stores them, the Redis memory per record, the time of
 * a lookup by message id, and of searches by actor, state and time range over the newest
 * W records (default 100 000). Prints figures; the records are deleted at the end.
 * Set TROUPE_REDIS_URL to use another Redis.
 */
import { randomUUID } from "node:crypto";
import { RedisStatusStore, type StatusEvent, type StatusQuery } from "@troupe/dashboard";
import { Redis } from "ioredis";

const REDIS_URL = process.env.TROUPE_REDIS_URL ?? "redis://127.0.0.1:6379";
const BATCH = 2_000;
const DAY = 24 * 3_600_000;

function numberArg(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  if (at === -1) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} needs a positive integer, got ${args[at + 1]}`);
  return value;
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1]);
}

/** The final state of record i: mostly succeeded, 2% dead-lettered, 1% retrying, 0.1% aborted. */
function finalState(i: number): StatusEvent["transition"]["state"] {
  if (i % 1000 === 7) return "aborted";
  if (i % 100 === 3) return "retrying";
  if (i % 50 === 1) return "dead-lettered";
  return "succeeded";
}

function eventsOf(i: number, id: string, createdAt: number): StatusEvent[] {
  const actorName = `actor_${i % 20}`;
  const base = { messageId: id, actorName, queueName: `queue_${i % 5}`, retries: 0 };
  const state = finalState(i);
  const error = state === "succeeded" ? undefined : { type: "ValueError", message: `bad input ${i}` };
  return [
    { ...base, transition: { state: "queued", at: createdAt }, args: JSON.stringify([i, `order-${i}`]), options: "{}" },
    { ...base, transition: { state: "running", at: createdAt + 1 } },
    { ...base, transition: { state, at: createdAt + 3, ...(error ? { error } : {}) }, durationMs: 2 + (i % 7) },
  ];
}

async function time<T>(run: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const result = await run();
  return [performance.now() - started, result];
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(2);
  return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${sorted[sorted.length - 1].toFixed(2)} ms`;
}

export async function run(args: string[]): Promise<void> {
  const records = numberArg(args, "--records", 1_000_000);
  const window = Math.min(records, numberArg(args, "--window", 100_000));
  const namespace = `bench-status-${randomUUID().slice(0, 8)}`;
  const store = new RedisStatusStore({ url: REDIS_URL, namespace });
  const admin = new Redis(REDIS_URL);
  const start = Date.now() - records - 60_000;
  const sampleIds: string[] = [];
  try {
    const before = await usedMemory(admin);
    console.log(`writing ${records} records (${BATCH} per write)...`);
    const [writeMs] = await time(async () => {
      for (let i = 0; i < records; i += BATCH) {
        const events: StatusEvent[] = [];
        for (let j = i; j < Math.min(records, i + BATCH); j++) {
          const id = randomUUID();
          if (j % 1000 === 0) sampleIds.push(id);
          events.push(...eventsOf(j, id, start + j));
        }
        await store.write(events, DAY);
      }
    });
    const after = await usedMemory(admin);
    const recordKeys = sampleIds.slice(0, 200).map((id) => `${namespace}:m:${id}`);
    const recordBytes = await Promise.all(recordKeys.map(async (key) => Number(await admin.memory("USAGE", key))));
    const indexBytes = Number(await admin.memory("USAGE", `${namespace}:x`, "SAMPLES", "0"));
    console.log(
      `\nstored ${records} records in ${(writeMs / 1000).toFixed(1)} s: ${((records / writeMs) * 1000).toFixed(0)} records/s (3 transitions each)`,
    );
    console.log(
      `Redis memory: ${((((after - before) / records) * 10_000) / 1024 / 1024).toFixed(2)} MB per 10 000 records ` +
        `(${((after - before) / records).toFixed(0)} B per record, INFO used_memory delta); ` +
        `MEMORY USAGE: record key ${(recordBytes.reduce((a, b) => a + b, 0) / recordBytes.length).toFixed(0)} B, ` +
        `index stream ${(indexBytes / records).toFixed(0)} B per record`,
    );

    const gets: number[] = [];
    for (const id of sampleIds.slice(0, 500)) gets.push((await time(() => store.get(id)))[0]);
    console.log(`\nget by message id (${gets.length} lookups among ${records}): ${summary(gets)}`);

    const from = start + records - window;
    const queries: [string, StatusQuery][] = [
      ["newest page, no filter", {}],
      ["actor", { actorName: "actor_3" }],
      ["actor + state dead-lettered, last W", { actorName: "actor_1", state: "dead-lettered", from }],
      ["state retrying, last W", { state: "retrying", from }],
      ["actor + state aborted, last W (1 record in 1 000)", { actorName: "actor_7", state: "aborted", from }],
      ["actor + queue that never match, last W (walks all W)", { actorName: "actor_1", queueName: "queue_2", from }],
      ["actor + time range of 10 000 ms", { actorName: "actor_4", from: from + 20_000, to: from + 30_000 }],
      ["no match in the whole store, no time range (stops at 0.8 s)", { actorName: "actor_1", queueName: "queue_2" }],
    ];
    console.log(`\nsearches (limit 50, first page; W = the newest ${window} records, 10 runs each):`);
    for (const [name, query] of queries) {
      const samples: number[] = [];
      let found = 0;
      for (let k = 0; k < 10; k++) {
        const [ms, page] = await time(() => store.search(query));
        samples.push(ms);
        found = page.records.length;
      }
      console.log(`  ${name.padEnd(60)} ${String(found).padStart(3)} records  ${summary(samples)}`);
    }
    const [pagesMs, pages] = await time(async () => {
      let cursor: string | undefined;
      let count = 0;
      do {
        const page = await store.search({ actorName: "actor_1", state: "dead-lettered", from, limit: 100, cursor });
        count += page.records.length;
        cursor = page.next;
      } while (cursor !== undefined);
      return count;
    });
    console.log(`  every page of "actor + state dead-lettered, last W" (limit 100): ${pages} records in ${pagesMs.toFixed(1)} ms`);
  } finally {
    console.log("\ndeleting the records...");
    let cursor = "0";
    do {
      const [next, keys] = await admin.scan(cursor, "MATCH", `${namespace}:*`, "COUNT", 10_000);
      cursor = next;
      if (keys.length) await admin.unlink(...keys);
    } while (cursor !== "0");
    admin.disconnect();
    await store.close();
  }
}
