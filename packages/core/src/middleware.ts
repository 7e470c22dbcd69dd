import type { AnyActor } from "./actor.js";
import type { Broker } from "./broker.js";
import type { Message } from "./message.js";
import type { Worker } from "./worker.js";

/** What a hook returns: nothing, or a promise the emitter waits for (its value is ignored). */
// biome-ignore lint/suspicious/noConfusingVoidType: hooks declared to return void must fit
export type HookReturn = void | Promise<unknown>;

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

  beforeDeclareActor?(broker: Broker, actor: AnyActor): HookReturn;
  afterDeclareActor?(broker: Broker, actor: AnyActor): HookReturn;
  beforeDeclareQueue?(broker: Broker, queueName: string): HookReturn;
  afterDeclareQueue?(broker: Broker, queueName: string): HookReturn;
  afterDeclareDelayQueue?(broker: Broker, queueName: string): HookReturn;

  beforeEnqueue?(broker: Broker, message: Message, delay: number | undefined): HookReturn;
  afterEnqueue?(broker: Broker, message: Message, delay: number | undefined): HookReturn;
  beforeDelayMessage?(broker: Broker, message: Message): HookReturn;

  beforeProcessMessage?(broker: Broker, message: Message): HookReturn;
  afterProcessMessage?(broker: Broker, message: Message, outcome: ProcessOutcome): HookReturn;
  afterSkipMessage?(broker: Broker, message: Message): HookReturn;

  beforeAck?(broker: Broker, message: Message): HookReturn;
  afterAck?(broker: Broker, message: Message): HookReturn;
  beforeNack?(broker: Broker, message: Message): HookReturn;
  afterNack?(broker: Broker, message: Message): HookReturn;

  afterProcessBoot?(broker: Broker): HookReturn;
  beforeWorkerBoot?(broker: Broker, worker: Worker): HookReturn;
  afterWorkerBoot?(broker: Broker, worker: Worker): HookReturn;
  beforeWorkerShutdown?(broker: Broker, worker: Worker): HookReturn;
  afterWorkerShutdown?(broker: Broker, worker: Worker): HookReturn;
  beforeConsumerShutdown?(broker: Broker, worker: Worker, queueName: string): HookReturn;
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
