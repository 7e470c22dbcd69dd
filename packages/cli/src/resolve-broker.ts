import { dirname, resolve } from "node:path";
import { type Broker, peekBroker, redactUrl, setBroker } from "@troupe/core";
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
 * Imports `MODULE[:export]` and finds its broker: the named export, else a default
 * export that is a broker, else the one the module passed to `setBroker`, else one
 * built from `TROUPE_BROKER_URL`. The broker becomes the global one, so actors
 * declared without a broker bind to it.
 */
export async function brokerFromModule(spec: string, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedBroker> {
  const { path, exportName } = parseModuleSpec(spec);
  const namespace = await importModule(path);
  if (exportName !== undefined) {
    const value = namespace[exportName];
    if (!isBroker(value)) throw new ModuleLoadError(`${path} has no broker export named "${exportName}"`);
    return adopt(value);
  }
  if (isBroker(namespace.default)) return adopt(namespace.default);
  const set = peekBroker();
  if (set) return { broker: set, url: urlOf(set) };
  const url = env[BROKER_URL_ENV];
  if (url) return brokerFromEnvUrl(url, dirname(resolve(path)));
  throw new ModuleLoadError(`${path} sets no broker: call setBroker() in it, export the broker, or set ${BROKER_URL_ENV}`);
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

function adopt(broker: Broker): ResolvedBroker {
  if (peekBroker() !== broker) setBroker(broker);
  return { broker, url: urlOf(broker) };
}

/** Brokers built from a URL usually keep it; shown (redacted) when the broker cannot be reached. */
function urlOf(broker: Broker): string | undefined {
  const url = (broker as { url?: unknown }).url;
  return typeof url === "string" ? redactUrl(url) : undefined;
}
