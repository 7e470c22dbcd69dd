import { describe, expect, it } from "vitest";
import { MemoryStatusStore } from "../../src/status/memory-status-store.js";
import { StatusBuffer } from "../../src/status/status-buffer.js";
import type { StatusEvent } from "../../src/status/status-store.js";
import { event } from "./support/store-contract.js";

/** A memory store whose first `failures` writes fail, and which keeps every batch it was given. */
class FlakyStore extends MemoryStatusStore {
  readonly batches: string[][] = [];
  constructor(private failures: number) {
    super();
  }
  override async write(events: readonly StatusEvent[], ttl: number): Promise<void> {
    this.batches.push(events.map((e) => e.messageId));
    if (this.failures-- > 0) throw new Error("Redis is away");
    await super.write(events, ttl);
  }
}

describe("StatusBuffer", () => {
  it("writes in batches of maxBatch, in order", async () => {
    const store = new FlakyStore(0);
    const buffer = new StatusBuffer({ store, ttl: 60_000, flushInterval: 10_000, maxBatch: 2, maxBuffered: 100, onError: () => {} });
    for (const id of ["a", "b", "c", "d", "e"]) buffer.push(event(id, "queued", 1));
    await buffer.flush();
    expect(store.batches).toEqual([["a", "b"], ["c", "d"], ["e"]]);
    expect(buffer.pending).toBe(0);
  });

  it("keeps the events of a failed write, reports it, and writes them, in order, on the next try", async () => {
    const store = new FlakyStore(1);
    const problems: string[] = [];
    const buffer = new StatusBuffer({
      store,
      ttl: 60_000,
      flushInterval: 5,
      maxBatch: 10,
      maxBuffered: 100,
      onError: (p) => problems.push(p),
    });
    buffer.push(event("a", "queued", 1));
    await buffer.flush();
    expect(problems).toEqual([expect.stringContaining("writing 1 status event(s) failed: Redis is away; 1 kept")]);
    buffer.push(event("b", "queued", 2));
    await buffer.flush();
    expect(store.batches).toEqual([["a"], ["a", "b"]]);
    expect((await store.get("a"))?.state).toBe("queued");
  });

  it("drops the oldest events beyond maxBuffered while the store cannot be written", async () => {
    const store = new FlakyStore(1);
    const problems: string[] = [];
    const buffer = new StatusBuffer({
      store,
      ttl: 60_000,
      flushInterval: 10_000,
      maxBatch: 10,
      maxBuffered: 2,
      onError: (p) => problems.push(p),
    });
    for (const id of ["a", "b", "c"]) buffer.push(event(id, "queued", 1));
    await buffer.flush();
    expect(problems[0]).toContain("1 oldest dropped");
    await buffer.flush();
    expect(store.batches[1]).toEqual(["b", "c"]);
  });

  it("writes on its own after flushInterval, without a flush call", async () => {
    const store = new FlakyStore(0);
    const buffer = new StatusBuffer({ store, ttl: 60_000, flushInterval: 5, maxBatch: 10, maxBuffered: 100, onError: () => {} });
    buffer.push(event("a", "queued", 1));
    expect(store.batches).toEqual([]);
    while (store.batches.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(store.batches).toEqual([["a"]]);
  });
});
