import type { Broker } from "@troupe/core";

/** Troupe's brokers by class name: adapters do not depend on this package, so it recognises them. */
const KNOWN: Record<string, string> = { RedisBroker: "redis", RabbitmqBroker: "rabbitmq", MemoryBroker: "memory" };

const cache = new WeakMap<Broker, string>();

/**
 * The `messaging.system` of a broker: `redis`, `rabbitmq` or `memory` for Troupe's
 * brokers and their subclasses (class names survive the build: tsup keeps them),
 * else the broker's class name without `Broker`, lower-cased.
 */
export function messagingSystem(broker: Broker): string {
  let system = cache.get(broker);
  if (system === undefined) {
    system = fromClasses(broker);
    cache.set(broker, system);
  }
  return system;
}

function fromClasses(broker: Broker): string {
  for (let proto = Object.getPrototypeOf(broker); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const known = KNOWN[proto.constructor.name];
    if (known) return known;
  }
  return broker.constructor.name.replace(/Broker$/, "").toLowerCase() || "troupe";
}
