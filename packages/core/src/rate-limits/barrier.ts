import type { RateLimiterBackend } from "./rate-limiter-backend.js";

/**
 * A distributed barrier: `create(parties)`, then every party calls `wait`. The
 * last arriver (and anyone after it) gets true; blocking waiters wake then.
 */
export class Barrier {
  private readonly events: string;
  private readonly ttl: number;

  constructor(
    private readonly backend: RateLimiterBackend,
    readonly key: string,
    options: { ttl?: number } = {},
  ) {
    this.events = `${key}@events`;
    this.ttl = options.ttl ?? 900_000;
  }

  /** Creates the barrier for `parties`; false when it already exists. */
  create(parties: number): Promise<boolean> {
    return this.backend.add(this.key, parties, this.ttl);
  }

  /** Arrives at the barrier. True when it is (or was already) cleared. */
  async wait(options: { block?: boolean; timeout?: number } = {}): Promise<boolean> {
    const cleared = !(await this.backend.decr(this.key, 1, 1, this.ttl));
    if (cleared) {
      await this.backend.notify(this.events, this.ttl);
      return true;
    }
    if (options.block ?? true) return this.backend.wait(this.events, options.timeout ?? this.ttl);
    return false;
  }
}
