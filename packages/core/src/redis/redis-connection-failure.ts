import { ConnectionError } from "../errors.js";

/**
 * `error`, raised while doing `what` on the Redis named `name`, as a `ConnectionError`
 * (returned as is when it already is one), with the driver's error as its `cause`.
 */
export function redisConnectionFailure(what: string, name: string, error: unknown): ConnectionError {
  if (ConnectionError.isInstance(error)) return error;
  return new ConnectionError(`${what} failed on ${name}: ${(error as Error)?.message ?? error}`, { cause: error });
}
