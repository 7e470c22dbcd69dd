import { actor, MemoryBroker, type Message } from "@troupe/core";
import { eventually } from "@troupe/testkit";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { Scheduler } from "../src/index.js";
import { captureEnqueues, quietLogger, REDIS_URL, storeKinds, virtualClock } from "./helpers.js";

const admin = new Redis(REDIS_URL);
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});
afterAll(() => admin.disconnect());

const at = (iso: string) => Date.parse(iso);
const ticksOf = (messages: Message[]) => messages.map((m) => new Date(m.messageTimestamp).toISOString());

describe.each(storeKinds(admin))("catch-up on $name", (kind) => {
  function setup() {
    const stores = kind.open();
    const broker = new MemoryBroker({ logger: quietLogger });
    const report = actor("report", () => {}, { broker, queueName: "reports" });
    const sent = captureEnqueues(broker);
    const clock = virtualClock(0);
    const schedulers: Scheduler[] = [];
    const scheduler = (options: { cron: string; catchUp?: number }) => {
      const s = new Scheduler({ broker, store: stores.handle(), clock: clock.now, logger: quietLogger });
      s.add("report", report.message(), options);
      schedulers.push(s);
      return s;
    };
    cleanup.push(async () => {
      for (const s of schedulers) await s.stop();
      await stores.close();
    });
    return { sent, clock, scheduler };
  }

  it("after 3 hours down with catchUp 1 h on an hourly schedule, enqueues the ticks of the last hour only, once", async () => {
    const { sent, clock, scheduler } = setup();
    const options = { cron: "0 0 * * * *", catchUp: 3_600_000 };
    clock.set(at("2025-06-01T07:00:00.010Z"));
    const before = scheduler(options);
    await before.start();
    await before.stop();
    expect(sent).toHaveLength(0);

    // Every scheduler was down from 07:00 to 10:30; two come back at once.
    clock.set(at("2025-06-01T10:30:00.000Z"));
    await Promise.all([scheduler(options).start(), scheduler(options).start()]);
    expect(ticksOf(sent)).toEqual(["2025-06-01T10:00:00.000Z"]);

    // A third scheduler at the same time finds nothing left to do.
    await scheduler(options).start();
    expect(ticksOf(sent)).toEqual(["2025-06-01T10:00:00.000Z"]);
  });

  it("enqueues the missed ticks oldest first, each once, when several fall in the window", async () => {
    const { sent, clock, scheduler } = setup();
    const options = { cron: "0 */10 * * * *", catchUp: 3_600_000 };
    clock.set(at("2025-06-01T07:00:00.010Z"));
    const before = scheduler(options);
    await before.start();
    await before.stop();
    clock.set(at("2025-06-01T10:30:00.000Z"));
    await Promise.all([scheduler(options).start(), scheduler(options).start(), scheduler(options).start()]);
    expect(ticksOf(sent)).toEqual([
      "2025-06-01T09:40:00.000Z",
      "2025-06-01T09:50:00.000Z",
      "2025-06-01T10:00:00.000Z",
      "2025-06-01T10:10:00.000Z",
      "2025-06-01T10:20:00.000Z",
      "2025-06-01T10:30:00.000Z",
    ]);
  });

  it("with the default catchUp 0, enqueues no missed tick, then the next tick when it comes", async () => {
    const { sent, clock, scheduler } = setup();
    const options = { cron: "0 0 * * * *" };
    clock.set(at("2025-06-01T07:00:00.010Z"));
    const before = scheduler(options);
    await before.start();
    await before.stop();
    clock.set(at("2025-06-01T10:59:58.000Z"));
    await scheduler(options).start();
    expect(sent).toHaveLength(0);
    // Still running (the clock moves less than a downtime): 11:00 is not a missed tick.
    clock.set(at("2025-06-01T11:00:00.000Z"));
    await eventually(() => sent.length === 1, "the 11:00 tick is enqueued", 10_000);
    expect(ticksOf(sent)).toEqual(["2025-06-01T11:00:00.000Z"]);
  });

  it("does not enqueue the ticks before a schedule first existed", async () => {
    const { sent, clock, scheduler } = setup();
    clock.set(at("2025-06-01T10:30:00.000Z"));
    await scheduler({ cron: "0 */10 * * * *", catchUp: 86_400_000 }).start();
    expect(sent).toHaveLength(0);
  });
});
