import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Broker, brokerFromUrl } from "@troupe/core";

const ADAPTERS: Record<string, { package: string; export: string }> = {
  "redis:": { package: "@troupe/broker-redis", export: "RedisBroker" },
  "rediss:": { package: "@troupe/broker-redis", export: "RedisBroker" },
  "amqp:": { package: "@troupe/broker-rabbitmq", export: "RabbitmqBroker" },
  "amqps:": { package: "@troupe/broker-rabbitmq", export: "RabbitmqBroker" },
};

/**
 * The ESM entry of a package as seen from `dir`. `require.resolve` would give
 * the CommonJS build, whose separate copy of core would not share the global broker.
 */
function esmEntry(pkg: string, dir: string): string | undefined {
  let manifest: string;
  try {
    manifest = createRequire(join(dir, "noop.js")).resolve(`${pkg}/package.json`);
  } catch {
    return undefined;
  }
  const json = JSON.parse(readFileSync(manifest, "utf8")) as { exports?: { ".": { import?: { default?: string } } }; module?: string };
  const entry = json.exports?.["."]?.import?.default ?? json.module;
  return entry ? join(dirname(manifest), entry) : undefined;
}

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
