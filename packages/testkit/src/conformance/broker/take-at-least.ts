import type { Delivery } from "@troupe/core";

/** Reads from a consumer until it holds `count` deliveries (or gives up after 100 idle ticks). */
export async function takeAtLeast<D extends Delivery>(
  consumer: AsyncIterable<readonly D[]> & { close(): Promise<void> },
  count: number,
  close: boolean,
): Promise<D[]> {
  const taken: D[] = [];
  let idle = 0;
  for await (const batch of consumer) {
    taken.push(...batch);
    if (taken.length >= count) break;
    if (batch.length === 0 && ++idle > 100) break;
  }
  if (close) await consumer.close();
  return taken;
}
