import { assertKnownOptions, InvalidOption, optionKeys } from "@troupe/core";

/** Options of `createDashboard({ loginLimit })`: how many wrong credentials one address may try. */
export interface LoginLimitOptions {
  /** Wrong tokens or passwords one address may send within `windowMs` (default 10); the next attempts get 429. */
  maxFailures?: number;
  /** The window the failures are counted in, ms (default 15 minutes). */
  windowMs?: number;
  /** How long an address that reached `maxFailures` is refused, ms (default 15 minutes). */
  blockMs?: number;
}

const OPTIONS = optionKeys<LoginLimitOptions>({ maxFailures: true, windowMs: true, blockMs: true });

/** Addresses tracked at most: beyond, the stalest goes, so a flood of addresses cannot grow memory without bound. */
const MAX_ADDRESSES = 10_000;

interface Failures {
  /** Failures counted in the window that started at `since`. */
  count: number;
  since: number;
  /** Until when the address is refused, ms; 0 when it is not. */
  blockedUntil: number;
}

/**
 * Counts wrong credentials per client address (the socket's: behind a reverse proxy every
 * client shares the proxy's) and refuses an address that sent `maxFailures` of them within
 * `windowMs` for `blockMs`: every credential it sends then is refused unchecked, a right
 * one too (else the answer would still tell a guess right), so guessing a token or password
 * takes years instead of hours. A correct login clears the address's count.
 */
export class LoginLimiter {
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly blockMs: number;
  private readonly addresses = new Map<string, Failures>();

  constructor(options: LoginLimitOptions = {}) {
    assertKnownOptions("createDashboard: loginLimit", options, OPTIONS);
    this.maxFailures = positive("maxFailures", options.maxFailures ?? 10);
    this.windowMs = positive("windowMs", options.windowMs ?? 15 * 60_000);
    this.blockMs = positive("blockMs", options.blockMs ?? 15 * 60_000);
  }

  /** How long `address` is still refused, ms (0 when it may try). */
  blockedFor(address: string, now = Date.now()): number {
    const entry = this.addresses.get(address);
    return entry === undefined || entry.blockedUntil <= now ? 0 : entry.blockedUntil - now;
  }

  /** Counts a wrong token or password from `address`; the one that reaches the limit starts the block. */
  failed(address: string, now = Date.now()): void {
    let entry = this.addresses.get(address);
    if (entry === undefined || now - entry.since > this.windowMs) {
      this.addresses.delete(address);
      // The map is ordered by the start of each window, so the first entry is the stalest.
      if (this.addresses.size >= MAX_ADDRESSES) this.addresses.delete(this.addresses.keys().next().value as string);
      entry = { count: 0, since: now, blockedUntil: 0 };
      this.addresses.set(address, entry);
    }
    entry.count++;
    if (entry.count >= this.maxFailures) entry.blockedUntil = now + this.blockMs;
  }

  /** A correct login: the address starts over. */
  succeeded(address: string): void {
    this.addresses.delete(address);
  }
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value))
    throw new InvalidOption(`createDashboard: loginLimit.${name} must be a positive number, got ${value}`);
  return value;
}
