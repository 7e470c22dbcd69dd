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
 * A broker for a URL: `memory://`, `redis://`, `rediss://`, `amqp://`, `amqps://`, or a
 * `;`-separated list of `amqp://`/`amqps://` URLs, which RabbitMQ tries in turn (failover).
 * Any password in the URLs is hidden in errors.
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
  // `amqp://a;amqp://b` is Dramatiq's RabbitMQ failover list; no other broker takes a list
  // (a ";" not followed by a scheme is part of the URL, in a password say).
  const entries = url.split(/;(?=\s*[a-z][a-z0-9+.-]*:\/\/)/i);
  if (entries.length > 1 && !entries.every((entry) => /^\s*amqps?:\/\//i.test(entry))) {
    throw new InvalidOption(
      `a ;-separated list of broker URLs is for RabbitMQ failover: each must be amqp:// or amqps://, got "${redactUrl(url)}"`,
    );
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

/**
 * The URL with its password replaced by `***`, for logs and errors; in a list of URLs
 * (`amqp://a;amqp://b`, as RabbitMQ failover takes them), every URL's password.
 */
export function redactUrl(url: string): string {
  // The user info ends at the authority's last "@", as URL parsers (and the drivers) read it: a password may contain "@".
  // Not anchored at the start, so that each URL of a list is redacted, not the first only.
  return url.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)([^/?#]*)@/gi, "$1***@");
}
