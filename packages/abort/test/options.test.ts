import { actor, BrokerNotSet, InvalidOption, MemoryBroker, setBroker } from "@troupe/core";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { Abortable, abort, DEFAULT_ABORT_TTL, MemoryAbortBackend, RedisAbortBackend } from "../src/index.js";
import { REDIS_URL } from "./helpers.js";

/** Records the requests given to it, as a backend would store them. */
class RecordingBackend extends MemoryAbortBackend {
  readonly requests: unknown[][] = [];
  override async request(...args: Parameters<MemoryAbortBackend["request"]>): Promise<void> {
    this.requests.push(args);
  }
}

describe("options of @troupe/abort", () => {
  it("refuses unknown options of Abortable, RedisAbortBackend and abort(), naming the option meant", async () => {
    const backend = new MemoryAbortBackend();
    // @ts-expect-error: an unknown option
    expect(() => new Abortable({ backend, abortTTL: 1_000 })).toThrow('unknown option "abortTTL" for Abortable; did you mean "abortTtl"?');
    // @ts-expect-error: an unknown option
    expect(() => new RedisAbortBackend({ url: REDIS_URL, namepsace: "x:" })).toThrow(
      'unknown option "namepsace" for RedisAbortBackend; did you mean "namespace"?',
    );
    // @ts-expect-error: an unknown option
    await expect(abort("id", { backend, abortTimout: 10 })).rejects.toThrow(
      'unknown option "abortTimout" for abort; did you mean "abortTimeout"?',
    );
  });

  it("refuses a bad mode, abortTimeout or abortTtl, and an Abortable without a backend", async () => {
    const backend = new MemoryAbortBackend();
    // @ts-expect-error: not a mode
    await expect(abort("id", { backend, mode: "kill" })).rejects.toThrow(InvalidOption);
    await expect(abort("id", { backend, abortTimeout: -1 })).rejects.toThrow(InvalidOption);
    await expect(abort("id", { backend, abortTtl: 0 })).rejects.toThrow(InvalidOption);
    await expect(abort("", { backend })).rejects.toThrow(InvalidOption);
    // @ts-expect-error: the backend is required
    expect(() => new Abortable({})).toThrow(TypeError);
    expect(() => new Abortable({ backend, abortTtl: -5 })).toThrow(RangeError);
  });

  it("accepts every option it documents", async () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true });
    const redis = new RedisAbortBackend({ url: REDIS_URL, client, namespace: "options-test:", connectTimeout: 1_000 });
    expect([redis.client, redis.namespace, redis.connectTimeout]).toEqual([client, "options-test:", 1_000]);
    await redis.close();
    client.disconnect();
    expect(new RedisAbortBackend().namespace).toBe("dramatiq:aborts:");
    const middleware = new Abortable({ backend: new MemoryAbortBackend(), abortTtl: 5_000 });
    expect(middleware.abortTtl).toBe(5_000);
    expect(new Abortable({ backend: new MemoryAbortBackend() }).abortTtl).toBe(DEFAULT_ABORT_TTL);
  });

  it("an actor option abortable needs the middleware, and a misspelt one is refused", () => {
    const bare = new MemoryBroker();
    expect(() => actor("a", () => {}, { broker: bare, abortable: true })).toThrow(
      'actor "a" has option "abortable" that no middleware on this broker reads: add the Abortable (@troupe/abort) middleware to the broker',
    );
    const broker = new MemoryBroker();
    broker.addMiddleware(new Abortable({ backend: new MemoryAbortBackend() }));
    expect(() => actor("b", () => {}, { broker, abortable: false })).not.toThrow();
    // @ts-expect-error: an unknown option
    expect(() => actor("c", () => {}, { broker, abortabel: false })).toThrow('did you mean "abortable"?');
  });
});

// Each test file runs in a fresh module graph: no global broker is set until the test that sets one.
describe("which backend abort() writes to", () => {
  it("refuses when that broker has no Abortable, or when there is no broker at all", async () => {
    await expect(abort("m", { broker: new MemoryBroker() })).rejects.toThrow(
      "abort needs a backend: add `new Abortable({ backend })` to the broker, or pass { backend }",
    );
    await expect(abort("m")).rejects.toThrow(BrokerNotSet);
  });

  it("the explicit backend, with the default abortTtl unless given", async () => {
    const backend = new RecordingBackend();
    await abort("m1", { backend });
    await abort({ messageId: "m2" }, { backend, mode: "cancel", abortTimeout: 1_500.4, abortTtl: 10 });
    expect(backend.requests).toEqual([
      ["m1", { mode: "abort", abortTimeout: undefined }, DEFAULT_ABORT_TTL],
      ["m2", { mode: "cancel", abortTimeout: 1_500 }, 10],
    ]);
  });

  it("else the Abortable of options.broker, or of the global broker, with its abortTtl", async () => {
    const own = new RecordingBackend();
    const broker = new MemoryBroker();
    broker.addMiddleware(new Abortable({ backend: own, abortTtl: 1_234 }));
    await abort("m1", { broker });
    const global = new RecordingBackend();
    setBroker(new MemoryBroker()).addMiddleware(new Abortable({ backend: global, abortTtl: 4_321 }));
    await abort("m2");
    expect(own.requests).toEqual([["m1", { mode: "abort", abortTimeout: undefined }, 1_234]]);
    expect(global.requests).toEqual([["m2", { mode: "abort", abortTimeout: undefined }, 4_321]]);
  });
});
