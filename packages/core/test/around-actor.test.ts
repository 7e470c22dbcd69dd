import { AsyncLocalStorage } from "node:async_hooks";
import { describe, expect, it } from "vitest";
import { actor, currentMessage, type Middleware } from "../src/index.js";
import { useHarness } from "./harness.js";

const storage = new AsyncLocalStorage<string>();

/** A middleware whose `aroundActor` makes `label` current for the actor, and records the order of the calls. */
function around(label: string, calls: string[]): Middleware {
  return {
    beforeProcessMessage: () => void calls.push(`before ${label}`),
    aroundActor(_broker, message, run) {
      calls.push(`enter ${label} ${message.actorName}`);
      const result = storage.run(`${storage.getStore() ?? ""}/${label}`, run);
      calls.push(`leave ${label}`);
      return result;
    },
  };
}

describe("the aroundActor hook", () => {
  const current = useHarness();

  it("runs the actor inside each middleware's wrapper, the first one outermost, after the before-hooks", async () => {
    const h = current();
    const calls: string[] = [];
    h.broker.addMiddleware(around("outer", calls));
    h.broker.addMiddleware(around("inner", calls));
    const seen: (string | undefined)[] = [];
    const wrapped = actor(
      "wrapped",
      async () => {
        seen.push(storage.getStore());
        await new Promise((resolve) => setTimeout(resolve, 5));
        // The async actor's continuation keeps the context its wrappers gave it, and its message.
        seen.push(storage.getStore(), currentMessage().message.actorName);
        return 42;
      },
      { broker: h.broker, storeResults: true },
    );
    await h.start();
    const message = await wrapped.send();
    expect(await message.getResult({ block: true, timeout: 2_000 })).toBe(42);
    expect(seen).toEqual(["/outer/inner", "/outer/inner", "wrapped"]);
    expect(calls).toEqual(["before outer", "before inner", "enter outer wrapped", "enter inner wrapped", "leave inner", "leave outer"]);
  });

  it("fails the run with the error a wrapper throws, as the actor's own", async () => {
    const h = current();
    const ran: string[] = [];
    h.broker.addMiddleware({
      aroundActor() {
        throw new RangeError("no context to give");
      },
    });
    const failing = actor("never_runs", () => void ran.push("ran"), { broker: h.broker, maxRetries: 0 });
    await h.start();
    await failing.send();
    // Joining fails fast with the error that dead-lettered the message: the wrapper's.
    await expect(h.broker.join("default")).rejects.toThrow(new RangeError("no context to give"));
    expect(ran).toEqual([]);
    expect((await h.broker.queueStats("default")).deadLetters).toBe(1);
  });
});
