import type { Cluster, Redis } from "ioredis";
import ackLua from "./ack.lua";
import deleteDeadLua from "./delete-dead.lua";
import enqueueLua from "./enqueue.lua";
import fetchLua from "./fetch.lua";
import maintenanceLua from "./maintenance.lua";
import moveLua from "./move.lua";
import nackLua from "./nack.lua";
import purgeLua from "./purge.lua";
import purgeDeadLua from "./purge-dead.lua";
import requeueLua from "./requeue.lua";
import statsLua from "./stats.lua";

/** Command names are prefixed so they cannot clash with commands a shared client already defines. */
const SCRIPTS = {
  troupeEnqueue: enqueueLua,
  troupeMove: moveLua,
  troupeFetch: fetchLua,
  troupeAck: ackLua,
  troupeNack: nackLua,
  troupeRequeue: requeueLua,
  troupePurge: purgeLua,
  troupeMaintenance: maintenanceLua,
  troupeStats: statsLua,
  troupeDeleteDead: deleteDeadLua,
  troupePurgeDead: purgeDeadLua,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
export type ScriptArg = string | Buffer | number;

type ScriptCaller = (...args: ScriptArg[]) => Promise<unknown>;

/** Most ids one script call carries: keeps Lua's unpack() and the argument list bounded. */
export const MAX_IDS_PER_CALL = 1000;

/** What enqueue and move answer when they reached Redis after their deadline and stored nothing. */
export const REFUSED = -1;

const defined = new WeakSet<object>();

/** Loads every script on a client once (ioredis sends EVALSHA, and EVAL after a NOSCRIPT). */
export function defineScripts(client: Redis | Cluster): void {
  if (defined.has(client)) return;
  for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys: 0, lua });
  defined.add(client);
}

export function runScript(client: Redis | Cluster, name: ScriptName, args: ScriptArg[]): Promise<unknown> {
  return (client as unknown as Record<ScriptName, ScriptCaller>)[name](...args);
}
