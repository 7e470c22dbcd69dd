import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { ResultFailure } from "@troupe/core";
import { eventually, sleep } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { Abort, abort, type RedisAbortBackend } from "../src/index.js";
import { type AbortableApp, abortableApp, type BackendPair, backendKinds, pythonWithRedis, REDIS_URL, waitingActor } from "./helpers.js";

const PEER = fileURLToPath(new URL("./python/abort_peer.py", import.meta.url));
const python = (...args: string[]) => promisify(execFile)(pythonWithRedis(), [PEER, ...args]);
const redisKind = backendKinds.find((kind) => kind.name === "RedisAbortBackend")!;

interface Read {
  raw: string[];
  parsed: unknown[];
  pttl: number;
}

describe("a Python peer on dramatiq-abort's Redis layout", () => {
  let pair: BackendPair;
  let app: AbortableApp | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await pair.close();
  });

  it("a Python-side abort stops a running Troupe actor with Abort", async () => {
    pair = redisKind.open();
    app = abortableApp(pair.worker);
    const slow = waitingActor(app, "slow");
    await app.start();
    const started = slow.nextStart();
    const message = await slow.handle.send();
    await started;
    await python("abort", REDIS_URL, pair.namespace!, message.messageId, "abort", "-", "60000");
    await eventually(() => slow.reasons.length === 1, "the signal aborts");
    expect(slow.reasons[0]).toBeInstanceOf(Abort);
    const failure = await message.getResult({ block: true, timeout: 5_000 }).catch((error: unknown) => error);
    expect((failure as ResultFailure).errorType).toBe("Abort");
  });

  it("a Python-side cancel keeps a queued Troupe message from running", async () => {
    pair = redisKind.open();
    app = abortableApp(pair.worker);
    const target = waitingActor(app, "target");
    const message = target.handle.message();
    await python("abort", REDIS_URL, pair.namespace!, message.messageId, "cancel", "-", "60000");
    await app.start();
    await app.broker.enqueue(message);
    await eventually(() => app!.failures.length === 1, "onFailure runs");
    expect(app.failures[0]).toMatchObject({ messageId: message.messageId, type: "Abort" });
    await sleep(100);
    expect(target.runs).toEqual([]);
  });

  it('reads a Troupe request as the format: {} on the cancel key, {"abort_timeout": ms} or {} on the abort key, each with the TTL', async () => {
    pair = redisKind.open();
    const backend = pair.producer as RedisAbortBackend;
    const namespace = pair.namespace!;
    const read = async (id: string) =>
      JSON.parse((await python("read", REDIS_URL, namespace, id)).stdout) as Record<"cancel" | "abort", Read>;

    await abort("with-timeout", { backend, abortTimeout: 1_500, abortTtl: 30_000 });
    const timed = await read("with-timeout");
    expect([timed.cancel.raw, timed.cancel.parsed]).toEqual([["{}"], [{}]]);
    expect([timed.abort.raw, timed.abort.parsed]).toEqual([['{"abort_timeout": 1500}'], [{ abort_timeout: 1500 }]]);
    for (const key of [timed.cancel, timed.abort]) {
      expect(key.pttl).toBeGreaterThan(25_000);
      expect(key.pttl).toBeLessThanOrEqual(30_000);
    }

    await abort("plain", { backend });
    const plain = await read("plain");
    expect([plain.cancel.raw, plain.abort.raw]).toEqual([["{}"], ["{}"]]);
    expect(plain.abort.pttl).toBeGreaterThan(85_000);

    await abort("cancel-only", { backend, mode: "cancel" });
    const cancelOnly = await read("cancel-only");
    expect(cancelOnly.cancel.raw).toEqual(["{}"]);
    // PTTL -2: the key does not exist.
    expect([cancelOnly.abort.raw, cancelOnly.abort.pttl]).toEqual([[], -2]);
  });
});
