import type { RawDelivery, TransportReader } from "@troupe/core";
import { expect } from "vitest";
import { sleep } from "../../helpers.js";

/**
 * Fetches until `count` deliveries arrived (a transport may push messages to its reader a
 * little after `publish` resolved, as RabbitMQ does), `max` per call; fails after `timeout` ms.
 */
export async function take(
  reader: TransportReader,
  count: number,
  options: { max?: number; timeout?: number } = {},
): Promise<RawDelivery[]> {
  const { max = count, timeout = 5_000 } = options;
  const deadline = Date.now() + timeout;
  const taken: RawDelivery[] = [];
  let pause = 5;
  while (taken.length < count) {
    const wanted = Math.min(max, count - taken.length);
    const batch = await reader.fetch(wanted, []);
    expect(batch.length).toBeLessThanOrEqual(wanted);
    taken.push(...batch);
    if (taken.length >= count) break;
    if (Date.now() > deadline) throw new Error(`fetched ${taken.length} of ${count} deliveries in ${timeout} ms`);
    if (batch.length === 0) await sleep((pause = Math.min(pause * 2, 100)));
  }
  return taken;
}

/** Fetches for `ms` ms and expects nothing: what a test removed stays removed. */
export async function expectNothing(reader: TransportReader, ms = 300): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    expect(await reader.fetch(10, [])).toEqual([]);
    await sleep(25);
  }
}
