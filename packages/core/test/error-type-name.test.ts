import { describe, expect, it } from "vitest";
import { actor, errorTypeName, type JsonValue, ResultFailure, TimeLimitExceeded } from "../src/index.js";
import { useHarness } from "./harness.js";

/** A user's error class that, like most, does not set `name`: `error.name` is "Error". */
class MyError extends Error {}

describe("errorTypeName", () => {
  it("names an error by its class when the class does not set name", () => {
    expect(new MyError("boom").name).toBe("Error");
    expect(errorTypeName(new MyError("boom"))).toBe("MyError");
  });

  it("keeps a name the error sets, and names built-ins, Troupe errors and thrown values", () => {
    class Named extends Error {
      override name = "CustomName";
    }
    expect(errorTypeName(new Named())).toBe("CustomName");
    expect(errorTypeName(new TypeError("x"))).toBe("TypeError");
    expect(errorTypeName(new Error("x"))).toBe("Error");
    expect(errorTypeName(new TimeLimitExceeded(5))).toBe("TimeLimitExceeded");
    expect(errorTypeName("a string")).toBe("string");
  });
});

describe("a user's error class in failure reports", () => {
  const current = useHarness();

  it("is MyError in the retry log line, the traceback, onFailure payloads and the stored failure", async () => {
    const h = current();
    const payloads: JsonValue[] = [];
    const tracebacks: unknown[] = [];
    actor(
      "failed_sink",
      (source: JsonValue, payload: JsonValue) => {
        payloads.push(payload);
        tracebacks.push((source as { options: { traceback?: unknown } }).options.traceback);
      },
      { broker: h.broker, queueName: "callbacks" },
    );
    const fails = actor(
      "fails_with_my_error",
      () => {
        throw new MyError("boom");
      },
      { broker: h.broker, maxRetries: 1, minBackoff: 1, maxBackoff: 1, onFailure: "failed_sink", storeResults: true },
    );
    await h.start({ queues: ["default", "callbacks"] });
    const sent = await fails.send();
    const failure = await sent.getResult({ block: true, timeout: 5_000 }).catch((error: unknown) => error);
    await h.broker.join("callbacks");

    expect(ResultFailure.isInstance(failure)).toBe(true);
    expect((failure as ResultFailure).errorType).toBe("MyError");
    expect(payloads).toEqual([
      { type: "MyError", message: "boom" },
      { type: "MyError", message: "boom" },
    ]);
    for (const traceback of tracebacks) expect(traceback).toMatch(/^MyError: boom\n\s+at /);
    const retryLine = h.logs.find((line) => line.includes("retry 1 in"));
    expect(retryLine).toMatch(/failed with MyError: boom; retry 1 in \d+ ms\nMyError: boom\n/);
    expect(h.logs.find((line) => line.includes("dead-lettering"))).toMatch(/last with MyError: boom; dead-lettering it\nMyError: boom\n/);
  });
});
