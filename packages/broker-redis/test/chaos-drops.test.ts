import { sleep } from "@troupe/testkit";
import { afterEach, expect, it } from "vitest";
import { PrivateRedis } from "../../../test-support/private-redis.js";
import { TcpProxy } from "../../../test-support/tcp-proxy.js";
import { since, watchUnhandledRejections } from "./chaos-support.js";
import { startTraffic } from "./chaos-traffic.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

const CONNECT_TIMEOUT = 1_000;
const DROP_EVERY = 2_000;
const STALL = 10_000;
const LANES = 3;

it("loses nothing and runs nothing twice through connection drops every 2 s and a 10 s stall, producing and consuming", {
  timeout: 150_000,
}, async () => {
  const rejections = watchUnhandledRejections();
  const redis = await PrivateRedis.start();
  const proxy = await TcpProxy.start({ port: redis.port });
  const traffic = await startTraffic({
    url: `redis://127.0.0.1:${proxy.port}`,
    connectTimeout: CONNECT_TIMEOUT,
    lanes: LANES,
    namespace: "drops",
  });
  cleanup.push(async () => {
    proxy.resume();
    await traffic.close();
    await proxy.close();
    await redis.close();
  });
  const { ledger, lines } = traffic;
  const recoveries: Promise<number>[] = [];
  const measureRecovery = () => recoveries.push(traffic.probeRecovery(performance.now()));

  let drops = 0;
  const drop = async () => {
    await sleep(DROP_EVERY);
    proxy.drop();
    drops++;
    measureRecovery();
  };
  for (let i = 0; i < 3; i++) await drop();
  await sleep(DROP_EVERY);
  proxy.stall();
  const stallStarted = performance.now();
  await sleep(STALL);
  // The proxy discards what it stalls, which a real link never does: a reply lost that way would
  // pair later replies with the wrong commands. So the stall ends as a long black hole does, in a reset.
  proxy.resume();
  proxy.drop();
  const stalled = since(stallStarted);
  measureRecovery();
  for (let i = 0; i < 2; i++) await drop();
  const [afterDrops, afterStall] = [await Promise.all(recoveries.filter((_, i) => i !== 3)), await recoveries[3]];
  await traffic.finish();
  const summary = ledger.summary();
  console.log(
    `drops + stall: ${drops} drops, a ${stalled} ms stall; ${JSON.stringify(summary)}; recovery after a drop ` +
      `${Math.min(...afterDrops)}–${Math.max(...afterDrops)} ms, after the stall ${afterStall} ms`,
  );
  expect(summary.acknowledged).toBeGreaterThan(0);
  expect(summary.lost).toBe(0);
  expect(summary.duplicated).toBe(0);
  expect(summary.refusedButRan).toBe(0);
  expect(rejections.stop()).toEqual([]);
  expect(lines.filter((line) => /lost the connection to .*; reconnecting/.test(line)).length).toBeGreaterThanOrEqual(drops + 1);
  expect(lines.some((line) => /reconnected to /.test(line))).toBe(true);
  expect(lines.some((line) => /presuming the connection dead and reconnecting/.test(line))).toBe(true);
});
