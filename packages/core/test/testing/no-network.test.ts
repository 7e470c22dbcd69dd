import dgram from "node:dgram";
import net from "node:net";
import { actor, group, pipeline } from "@troupe/core";
import { expect, it } from "vitest";
import { testBroker } from "./support.js";

/** Makes every way to open a socket fail and record itself, until the returned function restores them. */
function forbidSockets(attempts: string[]): () => void {
  const patched: [object, string, unknown][] = [
    [net.Socket.prototype, "connect", net.Socket.prototype.connect],
    [net.Server.prototype, "listen", net.Server.prototype.listen],
    [dgram.Socket.prototype, "bind", dgram.Socket.prototype.bind],
    [dgram.Socket.prototype, "send", dgram.Socket.prototype.send],
  ];
  for (const [target, name] of patched) {
    Object.defineProperty(target, name, {
      configurable: true,
      writable: true,
      value() {
        attempts.push(name);
        throw new Error(`a socket was opened (${name}) during a TestBroker workflow`);
      },
    });
  }
  return () => {
    for (const [target, name, original] of patched)
      Object.defineProperty(target, name, { configurable: true, writable: true, value: original });
  };
}

it("opens no network socket while it runs a workflow of retries, delays, pipelines, groups, results and faults", async () => {
  const attempts: string[] = [];
  const restore = forbidSockets(attempts);
  try {
    // The guard works: a connection attempt is caught and recorded.
    expect(() => net.connect(6379, "127.0.0.1")).toThrow("a socket was opened");
    expect(attempts).toEqual(["connect"]);
    attempts.length = 0;

    const { broker } = testBroker();
    let failures = 0;
    const flaky = actor(
      "flaky",
      (n: number) => {
        if (++failures <= 3) throw new Error("flaky");
        return n;
      },
      { broker, storeResults: true },
    );
    const double = actor("double", (n: number) => n * 2, { broker, storeResults: true });
    const done = actor("done", () => {}, { broker });
    const flow = pipeline([flaky.message(1), double.messageWithOptions({ args: [], delay: 3_600_000 })]);
    await flow.run();
    await group([double.message(2), double.message(3)])
      .addCompletionCallback(done.message())
      .run({ delay: 60_000 });
    broker.faults.failNextEnqueues(1);
    broker.faults.deliverTwice(done);
    broker.faults.crashWorker(double);
    const summary = await broker.drain();
    expect(await flow.getResult()).toBe(2);
    expect(failures).toBe(4);
    expect(summary.deadLettered).toBe(0);
    expect(broker.sent(done)).toHaveLength(1);
  } finally {
    restore();
  }
  expect(attempts).toEqual([]);
});
