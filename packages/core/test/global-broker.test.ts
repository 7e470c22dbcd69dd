import { afterEach, describe, expect, it } from "vitest";
import { actor, BrokerNotSet, getBroker, MemoryBroker, peekBroker, pipeline, resolveBroker } from "../src/index.js";

// Each test file runs in a fresh module graph, so no global broker was set before these tests.
const saved = process.env.TROUPE_BROKER_URL;
afterEach(() => {
  if (saved === undefined) delete process.env.TROUPE_BROKER_URL;
  else process.env.TROUPE_BROKER_URL = saved;
});

describe("the global broker", () => {
  it("is never an implicit in-memory one: without a broker, send() rejects with BrokerNotSet saying how to set one", async () => {
    delete process.env.TROUPE_BROKER_URL;
    const orphan = actor("orphan", (n: number) => n);
    const error = await orphan.send(1).catch((e: unknown) => e);
    expect(BrokerNotSet.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/call setBroker\(broker\).*set TROUPE_BROKER_URL.*`troupe worker`/);
    await expect(orphan.sendMany([[1]])).rejects.toSatisfy((e) => BrokerNotSet.isInstance(e));
    await expect(pipeline([orphan.message(1)]).run()).rejects.toSatisfy((e) => BrokerNotSet.isInstance(e));
    expect(() => getBroker()).toThrow(BrokerNotSet);
    expect(peekBroker()).toBeUndefined();
  });

  // Before the next test sets a broker: a failed creation leaves none.
  it("rejects with BrokerNotSet naming the URL when TROUPE_BROKER_URL gives no broker", async () => {
    await expect(resolveBroker({ TROUPE_BROKER_URL: "kafka://user:secret@host" })).rejects.toSatisfy(
      (e) => BrokerNotSet.isInstance(e) && /kafka:\/\/user:\*\*\*@host gives no broker/.test((e as Error).message),
    );
  });

  it("comes from TROUPE_BROKER_URL on first send, created once for concurrent senders, and binds earlier actors", async () => {
    process.env.TROUPE_BROKER_URL = "memory://";
    const early = actor("early", (n: number) => n);
    expect(() => getBroker()).toThrow(/TROUPE_BROKER_URL is not created yet: `await resolveBroker\(\)`/);
    const [a, b] = await Promise.all([early.send(1), early.send(2)]);
    const broker = getBroker();
    expect(broker).toBeInstanceOf(MemoryBroker);
    expect(a.broker).toBe(broker);
    expect(b.broker).toBe(broker);
    expect(await resolveBroker()).toBe(broker);
    expect(broker.actors.get("early")).toBe(early);
    expect(await broker.queueStats("default")).toMatchObject({ ready: 2 });
  });
});
