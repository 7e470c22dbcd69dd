import type { Broker } from "./broker.js";

type BrokerListener = (broker: Broker) => void;

interface GlobalState {
  broker: Broker | undefined;
  defaultFactory: (() => Broker) | undefined;
  listeners: Set<BrokerListener>;
}

// Kept on globalThis so that the ESM and CJS builds (or two installed copies) share one global broker.
const KEY = Symbol.for("troupe.global-broker");
const state: GlobalState = ((globalThis as Record<symbol, unknown>)[KEY] as GlobalState | undefined) ?? {
  broker: undefined,
  defaultFactory: undefined,
  listeners: new Set(),
};
(globalThis as Record<symbol, unknown>)[KEY] = state;

/** Sets the broker that actors without an explicit `broker` option use. */
export function setBroker<B extends Broker>(broker: B): B {
  state.broker = broker;
  for (const listener of state.listeners) listener(broker);
  return broker;
}

/** The global broker; an in-memory broker is created on first use when none was set. */
export function getBroker(): Broker {
  if (!state.broker) {
    if (!state.defaultFactory) throw new Error("no broker set: call setBroker() first");
    setBroker(state.defaultFactory());
  }
  return state.broker as Broker;
}

/** The global broker, or undefined when none was set yet. */
export function peekBroker(): Broker | undefined {
  return state.broker;
}

/** @internal */
export function onBrokerSet(listener: BrokerListener): void {
  state.listeners.add(listener);
}

/** @internal the memory broker registers itself as the zero-setup default */
export function setDefaultBrokerFactory(factory: () => Broker): void {
  state.defaultFactory ??= factory;
}
