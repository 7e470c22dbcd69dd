import { AsyncLocalStorage } from "node:async_hooks";
import type { Context, Span } from "@opentelemetry/api";
import type { Message } from "@troupe/core";

/** A message whose after-hooks are running, with its process span. */
export interface SuccessorScope {
  /** The message that ran. */
  readonly message: Message;
  /** The context of its process span: what its successors are sent from. */
  readonly context: Context;
  /** Its process span, which a retry links to. */
  readonly span: Span;
}

const storage = new AsyncLocalStorage<SuccessorScope>();

/**
 * Makes `scope` current for the rest of a message's after-hooks. Retries,
 * Pipelines, Callbacks and GroupCallbacks run after this middleware's hook and
 * enqueue from it; a middleware cannot wrap the hooks that follow its own, hence
 * `enterWith` rather than `run`. The worker calls after-hooks from a continuation
 * of that message's run, so the scope reaches that run's remaining work only.
 */
export function enterSuccessorScope(scope: SuccessorScope): void {
  storage.enterWith(scope);
}

/** The message whose after-hooks the caller runs in, if any. */
export function successorScope(): SuccessorScope | undefined {
  return storage.getStore();
}
