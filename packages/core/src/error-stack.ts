import { errorTypeName } from "./error-type-name.js";

/**
 * The error's stack, headed by its `errorTypeName`: V8 writes the first line with
 * `error.name`, which is `"Error"` for a subclass that does not set it.
 */
export function errorStack(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const name = errorTypeName(error);
  const stack = typeof error.stack === "string" && error.stack !== "" ? error.stack : undefined;
  if (stack === undefined) return error.message ? `${name}: ${error.message}` : name;
  return name !== error.name && stack.startsWith(error.name) ? `${name}${stack.slice(error.name.length)}` : stack;
}
