import { dirname, resolve } from "node:path";
import { type Broker, errorTypeName, peekBroker, redactUrl, setBroker } from "@troupe/core";
import { ModuleLoadError } from "./errors.js";
import { importModule, parseModuleSpec } from "./load-module.js";
import { brokerForUrl } from "./url-broker.js";

/** The environment variable naming the broker URL when the module sets no broker. */
export const BROKER_URL_ENV = "TROUPE_BROKER_URL";

/** A broker and, when it came from a URL, that URL with the password hidden (for messages). */
export interface ResolvedBroker {
  /** The broker, now also the global one. */
  broker: Broker;
  /** Its URL with the password shown as `***`, when known. */
  url: string | undefined;
}

/** Brokers are recognised by shape: a second copy of core would fail an `instanceof`. */
function isBroker(value: unknown): value is Broker {
  const candidate = value as Partial<Broker> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.enqueue === "function" &&
    typeof candidate.consume === "function"
  );
}

/**
 * Imports `MODULE[:name]` and finds its broker: see `brokerFromModules`, of which this
 * is the one-module case.
 */
export function brokerFromModule(spec: string, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedBroker> {
  return brokerFromModules([spec], env);
}

/**
 * Imports the modules in order and finds the one broker they run on. A module gives
 * a broker by its `:name` export (a broker, or a setup function, sync or async, called
 * with no arguments: the broker it returns, else the one it passed to `setBroker`),
 * else by a default export that is a broker, else by calling `setBroker` as it loads.
 * Within a module the explicit one wins over its `setBroker` call, as for one module
 * before; across modules, two different brokers are a `ModuleLoadError` naming both.
 * With none, the broker of `TROUPE_BROKER_URL` is used. The broker becomes the global
 * one as soon as it is known, so actors declared without a broker, in that module or
 * in the ones before and after it, bind to it.
 */
export async function brokerFromModules(specs: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<ResolvedBroker> {
  let chosen: { broker: Broker; path: string } | undefined;
  for (const spec of specs) {
    const before = peekBroker();
    const { path, exportName } = parseModuleSpec(spec);
    const namespace = await importModule(path);
    const given = exportName === undefined ? defaultBroker(namespace) : await namedBroker(namespace, path, exportName);
    const set = peekBroker();
    const broker = given ?? (set !== before ? set : undefined);
    if (!broker) continue;
    if (chosen && chosen.broker !== broker) {
      throw new ModuleLoadError(
        `${chosen.path} and ${path} give two different brokers: troupe worker runs all its modules on one (create it in one module and import it in the others)`,
      );
    }
    chosen ??= { broker, path };
    if (peekBroker() !== broker) setBroker(broker);
  }
  if (chosen) return { broker: chosen.broker, url: urlOf(chosen.broker) };
  // One set before the modules loaded (by an embedding program) still serves, as it always did.
  const existing = peekBroker();
  if (existing) return { broker: existing, url: urlOf(existing) };
  const paths = specs.map((spec) => parseModuleSpec(spec).path);
  const url = env[BROKER_URL_ENV];
  if (url) return brokerFromEnvUrl(url, dirname(resolve(paths[0])));
  if (paths.length === 1) {
    throw new ModuleLoadError(`${paths[0]} sets no broker: call setBroker() in it, export the broker, or set ${BROKER_URL_ENV}`);
  }
  throw new ModuleLoadError(
    `${paths.join(", ")} set no broker: call setBroker() in one of them, export the broker, or set ${BROKER_URL_ENV}`,
  );
}

function defaultBroker(namespace: Record<string, unknown>): Broker | undefined {
  return isBroker(namespace.default) ? namespace.default : undefined;
}

/** The `:name` export: a broker, or a setup function whose returned broker wins over the one it set. */
async function namedBroker(namespace: Record<string, unknown>, path: string, name: string): Promise<Broker | undefined> {
  const value = namespace[name];
  if (isBroker(value)) return value;
  if (typeof value !== "function") throw new ModuleLoadError(`${path} has no broker export or setup function named "${name}"`);
  let returned: unknown;
  try {
    returned = await value();
  } catch (error) {
    throw new ModuleLoadError(`${path}:${name}() failed: ${errorTypeName(error)}: ${(error as Error)?.message ?? error}`, { cause: error });
  }
  if (returned === undefined || returned === null) return undefined;
  if (!isBroker(returned))
    throw new ModuleLoadError(`${path}:${name}() returned ${describe(returned)}, not a broker (return one, or nothing after setBroker())`);
  return returned;
}

function describe(value: unknown): string {
  if (typeof value !== "object") return `a ${typeof value}`;
  return `an object (${value?.constructor?.name ?? "no prototype"})`;
}

/** The broker for a URL, made the global one; its adapter package is looked up from `moduleDir` first. */
export async function brokerFromEnvUrl(url: string, moduleDir?: string): Promise<ResolvedBroker> {
  const searchFrom = [moduleDir, process.cwd(), process.argv[1] && dirname(process.argv[1])].filter((dir): dir is string => !!dir);
  const broker = await brokerForUrl(url, searchFrom);
  setBroker(broker);
  return { broker, url: redactUrl(url) };
}

/** For the operator commands: `--url`, else the module, else `TROUPE_BROKER_URL`. */
export async function brokerForCommand(
  options: { url?: string; module?: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedBroker> {
  if (options.url) return brokerFromEnvUrl(options.url);
  if (options.module) return brokerFromModule(options.module, env);
  const url = env[BROKER_URL_ENV];
  if (url) return brokerFromEnvUrl(url);
  throw new ModuleLoadError(`no broker: pass --url URL or a module, or set ${BROKER_URL_ENV}`);
}

/** Brokers built from a URL usually keep it; shown (redacted) when the broker cannot be reached. */
function urlOf(broker: Broker): string | undefined {
  const url = (broker as { url?: unknown }).url;
  return typeof url === "string" ? redactUrl(url) : undefined;
}
