import { type Broker, ENQUEUE_OPTION_KEYS } from "../broker.js";
import { InvalidOption } from "../errors.js";
import { getBroker, resolveBroker } from "../global-broker.js";
import { uuid4 } from "../ids.js";
import type { Message } from "../message.js";
import { assertKnownOptions, optionKeys } from "../option-keys.js";
import { GroupCallbacks } from "../rate-limits/group-callbacks.js";
import type { GetResultOptions, ResultBackend } from "../results/result-backend.js";
import { type AnyMessage, isDone, Pipeline, pipelineBroker } from "./pipeline.js";

/** What a group holds: messages, pipelines and nested groups. */
export type GroupChild = AnyMessage | Pipeline<unknown> | Group<readonly unknown[]>;
type ChildResult<C> =
  C extends Message<readonly unknown[], infer R> ? R : C extends Pipeline<infer R> ? R : C extends Group<infer Rs> ? Rs : never;
/** The result tuple of a group: each child's result type, in child order. */
export type GroupResults<T extends readonly GroupChild[]> = { -readonly [K in keyof T]: ChildResult<T[K]> };

let readOwnBroker: (group: Group<readonly unknown[]>) => Broker | undefined;

const GROUP_OPTIONS = optionKeys<NonNullable<ConstructorParameters<typeof Group>[1]>>({ broker: true });
const WAIT_OPTIONS = optionKeys<NonNullable<Parameters<Group<[]>["wait"]>[0]>>({ timeout: true, backend: true });
/** Dramatiq's default wait for results, ms. */
const DEFAULT_WAIT = 10_000;

/**
 * Children that run in parallel. With completion callbacks, the last member to
 * succeed enqueues them (needs the `GroupCallbacks` middleware).
 */
export class Group<Rs extends readonly unknown[]> {
  /** The members, in the order `getResults` reports them. */
  readonly children: readonly GroupChild[];
  // The given broker or a child's; undefined while the global one is to be used.
  readonly #ownBroker: Broker | undefined;

  static {
    readOwnBroker = (group) => group.#ownBroker;
  }
  private readonly callbacks: AnyMessage[] = [];

  constructor(children: readonly GroupChild[], options: { broker?: Broker } = {}) {
    assertKnownOptions("group", options, GROUP_OPTIONS);
    this.children = children;
    this.#ownBroker = options.broker ?? children.map(brokerOf).find((b) => b !== undefined);
  }

  /** The broker the group sends through: the given one, a child's, or the global one (see `getBroker`). */
  get broker(): Broker {
    return this.#ownBroker ?? getBroker();
  }

  /** Runs `message` once every member of the group has succeeded. */
  addCompletionCallback(message: AnyMessage): this {
    this.callbacks.push(message);
    return this;
  }

  /** Enqueues every member (with `delay`, if given); with completion callbacks, creates their barrier first. */
  async run(options: { delay?: number } = {}): Promise<this> {
    assertKnownOptions("Group.run", options, ENQUEUE_OPTION_KEYS);
    const broker = this.#ownBroker ?? (await resolveBroker());
    let extra: Record<string, unknown> | undefined;
    if (this.callbacks.length > 0) {
      const middleware = broker.getMiddleware(GroupCallbacks);
      if (!middleware) {
        throw new InvalidOption(
          "group completion callbacks need the GroupCallbacks middleware: broker.addMiddleware(new GroupCallbacks({ backend }))",
        );
      }
      if (this.children.some((child) => child instanceof Group)) {
        throw new InvalidOption("completion callbacks cannot track a nested group: flatten it into this group");
      }
      const uuid = uuid4();
      await middleware.barrier(uuid).create(this.children.length);
      extra = { group_completion_uuid: uuid, group_completion_callbacks: this.callbacks.map((m) => m.toJSON()) };
    }
    const messages: AnyMessage[] = [];
    const runs: Promise<unknown>[] = [];
    for (const child of this.children) {
      if (child instanceof Pipeline) runs.push((extra ? child.withLastStepOptions(extra) : child).run(options));
      else if (child instanceof Group) runs.push(child.run(options));
      else messages.push(extra ? child.copy({ options: extra }) : child);
    }
    if (messages.length) runs.push(broker.enqueueMany(messages, options));
    await Promise.all(runs);
    return this;
  }

  /** Results in child order: a pipeline gives its last result, a nested group an array. */
  getResults(options: GetResultOptions = {}): Promise<Rs> {
    return Promise.all(
      this.children.map((child) =>
        child instanceof Group ? child.getResults(options) : withBroker(child, this.broker).getResult(options),
      ),
    ) as unknown as Promise<Rs>;
  }

  /**
   * Waits until every member has a stored outcome, as Dramatiq's `group.wait`: rejects with
   * `ResultTimeout` once `timeout` ms (default 10 000, shared by all members) have passed,
   * and with `ResultFailure` when a member failed for good (needs `Results`).
   */
  async wait(options: { timeout?: number; backend?: ResultBackend } = {}): Promise<void> {
    assertKnownOptions("Group.wait", options, WAIT_OPTIONS);
    const deadline = Date.now() + (options.timeout ?? DEFAULT_WAIT);
    for (const child of this.children) {
      const timeout = Math.max(0, deadline - Date.now());
      if (child instanceof Group) await child.wait({ ...options, timeout });
      else await withBroker(child, this.broker).getResult({ block: true, timeout, backend: options.backend });
    }
  }

  /** How many members have a stored outcome (needs `Results`). */
  async completedCount(): Promise<number> {
    let count = 0;
    for (const child of this.children) if (await childDone(child, this.broker)) count++;
    return count;
  }

  /** Whether every member has a stored outcome (needs `Results`). */
  async completed(): Promise<boolean> {
    return (await this.completedCount()) === this.children.length;
  }
}

function brokerOf(child: GroupChild): Broker | undefined {
  if (child instanceof Pipeline) return pipelineBroker(child);
  return child instanceof Group ? readOwnBroker(child) : child.broker;
}

function withBroker<C extends AnyMessage | Pipeline<unknown>>(child: C, broker: Broker): C {
  if (!(child instanceof Pipeline)) child.broker ??= broker;
  return child;
}

async function childDone(child: GroupChild, broker: Broker): Promise<boolean> {
  if (child instanceof Group) return child.completed();
  if (child instanceof Pipeline) return child.completed();
  return isDone(withBroker(child, broker));
}

/** Builds a group of messages, pipelines or groups that run in parallel; `run()` sends it. */
export function group<const T extends readonly GroupChild[]>(children: T, options: { broker?: Broker } = {}): Group<GroupResults<T>> {
  return new Group<GroupResults<T>>(children, options);
}
