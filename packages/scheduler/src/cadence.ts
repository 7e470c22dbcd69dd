import { Cron } from "croner";

/** When a schedule's ticks fall: `next(after)` is the first tick strictly after `after` (ms), if any. */
export interface Cadence {
  next(after: number): number | undefined;
}

/**
 * Ticks of a cron expression in an IANA time zone, as croner computes them (5 fields,
 * or 6 with seconds first). Croner is used as a calculator only: it never runs a timer.
 * Throws croner's own error for an invalid expression or zone.
 */
export function cronCadence(expression: string, timezone: string): Cadence {
  // Intl names a zone croner would only reject on first use.
  new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  const cron = new Cron(expression, { timezone, mode: "5-or-6-parts", paused: true });
  const cadence: Cadence = { next: (after) => cron.nextRun(new Date(after))?.getTime() };
  // Some expressions parse but never match (`0 0 30 2 *`): refuse them now, not at the first tick.
  if (cadence.next(Date.now()) === undefined) throw new Error(`"${expression}" never matches`);
  return cadence;
}

/**
 * Ticks every `every` ms at the multiples of `every` since the Unix epoch, so that
 * every scheduler process, whenever it started, computes the same tick times.
 */
export function everyCadence(every: number): Cadence {
  return { next: (after) => Math.floor(after / every) * every + every };
}
