import { validateEnvelope } from "./encoder.js";

interface Check {
  test(value: unknown): boolean;
  expected: string;
}

const count = (value: unknown) => Number.isInteger(value) && (value as number) >= 0;
const ms = (value: unknown) => typeof value === "number" && Number.isFinite(value) && value >= 0;
const isMessage = (value: unknown) => {
  try {
    validateEnvelope(value);
    return true;
  } catch {
    return false;
  }
};

const COUNT: Check = { test: count, expected: "a non-negative integer" };
const MS: Check = { test: ms, expected: "a non-negative number of ms" };
const FLAG: Check = { test: (value) => typeof value === "boolean", expected: "true or false" };
const NAME: Check = { test: (value) => typeof value === "string" && value.length > 0, expected: "an actor name" };

/** The wire options Troupe reads, and the values it can use; `null` always means unset. */
const CHECKS: Record<string, Check> = Object.assign(Object.create(null), {
  retries: COUNT,
  max_retries: { test: count, expected: "a non-negative integer (or null for unlimited)" },
  min_backoff: MS,
  max_backoff: MS,
  time_limit: MS,
  max_age: MS,
  result_ttl: MS,
  delay: MS,
  eta: { test: (value: unknown) => typeof value === "number" && Number.isFinite(value), expected: "a time in ms" },
  broker_priority: COUNT,
  notify_shutdown: FLAG,
  store_results: FLAG,
  pipe_ignore: FLAG,
  on_success: NAME,
  on_failure: NAME,
  on_retry_exhausted: NAME,
  group_completion_uuid: { test: (value: unknown) => typeof value === "string", expected: "a string" },
  pipe_target: { test: isMessage, expected: "a message object (seven keys)" },
  group_completion_callbacks: {
    test: (value: unknown) => Array.isArray(value) && value.every(isMessage),
    expected: "an array of message objects",
  },
});

/**
 * Why a received message's options cannot be used (a string `max_retries`, a
 * `pipe_target` that is no message), or undefined. The worker dead-letters such a
 * message with this reason before running it, rather than misread it later.
 */
export function wireOptionProblem(options: Record<string, unknown>): string | undefined {
  for (const key in options) {
    const check = CHECKS[key];
    if (check === undefined) continue;
    const value = options[key];
    if (value !== null && !check.test(value)) return `option ${key} must be ${check.expected}, not ${show(value)}`;
  }
  return undefined;
}

function show(value: unknown): string {
  const text =
    typeof value === "string"
      ? JSON.stringify(value)
      : Array.isArray(value)
        ? "an array"
        : typeof value === "object"
          ? "an object"
          : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
