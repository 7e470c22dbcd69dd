import type { Broker } from "./broker.js";

type BrokerListener = (broker: Broker) => void;

let globalBroker: Broker | undefined;
let defaultFactory: (() => Broker) | undefined;
const listeners = new Set<BrokerListener>();

/** Sets the broker that actors without an explicit `broker` option use. */
export function setBroker(broker: Broker): Broker {
  globalBroker = broker;
  for (const listener of listeners) listener(broker);
  return broker;
}

/** The global broker; an in-memory broker is created on first use when none was set. */
export function getBroker(): Broker {
  if (!globalBroker) {
    if (!defaultFactory) throw new Error("no broker set: call setBroker() first");
    setBroker(defaultFactory());
  }
  return globalBroker as Broker;
}

/** The global broker, or undefined when none was set yet. */
export function peekBroker(): Broker | undefined {
  return globalBroker;
}

/** @internal */
export function onBrokerSet(listener: BrokerListener): void {
  listeners.add(listener);
}

/** @internal the memory broker registers itself as the zero-setup default */
export function setDefaultBrokerFactory(factory: () => Broker): void {
  defaultFactory = factory;
}
