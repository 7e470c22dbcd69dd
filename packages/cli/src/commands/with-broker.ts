import type { Broker } from "@troupe/core";
import type { BrokerSource } from "../args.js";
import { isConnectionFailure, unreachable } from "../connection-check.js";
import { brokerForCommand } from "../resolve-broker.js";

/** Runs an operator command against the chosen broker, naming it when it is unreachable, and closes it. */
export async function withBroker<T>(source: BrokerSource, run: (broker: Broker) => Promise<T>): Promise<T> {
  const resolved = await brokerForCommand(source);
  try {
    return await run(resolved.broker);
  } catch (error) {
    throw isConnectionFailure(error) ? unreachable(resolved, error) : error;
  } finally {
    await resolved.broker.close().catch(() => {});
  }
}
