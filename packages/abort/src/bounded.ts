import { ConnectionError } from "@troupe/core";

/** Runs `run`, failing with `ConnectionError` instead of hanging when Redis does not answer within `limit` ms. */
export async function bounded<T>(what: string, label: string, limit: number, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConnectionError(`${what} got no answer from ${label} within ${limit} ms`)), limit);
  });
  try {
    return await Promise.race([run(), expired]);
  } catch (error) {
    if (ConnectionError.isInstance(error)) throw error;
    throw new ConnectionError(`${what} failed on ${label}: ${(error as Error)?.message ?? error}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** The results of an ioredis pipeline or transaction, throwing the first command's error. */
export function results(replies: [Error | null, unknown][] | null): unknown[] {
  if (!replies) throw new Error("the transaction was discarded");
  return replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
