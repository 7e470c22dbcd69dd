import { afterEach, describe, expect, it } from "vitest";
import { abort } from "../src/index.js";
import { type AbortableApp, abortableApp, type BackendPair, backendKinds, percentile, waitingActor } from "./helpers.js";

const ABORTS = 50;

// The bound: a running actor's signal aborts within 1 s p99 of the abort() call.
// A functional bound, far above what loopback takes (see `pnpm bench abort` for the figures).
describe.each(backendKinds)("abort latency on $name", (kind) => {
  let pair: BackendPair;
  let app: AbortableApp;
  afterEach(async () => {
    await app.stop();
    await pair.close();
  });

  it(`the signal of a running actor aborts within 1 s p99 of abort(), over ${ABORTS} aborts among running neighbours`, async () => {
    pair = kind.open();
    app = abortableApp(pair.worker);
    const slow = waitingActor(app, "slow", { onFailure: undefined, storeResults: false });
    await app.start({ concurrency: 8 });
    // Neighbours keep the watch busy with several messages, as on a loaded worker.
    for (let i = 0; i < 4; i++) {
      const started = slow.nextStart();
      await slow.handle.send();
      await started;
    }
    const latencies: number[] = [];
    for (let i = 0; i < ABORTS; i++) {
      const started = slow.nextStart();
      const message = await slow.handle.send();
      await started;
      const aborted = slow.nextAbort();
      const at = performance.now();
      await abort(message, { backend: pair.producer });
      latencies.push((await aborted) - at);
    }
    slow.release();
    expect(latencies).toHaveLength(ABORTS);
    expect(percentile(latencies, 99)).toBeLessThan(1_000);
  });
});
