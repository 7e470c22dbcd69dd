import type { Broker } from "../broker.js";
import { getBroker } from "../global-broker.js";
import type { Message } from "../message.js";
import { ResultMissing } from "../result-errors.js";
import type { GetResultOptions } from "../results/result-backend.js";

// biome-ignore lint/suspicious/noExplicitAny: any message shape
export type AnyMessage = Message<any, any>;
export type PipelineStep = AnyMessage | Pipeline<unknown>;

type LastOf<T extends readonly unknown[]> = T extends readonly [...unknown[], infer L] ? L : T[number];
type StepResult<S> = S extends Message<readonly unknown[], infer R> ? R : S extends Pipeline<infer R> ? R : never;
export type PipelineResult<T extends readonly PipelineStep[]> = StepResult<LastOf<T>>;

/**
 * Steps run one after another; each step's result is appended to the next one's
 * arguments (unless that step has `pipeIgnore`). Built as nested `pipe_target`s,
 * exactly as Dramatiq writes them.
 */
export class Pipeline<R> {
  readonly messages: readonly AnyMessage[];
  readonly broker: Broker;

  constructor(steps: readonly PipelineStep[], options: { broker?: Broker } = {}) {
    const flat: AnyMessage[] = [];
    for (const step of steps) {
      if (step instanceof Pipeline) flat.push(...step.messages.map((m) => m.copy({ options: { pipe_target: undefined } })));
      else flat.push(step.copy({ options: {} }));
    }
    if (flat.length === 0) throw new TypeError("a pipeline needs at least one step");
    this.broker = options.broker ?? steps.find((s): s is AnyMessage => !(s instanceof Pipeline))?.broker ?? getBroker();
    for (let i = flat.length - 2; i >= 0; i--) {
      flat[i] = flat[i].copy({ options: { pipe_target: flat[i + 1].toJSON() } });
    }
    for (const message of flat) message.broker ??= this.broker;
    this.messages = flat;
  }

  /** A copy whose last step carries extra options (how a group marks its members). */
  withLastStepOptions(options: Record<string, unknown>): Pipeline<R> {
    const steps = this.messages.map((m, i) => (i === this.messages.length - 1 ? m.copy({ options }) : m));
    return new Pipeline<R>(
      steps.map((m) => m.copy({ options: { pipe_target: undefined } })),
      { broker: this.broker },
    );
  }

  async run(options: { delay?: number } = {}): Promise<this> {
    await this.broker.enqueue(this.messages[0], options);
    return this;
  }

  /** The last step's result. */
  getResult(options: GetResultOptions = {}): Promise<R> {
    return this.last().getResult(options) as Promise<R>;
  }

  /** Every step's result, in order. */
  getResults(options: GetResultOptions = {}): Promise<unknown[]> {
    return Promise.all(this.messages.map((m) => m.getResult(options)));
  }

  async completedCount(): Promise<number> {
    let count = 0;
    for (const message of this.messages) {
      if (!(await isDone(message))) break;
      count++;
    }
    return count;
  }

  async completed(): Promise<boolean> {
    return isDone(this.last());
  }

  private last(): AnyMessage {
    return this.messages[this.messages.length - 1];
  }
}

/** True when a result (or a final failure) is stored for the message. */
export async function isDone(message: AnyMessage): Promise<boolean> {
  try {
    await message.getResult();
    return true;
  } catch (error) {
    if (ResultMissing.isInstance(error)) return false;
    return true;
  }
}

export function pipeline<const T extends readonly PipelineStep[]>(
  steps: T,
  options: { broker?: Broker } = {},
): Pipeline<PipelineResult<T>> {
  return new Pipeline<PipelineResult<T>>(steps, options);
}
