import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type Broker, esmEntry } from "@troupe/core";
import { ModuleLoadError } from "./errors.js";
import { importModule, parseModuleSpec } from "./load-module.js";

/**
 * What the CLI uses of a `@troupe/dashboard` dashboard. The CLI does not depend on that
 * package: a dashboard is recognised by its `Symbol.for("troupe.dashboard")` marker, and
 * the package itself is loaded from the application's own install.
 */
export interface DashboardLike {
  (req: IncomingMessage, res: ServerResponse): void;
  readonly basePath: string;
  readonly requiresCredentials: boolean;
}

/** What the CLI uses of the `@troupe/dashboard` package. */
export interface DashboardPackage {
  createDashboard(options: {
    broker: Broker;
    statusStore: unknown;
    auth: { token: string } | { username: string; password: string } | "none";
    basePath?: string;
    queues?: readonly string[];
  }): DashboardLike;
  RedisStatusStore: new (options: { url?: string; client?: unknown; namespace?: string }) => StatusStoreLike;
}

/** A status store, as far as the CLI cares: something it closes on exit. */
export interface StatusStoreLike {
  close(): Promise<void>;
}

const MARKER = Symbol.for("troupe.dashboard");

function isDashboard(value: unknown): value is DashboardLike {
  return typeof value === "function" && (value as unknown as Record<symbol, unknown>)[MARKER] === true;
}

function isStatusStore(value: unknown): value is StatusStoreLike {
  const store = value as Record<string, unknown> | null;
  return (
    typeof store === "object" &&
    store !== null &&
    ["get", "search", "actorStats", "close"].every((name) => typeof store[name] === "function")
  );
}

/** What a module offers `troupe dashboard`: a ready dashboard, or a status store to build one with. */
export interface DashboardModule {
  dashboard: DashboardLike | undefined;
  statusStore: StatusStoreLike | undefined;
  /** The module's folder: `@troupe/dashboard` is looked up from there first. */
  dir: string;
}

/**
 * Imports `MODULE[:export]` and finds a dashboard: the named export, else the default
 * export, else an export named `dashboard` (each a dashboard or a function returning one).
 * Without one, an export named `statusStore` is what a dashboard built here reads.
 */
export async function loadDashboardModule(spec: string): Promise<DashboardModule> {
  const { path, exportName } = parseModuleSpec(spec);
  const namespace = await importModule(path);
  const dir = dirname(resolve(path));
  for (const name of exportName === undefined ? ["default", "dashboard"] : [exportName]) {
    let value = namespace[name];
    if (typeof value === "function" && !isDashboard(value)) value = await (value as () => unknown)();
    if (isDashboard(value)) return { dashboard: value, statusStore: undefined, dir };
  }
  if (exportName !== undefined)
    throw new ModuleLoadError(`${path} has no dashboard export named "${exportName}" (createDashboard(...), or a function returning one)`);
  return { dashboard: undefined, statusStore: isStatusStore(namespace.statusStore) ? namespace.statusStore : undefined, dir };
}

/** `@troupe/dashboard` as the application installed it, looked up from each of `searchFrom` in turn. */
export async function loadDashboardPackage(searchFrom: readonly string[]): Promise<DashboardPackage> {
  for (const dir of searchFrom) {
    const entry = esmEntry("@troupe/dashboard", dir);
    if (entry) return (await import(pathToFileURL(entry).href)) as DashboardPackage;
  }
  throw new ModuleLoadError("troupe dashboard needs @troupe/dashboard: run `npm install @troupe/dashboard` in your project");
}
