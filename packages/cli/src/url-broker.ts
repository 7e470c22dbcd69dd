import { pathToFileURL } from "node:url";
import { type Broker, brokerFromUrl } from "@troupe/core";
import { esmEntry } from "./esm-entry.js";

const ADAPTERS: Record<string, { package: string; export: string }> = {
  "redis:": { package: "@troupe/broker-redis", export: "RedisBroker" },
  "rediss:": { package: "@troupe/broker-redis", export: "RedisBroker" },
  "amqp:": { package: "@troupe/broker-rabbitmq", export: "RabbitmqBroker" },
  "amqps:": { package: "@troupe/broker-rabbitmq", export: "RabbitmqBroker" },
};

/**
 * A broker for a URL. Core's `brokerFromUrl` imports the adapter from core's own
 * location, where strict installers (pnpm) do not link it; the CLI looks from the
 * user's project (`searchFrom`) and from itself first, and leaves the rest to core.
 */
export async function brokerForUrl(url: string, searchFrom: readonly string[]): Promise<Broker> {
  const protocol = /^[a-z0-9+.-]+:/i.exec(url)?.[0].toLowerCase();
  const adapter = protocol ? ADAPTERS[protocol] : undefined;
  if (adapter) {
    for (const dir of searchFrom) {
      const entry = esmEntry(adapter.package, dir);
      if (!entry) continue;
      const module = (await import(pathToFileURL(entry).href)) as Record<string, new (options: { url: string }) => Broker>;
      return new module[adapter.export]({ url });
    }
  }
  return brokerFromUrl(url);
}
