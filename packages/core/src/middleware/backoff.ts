/**
 * the protocol's backoff: `minBackoff × 2^min(retries, 32) × uniform(1, 2)`, and past
 * `maxBackoff`, `maxBackoff × uniform(0.5, 1)`. `retries` counts earlier retries.
 */
export function computeBackoff(retries: number, minBackoff: number, maxBackoff: number, random: () => number = Math.random): number {
  const backoff = minBackoff * 2 ** Math.min(retries, 32) * (1 + random());
  if (backoff > maxBackoff) return Math.round(maxBackoff * (0.5 + random() / 2));
  return Math.round(backoff);
}
