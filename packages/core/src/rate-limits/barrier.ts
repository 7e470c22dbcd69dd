import { assertKnownOptions, optionKeys } from "../option-keys.js";
import type { RateLimiterBackend } from "./rate-limiter-backend.js";

const BARRIER_OPTIONS = optionKeys<NonNullable<ConstructorParameters<typeof Barrier>[2]>>({ ttl: true });
const WAIT_OPTIONS = optionKeys<NonNullable<Parameters<Barrier["wait"]>[0]>>({ block: true, timeout: true });

/**
 * A distributed barrier: `create(parties)`, then every party calls `wait`. The
 * last arriver (and anyone after it) gets true; blocking waiters wake then.
 */
export class Barrier {
  private readonly events: string;
  private readonly ttl: number;

  constructor(
    private readonly backend: RateLimiterBackend,
    /** The backend key of the barrier's counter (its events list is `key@events`). */
    readonly key: string,
    options: { ttl?: number } = {},
  ) {
    assertKnownOptions("Barrier", options, BARRIER_OPTIONS);
    this.events = `${key}@events`;
    this.ttl = options.ttl ?? 900_000;
  }

  /** Creates the barrier for `parties`; false when it already exists. */
  create(parties: number): Promise<boolean> {
    return this.backend.add(this.key, parties, this.ttl);
  }

  /** Arrives at the barrier. True when it is (or was already) cleared. */
  async wait(options: { block?: boolean; timeout?: number } = {}): Promise<boolean> {
    assertKnownOptions("Barrier.wait", options, WAIT_OPTIONS);
    const cleared = !(await this.backend.decr(this.key, 1, 1, this.ttl));
    if (cleared) {
      await this.backend.notify(this.events, this.ttl);
      return true;
    }
    if (options.block ?? true) return this.backend.wait(this.events, options.timeout ?? this.ttl);
    return false;
  }
}
