import { sleep } from "@troupe/testkit";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { ScheduleStore, StepRequest } from "../src/index.js";
import { REDIS_URL, storeKinds } from "./helpers.js";

const admin = new Redis(REDIS_URL);
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});
afterAll(() => admin.disconnect());

const T0 = Date.parse("2025-06-01T00:00:00Z");
const base: Omit<StepRequest, "owner" | "now" | "tick" | "messageId"> = {
  lease: 60_000,
  downAfter: 5_000,
  catchUp: 0,
  skipWhileRunning: false,
};
const ask = (store: ScheduleStore, owner: string, now: number, tick?: number, extra: Partial<StepRequest> = {}) =>
  store.step("s", { ...base, owner, now, tick, messageId: tick === undefined ? undefined : `id-${tick}`, ...extra });

describe.each(storeKinds(admin))("$name", (kind) => {
  function open(): ScheduleStore[] {
    const stores = kind.open();
    cleanup.push(() => stores.close());
    return [stores.handle(), stores.handle()];
  }

  it("starts a new schedule's cursor at the first look, so earlier ticks are never claimed", async () => {
    const [a] = open();
    expect(await ask(a, "a", T0 + 500, T0)).toEqual({ outcome: "idle", cursor: T0 + 500 });
    expect(await a.read("s")).toMatchObject({ cursor: T0 + 500, lastTick: undefined, claim: undefined });
    expect(await a.read("other")).toBeUndefined();
  });

  it("gives a tick's claim to one asker; the others are busy until it completes, then idle for that tick", async () => {
    const [a, b] = open();
    await ask(a, "a", T0);
    expect(await ask(a, "a", T0 + 1_000, T0 + 1_000)).toEqual({
      outcome: "claimed",
      cursor: T0,
      tick: T0 + 1_000,
      messageId: `id-${T0 + 1_000}`,
    });
    const busy = await ask(b, "b", T0 + 1_001, T0 + 1_000);
    expect(busy).toMatchObject({ outcome: "busy", cursor: T0 });
    expect(busy.outcome === "busy" && busy.retryIn).toBeGreaterThan(0);
    expect(busy.outcome === "busy" && busy.retryIn).toBeLessThanOrEqual(60_000);
    // A later tick waits too: claims go one at a time, in tick order.
    expect((await ask(b, "b", T0 + 2_000, T0 + 2_000)).outcome).toBe("busy");
    await a.complete("s", T0 + 1_000, `id-${T0 + 1_000}`);
    expect(await ask(b, "b", T0 + 2_000, T0 + 1_000)).toEqual({ outcome: "idle", cursor: T0 + 1_000 });
    expect(await b.read("s")).toMatchObject({
      cursor: T0 + 1_000,
      lastTick: T0 + 1_000,
      lastMessageId: `id-${T0 + 1_000}`,
      claim: undefined,
    });
  });

  it("hands a claim whose lease ran out, unchanged, to the next asker", async () => {
    const [a, b] = open();
    await ask(a, "a", T0);
    await ask(a, "a", T0 + 1_000, T0 + 1_000, { lease: 50 });
    await sleep(80);
    // b asks for a later tick, and is given the dead claim first.
    expect(await ask(b, "b", T0 + 2_000, T0 + 2_000)).toEqual({
      outcome: "claimed",
      cursor: T0,
      tick: T0 + 1_000,
      messageId: `id-${T0 + 1_000}`,
    });
    expect((await ask(a, "a", T0 + 2_001, T0 + 2_000)).outcome).toBe("busy");
    expect((await b.read("s"))?.claim).toEqual({ tick: T0 + 1_000, owner: "b", messageId: `id-${T0 + 1_000}` });
  });

  it("completes, instead of handing out, a dead claim whose message was reported finished", async () => {
    const [a, b] = open();
    await ask(a, "a", T0);
    await ask(a, "a", T0 + 1_000, T0 + 1_000, { lease: 50 });
    await b.finish("s", `id-${T0 + 1_000}`);
    await sleep(80);
    expect(await ask(b, "b", T0 + 2_000, T0 + 2_000)).toEqual({
      outcome: "claimed",
      cursor: T0 + 1_000,
      tick: T0 + 2_000,
      messageId: `id-${T0 + 2_000}`,
    });
    expect(await b.read("s")).toMatchObject({ lastTick: T0 + 1_000, lastMessageId: `id-${T0 + 1_000}` });
  });

  it("after downtime (no look for longer than downAfter) moves the cursor to now - catchUp", async () => {
    const [a] = open();
    await ask(a, "a", T0);
    expect(await ask(a, "a", T0 + 4_000, undefined, { catchUp: 1_000 })).toEqual({ outcome: "idle", cursor: T0 });
    expect(await ask(a, "a", T0 + 3 * 3_600_000, undefined, { catchUp: 3_600_000 })).toEqual({
      outcome: "idle",
      cursor: T0 + 2 * 3_600_000,
    });
  });

  it("with skipWhileRunning, skips a tick until the last claimed tick's message finished", async () => {
    const [a, b] = open();
    const skip = { skipWhileRunning: true };
    await ask(a, "a", T0);
    await ask(a, "a", T0 + 1_000, T0 + 1_000, skip);
    await a.complete("s", T0 + 1_000, `id-${T0 + 1_000}`);
    expect(await ask(a, "a", T0 + 2_000, T0 + 2_000, skip)).toEqual({
      outcome: "skipped",
      cursor: T0 + 2_000,
      running: `id-${T0 + 1_000}`,
    });
    // A finish of another message does not count.
    await b.finish("s", "id-older");
    expect((await ask(a, "a", T0 + 3_000, T0 + 3_000, skip)).outcome).toBe("skipped");
    await b.finish("s", `id-${T0 + 1_000}`);
    expect((await ask(a, "a", T0 + 4_000, T0 + 4_000, skip)).outcome).toBe("claimed");
    expect(await a.read("s")).toMatchObject({ current: `id-${T0 + 4_000}`, finished: `id-${T0 + 1_000}` });
  });

  it("keeps the newest tick as the last one when completions arrive out of order", async () => {
    const [a] = open();
    await ask(a, "a", T0);
    await a.complete("s", T0 + 2_000, "id-2");
    await a.complete("s", T0 + 1_000, "id-1");
    expect(await a.read("s")).toMatchObject({ cursor: T0 + 2_000, lastTick: T0 + 2_000, lastMessageId: "id-2" });
  });
});
