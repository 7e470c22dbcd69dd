import { assertKnownOptions, ConnectionError, type Message, optionKeys, ResultBackend, resultKey } from "@troupe/core";
import memjs, { type Client } from "memjs";

/** Options of `new MemcachedResultBackend(options)`: servers or a ready client. */
export interface MemcachedResultBackendOptions {
  /** "host:port" or a list of them (default "127.0.0.1:11211"). Ignored when `client` is given. */
  servers?: string | readonly string[];
  /** A ready memjs client; it stays open on `close()`. */
  client?: Client;
  /** The prefix hashed into every key, as Dramatiq's `namespace` (default "dramatiq-results"). */
  namespace?: string;
  /** Per-operation timeout in seconds when connecting by `servers` (memjs's default 0.5). */
  timeout?: number;
}

const MEMCACHED_RESULT_BACKEND_OPTIONS = optionKeys<MemcachedResultBackendOptions>({
  servers: true,
  client: true,
  namespace: true,
  timeout: true,
});

// memcached reads expirations above 30 days as a unix time.
const RELATIVE_LIMIT = 30 * 24 * 3600;

/** A whole-second memcached expiration for a TTL in ms, rounded up so it never becomes 0 ("never"). */
export function expirationFor(ttl: number, now = Date.now()): number {
  const seconds = Math.max(1, Math.ceil(ttl / 1000));
  return seconds > RELATIVE_LIMIT ? Math.ceil(now / 1000) + seconds : seconds;
}

/**
 * Stores results as Dramatiq's MemcachedBackend does (docs/protocol.md §6): the JSON text
 * under the md5 key, client flags 0, a TTL in whole seconds. memcached cannot
 * block, so a blocking read polls with backoff until the timeout.
 */
export class MemcachedResultBackend extends ResultBackend {
  /** The memjs client (given, or made from `servers`). */
  readonly client: Client;
  /** The prefix hashed into every key. */
  readonly namespace: string;
  private readonly ownsClient: boolean;

  constructor(options: MemcachedResultBackendOptions = {}) {
    super();
    assertKnownOptions("MemcachedResultBackend", options, MEMCACHED_RESULT_BACKEND_OPTIONS);
    this.namespace = options.namespace ?? "dramatiq-results";
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
    } else {
      const servers = typeof options.servers === "string" ? options.servers : (options.servers ?? ["127.0.0.1:11211"]).join(",");
      // Failures reach the caller as ConnectionError, so memjs need not log them too.
      this.client = memjs.Client.create(servers, { timeout: options.timeout, logger: { log() {} } });
      this.ownsClient = true;
    }
  }

  protected override keyFor(message: Message<readonly unknown[], unknown>): string {
    return resultKey(message, this.namespace);
  }

  protected async read(key: string): Promise<string | undefined> {
    try {
      const { value } = await this.client.get(key);
      return value ? value.toString("utf8") : undefined;
    } catch (error) {
      throw new ConnectionError(`memcached: reading result ${key} failed: ${(error as Error)?.message ?? error}`, { cause: error });
    }
  }

  protected async write(key: string, value: string, ttl: number): Promise<void> {
    try {
      await this.client.set(key, value, { expires: expirationFor(ttl) });
    } catch (error) {
      throw new ConnectionError(`memcached: storing result ${key} failed: ${(error as Error)?.message ?? error}`, { cause: error });
    }
  }

  /** Closes the client, when the backend created it. */
  async close(): Promise<void> {
    if (this.ownsClient) this.client.close();
  }
}
