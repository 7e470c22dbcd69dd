import {
  type Context,
  context,
  createContextKey,
  type MeterProvider,
  metrics,
  ROOT_CONTEXT,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { assertKnownOptions, type Broker, type Message, type Middleware, optionKeys, type ProcessOutcome, type Worker } from "@troupe/core";
import { version } from "../package.json";
import { MessagingMetrics } from "./messaging-metrics.js";
import { outcomeOfError } from "./outcome.js";
import { ProcessSpans } from "./process-spans.js";
import { SendSpans } from "./send-spans.js";
import { enterSuccessorScope, type SuccessorScope, successorScope } from "./successor-scope.js";

/** Options of `new OpenTelemetry(options)`. */
export interface OpenTelemetryOptions {
  /** Where spans go (default: the global one, `trace.getTracerProvider()`, which follows a later registration). */
  tracerProvider?: TracerProvider;
  /** Where metrics go (default: the global one, `metrics.getMeterProvider()`, read once, when the middleware is made). */
  meterProvider?: MeterProvider;
}

const OPTIONS = optionKeys<OpenTelemetryOptions>({ tracerProvider: true, meterProvider: true });

const PROBE = ROOT_CONTEXT.setValue(createContextKey("@troupe/opentelemetry probe"), true);

/** Whether a context manager is registered: only with one does `context.with` make a context active. */
function contextsPropagate(): boolean {
  return context.with(PROBE, () => context.active() === PROBE);
}

/** The instrumentation scope name of the tracer and meter. */
const SCOPE = "@troupe/opentelemetry";

/**
 * Traces and metrics under the OpenTelemetry messaging conventions. Each send is
 * a `send <queue>` span (kind PRODUCER) whose W3C context the message carries in
 * `options.trace_ctx`; a send that fails ends its span with an error status. Each
 * run is a `process <queue>` span (kind CONSUMER), the child of that context, with
 * `troupe.outcome` telling a success, an error, a time limit, an abort and a skip
 * apart; the actor runs with that span active, so the spans its own code starts are
 * its children. Messages sent from an actor, and the retries, pipeline steps,
 * callbacks and group callbacks a run leads to, continue its trace. Add it last, so
 * its after-hook runs before those that send successors.
 */
export class OpenTelemetry implements Middleware {
  private readonly sends: SendSpans;
  private readonly runs: ProcessSpans;
  /** Per worker stopping: the messages in flight when its shutdown began. */
  private readonly stopping = new WeakMap<Worker, Message[]>();

  constructor(options: OpenTelemetryOptions = {}) {
    assertKnownOptions("OpenTelemetry", options, OPTIONS);
    const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE, version);
    const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE, version);
    const messagingMetrics = new MessagingMetrics(meter);
    this.sends = new SendSpans(tracer, messagingMetrics);
    this.runs = new ProcessSpans(tracer, messagingMetrics);
  }

  beforeEnqueue(broker: Broker, message: Message, delay: number | undefined, batch: readonly Message[]): void {
    // The spans of a call are made on its first message, for all of them.
    if (message !== batch[0]) return;
    const scope = successorScope();
    this.sends.begin(broker, batch, delay, this.parentContext(scope), scope);
  }

  afterEnqueue(_broker: Broker, message: Message, _delay: number | undefined, batch: readonly Message[]): void {
    // After-hooks run once the broker has the whole call: the first one ends its spans.
    if (message === batch[0]) this.sends.end(batch);
  }

  afterEnqueueFailed(_broker: Broker, message: Message, error: unknown, batch: readonly Message[]): void {
    if (message === batch[0]) this.sends.end(batch, error);
  }

  beforeDelayMessage(_broker: Broker, message: Message): void {
    this.sends.hold(message);
  }

  beforeProcessMessage(broker: Broker, message: Message): void {
    this.runs.start(broker, message);
  }

  /** Runs the actor with its process span active, so the spans it starts are children of it (and share its sampling). */
  aroundActor(_broker: Broker, message: Message, run: () => unknown): unknown {
    const open = this.runs.open(message);
    // Without an SDK the span is a placeholder: there is no context to give the actor.
    return open?.traced ? context.with(open.context, run) : run();
  }

  afterProcessMessage(broker: Broker, message: Message, outcome: ProcessOutcome): void {
    const run = this.runs.runOf(broker, message);
    if (outcome.error === undefined) this.runs.end(run, { outcome: "ok" });
    else this.runs.end(run, { outcome: outcomeOfError(outcome.error), error: outcome.error });
    enterSuccessorScope(run);
  }

  afterSkipMessage(broker: Broker, message: Message): void {
    const run = this.runs.runOf(broker, message);
    // A skip that dead-letters the message (AgeLimit) failed it, with the reason; a plain skip did not.
    this.runs.end(run, message.failed ? { outcome: "skipped", error: message.lastError } : { outcome: "skipped" });
  }

  beforeWorkerShutdown(_broker: Broker, worker: Worker): void {
    this.stopping.set(
      worker,
      [...worker.inFlight].map((running) => running.message),
    );
  }

  afterWorkerShutdown(broker: Broker, worker: Worker): void {
    // A run still open now outlived the shutdown timeout: the worker gave its message back to the queue unfinished.
    for (const message of this.stopping.get(worker) ?? []) {
      if (!this.runs.isOpen(message)) continue;
      this.runs.end(this.runs.runOf(broker, message), {
        outcome: "aborted",
        errorType: "Shutdown",
        description: "the worker stopped before the actor finished; the message went back to its queue",
      });
    }
    this.stopping.delete(worker);
  }

  /**
   * What a message is sent from: in a run's after-hooks, that run; else the active
   * context: inside an actor its run's (`aroundActor` made it active, and the scope of
   * after-hooks does not reach the actors that run next), else e.g. a web request's.
   * Without a context manager nothing is ever active: an actor's run is then found
   * through `currentMessage()`.
   */
  private parentContext(scope: SuccessorScope | undefined): Context {
    if (scope) return scope.context;
    const active = context.active();
    if (active === ROOT_CONTEXT && !contextsPropagate()) return this.runs.running()?.context ?? active;
    return active;
  }
}
