import { dirname } from "node:path";
import type { Broker } from "./broker.js";
import { brokerFromUrl, redactUrl } from "./broker-from-url.js";
import { BrokerNotSet } from "./errors.js";

type BrokerListener = (broker: Broker) => void;

interface GlobalState {
  broker: Broker | undefined;
  /** The broker of `TROUPE_BROKER_URL` while it is being created (its adapter loads asynchronously). */
  pending?: Promise<Broker> | undefined;
  listeners: Set<BrokerListener>;
}

/** The environment variable naming the broker that actors without their own use when `setBroker` was not called. */
export const BROKER_URL_ENV = "TROUPE_BROKER_URL";

// Kept on globalThis so that the ESM and CJS builds (or two installed copies) share one global broker.
const KEY = Symbol.for("troupe.global-broker");
const state: GlobalState = ((globalThis as Record<symbol, unknown>)[KEY] as GlobalState | undefined) ?? {
  broker: undefined,
  listeners: new Set(),
};
(globalThis as Record<symbol, unknown>)[KEY] = state;

/** Sets the broker that actors without an explicit `broker` option use; actors declared earlier bind to it now. */
export function setBroker<B extends Broker>(broker: B): B {
  state.broker = broker;
  for (const listener of state.listeners) listener(broker);
  return broker;
}

/**
 * The global broker: the one given to `setBroker`, or the one created from
 * `TROUPE_BROKER_URL` once something awaited `resolveBroker()` (every `send` does).
 * Synchronous, so it cannot create a broker itself: it throws `BrokerNotSet` when
 * none exists yet. There is never an implicit in-memory broker: a producer must
 * not send where no worker consumes.
 */
export function getBroker(): Broker {
  if (!state.broker) throw new BrokerNotSet(notSetReason());
  return state.broker;
}

/** The global broker, or undefined when none was set (or created from `TROUPE_BROKER_URL`) yet. */
export function peekBroker(): Broker | undefined {
  return state.broker;
}

/**
 * The global broker, creating it from `TROUPE_BROKER_URL` on first use (its adapter
 * package is looked up from the current directory and the entry script's); rejects
 * with `BrokerNotSet` when there is neither. Concurrent callers share one creation.
 */
export async function resolveBroker(env: NodeJS.ProcessEnv = process.env): Promise<Broker> {
  if (state.broker) return state.broker;
  const url = env[BROKER_URL_ENV];
  if (!url) throw new BrokerNotSet(notSetReason(env));
  state.pending ??= createFromUrl(url);
  return state.pending;
}

async function createFromUrl(url: string): Promise<Broker> {
  const searchFrom = [process.cwd(), process.argv[1] && dirname(process.argv[1])].filter((dir): dir is string => !!dir);
  let created: Broker;
  try {
    created = await brokerFromUrl(url, {}, { searchFrom });
  } catch (error) {
    // A later send tries again (the adapter may have been installed, the URL fixed).
    state.pending = undefined;
    throw new BrokerNotSet(`${BROKER_URL_ENV}=${redactUrl(url)} gives no broker: ${(error as Error)?.message ?? error}`, { cause: error });
  }
  state.pending = undefined;
  // setBroker() may have been called while the adapter loaded: that broker wins.
  if (state.broker) {
    await created.close().catch(() => {});
    return state.broker;
  }
  return setBroker(created);
}

function notSetReason(env: NodeJS.ProcessEnv = process.env): string {
  if (env[BROKER_URL_ENV]) {
    return `the broker of ${BROKER_URL_ENV} is not created yet: \`await resolveBroker()\` creates it (every send does)`;
  }
  return (
    "no broker is set: call setBroker(broker) (e.g. setBroker(new RedisBroker({ url }))), " +
    `set ${BROKER_URL_ENV} (redis://…, amqp://…, or memory:// for this process only), pass { broker } to the actor, ` +
    "or run the actors under `troupe worker`"
  );
}

/** Calls `listener` with every broker `setBroker` sets (actors declared before it bind to it). */
export function onBrokerSet(listener: BrokerListener): void {
  state.listeners.add(listener);
}
