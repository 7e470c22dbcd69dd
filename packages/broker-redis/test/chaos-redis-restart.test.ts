import { sleep } from "@troupe/testkit";
import { afterEach, expect, it } from "vitest";
import { PrivateRedis } from "../../../test-support/private-redis.js";
import { watchUnhandledRejections } from "./chaos-support.js";
import { startTraffic } from "./chaos-traffic.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

const CONNECT_TIMEOUT = 1_000;
const RESTARTS = 2;
const DOWN = 2_000;

it(`loses nothing and runs nothing twice when Redis (AOF) is killed and restarted ${RESTARTS} times mid-run`, {
  timeout: 120_000,
}, async () => {
  const rejections = watchUnhandledRejections();
  // appendfsync always: whatever Redis answered is on disk when it is killed.
  const redis = await PrivateRedis.start({ appendonly: true });
  const traffic = await startTraffic({ url: redis.url, connectTimeout: CONNECT_TIMEOUT, lanes: 2, namespace: "restart" });
  cleanup.push(async () => {
    await traffic.close();
    await redis.close();
  });
  const { ledger, lines } = traffic;

  const recoveries: number[] = [];
  for (let restart = 0; restart < RESTARTS; restart++) {
    await sleep(2_000);
    await redis.kill();
    await sleep(DOWN);
    await redis.restart();
    recoveries.push(await traffic.probeRecovery(performance.now()));
  }
  await sleep(1_000);
  await traffic.finish();
  const summary = ledger.summary();
  console.log(
    `redis restarts: ${RESTARTS} kills of ${DOWN} ms; ${JSON.stringify(summary)}; recovery ${recoveries.join(", ")} ms after restart`,
  );
  expect(summary.acknowledged).toBeGreaterThan(0);
  expect(summary.lost).toBe(0);
  expect(summary.duplicated).toBe(0);
  expect(summary.refusedButRan).toBe(0);
  expect(rejections.stop()).toEqual([]);
  expect(lines.filter((line) => /lost the connection to .*; reconnecting/.test(line)).length).toBeGreaterThanOrEqual(RESTARTS);
  expect(lines.filter((line) => /reconnected to /.test(line)).length).toBeGreaterThanOrEqual(RESTARTS);
});
