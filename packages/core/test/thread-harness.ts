import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { type MessagePort, receiveMessageOnPort } from "node:worker_threads";
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

/**
 * A BroadcastChannel of its own, for `announcedSpinner` (given its `name`) to say that its
 * function runs. `heard()` also reads the channel at once, so it holds while this event loop
 * is blocked, when the listener cannot run.
 */
export function runningChannel() {
  const name = `troupe-thread-running-${randomUUID()}`;
  const channel = new BroadcastChannel(name);
  let heard = false;
  // Without a listener, a turn of the event loop would drop the message unread.
  channel.onmessage = () => {
    heard = true;
  };
  return {
    name,
    // Node takes a BroadcastChannel here too, where its types say MessagePort only.
    heard: () => (heard ||= receiveMessageOnPort(channel as unknown as MessagePort) !== undefined),
    close: () => channel.close(),
  };
}
