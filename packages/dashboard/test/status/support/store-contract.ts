import { InvalidOption, uuid4 } from "@troupe/core";
import { describe, expect, it } from "vitest";
import type { MessageState } from "../../../src/status/message-state.js";
import type { StatusEvent, StatusRecord, StatusStore } from "../../../src/status/status-store.js";

const DAY = 24 * 3_600_000;

/** An event for `id` entering `state` at `at`, with the previews that create a record. */
export function event(id: string, state: MessageState, at: number, extra: Partial<StatusEvent> = {}): StatusEvent {
  return {
    messageId: id,
    actorName: "add",
    queueName: "default",
    transition: { state, at },
    args: "[1,2]",
    options: "{}",
    retries: 0,
    ...extra,
  };
}

async function all(store: StatusStore, query: Parameters<StatusStore["search"]>[0]): Promise<StatusRecord[]> {
  const records: StatusRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.search({ ...query, cursor });
    records.push(...page.records);
    cursor = page.next;
  } while (cursor !== undefined);
  return records;
}

/** The behaviour every `StatusStore` shares; `open` gives a fresh, empty store. */
export function storeContract(name: string, open: () => Promise<StatusStore>): void {
  describe(`${name}: the StatusStore contract`, () => {
    it("creates a record from its first event and returns it by id", async () => {
      const store = await open();
      const id = uuid4();
      await store.write([event(id, "queued", 1_000, { kwargs: '{"y":2}', options: '{"max_retries":3}' })], DAY);
      expect(await store.get(id)).toEqual({
        messageId: id,
        actorName: "add",
        queueName: "default",
        args: "[1,2]",
        kwargs: '{"y":2}',
        options: { max_retries: 3 },
        state: "queued",
        transitions: [{ state: "queued", at: 1_000 }],
        createdAt: 1_000,
        updatedAt: 1_000,
        retries: 0,
      });
      expect(await store.get(uuid4())).toBeUndefined();
    });

    it("keeps transitions in time order when they arrive out of order, and the state of the latest", async () => {
      const store = await open();
      const id = uuid4();
      await store.write([event(id, "running", 2_000)], DAY);
      await store.write([event(id, "queued", 1_000)], DAY);
      await store.write([event(id, "queued", 3_000), event(id, "delayed", 3_000), event(id, "running", 3_000)], DAY);
      await store.write([event(id, "succeeded", 3_000, { durationMs: 4 })], DAY);
      const record = await store.get(id);
      expect(record?.transitions.map((t) => [t.state, t.at])).toEqual([
        ["queued", 1_000],
        ["running", 2_000],
        ["queued", 3_000],
        ["delayed", 3_000],
        ["running", 3_000],
        ["succeeded", 3_000],
      ]);
      expect(record).toMatchObject({ state: "succeeded", createdAt: 1_000, updatedAt: 3_000, durationMs: 4 });
    });

    it("orders transitions of the same millisecond: waiting, then running, then the end of the run", async () => {
      const store = await open();
      const id = uuid4();
      await store.write([event(id, "running", 5_000), event(id, "succeeded", 5_000)], DAY);
      await store.write([event(id, "queued", 5_000)], DAY);
      expect((await store.get(id))?.transitions.map((t) => t.state)).toEqual(["queued", "running", "succeeded"]);
      expect((await store.get(id))?.state).toBe("succeeded");
    });

    it("keeps errors, with the traceback on the newest one only, and the latest options and retries", async () => {
      const store = await open();
      const id = uuid4();
      const error = (n: number) => ({ type: "ValueError", message: `boom ${n}`, traceback: `ValueError: boom ${n}\n    at x` });
      await store.write(
        [
          event(id, "running", 1),
          {
            ...event(id, "retrying", 2, { options: '{"retries":1}', retries: 1 }),
            transition: { state: "retrying", at: 2, error: error(1) },
          },
        ],
        DAY,
      );
      await store.write(
        [{ ...event(id, "failed", 4, { options: '{"retries":2}', retries: 2 }), transition: { state: "failed", at: 4, error: error(2) } }],
        DAY,
      );
      const record = await store.get(id);
      expect(record?.transitions).toEqual([
        { state: "running", at: 1 },
        { state: "retrying", at: 2, error: { type: "ValueError", message: "boom 1" } },
        { state: "failed", at: 4, error: error(2) },
      ]);
      expect(record).toMatchObject({ state: "failed", retries: 2, options: { retries: 2 } });
    });

    it("keeps at most 100 transitions: the first and the newest", async () => {
      const store = await open();
      const id = uuid4();
      const events = Array.from({ length: 150 }, (_, i) => event(id, i % 2 ? "running" : "queued", 1_000 + i));
      await store.write(events, DAY);
      const transitions = (await store.get(id))?.transitions ?? [];
      expect(transitions).toHaveLength(100);
      expect(transitions[0].at).toBe(1_000);
      expect(transitions[1].at).toBe(1_051);
      expect(transitions[99].at).toBe(1_149);
    });

    it("forgets records after their TTL", async () => {
      const store = await open();
      const [gone, kept] = [uuid4(), uuid4()];
      const now = Date.now();
      await store.write([event(gone, "queued", now, { actorName: "ttl" })], 200);
      await store.write([event(kept, "queued", now, { actorName: "ttl" })], DAY);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await store.get(gone)).toBeUndefined();
      expect(await store.get(kept)).toBeDefined();
      expect((await store.search({ actorName: "ttl" })).records.map((r) => r.messageId)).toEqual([kept]);
    });

    it("searches by actor, queue, state and time range, newest first", async () => {
      const store = await open();
      const actor = `a${uuid4().slice(0, 6)}`;
      const other = `b${uuid4().slice(0, 6)}`;
      const base = Date.now() - 60_000;
      const ids = Array.from({ length: 12 }, () => uuid4());
      await store.write(
        ids.map((id, i) =>
          event(id, i % 3 === 0 ? "failed" : "succeeded", base + i * 1_000, {
            actorName: i % 2 ? actor : other,
            queueName: i < 6 ? `q-${actor}` : `r-${actor}`,
          }),
        ),
        DAY,
      );
      const found = async (query: Parameters<StatusStore["search"]>[0]) => (await all(store, query)).map((r) => ids.indexOf(r.messageId));
      expect(await found({ actorName: actor })).toEqual([11, 9, 7, 5, 3, 1]);
      expect(await found({ queueName: `q-${actor}` })).toEqual([5, 4, 3, 2, 1, 0]);
      expect(await found({ actorName: actor, state: "failed" })).toEqual([9, 3]);
      expect(await found({ actorName: other, state: "failed", queueName: `r-${actor}` })).toEqual([6]);
      expect(await found({ actorName: actor, from: base + 3_000, to: base + 7_000 })).toEqual([7, 5, 3]);
      expect(await found({ queueName: `r-${actor}`, from: base + 8_000 })).toEqual([11, 10, 9, 8]);
      expect(await found({ actorName: `none-${actor}` })).toEqual([]);
    });

    it("follows state changes in state searches", async () => {
      const store = await open();
      const actor = `s${uuid4().slice(0, 6)}`;
      const id = uuid4();
      const now = Date.now();
      await store.write([event(id, "running", now, { actorName: actor })], DAY);
      expect((await store.search({ actorName: actor, state: "running" })).records).toHaveLength(1);
      await store.write([event(id, "succeeded", now + 1, { actorName: actor })], DAY);
      expect((await store.search({ actorName: actor, state: "running" })).records).toHaveLength(0);
      expect((await store.search({ actorName: actor, state: "succeeded" })).records[0]?.messageId).toBe(id);
    });

    it("pages through results with a cursor, without duplicates, ties in reverse write order", async () => {
      const store = await open();
      const actor = `p${uuid4().slice(0, 6)}`;
      const now = Date.now();
      // 25 records, four per millisecond: the cursor must keep their order within a millisecond.
      const ids = Array.from({ length: 25 }, () => uuid4());
      await store.write(
        ids.map((id, i) => event(id, "queued", now - 10 + Math.floor(i / 4), { actorName: actor })),
        DAY,
      );
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await store.search({ actorName: actor, limit: 10, cursor });
        pages.push(page.records.map((r) => r.messageId));
        cursor = page.next;
      } while (cursor !== undefined);
      expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
      expect(pages.flat()).toEqual([...ids].reverse());
      const exact = await store.search({ actorName: actor, limit: 25 });
      expect(exact.records).toHaveLength(25);
      expect(exact.next).toBeUndefined();
    });

    it("orders a record written after newer ones with them", async () => {
      const store = await open();
      const actor = `o${uuid4().slice(0, 6)}`;
      const now = Date.now();
      const [newer, late] = [uuid4(), uuid4()];
      await store.write([event(newer, "queued", now, { actorName: actor })], DAY);
      await store.write([event(late, "running", now - 5_000, { actorName: actor })], DAY);
      expect((await store.search({ actorName: actor })).records.map((r) => r.messageId)).toEqual([late, newer]);
      expect((await store.search({ actorName: actor, to: now - 1_000 })).records).toEqual([]);
      expect((await store.get(late))?.createdAt).toBe(now - 5_000);
    });

    it("rejects bad queries with InvalidOption", async () => {
      const store = await open();
      await expect(store.search({ state: "lost" as MessageState })).rejects.toThrow(InvalidOption);
      await expect(store.search({ limit: 0 })).rejects.toThrow(InvalidOption);
      await expect(store.search({ limit: 501 })).rejects.toThrow(InvalidOption);
      await expect(store.search({ cursor: "nope" })).rejects.toThrow(InvalidOption);
      await expect(store.search({ actor: "x" } as never)).rejects.toThrow(/did you mean "actorName"/);
      await expect(store.actorStats({ sinceMs: -1 })).rejects.toThrow(InvalidOption);
    });

    it("reports per-actor throughput and run-time percentiles from events with a duration", async () => {
      const store = await open();
      const actor = `t${uuid4().slice(0, 6)}`;
      const now = Date.now();
      const events: StatusEvent[] = [];
      for (let i = 1; i <= 100; i++) {
        const id = uuid4();
        events.push(event(id, "running", now, { actorName: actor }));
        events.push(event(id, i > 90 ? "failed" : "succeeded", now, { actorName: actor, durationMs: i }));
      }
      await store.write(events, DAY);
      const report = await store.actorStats({ sinceMs: 60_000 });
      expect(report.bucketMs).toBe(10_000);
      const stats = report.actors.find((a) => a.actorName === actor);
      expect(stats?.buckets).toHaveLength(6);
      expect(stats?.total).toMatchObject({ processed: 100, failed: 10 });
      const { p50, p95, p99 } = stats?.total ?? { p50: 0, p95: 0, p99: 0 };
      expect(Math.abs(p50 - 50) / 50).toBeLessThan(0.05);
      expect(Math.abs(p95 - 95) / 95).toBeLessThan(0.05);
      expect(Math.abs(p99 - 99) / 99).toBeLessThan(0.05);
      const last = stats?.buckets[stats.buckets.length - 1];
      expect(last?.processed).toBe(100);
      expect(stats?.buckets.slice(0, -1).every((b) => b.processed === 0)).toBe(true);
    });
  });
}
