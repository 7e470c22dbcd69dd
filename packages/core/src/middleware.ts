import type { AnyActor } from "./actor.js";
import type { Broker } from "./broker.js";
import type { Message } from "./message.js";
import type { Worker } from "./worker.js";

export type MaybePromise<T> = T | Promise<T>;

/** What an actor run produced: its result, or the error it threw. */
export type ProcessOutcome = { result: unknown; error?: undefined } | { error: unknown; result?: undefined };

/**
 * Named lifecycle points, as Dramatiq's. Every hook is optional and may be async.
 * Before-hooks run in middleware order and a thrown error aborts the operation;
 * after-hooks run in reverse order and errors are logged, never raised.
 */
export interface Middleware {
  /** Actor option names (camelCase) this middleware reads; declaring an actor with an unknown one fails. */
  readonly actorOptions?: readonly string[];

  beforeDeclareActor?(broker: Broker, actor: AnyActor): MaybePromise<void>;
  afterDeclareActor?(broker: Broker, actor: AnyActor): MaybePromise<void>;
  beforeDeclareQueue?(broker: Broker, queueName: string): MaybePromise<void>;
  afterDeclareQueue?(broker: Broker, queueName: string): MaybePromise<void>;
  afterDeclareDelayQueue?(broker: Broker, queueName: string): MaybePromise<void>;

  beforeEnqueue?(broker: Broker, message: Message, delay: number | undefined): MaybePromise<void>;
  afterEnqueue?(broker: Broker, message: Message, delay: number | undefined): MaybePromise<void>;
  beforeDelayMessage?(broker: Broker, message: Message): MaybePromise<void>;

  beforeProcessMessage?(broker: Broker, message: Message): MaybePromise<void>;
  afterProcessMessage?(broker: Broker, message: Message, outcome: ProcessOutcome): MaybePromise<void>;
  afterSkipMessage?(broker: Broker, message: Message): MaybePromise<void>;

  beforeAck?(broker: Broker, message: Message): MaybePromise<void>;
  afterAck?(broker: Broker, message: Message): MaybePromise<void>;
  beforeNack?(broker: Broker, message: Message): MaybePromise<void>;
  afterNack?(broker: Broker, message: Message): MaybePromise<void>;

  afterProcessBoot?(broker: Broker): MaybePromise<void>;
  beforeWorkerBoot?(broker: Broker, worker: Worker): MaybePromise<void>;
  afterWorkerBoot?(broker: Broker, worker: Worker): MaybePromise<void>;
  beforeWorkerShutdown?(broker: Broker, worker: Worker): MaybePromise<void>;
  afterWorkerShutdown?(broker: Broker, worker: Worker): MaybePromise<void>;
  beforeConsumerShutdown?(broker: Broker, worker: Worker, queueName: string): MaybePromise<void>;
}

export type HookName = Exclude<keyof Middleware, "actorOptions">;

export const HOOK_NAMES: readonly HookName[] = [
  "beforeDeclareActor",
  "afterDeclareActor",
  "beforeDeclareQueue",
  "afterDeclareQueue",
  "afterDeclareDelayQueue",
  "beforeEnqueue",
  "afterEnqueue",
  "beforeDelayMessage",
  "beforeProcessMessage",
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

export type HookArgs<H extends HookName> = Parameters<NonNullable<Middleware[H]>> extends [Broker, ...infer Rest] ? Rest : never;
