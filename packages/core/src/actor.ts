import { assertKwargsOption } from "./actor-arguments.js";
import { type ActorLike, type ActorOptions, CORE_MESSAGE_OPTIONS, type MessageOptions } from "./actor-options.js";
import { type Broker, optionNamesOf } from "./broker.js";
import { declaringModule } from "./declaring-module.js";
import { InvalidOption } from "./errors.js";
import { getBroker, onBrokerSet, peekBroker, resolveBroker } from "./global-broker.js";
import { assertJson, type Jsonable, type JsonObject } from "./json.js";
import { Message } from "./message.js";
import { assertKnownOptions, optionKeys } from "./option-keys.js";
import { toWireName } from "./options.js";
import { assertQueueName } from "./queues.js";
import { registerThreadActor, threadModuleUrl } from "./thread-registry.js";

/** The function an actor runs: its arguments are the message's `args`, its (awaited) return value the result. */
export type ActorFn<Args extends readonly unknown[], R> = (...args: Args) => R | Promise<R>;

/** The argument lists a message may be built with: all of them, or a prefix (a pipeline appends the rest). */
export type ArgsPrefix<T extends readonly unknown[]> = T extends readonly [...infer Head, unknown] ? T | ArgsPrefix<Head> : T;

/** Per-message options of `sendMany`: the message options, plus `kwargs` for actors that take them. */
export interface SendOptionsBase extends MessageOptions {
  /** Keyword arguments on the wire, for Python actors; a Troupe actor gets them only when declared with `kwargs: true`. */
  kwargs?: JsonObject;
}

/** Options of `sendWithOptions`: the arguments and any per-message option. */
export interface SendOptions<Args extends readonly unknown[]> extends SendOptionsBase {
  /** The actor's arguments, all of them. */
  args: Jsonable<Args>;
}

/** Options of `messageWithOptions`: a pipeline step may leave out trailing arguments. */
export interface MessageWithOptions<Args extends readonly unknown[]> extends SendOptionsBase {
  /** The actor's arguments, or a leading part of them when a pipeline supplies the last one. */
  args: ArgsPrefix<Jsonable<Args>>;
}

const unbound = new Set<Actor<never, unknown>>();

export function actorName(actor: ActorLike): string {
  return typeof actor === "string" ? actor : actor.actorName;
}

const ACTOR_REF_OPTIONS = optionKeys<NonNullable<Parameters<typeof actorRef>[1]>>({ queueName: true, broker: true });

function wireOptions(options: MessageOptions): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  for (const key in options) {
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined || key === "args" || key === "kwargs") continue;
    if (key === "onSuccess" || key === "onFailure" || key === "onRetryExhausted") {
      wire[toWireName(key)] = actorName(value as ActorLike);
    } else {
      assertJson(value, `option ${key}`);
      wire[toWireName(key)] = value;
    }
  }
  return wire;
}

/**
 * The sending half of an actor: builds and sends messages for `actorName` on `queueName`.
 * `Args` and `R` (the awaited result) flow into every message it makes.
 */
export class ActorHandle<Args extends readonly unknown[], R> {
  /** The actor's name: its identity on the wire (`actor_name`). */
  readonly actorName: string;
  /** The queue its messages are sent to. */
  readonly queueName: string;
  /** The broker given at declaration or bound later; undefined while the global one is used. */
  protected boundBroker: Broker | undefined;

  constructor(actorName: string, queueName: string, broker: Broker | undefined) {
    if (!actorName) throw new TypeError('an actor needs a name: actor("send_email", fn)');
    assertQueueName(queueName);
    this.actorName = actorName;
    this.queueName = queueName;
    this.boundBroker = broker;
  }

  /** The broker this actor sends through: its own, or the global one (`getBroker()`: throws `BrokerNotSet` while there is none). */
  get broker(): Broker {
    return this.boundBroker ?? getBroker();
  }

  /** The broker to send through, creating the global one from `TROUPE_BROKER_URL` on first use. */
  protected async sendingBroker(): Promise<Broker> {
    return this.boundBroker ?? (await resolveBroker());
  }

  /** A message for later sending (pipelines, groups); a pipeline step may leave out trailing arguments. */
  message(...args: ArgsPrefix<Jsonable<Args>>): Message<Args, R> {
    assertJson(args, "arguments");
    const message = new Message<Args, R>({
      queueName: this.queueName,
      actorName: this.actorName,
      args: args as unknown as Args,
      messageTimestamp: this.boundBroker?.clock.now(),
    });
    message.broker = this.boundBroker;
    return message;
  }

  /** A message with per-message options; as with `message`, a pipeline step may leave out trailing arguments. */
  messageWithOptions(options: MessageWithOptions<Args>): Message<Args, R> {
    return this.build(options, "messageWithOptions", this.boundBroker ?? peekBroker());
  }

  /** Before a broker is known, only core's options are; middleware declares the rest on the broker. */
  private build(options: MessageWithOptions<Args>, where: string, broker: Broker | undefined): Message<Args, R> {
    assertKnownOptions(`${where} of actor "${this.actorName}"`, options, broker ? optionNamesOf(broker).message : CORE_MESSAGE_OPTIONS);
    assertJson(options.args, "arguments");
    if (options.kwargs) assertJson(options.kwargs, "kwargs");
    const message = new Message<Args, R>({
      queueName: this.queueName,
      actorName: this.actorName,
      args: options.args as unknown as Args,
      kwargs: (options.kwargs ?? {}) as JsonObject,
      options: wireOptions(options),
      messageTimestamp: broker?.clock.now(),
    });
    message.broker = this.boundBroker;
    return message;
  }

  /**
   * Sends a message; arguments that JSON cannot carry reject with a TypeError before anything is enqueued.
   * Without a broker (no `broker` option, `setBroker` or `TROUPE_BROKER_URL`) it rejects with `BrokerNotSet`.
   */
  async send(...args: Jsonable<Args>): Promise<Message<Args, R>> {
    const broker = await this.sendingBroker();
    return broker.enqueue(this.message(...(args as ArgsPrefix<Jsonable<Args>>)));
  }

  /** Sends a message with per-message options (`delay`, `brokerPriority`, `maxRetries`, …), which go on the wire in snake_case. */
  async sendWithOptions(options: SendOptions<Args>): Promise<Message<Args, R>> {
    const broker = await this.sendingBroker();
    const { delay, ...rest } = options;
    return broker.enqueue(this.build(rest as MessageWithOptions<Args>, "sendWithOptions", broker), { delay });
  }

  /** Sends one message per argument list, in one round trip per batch. */
  async sendMany(argsList: readonly Jsonable<Args>[], options: SendOptionsBase = {}): Promise<Message<Args, R>[]> {
    const broker = await this.sendingBroker();
    const { delay, ...rest } = options;
    const messages = argsList.map((args) => this.build({ ...rest, args } as MessageWithOptions<Args>, "sendMany", broker));
    return broker.enqueueMany(messages, { delay });
  }
}

/** A named function that workers run when its messages arrive. */
export class Actor<Args extends readonly unknown[], R> extends ActorHandle<Args, R> {
  /** The function a worker runs for each message. */
  readonly fn: ActorFn<Args, R>;
  /** The options it was declared with (without `broker`), read by middleware. */
  readonly options: Readonly<ActorOptions>;
  /** Worker-local ordering among fetched messages: lower runs first (default 0). */
  readonly priority: number;
  /** For a thread actor (`isolation: "thread"`), the URL of the module its threads import to find it. */
  readonly threadModule: string | undefined;

  /** Unknown options are refused when the actor is declared on its broker, whose middleware declares the rest. */
  constructor(name: string, fn: ActorFn<Args, R>, options: ActorOptions = {}) {
    super(name, options.queueName ?? "default", undefined);
    if (typeof fn !== "function") throw new TypeError(`actor "${name}" needs a function`);
    this.fn = fn;
    const { broker: _broker, ...rest } = options;
    this.options = Object.freeze(rest);
    this.priority = options.priority ?? 0;
    const isolation = options.isolation ?? "event-loop";
    if (isolation !== "event-loop" && isolation !== "thread") {
      throw new InvalidOption(`isolation of actor "${name}" must be "event-loop" or "thread", got ${JSON.stringify(isolation)}`);
    }
    assertKwargsOption(name, options.kwargs);
    this.threadModule = isolation === "thread" ? threadModuleUrl(name, options.threadModule ?? declaringModule()) : undefined;
    if (this.threadModule) registerThreadActor(name, fn as ActorFn<never, unknown>);
    const broker = options.broker ?? peekBroker();
    if (broker) this.bind(broker);
    else unbound.add(this as unknown as Actor<never, unknown>);
  }

  override get broker(): Broker {
    if (!this.boundBroker) this.bind(getBroker());
    return this.boundBroker as Broker;
  }

  protected override async sendingBroker(): Promise<Broker> {
    if (!this.boundBroker) this.bind(await resolveBroker());
    return this.boundBroker as Broker;
  }

  static {
    // Actors declared before any broker existed bind to the first one set.
    onBrokerSet((broker) => {
      for (const actor of unbound) actor.bind(broker);
    });
  }

  /** Declares the actor on its broker; called at declaration, on first use or by the first `setBroker`. */
  private bind(broker: Broker): void {
    if (this.boundBroker) return;
    unbound.delete(this as unknown as Actor<never, unknown>);
    this.boundBroker = broker;
    broker.declareActor(this as unknown as AnyActor);
  }
}

/** An actor of any signature, where only its name, queue and options matter (brokers, middleware). */
// biome-ignore lint/suspicious/noExplicitAny: an actor of any signature
export type AnyActor = Actor<any, any>;

/** The argument tuple of an actor or handle. */
export type ActorArgs<A> = A extends ActorHandle<infer Args, unknown> ? Args : never;
/** The awaited result of an actor or handle. */
export type ActorResult<A> = A extends ActorHandle<readonly unknown[], infer R> ? R : never;

/**
 * Declares an actor. The name is its identity on the wire: function names do not
 * survive bundlers, so it is always explicit.
 */
export function actor<Args extends readonly unknown[], R>(
  name: string,
  fn: (...args: Args) => R,
  options?: ActorOptions,
): Actor<Args, Awaited<R>> {
  return new Actor<Args, Awaited<R>>(name, fn as ActorFn<Args, Awaited<R>>, options);
}

/**
 * A typed reference to an actor that runs elsewhere (another service, a Python
 * worker): it sends, and is never run here.
 */
export function actorRef<Args extends readonly unknown[], R = unknown>(
  name: string,
  options: { queueName?: string; broker?: Broker } = {},
): ActorHandle<Args, R> {
  assertKnownOptions(`actorRef("${name}")`, options, ACTOR_REF_OPTIONS);
  return new ActorHandle<Args, R>(name, options.queueName ?? "default", options.broker);
}
