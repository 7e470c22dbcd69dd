import { existsSync } from "node:fs";
import type { AnyActor, Broker, Message, ProcessOutcome } from "../src/index.js";

// Pool threads run core's build (they import the fixtures with Node itself), so say so up front.
const ENTRY = new URL("../dist/thread-entry.js", import.meta.url);
if (!existsSync(ENTRY)) throw new Error(`${ENTRY.pathname} is missing: build core first (pnpm --filter @troupe/core build)`);

/** One settled run: when, which message (and which retry), and what it produced. */
export interface Run {
  at: number;
  message: Message;
  retries: number;
  outcome: ProcessOutcome;
}

/**
 * Declares the fixture's thread actors on `broker` (they are declared unbound, once per test
 * file) and records every settled run, with its time since this call.
 */
export function recordRuns(broker: Broker, ...actors: AnyActor[]): Run[] {
  for (const actor of actors) broker.declareActor(actor);
  const runs: Run[] = [];
  const start = performance.now();
  broker.addMiddleware({
    afterProcessMessage(_broker, message, outcome) {
      runs.push({ at: performance.now() - start, message, retries: Number(message.options.retries ?? 0), outcome });
    },
  });
  return runs;
}

/** The runs of one actor. */
export const runsOf = (runs: Run[], actor: AnyActor) => runs.filter((run) => run.message.actorName === actor.actorName);
