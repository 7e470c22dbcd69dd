import type { Broker } from "./broker.js";
import { InvalidOption } from "./errors.js";
import { MemoryBroker } from "./memory-broker.js";

const ADAPTERS: Record<string, { package: string; export: string }> = {
  "redis:": { package: "@troupe/broker-redis", export: "RedisBroker" },
  "rediss:": { package: "@troupe/broker-redis", export: "RedisBroker" },
  "amqp:": { package: "@troupe/broker-rabbitmq", export: "RabbitmqBroker" },
  "amqps:": { package: "@troupe/broker-rabbitmq", export: "RabbitmqBroker" },
};

/**
 * A broker for a URL: `memory://`, `redis://`, `rediss://`, `amqp://`, `amqps://`.
 * Adapter packages are loaded on demand; a missing one is named in the error.
 */
export async function brokerFromUrl(url: string, options: Record<string, unknown> = {}): Promise<Broker> {
  const protocol = /^[a-z0-9+.-]+:/i.exec(url)?.[0].toLowerCase();
  if (protocol === "memory:") return new MemoryBroker(options);
  const adapter = protocol ? ADAPTERS[protocol] : undefined;
  if (!adapter) {
    throw new InvalidOption(`unsupported broker URL "${redactUrl(url)}": use memory://, redis://, rediss://, amqp:// or amqps://`);
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(adapter.package)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string })?.code === "ERR_MODULE_NOT_FOUND" || (error as { code?: string })?.code === "MODULE_NOT_FOUND") {
      throw new InvalidOption(`${protocol}// brokers need ${adapter.package}: run \`npm install ${adapter.package}\``);
    }
    throw error;
  }
  const BrokerClass = module[adapter.export] as new (options: Record<string, unknown>) => Broker;
  return new BrokerClass({ ...options, url });
}

/** The URL with its password replaced by `***`, for logs and errors. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z0-9+.-]+:\/\/[^:/@]*:)([^@/]*)@/i, "$1***@");
}
