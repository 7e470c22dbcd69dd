import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import type { ActorFn } from "./actor.js";
import { InvalidOption } from "./errors.js";

type AnyFn = ActorFn<never, unknown>;

// On globalThis, so that the actor module's copy of core (ESM or CommonJS, whichever it
// imports) registers where the thread entry's copy looks. Only a thread entry creates it.
const REGISTRY = Symbol.for("troupe.threadActors");
const slot = globalThis as { [REGISTRY]?: Map<string, AnyFn> };

/** Inside a Troupe thread, records a thread actor's function as its module declares it; elsewhere a no-op. */
export function registerThreadActor(name: string, fn: AnyFn): void {
  slot[REGISTRY]?.set(name, fn);
}

/** The thread actors declared in this thread so far (the thread entry's side). */
export function threadActors(): Map<string, AnyFn> {
  slot[REGISTRY] ??= new Map();
  return slot[REGISTRY];
}

/** A thread actor's module as a `file:` URL (or another URL a thread can import), from the option or the call stack. */
export function threadModuleUrl(actorName: string, given: string | URL | undefined): string {
  if (given instanceof URL) return given.href;
  if (typeof given === "string") {
    if (isAbsolute(given)) return pathToFileURL(given).href;
    if (URL.canParse(given)) return given;
    throw new InvalidOption(`threadModule of actor "${actorName}" must be a URL or an absolute path, got "${given}"`);
  }
  throw new InvalidOption(
    `actor "${actorName}" runs in a thread, which imports its module, and the call stack does not say which module declares it: pass threadModule: import.meta.url`,
  );
}
