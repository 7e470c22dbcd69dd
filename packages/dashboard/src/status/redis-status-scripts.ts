import type { Cluster, Redis } from "ioredis";
import searchLua from "./search-status.lua";
import writeLua from "./write-status.lua";

/** Command names are prefixed so they cannot clash with commands a shared client already defines. */
const SCRIPTS = {
  troupeStatusWrite: writeLua,
  troupeStatusSearch: searchLua,
} as const;

/** The name of a status script. */
export type StatusScript = keyof typeof SCRIPTS;

const defined = new WeakSet<object>();

/** Loads the scripts on a client once (ioredis sends EVALSHA, and EVAL after a NOSCRIPT). */
export function defineStatusScripts(client: Redis | Cluster): void {
  if (defined.has(client)) return;
  for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys: 0, lua });
  defined.add(client);
}

/** Runs a script defined by `defineStatusScripts`. */
export function runStatusScript(client: Redis | Cluster, name: StatusScript, args: (string | number)[]): Promise<unknown> {
  return (client as unknown as Record<StatusScript, (...args: (string | number)[]) => Promise<unknown>>)[name](...args);
}
