import { ConnectionError } from "../errors.js";
import type { RedisClientLike } from "./redis-client.js";
import type { RedisConnection } from "./redis-connection.js";

/**
 * Clients for blocking commands (`BRPOPLPUSH`, `BLPOP`): a blocked connection serves
 * no one else, so each waiting caller takes a duplicate of its own, and up to
 * `maxIdle` idle ones are kept for the next callers. A client whose command failed
 * or timed out may still be blocked, so it is closed rather than reused.
 */
export class RedisBlockingPool<Client extends RedisClientLike = RedisClientLike, ClientOptions extends object = object> {
  private readonly idle: Client[] = [];
  private readonly busy = new Set<Client>();
  private closed = false;

  /**
   * @param connection - The connection whose client is duplicated, and whose `bounded` bounds each command.
   * @param maxIdle - Idle clients kept for reuse.
   */
  constructor(
    private readonly connection: RedisConnection<Client, ClientOptions>,
    private readonly maxIdle: number,
  ) {}

  /**
   * Runs `command` on a client of its own, bounded by `limit` ms (the command's own
   * blocking time plus a margin), as `RedisConnection.bounded` does.
   */
  async run<T>(what: string, limit: number, command: (client: Client) => Promise<T>): Promise<T> {
    if (this.closed) throw new ConnectionError(`${what} failed: the connection to ${this.connection.name} is closed`);
    const client = this.idle.pop() ?? this.open();
    this.busy.add(client);
    let healthy = false;
    try {
      const result = await this.connection.bounded(what, () => command(client), limit);
      healthy = true;
      return result;
    } finally {
      this.release(client, healthy);
    }
  }

  /** Closes every client, idle or busy (a busy one's command fails). */
  close(): void {
    this.closed = true;
    for (const client of [...this.idle, ...this.busy]) client.disconnect();
    this.idle.length = 0;
    this.busy.clear();
  }

  private release(client: Client, healthy: boolean): void {
    if (!this.busy.delete(client)) return;
    if (healthy && !this.closed && this.idle.length < this.maxIdle) this.idle.push(client);
    else client.disconnect();
  }

  private open(): Client {
    const client = this.connection.duplicateClient();
    // Failures reach the caller through the command; the driver would also print each one.
    client.on("error", () => {});
    return client;
  }
}
