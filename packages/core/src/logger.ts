/** The logging surface Troupe uses; pino, winston and console fit it. */
export interface Logger {
  /** Routine detail: retries asked for by `Retry` or a rate limit, reconnect attempts. */
  debug(message: string, ...details: unknown[]): void;
  /** Lifecycle: a connection restored, a consumer resumed. */
  info(message: string, ...details: unknown[]): void;
  /** Something went wrong and was handled: a retry, a dead letter, a lost connection. */
  warn(message: string, ...details: unknown[]): void;
  /** A message failed for good, or a hook or operation failed unexpectedly. */
  error(message: string, ...details: unknown[]): void;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 50 } as const;
/** `"debug"`, `"info"`, `"warn"`, `"error"` or `"silent"`. */
export type LogLevel = keyof typeof LEVELS;

/** Console logger with a level; `TROUPE_LOG_LEVEL` sets the default (info). */
export function consoleLogger(level: LogLevel = (process.env.TROUPE_LOG_LEVEL as LogLevel) ?? "info"): Logger {
  const threshold = LEVELS[level] ?? LEVELS.info;
  const at = (value: number, write: (...args: unknown[]) => void) =>
    value >= threshold ? (message: string, ...details: unknown[]) => write(`[troupe] ${message}`, ...details) : () => {};
  return {
    debug: at(LEVELS.debug, console.debug),
    info: at(LEVELS.info, console.info),
    warn: at(LEVELS.warn, console.warn),
    error: at(LEVELS.error, console.error),
  };
}
