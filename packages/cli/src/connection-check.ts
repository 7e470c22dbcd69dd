import { ConnectionError } from "@troupe/core";
import type { ResolvedBroker } from "./resolve-broker.js";

const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ECONNRESET"]);

/** True for our `ConnectionError` and for a raw network error a driver let through. */
export function isConnectionFailure(error: unknown): boolean {
  return ConnectionError.isInstance(error) || NETWORK_CODES.has((error as { code?: string })?.code ?? "");
}

/** A one-line `ConnectionError` that names the broker's URL (password hidden) when known. */
export function unreachable(resolved: ResolvedBroker, error: unknown): ConnectionError {
  const reason = String((error as Error)?.message ?? error);
  const where = resolved.url && !reason.includes(resolved.url) ? ` at ${resolved.url}` : "";
  return new ConnectionError(`cannot reach the broker${where}: ${reason}`, { cause: error });
}

/**
 * Brokers connect lazily, so a worker would only retry quietly on a bad URL; one
 * operator call makes an unreachable broker fail the start instead.
 */
export async function checkConnection(resolved: ResolvedBroker, queueName: string | undefined): Promise<void> {
  if (queueName === undefined) return;
  try {
    await resolved.broker.queueStats(queueName);
  } catch (error) {
    if (isConnectionFailure(error)) throw unreachable(resolved, error);
    throw error;
  }
}
