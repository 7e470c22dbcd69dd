import { MemoryBroker } from "@troupe/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDashboard, MemoryStatusStore, STATS_BUCKET_MS, type StatusEvent } from "../../src/index.js";
import { Client, serve } from "./support/http-client.js";

/** `count` successful runs of `actorName` that ended at `at`. */
function runs(actorName: string, count: number, at: number): StatusEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    messageId: `${actorName}-${at}-${i}`,
    actorName,
    queueName: "charts",
    transition: { state: "succeeded", at },
    args: "[]",
    durationMs: 2,
  }));
}

describe("the throughput chart", () => {
  const servers: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it("labels its axis with the whole rate and shows the real rate of the bucket in progress", async () => {
    // 5 s into a bucket: 500 runs so far are 100 msg/s, not the 50 msg/s of 500 runs over the bucket's 10 s.
    const bucket = Math.floor(Date.now() / STATS_BUCKET_MS) * STATS_BUCKET_MS + STATS_BUCKET_MS;
    vi.useFakeTimers({ toFake: ["Date"], now: bucket + 5_000 });
    const store = new MemoryStatusStore();
    await store.write([...runs("busy", 200, bucket - 5_000), ...runs("busy", 500, bucket + 1_000)], 60_000);
    const server = await serve(createDashboard({ broker: new MemoryBroker(), statusStore: store, auth: "none" }));
    servers.push(server);

    const fragment = (await new Client(server.url).get("/fragments/charts")).body;
    expect(fragment).toContain('<span data-stat="rate">100 msg/s</span> now');
    const throughput = fragment.slice(fragment.indexOf('aria-label="busy: throughput"'));
    const tick = /<text class="tick" x="([\d.]+)" y="[\d.]+" text-anchor="end">([^<]*)<\/text>/.exec(throughput);
    expect(tick?.[2]).toBe("100 msg/s");
    // The label ends at x: it starts inside the image only if x leaves room for its 9 characters (10 px text, over 5 px each).
    expect(Number(tick?.[1])).toBeGreaterThanOrEqual("100 msg/s".length * 5.5);
    // The finished bucket before it: 200 runs over its 10 s.
    const bars = [...throughput.matchAll(/<rect class="s1" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)">/g)].map((m) =>
      Number(m[2]),
    );
    const full = bars[bars.length - 1];
    expect(bars[bars.length - 2] / full).toBeCloseTo(20 / 100, 1);
  });
});
