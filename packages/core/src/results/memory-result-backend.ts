import { type Clock, realClock } from "../clock.js";
import { assertKnownOptions, optionKeys } from "../option-keys.js";
import { ResultBackend } from "./result-backend.js";

/** Options of `new MemoryResultBackend(options)`. */
export interface MemoryResultBackendOptions {
  /** The clock TTLs and blocking waits follow (default the real one); pass `broker.clock` of a `TestBroker` for virtual time. */
  clock?: Clock;
}

const MEMORY_RESULT_BACKEND_OPTIONS = optionKeys<MemoryResultBackendOptions>({ clock: true });

/** Results in this process's memory, with TTLs and waiters woken on write. */
export class MemoryResultBackend extends ResultBackend {
  private readonly values = new Map<string, { value: string; expiresAt: number }>();
  private readonly waiters = new Map<string, Set<(value: string) => void>>();
  /** The clock its TTLs and blocking waits follow. */
  readonly clock: Clock;

  constructor(options: MemoryResultBackendOptions = {}) {
    super();
    assertKnownOptions("MemoryResultBackend", options, MEMORY_RESULT_BACKEND_OPTIONS);
    this.clock = options.clock ?? realClock;
  }

  protected async read(key: string): Promise<string | undefined> {
    return this.peek(key);
  }

  private peek(key: string): string | undefined {
    const entry = this.values.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock.now()) {
      this.values.delete(key);
      return undefined;
    }
    return entry.value;
  }

  protected async write(key: string, value: string, ttl: number): Promise<void> {
    this.values.set(key, { value, expiresAt: this.clock.now() + ttl });
    const waiting = this.waiters.get(key);
    if (waiting) {
      this.waiters.delete(key);
      for (const wake of waiting) wake(value);
    }
  }

  protected override async waitFor(key: string, timeout: number): Promise<string | undefined> {
    // Checked and registered in one synchronous step, so a write in between cannot be missed.
    const present = this.peek(key);
    if (present !== undefined) return present;
    return new Promise((resolve) => {
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      const waiting = set;
      const wake = (value: string) => {
        this.clock.clearTimeout(timer);
        resolve(value);
      };
      const timer = this.clock.setTimeout(() => {
        waiting.delete(wake);
        resolve(undefined);
      }, timeout);
      waiting.add(wake);
    });
  }
}
