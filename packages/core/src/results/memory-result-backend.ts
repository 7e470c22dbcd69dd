import { ResultBackend } from "./result-backend.js";

/** Results in this process's memory, with TTLs and waiters woken on write. */
export class MemoryResultBackend extends ResultBackend {
  private readonly values = new Map<string, { value: string; expiresAt: number }>();
  private readonly waiters = new Map<string, Set<(value: string) => void>>();

  protected async read(key: string): Promise<string | undefined> {
    return this.peek(key);
  }

  private peek(key: string): string | undefined {
    const entry = this.values.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.values.delete(key);
      return undefined;
    }
    return entry.value;
  }

  protected async write(key: string, value: string, ttl: number): Promise<void> {
    this.values.set(key, { value, expiresAt: Date.now() + ttl });
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
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        waiting.delete(wake);
        resolve(undefined);
      }, timeout);
      waiting.add(wake);
    });
  }
}
