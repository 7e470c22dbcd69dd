import type { Broker } from "../broker.js";
import { InvalidOption } from "../errors.js";
import type { Message } from "../message.js";
import { messageOption } from "../middleware/option.js";
import type { Middleware, ProcessOutcome } from "../middleware.js";
import { assertKnownOptions, optionKeys } from "../option-keys.js";
import { DEFAULT_RESULT_TTL, type ResultBackend } from "./result-backend.js";

/** Options of the `Results` middleware. */
export interface ResultsOptions {
  /** Where results are stored. */
  backend: ResultBackend;
  /** Store results of every actor unless it says otherwise (default false). */
  storeResults?: boolean;
  /** Default lifetime of a stored result, ms (default 600 000). */
  resultTtl?: number;
}

const RESULTS_OPTIONS = optionKeys<ResultsOptions>({ backend: true, storeResults: true, resultTtl: true });

/**
 * Stores the final outcome of actors with `storeResults`: the result on success,
 * `null` for a skipped message, the error marker when the message is dead-lettered.
 * A failure that will be retried stores nothing.
 */
export class Results implements Middleware {
  readonly actorOptions = ["storeResults", "resultTtl"];
  /** Where results are stored and, by default, read from. */
  readonly backend: ResultBackend;
  private readonly storeByDefault: boolean;
  private readonly defaultTtl: number;

  constructor(options: ResultsOptions) {
    assertKnownOptions("Results", options, RESULTS_OPTIONS);
    this.backend = options.backend;
    this.storeByDefault = options.storeResults ?? false;
    this.defaultTtl = options.resultTtl ?? DEFAULT_RESULT_TTL;
  }

  private stores(broker: Broker, message: Message): boolean {
    return messageOption(broker, message, "storeResults", this.storeByDefault) === true;
  }

  private ttl(broker: Broker, message: Message): number {
    return messageOption(broker, message, "resultTtl", this.defaultTtl) as number;
  }

  /** Stores a success. */
  afterProcessMessage(broker: Broker, message: Message, outcome: ProcessOutcome): Promise<void> | void {
    if (outcome.error === undefined && !message.failed && this.stores(broker, message)) {
      return this.backend.storeResult(message, outcome.result, this.ttl(broker, message));
    }
  }

  /** Stores `null` for a message skipped without failing it. */
  afterSkipMessage(broker: Broker, message: Message): Promise<void> | void {
    if (!message.failed && this.stores(broker, message)) {
      return this.backend.storeResult(message, null, this.ttl(broker, message));
    }
  }

  /** Stores the failure marker once the message is dead-lettered. */
  afterNack(broker: Broker, message: Message): Promise<void> | void {
    if (message.failed && this.stores(broker, message)) {
      return this.backend.storeException(message, message.lastError, this.ttl(broker, message));
    }
  }
}

/** The backend to read a message's result from. */
export function resultBackendOf(broker: Broker | undefined, explicit?: ResultBackend): ResultBackend {
  if (explicit) return explicit;
  const backend = broker?.getMiddleware(Results)?.backend;
  if (!backend) {
    throw new InvalidOption("getResult needs a result backend: add `new Results({ backend })` to the broker, or pass { backend }");
  }
  return backend;
}
