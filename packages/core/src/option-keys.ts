import { distance } from "fastest-levenshtein";
import { InvalidOption } from "./errors.js";

/**
 * The option names of a closed options type `T`, for `assertKnownOptions`. Written
 * as a record so that TypeScript rejects a name `T` lacks and one it is missing:
 * `optionKeys<WorkerOptions>({ concurrency: true, prefetch: true, ... })`.
 */
export function optionKeys<T extends object>(keys: { readonly [K in keyof Required<T>]: true }): ReadonlySet<string> {
  return new Set(Object.keys(keys));
}

/**
 * Throws `InvalidOption` when `options` has a key outside `known`, naming the key,
 * `where` it was passed (`"RedisBroker"`, `"sendWithOptions of actor \"x\""`) and the
 * closest known key, or every known key when none is close. A mistyped option
 * would otherwise be ignored silently. Cheap on the hot path: one Set lookup per
 * key; the suggestion is computed only on failure.
 */
export function assertKnownOptions(where: string, options: object | undefined, known: ReadonlySet<string>): void {
  if (options === undefined || options === null) return;
  for (const key in options) {
    if (!known.has(key) && Object.hasOwn(options, key)) throw unknownOption(where, key, known);
  }
}

function unknownOption(where: string, key: string, known: ReadonlySet<string>): InvalidOption {
  const suggestion = closestKey(key, known);
  const hint = suggestion === undefined ? `valid options: ${[...known].join(", ")}` : `did you mean "${suggestion}"?`;
  return new InvalidOption(`unknown option "${key}" for ${where}; ${hint}`);
}

// Case, underscores and dashes are ignored, so `max_retries` and `maxretries` find `maxRetries`.
const normalize = (name: string) => name.toLowerCase().replace(/[_-]/g, "");

/**
 * The nearest known key within an edit distance that grows with the key (1 under 4
 * characters, 2 under 8, else 3: `maxRetry` finds `maxRetries`), else the only
 * known key it prefixes or is prefixed by (`conc` finds `concurrency`).
 */
function closestKey(key: string, known: ReadonlySet<string>): string | undefined {
  const wanted = normalize(key);
  const limit = wanted.length < 4 ? 1 : wanted.length < 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = limit + 1;
  const prefixed: string[] = [];
  for (const candidate of known) {
    const name = normalize(candidate);
    const d = distance(wanted, name);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
    if (wanted.length >= 3 && (name.startsWith(wanted) || wanted.startsWith(name))) prefixed.push(candidate);
  }
  if (best !== undefined) return best;
  return prefixed.length === 1 ? prefixed[0] : undefined;
}
