import { pathToFileURL } from "node:url";
import type { Broker } from "./broker.js";
import { InvalidOption } from "./errors.js";
import { esmEntry } from "./esm-entry.js";
import { MemoryBroker } from "./memory-broker.js";
import { assertKnownOptions, optionKeys } from "./option-keys.js";

const RESOLUTION_OPTIONS = optionKeys<NonNullable<Parameters<typeof brokerFromUrl>[2]>>({ searchFrom: true });

const ADAPTERS: Record<string, { package: string; export: string }> = {
  "redis:": { package: "@troupe/broker-redis", export: "RedisBroker" },
  "rediss:": { package: "@troupe/broker-redis", export: "RedisBroker" },
  "amqp:": { package: "@troupe/broker-rabbitmq", export: "RabbitmqBroker" },
  "amqps:": { package: "@troupe/broker-rabbitmq", export: "RabbitmqBroker" },
};

/**
 * A broker for a URL: `memory://`, `redis://`, `rediss://`, `amqp://`, `amqps://`.
 * Adapter packages are loaded on demand, looked up from `searchFrom` (default: the
 * current directory) and then from core; a missing one is named in the error.
 * The broker class refuses `options` it does not know.
 */
export async function brokerFromUrl(
  url: string,
  options: Record<string, unknown> = {},
  resolution: { searchFrom?: readonly string[] } = {},
): Promise<Broker> {
  assertKnownOptions("brokerFromUrl resolution", resolution, RESOLUTION_OPTIONS);
  const protocol = /^[a-z0-9+.-]+:/i.exec(url)?.[0].toLowerCase();
  if (protocol === "memory:") return new MemoryBroker(options);
  const adapter = protocol ? ADAPTERS[protocol] : undefined;
  if (!adapter) {
    throw new InvalidOption(`unsupported broker URL "${redactUrl(url)}": use memory://, redis://, rediss://, amqp:// or amqps://`);
  }
  const module = await importAdapter(adapter.package, resolution.searchFrom ?? [process.cwd()]);
  if (!module) throw new InvalidOption(`${protocol}// brokers need ${adapter.package}: run \`npm install ${adapter.package}\``);
  const BrokerClass = module[adapter.export] as new (options: Record<string, unknown>) => Broker;
  return new BrokerClass({ ...options, url });
}

/**
 * Imports an adapter package as the application sees it. A bare `import()` resolves
 * from core's own folder, which misses packages the app installed beside core in
 * strict layouts (pnpm, Yarn PnP), so the app's folders come first; the adapter's
 * ESM entry is loaded so that it shares this copy of core.
 */
async function importAdapter(name: string, searchFrom: readonly string[]): Promise<Record<string, unknown> | undefined> {
  for (const dir of searchFrom) {
    const entry = esmEntry(name, dir);
    if (entry) return (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  }
  try {
    return (await import(name)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string })?.code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") return undefined;
    throw error;
  }
}

/** The URL with its password replaced by `***`, for logs and errors. */
export function redactUrl(url: string): string {
  // The user info ends at the authority's last "@", as URL parsers (and the drivers) read it: a password may contain "@".
  return url.replace(/^([a-z0-9+.-]+:\/\/[^:/@]*:)([^/?#]*)@/i, "$1***@");
}
