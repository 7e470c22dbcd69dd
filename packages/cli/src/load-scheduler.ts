import { dirname, resolve } from "node:path";
import { type Broker, peekBroker } from "@troupe/core";
import { ModuleLoadError } from "./errors.js";
import { importModule, parseModuleSpec } from "./load-module.js";
import { brokerFromEnvUrl, type ResolvedBroker } from "./resolve-broker.js";

/** One schedule as a `Scheduler` lists it. */
export interface ScheduleRow {
  name: string;
  cron: string | undefined;
  every: number | undefined;
  timezone: string;
  actorName: string;
  queueName: string;
  nextTick: number | undefined;
  lastTick: number | undefined;
  lastMessageId: string | undefined;
}

/**
 * What the CLI uses of `@troupe/scheduler`'s `Scheduler`. The CLI does not depend on that
 * package: a scheduler is recognised by the `Symbol.for("troupe.scheduler")` marker it
 * carries, as errors are by theirs, so any installed copy of the package works.
 */
export interface SchedulerLike {
  readonly broker: Broker | undefined;
  readonly store: { close(): Promise<void> };
  start(): Promise<void>;
  stop(): Promise<void>;
  list(): Promise<ScheduleRow[]>;
}

const MARKER = Symbol.for("troupe.scheduler");

function isScheduler(value: unknown): value is SchedulerLike {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
}

/** A `Scheduler` and the broker it sends through. */
export interface LoadedScheduler {
  scheduler: SchedulerLike;
  broker: ResolvedBroker;
}

/**
 * Imports `MODULE[:export]` and finds its `Scheduler`: the named export, else the default
 * export, else an export named `scheduler`; each may be a Scheduler or a function that
 * builds one (sync or async). Its broker is the one it was given, else the module's
 * `setBroker` broker, else one built from `TROUPE_BROKER_URL`, as for `troupe worker`.
 */
export async function loadScheduler(spec: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedScheduler> {
  const { path, exportName } = parseModuleSpec(spec);
  const namespace = await importModule(path);
  const candidates = exportName === undefined ? ["default", "scheduler"] : [exportName];
  let scheduler: SchedulerLike | undefined;
  for (const name of candidates) {
    let value = namespace[name];
    if (typeof value === "function") value = await (value as () => unknown)();
    if (isScheduler(value)) {
      scheduler = value;
      break;
    }
  }
  if (!scheduler) {
    const where = exportName === undefined ? "a default export or an export named scheduler" : `an export named "${exportName}"`;
    throw new ModuleLoadError(`${path} has no Scheduler in ${where} (a Scheduler, or a function that returns one)`);
  }
  const own = scheduler.broker ?? peekBroker();
  if (own) return { scheduler, broker: { broker: own, url: undefined } };
  const url = env.TROUPE_BROKER_URL;
  if (url) return { scheduler, broker: await brokerFromEnvUrl(url, dirname(resolve(path))) };
  throw new ModuleLoadError(`${path} sets no broker: give the Scheduler a broker, call setBroker() in it, or set TROUPE_BROKER_URL`);
}
