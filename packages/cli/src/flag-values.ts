import { type ParseArgsConfig, parseArgs } from "node:util";
import { InvalidOption } from "@troupe/core";

type Options = NonNullable<ParseArgsConfig["options"]>;
type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ options: T; allowPositionals: true; strict: true; tokens: true }>>;

/** Node's `parseArgs`, strict, with positionals and tokens; a mistake is an `InvalidOption` naming the command. */
export function parseFlags<T extends Options>(command: string, args: readonly string[], options: T): Parsed<T> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw new InvalidOption(`troupe ${command}: ${(error as Error).message}`);
  }
}

/** The one positional a command takes. */
export function single(command: string, positionals: string[], what: string): string {
  if (positionals.length !== 1)
    throw new InvalidOption(`troupe ${command} takes one ${what}, got ${positionals.length === 0 ? "none" : positionals.join(" ")}`);
  return positionals[0];
}

/** A whole number of at least `min`, or `fallback` when the flag is absent. */
export function integer(flag: string, text: string | undefined, fallback: number, min: number): number;
export function integer(flag: string, text: string | undefined, fallback: undefined, min: number): number | undefined;
export function integer(flag: string, text: string | undefined, fallback: number | undefined, min: number): number | undefined {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidOption(`${flag} must be a whole number of at least ${min}, got "${text}"`);
  }
  return value;
}

/** Queue names from one or more comma-separated lists; undefined when the flag is absent. */
export function list(flag: string, texts: string | readonly string[] | undefined): string[] | undefined {
  if (texts === undefined) return undefined;
  const names = (typeof texts === "string" ? [texts] : texts)
    .flatMap((text) => text.split(","))
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) throw new InvalidOption(`${flag} needs at least one queue name`);
  return names;
}
