import { type Broker, ENQUEUE_OPTION_KEYS } from "../broker.js";
import { getBroker, resolveBroker } from "../global-broker.js";
import type { Message } from "../message.js";
import { assertKnownOptions, optionKeys } from "../option-keys.js";
import { ResultMissing } from "../result-errors.js";
import type { GetResultOptions } from "../results/result-backend.js";

/** A message of any signature. */
// biome-ignore lint/suspicious/noExplicitAny: any message shape
export type AnyMessage = Message<any, any>;
/** A pipeline step: a message, or a pipeline whose steps are spliced in. */
export type PipelineStep = AnyMessage | Pipeline<unknown>;

type LastOf<T extends readonly unknown[]> = T extends readonly [...unknown[], infer L] ? L : T[number];
type StepResult<S> = S extends Message<readonly unknown[], infer R> ? R : S extends Pipeline<infer R> ? R : never;
/** The result type of a pipeline: that of its last step. */
export type PipelineResult<T extends readonly PipelineStep[]> = StepResult<LastOf<T>>;

let readOwnBroker: (pipeline: Pipeline<unknown>) => Broker | undefined;

/** The broker a pipeline was given or took from its first step; undefined while the global one is to be used. */
export const pipelineBroker = (pipeline: Pipeline<unknown>): Broker | undefined => readOwnBroker(pipeline);

const PIPELINE_OPTIONS = optionKeys<NonNullable<ConstructorParameters<typeof Pipeline>[1]>>({ broker: true });

/**
 * Steps run one after another; each step's result is appended to the next one's
 * arguments (unless that step has `pipeIgnore`). Built as nested `pipe_target`s,
 * exactly as Dramatiq writes them.
 */
export class Pipeline<R> {
  /** The steps, each but the last carrying the next as `pipe_target`. */
  readonly messages: readonly AnyMessage[];
  // The given broker or the first step's; undefined while the global one is to be used.
  readonly #ownBroker: Broker | undefined;

  static {
    readOwnBroker = (pipeline) => pipeline.#ownBroker;
  }

  constructor(steps: readonly PipelineStep[], options: { broker?: Broker } = {}) {
    assertKnownOptions("pipeline", options, PIPELINE_OPTIONS);
    const flat: AnyMessage[] = [];
    for (const step of steps) {
      if (step instanceof Pipeline) flat.push(...step.messages.map((m) => m.copy({ options: { pipe_target: undefined } })));
      else flat.push(step.copy({ options: {} }));
    }
    if (flat.length === 0) throw new TypeError("a pipeline needs at least one step");
    this.#ownBroker = options.broker ?? steps.find((s): s is AnyMessage => !(s instanceof Pipeline))?.broker;
    for (let i = flat.length - 2; i >= 0; i--) {
      flat[i] = flat[i].copy({ options: { pipe_target: flat[i + 1].toJSON() } });
    }
    if (this.#ownBroker) for (const message of flat) message.broker ??= this.#ownBroker;
    this.messages = flat;
  }

  /** The broker the pipeline sends through: the given one, the first step's, or the global one (see `getBroker`). */
  get broker(): Broker {
    return this.#ownBroker ?? getBroker();
  }

  /** A copy whose last step carries extra options (how a group marks its members). */
  withLastStepOptions(options: Record<string, unknown>): Pipeline<R> {
    const steps = this.messages.map((m, i) => (i === this.messages.length - 1 ? m.copy({ options }) : m));
    return new Pipeline<R>(
      steps.map((m) => m.copy({ options: { pipe_target: undefined } })),
      { broker: this.#ownBroker },
    );
  }

  /**
   * Enqueues the first step; each later step is enqueued when the one before succeeds. The
   * first step waits for the larger of `delay` and its own `delay` option, as in Dramatiq.
   */
  async run(options: { delay?: number } = {}): Promise<this> {
    assertKnownOptions("Pipeline.run", options, ENQUEUE_OPTION_KEYS);
    const broker = this.#ownBroker ?? (await resolveBroker());
    for (const message of this.messages) message.broker ??= broker;
    const first = this.messages[0];
    const own = typeof first.options.delay === "number" ? first.options.delay : undefined;
    const delay = own === undefined ? options.delay : Math.max(own, options.delay ?? 0);
    await broker.enqueue(first, { delay });
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

  /** How many leading steps have a stored outcome (needs `Results`). */
  async completedCount(): Promise<number> {
    let count = 0;
    for (const message of this.messages) {
      if (!(await isDone(message))) break;
      count++;
    }
    return count;
  }

  /** Whether the last step has a stored outcome (needs `Results`). */
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

/** Builds a pipeline: steps that run one after another, each result appended to the next step's arguments; `run()` sends it. */
export function pipeline<const T extends readonly PipelineStep[]>(
  steps: T,
  options: { broker?: Broker } = {},
): Pipeline<PipelineResult<T>> {
  return new Pipeline<PipelineResult<T>>(steps, options);
}
