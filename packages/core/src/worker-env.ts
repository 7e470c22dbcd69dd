import { InvalidOption } from "./errors.js";

/** The `Worker` options that, as in Dramatiq, take their default from the environment. */
export type WorkerEnvOption = "prefetch" | "delayPrefetch" | "workerTimeout" | "shutdownTimeout" | "restartDelay";

/** Where `workerEnvDefault` reads an option from. */
export interface WorkerEnvVariable {
  /** The environment variable. */
  readonly name: string;
  /** The smallest whole number it accepts. */
  readonly min: number;
  /** Dramatiq's variable for the same setting, when Dramatiq has one. */
  readonly dramatiq: string | undefined;
}

/** The environment variable of each option, beside Dramatiq's. */
export const WORKER_ENV: { readonly [K in WorkerEnvOption]: WorkerEnvVariable } = {
  prefetch: { name: "TROUPE_QUEUE_PREFETCH", min: 1, dramatiq: "dramatiq_queue_prefetch" },
  delayPrefetch: { name: "TROUPE_DELAY_QUEUE_PREFETCH", min: 1, dramatiq: "dramatiq_delay_queue_prefetch" },
  workerTimeout: { name: "TROUPE_WORKER_TIMEOUT", min: 1, dramatiq: "dramatiq_worker_timeout" },
  // Dramatiq takes it from its --worker-shutdown-timeout flag only.
  shutdownTimeout: { name: "TROUPE_SHUTDOWN_TIMEOUT", min: 0, dramatiq: undefined },
  restartDelay: { name: "TROUPE_RESTART_DELAY", min: 1, dramatiq: "dramatiq_restart_delay" },
};

/**
 * The default of one `Worker` option from its environment variable: undefined when
 * the variable is unset or empty, `InvalidOption` naming the variable when it is not
 * a whole number of at least its minimum (a typo must not silently mean the default).
 */
export function workerEnvDefault(option: WorkerEnvOption, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const { name, min } = WORKER_ENV[option];
  const text = env[name]?.trim();
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidOption(`${name} must be a whole number of at least ${min}, got "${env[name]}"`);
  }
  return value;
}
