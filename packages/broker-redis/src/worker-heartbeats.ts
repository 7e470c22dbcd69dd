import type { RedisConnection } from "./redis-connection.js";

/** One process seen in a Redis broker's heartbeats: a worker, or a producer that ran a script. */
export interface RedisWorkerInfo {
  /** Its broker's `workerId` (Dramatiq's worker id for Python workers). */
  workerId: string;
  /** Its latest heartbeat, ms since the epoch. */
  lastHeartbeat: number;
  /** False once the heartbeat is older than the broker's `heartbeatTimeout`: maintenance will requeue what it held. */
  alive: boolean;
  /** Messages it holds per queue (fetched, not yet acked), for the queues asked about; queues where it holds none are left out. */
  inFlight: Record<string, number>;
}

/**
 * Every process in the heartbeat ZSET of `namespace`, newest beat first, with what its
 * ack sets hold for `queueNames` (canonical and delay queues). Read-only: two round trips.
 */
export async function listWorkers(
  connection: RedisConnection,
  namespace: string,
  heartbeatTimeout: number,
  queueNames: readonly string[],
): Promise<RedisWorkerInfo[]> {
  const client = connection.client;
  return connection.bounded("list workers", async () => {
    const flat = await client.zrevrange(`${namespace}:__heartbeats__`, 0, -1, "WITHSCORES");
    const workers: RedisWorkerInfo[] = [];
    const now = Date.now();
    for (let i = 0; i < flat.length; i += 2) {
      const lastHeartbeat = Number(flat[i + 1]);
      workers.push({ workerId: flat[i], lastHeartbeat, alive: now - lastHeartbeat < heartbeatTimeout, inFlight: {} });
    }
    const queues = queueNames.flatMap((queue) => [queue, `${queue}.DQ`]);
    if (workers.length === 0 || queues.length === 0) return workers;
    const pipeline = client.pipeline();
    for (const worker of workers) for (const queue of queues) pipeline.scard(`${namespace}:__acks__.${worker.workerId}.${queue}`);
    const counts = (await pipeline.exec()) ?? [];
    let at = 0;
    for (const worker of workers) {
      for (const queue of queues) {
        const [error, count] = counts[at++] ?? [];
        if (!error && Number(count) > 0) worker.inFlight[queue] = Number(count);
      }
    }
    return workers;
  });
}
