import type { AnyActor } from "./actor.js";
import { InvalidOption } from "./errors.js";
import type { Message } from "./message.js";

const hasKwargs = (message: Message): boolean => {
  for (const _ in message.kwargs) return true;
  return false;
};

/** Refuses a `kwargs` actor option other than `true`, `false` or `"merge"` (a typo must not mean one of them). */
export function assertKwargsOption(actorName: string, value: unknown): void {
  if (value === undefined || typeof value === "boolean" || value === "merge") return;
  throw new InvalidOption(`kwargs of actor "${actorName}" must be true, false or "merge", got ${JSON.stringify(value)}`);
}

/**
 * Why the worker dead-letters a message instead of running it, as far as keyword arguments go:
 * it carries some (a Python producer's) and the actor takes none. Undefined when it may run.
 */
export function kwargsRefusal(actor: AnyActor, message: Message): string | undefined {
  if (actor.options.kwargs || !hasKwargs(message)) return undefined;
  return `actor "${actor.actorName}" got keyword arguments; declare it with { kwargs: true } or { kwargs: "merge" } to accept them`;
}

/**
 * The arguments an actor is called with: the message's `args`, then its `kwargs` as one final
 * object with `kwargs: true` (always, `{}` when there are none), or with `kwargs: "merge"` only
 * when the message has some, so that a Python `send(1, y=2)` and a Node `send(1, { y: 2 })`
 * make the same call `fn(1, { y: 2 })`.
 */
export function actorArguments(actor: AnyActor, message: Message): unknown[] {
  const kwargs = actor.options.kwargs;
  if (kwargs === true || (kwargs === "merge" && hasKwargs(message))) return [...message.args, message.kwargs];
  return message.args as unknown[];
}
