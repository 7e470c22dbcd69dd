import type { Broker } from "../broker.js";
import { InvalidOption } from "../errors.js";
import { getBroker } from "../global-broker.js";
import { uuid4 } from "../ids.js";
import type { Message } from "../message.js";
import { GroupCallbacks } from "../rate-limits/group-callbacks.js";
import type { GetResultOptions } from "../results/result-backend.js";
import { type AnyMessage, isDone, Pipeline } from "./pipeline.js";

export type GroupChild = AnyMessage | Pipeline<unknown> | Group<readonly unknown[]>;
type ChildResult<C> =
  C extends Message<readonly unknown[], infer R> ? R : C extends Pipeline<infer R> ? R : C extends Group<infer Rs> ? Rs : never;
export type GroupResults<T extends readonly GroupChild[]> = { -readonly [K in keyof T]: ChildResult<T[K]> };

/**
 * Children that run in parallel. With completion callbacks, the last member to
 * succeed enqueues them (needs the `GroupCallbacks` middleware).
 */
export class Group<Rs extends readonly unknown[]> {
  readonly children: readonly GroupChild[];
  readonly broker: Broker;
  private readonly callbacks: AnyMessage[] = [];

  constructor(children: readonly GroupChild[], options: { broker?: Broker } = {}) {
    this.children = children;
    this.broker = options.broker ?? children.map(brokerOf).find((b) => b !== undefined) ?? getBroker();
  }

  /** Runs `message` once every member of the group has succeeded. */
  addCompletionCallback(message: AnyMessage): this {
    this.callbacks.push(message);
    return this;
  }

  async run(options: { delay?: number } = {}): Promise<this> {
    let extra: Record<string, unknown> | undefined;
    if (this.callbacks.length > 0) {
      const middleware = this.broker.getMiddleware(GroupCallbacks);
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
    if (messages.length) runs.push(this.broker.enqueueMany(messages, options));
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

  async completedCount(): Promise<number> {
    let count = 0;
    for (const child of this.children) if (await childDone(child, this.broker)) count++;
    return count;
  }

  async completed(): Promise<boolean> {
    return (await this.completedCount()) === this.children.length;
  }
}

function brokerOf(child: GroupChild): Broker | undefined {
  return child instanceof Pipeline || child instanceof Group ? child.broker : child.broker;
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

export function group<const T extends readonly GroupChild[]>(children: T, options: { broker?: Broker } = {}): Group<GroupResults<T>> {
  return new Group<GroupResults<T>>(children, options);
}
