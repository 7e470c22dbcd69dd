import type { Cluster, Redis } from "ioredis";

type RedisClient = Redis | Cluster;

/**
 * Connections for blocking reads: a blocked connection serves no one else, so
 * each waiting reader takes its own; a few idle ones are kept for the next readers.
 */
export class BlockingPool {
  private readonly idle: RedisClient[] = [];
  private readonly busy = new Set<RedisClient>();
  private closed = false;

  constructor(
    private readonly source: RedisClient,
    private readonly maxIdle: number,
  ) {}

  acquire(): RedisClient {
    const connection = this.idle.pop() ?? this.open();
    this.busy.add(connection);
    return connection;
  }

  /** Returns a connection; one that timed out may still be blocked, so it is dropped. */
  release(connection: RedisClient, healthy: boolean): void {
    this.busy.delete(connection);
    if (healthy && !this.closed && this.idle.length < this.maxIdle) this.idle.push(connection);
    else connection.disconnect();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const connection of [...this.idle, ...this.busy]) connection.disconnect();
    this.idle.length = 0;
    this.busy.clear();
  }

  private open(): RedisClient {
    const connection = this.source.duplicate();
    connection.on("error", () => {});
    return connection;
  }
}
