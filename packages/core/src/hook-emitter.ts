import type { Broker } from "./broker.js";
import { MiddlewareError, SuccessorNotEnqueued } from "./errors.js";
import type { Logger } from "./logger.js";
import type { Message } from "./message.js";
import { HOOK_NAMES, type HookArgs, type HookName, type Middleware } from "./middleware.js";

type MiddlewareClass = new (...args: never[]) => Middleware;
type AnyHook = (broker: Broker, ...args: unknown[]) => unknown;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function";

/**
 * The middleware list and hook emission. For each hook the list of middleware
 * implementing it is precomputed, so an unused hook costs one length check, and
 * synchronous hooks never allocate a promise.
 */
export abstract class HookEmitter {
  /** The middleware, in order; change it with `addMiddleware` so the hook index stays right. */
  readonly middleware: Middleware[];
  private hooks = {} as Record<HookName, Middleware[]>;
  abstract readonly logger: Logger;

  constructor(middleware: Middleware[]) {
    this.middleware = [...middleware];
    this.indexHooks();
  }

  /** The broker passed as first argument to every hook. */
  protected abstract broker(): Broker;

  /** The first middleware of that class, e.g. `broker.getMiddleware(Results)`. */
  getMiddleware<T extends Middleware>(kind: new (...args: never[]) => T): T | undefined {
    return this.middleware.find((m): m is T => m instanceof kind);
  }

  /** Whether any middleware implements the hook, to skip building its arguments when none does. */
  hasHook(hook: HookName): boolean {
    return this.hooks[hook].length > 0;
  }

  /** Inserts middleware at the end, or before/after the first one of a class, and re-indexes the hooks. */
  protected insertMiddleware(middleware: Middleware, position: { before?: MiddlewareClass; after?: MiddlewareClass }): void {
    const anchor = position.before ?? position.after;
    let index = this.middleware.length;
    if (anchor) {
      const found = this.middleware.findIndex((m) => m instanceof anchor);
      if (found === -1)
        throw new MiddlewareError(`cannot place ${middleware.constructor.name}: no ${anchor.name} middleware on the broker`);
      index = position.before ? found : found + 1;
    }
    this.middleware.splice(index, 0, middleware);
    this.indexHooks();
  }

  private indexHooks(): void {
    const hooks = {} as Record<HookName, Middleware[]>;
    for (const name of HOOK_NAMES) hooks[name] = this.middleware.filter((m) => typeof m[name] === "function");
    this.hooks = hooks;
  }

  /**
   * Runs a before-hook in middleware order. As in Dramatiq, only a `MiddlewareError` (such as
   * `SkipMessage`) aborts the enqueue or the message and propagates; any other error is a bug
   * in that middleware: it is logged with its stack and the remaining hooks and the work go on.
   */
  emitBefore<H extends HookName>(hook: H, ...args: HookArgs<H>): void | Promise<void> {
    return this.runBefore(this.hooks[hook], hook, 0, args as unknown[], false);
  }

  private runBefore(list: Middleware[], hook: HookName, from: number, args: unknown[], strict: boolean): void | Promise<void> {
    const broker = this.broker();
    for (let i = from; i < list.length; i++) {
      const m = list[i];
      let result: unknown;
      try {
        result = (m[hook] as AnyHook).call(m, broker, ...args);
      } catch (error) {
        this.beforeHookFailed(m, hook, error, strict);
        continue;
      }
      if (isThenable(result)) {
        return Promise.resolve(result).then(
          () => this.runBefore(list, hook, i + 1, args, strict),
          (error) => {
            this.beforeHookFailed(m, hook, error, strict);
            return this.runBefore(list, hook, i + 1, args, strict);
          },
        );
      }
    }
  }

  private beforeHookFailed(middleware: Middleware, hook: HookName, error: unknown, strict: boolean): void {
    if (strict || MiddlewareError.isInstance(error)) throw error;
    this.logHookError(middleware, hook, error);
  }

  /**
   * Calls `run` (an actor) inside every middleware's `aroundActor`, the first one's outermost,
   * and returns what it returned. The worker checks `hasHook("aroundActor")` first, so that
   * without such middleware a run makes no closure.
   */
  emitAround(message: Message, run: () => unknown): unknown {
    return this.runAround(this.hooks.aroundActor, 0, this.broker(), message, run);
  }

  private runAround(list: Middleware[], at: number, broker: Broker, message: Message, run: () => unknown): unknown {
    const m = list[at] as Required<Pick<Middleware, "aroundActor">>;
    // The common case, one wrapper, makes no closure of its own.
    if (at === list.length - 1) return m.aroundActor(broker, message, run);
    return m.aroundActor(broker, message, () => this.runAround(list, at + 1, broker, message, run));
  }

  /**
   * Runs an after-hook in reverse middleware order; errors are logged and swallowed,
   * except `SuccessorNotEnqueued`: every hook still runs, then the first one is thrown,
   * so the worker does not ack a message whose successor was not written.
   */
  emitAfter<H extends HookName>(hook: H, ...args: HookArgs<H>): void | Promise<void> {
    const list = this.hooks[hook];
    return this.runAfter(list, hook, list.length - 1, args as unknown[], undefined);
  }

  private runAfter(
    list: Middleware[],
    hook: HookName,
    from: number,
    args: unknown[],
    unwritten: SuccessorNotEnqueued | undefined,
  ): void | Promise<void> {
    const broker = this.broker();
    for (let i = from; i >= 0; i--) {
      const m = list[i];
      let result: unknown;
      try {
        result = (m[hook] as AnyHook).call(m, broker, ...args);
      } catch (error) {
        unwritten = this.afterHookFailed(m, hook, error, unwritten);
        continue;
      }
      if (isThenable(result)) {
        return Promise.resolve(result).then(
          () => this.runAfter(list, hook, i - 1, args, unwritten),
          (error) => this.runAfter(list, hook, i - 1, args, this.afterHookFailed(m, hook, error, unwritten)),
        );
      }
    }
    if (unwritten) throw unwritten;
  }

  /** Logs an after-hook error, or keeps a `SuccessorNotEnqueued` for the caller: the first one, or a permanent one over a transient (it decides the message's fate). */
  private afterHookFailed(
    middleware: Middleware,
    hook: HookName,
    error: unknown,
    unwritten: SuccessorNotEnqueued | undefined,
  ): SuccessorNotEnqueued | undefined {
    if (!SuccessorNotEnqueued.isInstance(error)) {
      this.logHookError(middleware, hook, error);
      return unwritten;
    }
    if (unwritten && error.permanent && !unwritten.permanent) return error;
    return unwritten ?? error;
  }

  /**
   * Declaration hooks are synchronous (declarations happen at import time), and any error they
   * throw propagates: a middleware refusing a declaration (an invalid option) must stop the app.
   */
  protected emitBeforeSync<H extends HookName>(hook: H, ...args: HookArgs<H>): void {
    const result = this.runBefore(this.hooks[hook], hook, 0, args as unknown[], true);
    if (isThenable(result)) throw new MiddlewareError(`${hook} hooks must be synchronous`);
  }

  /** Runs an after-hook at declaration time; a hook's async failure is logged, not awaited. */
  protected emitAfterSync<H extends HookName>(hook: H, ...args: HookArgs<H>): void {
    const result = this.emitAfter(hook, ...args);
    if (isThenable(result)) Promise.resolve(result).catch(() => {});
  }

  private logHookError(middleware: Middleware, hook: HookName, error: unknown): void {
    this.logger.error(`${middleware.constructor.name}.${hook} failed: ${(error as Error)?.stack ?? error}`);
  }
}
