import type { ErrorClass } from "./actor-options.js";
import { errorTypeName } from "./error-type-name.js";
import * as coreErrors from "./errors.js";
import { assertJson } from "./json.js";
import * as threadErrors from "./thread-errors.js";

const MARKER = Symbol.for("troupe.error");
const MAX_CAUSES = 4;

/** An error as it crosses between a thread and the worker: structured clone would drop its class and Troupe marker. */
export interface EncodedError {
  /** `error.name`. */
  name: string;
  /** `errorTypeName(error)`: the class name logs and stored failures report. */
  type: string;
  message: string;
  stack: string | undefined;
  /** Own enumerable properties JSON carries (`code`, `delay`, `retryable`, …). */
  props: Record<string, unknown>;
  /** The Troupe codes of a `TroupeError`, so `isInstance` holds on the other side. */
  codes: string[] | undefined;
  cause: EncodedError | undefined;
}

/** What was thrown: an error, or any other value (`throw "x"`), which crosses as JSON or as its string. */
export type Thrown = { error: EncodedError } | { value: unknown };

function jsonOrUndefined(value: unknown): unknown {
  try {
    assertJson(value);
    return value;
  } catch {
    return undefined;
  }
}

function encodeError(error: Error, depth: number): EncodedError {
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (key === "cause" || key === "name") continue;
    const value = jsonOrUndefined((error as unknown as Record<string, unknown>)[key]);
    if (value !== undefined) props[key] = value;
  }
  const codes = (error as unknown as Record<symbol, unknown>)[MARKER];
  const cause = (error as { cause?: unknown }).cause;
  return {
    name: error.name,
    type: errorTypeName(error),
    message: error.message,
    stack: error.stack,
    props,
    codes: Array.isArray(codes) ? [...codes] : undefined,
    cause: cause instanceof Error && depth < MAX_CAUSES ? encodeError(cause, depth + 1) : undefined,
  };
}

/** Encodes what a thread actor threw (or what aborted it) for the other side. */
export function encodeThrown(thrown: unknown): Thrown {
  if (thrown instanceof Error) return { error: encodeError(thrown, 0) };
  const value = jsonOrUndefined(thrown);
  return { value: value === undefined ? String(thrown) : value };
}

const NATIVE_CLASSES: ErrorClass[] = [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError];
const KNOWN_CLASSES = ([...Object.values(coreErrors), ...Object.values(threadErrors), ...NATIVE_CLASSES] as unknown[]).filter(
  (value): value is ErrorClass => typeof value === "function" && (value === Error || value.prototype instanceof Error),
);

function reviveError(encoded: EncodedError, classes: readonly ErrorClass[]): Error {
  // The class of that name among the actor's `throws`, core's errors and JavaScript's, so
  // `instanceof` and `throws` still match; any other comes back as an Error reporting its type.
  const kind = classes.find((c) => c.name === encoded.type) ?? KNOWN_CLASSES.find((c) => c.name === encoded.type);
  const error = Object.create(kind ? kind.prototype : Error.prototype) as Error;
  Object.defineProperty(error, "message", { value: encoded.message, writable: true, configurable: true });
  Object.defineProperty(error, "stack", { value: encoded.stack, writable: true, configurable: true });
  Object.defineProperty(error, "name", { value: kind ? encoded.name : encoded.type, writable: true, configurable: true });
  Object.assign(error, encoded.props);
  if (encoded.codes) Object.defineProperty(error, MARKER, { value: encoded.codes, enumerable: false });
  if (encoded.cause)
    Object.defineProperty(error, "cause", { value: reviveError(encoded.cause, classes), writable: true, configurable: true });
  return error;
}

/** What was thrown on the other side, with its class when it is one of `classes` or core's. */
export function reviveThrown(thrown: Thrown, classes: readonly ErrorClass[] = []): unknown {
  return "error" in thrown ? reviveError(thrown.error, classes) : thrown.value;
}
