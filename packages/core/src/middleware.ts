import type { AnyActor } from "./actor.js";
import type { Broker } from "./broker.js";
import type { Message } from "./message.js";
import type { Worker } from "./worker.js";

/** What a hook returns: nothing, or a promise the emitter waits for (its value is ignored). */
// biome-ignore lint/suspicious/noConfusingVoidType: hooks declared to return void must fit
export type HookReturn = void | Promise<unknown>;

/** What an actor run produced: its result, or the error it threw. */
export type ProcessOutcome =
  | {
      /** The actor's return value. */
      result: unknown;
      /** Absent on success. */
      error?: undefined;
    }
  | {
      /** What the actor threw (or the time limit or shutdown aborted it with). */
      error: unknown;
      /** Absent on failure. */
      result?: undefined;
    };

/**
 * Named lifecycle points, as Dramatiq's. Every hook is optional and may be async.
 * Before-hooks run in middleware order and a thrown error aborts the operation;
 * after-hooks run in reverse order and errors are logged, never raised, except
 * `SuccessorNotEnqueued`: a hook that could not write what follows a message throws
 * it, and the worker does not ack the message.
 */
export interface Middleware {
  /**
   * Option names (camelCase) this middleware reads, from actors and (through
   * `messageOption`) from messages: declaring an actor, or sending a message, with
   * a name that neither core nor any middleware on the broker declares fails with `InvalidOption`.
   */
  readonly actorOptions?: readonly string[];

  /** Before an actor is declared (synchronous: declarations run at import time); throwing refuses the declaration. */
  beforeDeclareActor?(broker: Broker, actor: AnyActor): HookReturn;
  /** After an actor is declared; also replayed for earlier actors when the middleware is added late. Synchronous. */
  afterDeclareActor?(broker: Broker, actor: AnyActor): HookReturn;
  /** Before a queue is declared. Synchronous. */
  beforeDeclareQueue?(broker: Broker, queueName: string): HookReturn;
  /** After a queue is declared; replayed like `afterDeclareActor`. Synchronous. */
  afterDeclareQueue?(broker: Broker, queueName: string): HookReturn;
  /** After a queue's delay queue (`q.DQ`) is declared. Synchronous. */
  afterDeclareDelayQueue?(broker: Broker, queueName: string): HookReturn;

  /**
   * Before a message is stored; throwing (e.g. `MiddlewareError`) refuses the send. `delay` is the requested delay, if any;
   * `batch` holds every message of the same `enqueueMany` call, this one included (one message for `enqueue`).
   */
  beforeEnqueue?(broker: Broker, message: Message, delay: number | undefined, batch: readonly Message[]): HookReturn;
  /** After the broker has the message (on RabbitMQ with confirms: once confirmed); `batch` as in `beforeEnqueue`, all of it stored. */
  afterEnqueue?(broker: Broker, message: Message, delay: number | undefined, batch: readonly Message[]): HookReturn;
  /**
   * After an enqueue call failed, with what failed it: a before-hook refused it, or the broker
   * did not store its messages (an `EnqueueUncertain` one may have stored them). Called for
   * every message of the call (`batch` as in `beforeEnqueue`), then the error reaches the
   * sender; it ends what `beforeEnqueue` began (a span, a timer) when `afterEnqueue` will not.
   */
  afterEnqueueFailed?(broker: Broker, message: Message, error: unknown, batch: readonly Message[]): HookReturn;
  /** When a worker starts holding a delayed message until its `eta`. */
  beforeDelayMessage?(broker: Broker, message: Message): HookReturn;

  /** Before the actor runs; throwing `SkipMessage` skips it (acked, or nacked when the message was failed). */
  beforeProcessMessage?(broker: Broker, message: Message): HookReturn;
  /**
   * Wraps the call of an actor run in the worker's process (not a thread actor's, whose code
   * runs in another thread): call `run` once and return what it returns (the actor's value, or
   * the promise of an async actor), so that the actor's own code runs inside this middleware's
   * context, e.g. `return context.with(ctx, run)` for an OpenTelemetry span or
   * `storage.run(value, run)` for an `AsyncLocalStorage`. The first middleware's wrapper is
   * the outermost. It runs after the `beforeProcessMessage` hooks, and an error it throws
   * fails the run as the actor's own would.
   */
  aroundActor?(broker: Broker, message: Message, run: () => unknown): unknown;
  /** After the actor settled, with its result or error; runs before the ack or nack. Throw `SuccessorNotEnqueued` when a message it writes could not be enqueued. */
  afterProcessMessage?(broker: Broker, message: Message, outcome: ProcessOutcome): HookReturn;
  /** After a `beforeProcessMessage` hook skipped the message. */
  afterSkipMessage?(broker: Broker, message: Message): HookReturn;

  /** Before a processed message is acked. */
  beforeAck?(broker: Broker, message: Message): HookReturn;
  /** After a processed message was acked. */
  afterAck?(broker: Broker, message: Message): HookReturn;
  /** Before a failed message is sent to the dead letters. */
  beforeNack?(broker: Broker, message: Message): HookReturn;
  /** After a failed message was sent to the dead letters. */
  afterNack?(broker: Broker, message: Message): HookReturn;

  /** In each `troupe worker` process, once the module is imported and the broker chosen. */
  afterProcessBoot?(broker: Broker): HookReturn;
  /** In `worker.start()`, before any consumer starts. */
  beforeWorkerBoot?(broker: Broker, worker: Worker): HookReturn;
  /** In `worker.start()`, once the consumers run. */
  afterWorkerBoot?(broker: Broker, worker: Worker): HookReturn;
  /** In `worker.stop()`, before anything is stopped (in-flight actors still run). */
  beforeWorkerShutdown?(broker: Broker, worker: Worker): HookReturn;
  /** In `worker.stop()`, once every consumer is closed. */
  afterWorkerShutdown?(broker: Broker, worker: Worker): HookReturn;
  /** In `worker.stop()`, before the consumer of `queueName` closes. */
  beforeConsumerShutdown?(broker: Broker, worker: Worker, queueName: string): HookReturn;
}

/** The name of a middleware hook. */
export type HookName = Exclude<keyof Middleware, "actorOptions">;

/** Every hook name, in lifecycle order: what the broker indexes middleware by. */
export const HOOK_NAMES: readonly HookName[] = [
  "beforeDeclareActor",
  "afterDeclareActor",
  "beforeDeclareQueue",
  "afterDeclareQueue",
  "afterDeclareDelayQueue",
  "beforeEnqueue",
  "afterEnqueue",
  "afterEnqueueFailed",
  "beforeDelayMessage",
  "beforeProcessMessage",
  "aroundActor",
  "afterProcessMessage",
  "afterSkipMessage",
  "beforeAck",
  "afterAck",
  "beforeNack",
  "afterNack",
  "afterProcessBoot",
  "beforeWorkerBoot",
  "afterWorkerBoot",
  "beforeWorkerShutdown",
  "afterWorkerShutdown",
  "beforeConsumerShutdown",
];

/** The arguments of a hook after the broker. */
export type HookArgs<H extends HookName> = Parameters<NonNullable<Middleware[H]>> extends [Broker, ...infer Rest] ? Rest : never;
