import { Message, type ResultBackend, ResultFailure, ResultMissing, ResultTimeout } from "@troupe/core";
import { afterAll, describe, expect, it } from "vitest";
import { sleep, uniqueQueue } from "./helpers.js";

/** Options of `resultBackendConformance`. */
export interface ResultBackendConformanceOptions {
  /** Releases the backend's connections after the suite. */
  close?(backend: ResultBackend): Promise<void>;
  /** The smallest TTL the backend honours, ms (memcached counts whole seconds). */
  minTtl?: number;
}

function message(): Message {
  return new Message({ queueName: uniqueQueue("results"), actorName: "compute", args: [] });
}

/** The behaviour every result backend must show. */
export function resultBackendConformance(
  name: string,
  factory: () => ResultBackend | Promise<ResultBackend>,
  options: ResultBackendConformanceOptions = {},
): void {
  describe(`${name} result backend conformance`, () => {
    let shared: Promise<ResultBackend> | undefined;
    const backend = () => (shared ??= Promise.resolve(factory()));
    afterAll(async () => {
      if (shared && options.close) await options.close(await shared);
    });

    it("stores and reads back JSON results of every kind", async () => {
      const store = await backend();
      const values = [42, "héllo ✓ 😀", { nested: { list: [1, null, true] } }, null, [1, "two"]];
      for (const value of values) {
        const m = message();
        await store.storeResult(m, value, 60_000);
        expect(await store.getResult(m)).toEqual(value);
      }
    });

    it("raises ResultMissing for a message with no stored result", async () => {
      const store = await backend();
      await expect(store.getResult(message())).rejects.toSatisfy((e) => ResultMissing.isInstance(e));
    });

    it("raises ResultFailure with the remote error's type and message", async () => {
      const store = await backend();
      const m = message();
      await store.storeException(m, new TypeError("bad input"), 60_000);
      const error = await store.getResult(m).catch((e: unknown) => e);
      expect(ResultFailure.isInstance(error)).toBe(true);
      expect((error as ResultFailure).errorType).toBe("TypeError");
      expect((error as ResultFailure).errorMessage).toBe("bad input");
    });

    it("blocks until a result is stored", async () => {
      const store = await backend();
      const m = message();
      const reading = store.getResult(m, { block: true, timeout: 5_000 });
      await sleep(150);
      await store.storeResult(m, "late", 60_000);
      expect(await reading).toBe("late");
    });

    it("wakes many readers blocked on one result", async () => {
      const store = await backend();
      const m = message();
      const readers = Array.from({ length: 5 }, () => store.getResult(m, { block: true, timeout: 5_000 }));
      await sleep(150);
      await store.storeResult(m, 7, 60_000);
      expect(await Promise.all(readers)).toEqual([7, 7, 7, 7, 7]);
    });

    it("gives up a blocking read after a sub-second timeout with ResultTimeout", async () => {
      const store = await backend();
      const started = Date.now();
      const error = await store.getResult(message(), { block: true, timeout: 300 }).catch((e: unknown) => e);
      expect(ResultTimeout.isInstance(error)).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    });

    it("forgets a result after its TTL", async () => {
      const store = await backend();
      const m = message();
      const ttl = options.minTtl ?? 200;
      await store.storeResult(m, "short-lived", ttl);
      expect(await store.getResult(m)).toBe("short-lived");
      await sleep(ttl + (options.minTtl ? 1_200 : 300));
      await expect(store.getResult(m)).rejects.toSatisfy((e) => ResultMissing.isInstance(e));
    });
  });
}
