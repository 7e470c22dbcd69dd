import { actor, pipeline } from "@troupe/core";
import { WaitForTimeout } from "@troupe/core/testing";
import { describe, expect, it } from "vitest";
import { testBroker } from "./support.js";

describe("TestBroker.sent and waitFor", () => {
  it("lists the messages sent to an actor, or to all, in order: one per message, retried or delayed", async () => {
    const { broker } = testBroker();
    let runs = 0;
    const email = actor(
      "send_email",
      (_to: string) => {
        if (++runs === 1) throw new Error("smtp down");
      },
      { broker, minBackoff: 1_000 },
    );
    const audit = actor("audit", (_what: string) => {}, { broker });
    const first = await email.send("a@b.c");
    await audit.send("signup");
    const second = await email.sendWithOptions({ args: ["d@e.f"], delay: 60_000 });
    await broker.drain();
    expect(broker.sent(email).map((m) => [m.messageId, m.args[0]])).toEqual([
      [first.messageId, "a@b.c"],
      [second.messageId, "d@e.f"],
    ]);
    expect(broker.sent("audit").map((m) => m.args)).toEqual([["signup"]]);
    expect(broker.sent().map((m) => m.actorName)).toEqual(["send_email", "audit", "send_email"]);
  });

  it("waitFor resolves at once with a message already sent that matches", async () => {
    const { broker } = testBroker();
    const email = actor("send_email", (_to: string) => {}, { broker });
    await email.send("x@y.z");
    const sent = await email.send("a@b.c");
    const found = await broker.waitFor(email, { where: (m) => m.args[0] === "a@b.c", timeout: 1_000 });
    expect(found.messageId).toBe(sent.messageId);
  });

  it("waitFor resolves when a matching message is sent later, during a drain", async () => {
    const { broker } = testBroker();
    const step = actor("step", (n: number) => n + 1, { broker });
    const report = actor("report", (_n: number) => {}, { broker });
    const waiting = broker.waitFor(report, { where: (m) => m.args[0] === 3, timeout: 5_000 });
    await pipeline([step.message(1), step.messageWithOptions({ args: [], delay: 3_600_000 }), report.message()]).run();
    await broker.drain();
    expect((await waiting).args).toEqual([3]);
  });

  it("waitFor rejects with WaitForTimeout when nothing matching is sent in time", async () => {
    const { broker } = testBroker();
    const email = actor("send_email", (_to: string) => {}, { broker });
    await email.send("x@y.z");
    const error = await broker.waitFor(email, { where: (m) => m.args[0] === "nobody", timeout: 30 }).catch((e: unknown) => e);
    expect(WaitForTimeout.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe('no message to "send_email" matched within 30 ms (1 sent to it so far)');
  });

  it("reset empties the queues and what was sent, and keeps the clock's time", async () => {
    const { broker } = testBroker();
    const email = actor("send_email", (_to: string) => {}, { broker });
    await email.sendWithOptions({ args: ["later@b.c"], delay: 60_000 });
    broker.clock.advance(5_000);
    const now = broker.clock.now();
    await broker.reset();
    expect(broker.sent()).toEqual([]);
    expect(await broker.queueStats("default")).toMatchObject({ ready: 0, delayed: 0 });
    expect(broker.clock.now()).toBe(now);
    expect(await broker.drain()).toMatchObject({ processed: 0 });
  });
});
