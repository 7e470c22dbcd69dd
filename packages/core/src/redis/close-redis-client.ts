import type { RedisClientLike } from "./redis-client.js";

/** The longest a close waits, ms: for the replies still due, then for the socket to close. */
const MAX_CLOSE_WAIT = 2000;

/**
 * Closes `client` and resolves once it has ended: politely (QUIT, after the replies
 * still due) when it is connected, at once when it is not, since QUIT would otherwise
 * wait for a connection that may never come back; by force after `timeout` ms (at most 2 s).
 */
export async function closeRedisClient(client: RedisClientLike, timeout: number): Promise<void> {
  if (client.status === "end") return;
  let timer: NodeJS.Timeout | undefined;
  let onEnd: (() => void) | undefined;
  const ended = new Promise<void>((resolve) => {
    onEnd = resolve;
    client.on("end", onEnd);
    timer = setTimeout(resolve, Math.min(timeout, MAX_CLOSE_WAIT));
  });
  if (client.status === "ready") await Promise.race([client.quit().catch(() => {}), ended]);
  client.disconnect();
  await ended;
  clearTimeout(timer);
  if (onEnd) client.off("end", onEnd);
}
