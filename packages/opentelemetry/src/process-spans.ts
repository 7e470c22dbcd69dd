import {
  type Context,
  INVALID_TRACEID,
  type Link,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { type Broker, currentMessage, errorTypeName, type Message } from "@troupe/core";
import { markFailed } from "./failed-span.js";
import { LIGHT_ROOT } from "./light-context.js";
import type { MessagingMetrics, QueueMetrics } from "./messaging-metrics.js";
import { messagingSystem } from "./messaging-system.js";
import type { RunOutcome } from "./outcome.js";
import { ATTR_ERROR_TYPE, ATTR_TROUPE_LINK, ATTR_TROUPE_OUTCOME } from "./semantic-conventions.js";
import { recordMessage, SpanShapes } from "./span-shapes.js";
import type { SuccessorScope } from "./successor-scope.js";
import { carrierIn, parseTraceparent } from "./trace-context.js";

/** One run of a message: its `process` span, and the scope of the messages sent from it. */
export class ProcessRun implements SuccessorScope {
  readonly started = performance.now();
  private own: Context | undefined;

  constructor(
    readonly message: Message,
    readonly span: Span,
    private readonly parent: Context,
    readonly metrics: QueueMetrics,
  ) {}

  /** A context holding the span: the actor runs in it, successors are sent from it. */
  get context(): Context {
    this.own ??= trace.setSpan(this.parent, this.span);
    return this.own;
  }

  /** Whether the span belongs to a trace (an SDK made it, or it continues the message's), one worth making active. */
  get traced(): boolean {
    // The API's placeholder span has the all-zero trace id; comparing it is cheaper than validating the ids.
    return this.span.spanContext().traceId !== INVALID_TRACEID;
  }
}

/** How a run ended, for the span and the process-duration metric. */
export interface RunEnd {
  readonly outcome: RunOutcome;
  /** What failed it: recorded as the span's exception. */
  readonly error?: unknown;
  /** `error.type` when there is no exception to take it from. */
  readonly errorType?: string;
  /** The span status description when there is no exception to take it from. */
  readonly description?: string;
}

/** The links of a process span: its creation context, and the attempt before it. */
function linksOf(creation: SpanContext | undefined, previousAttempt: SpanContext | undefined): Link[] | undefined {
  if (!creation) return previousAttempt ? [{ context: previousAttempt, attributes: PREVIOUS_ATTEMPT }] : undefined;
  return previousAttempt ? [{ context: creation }, { context: previousAttempt, attributes: PREVIOUS_ATTEMPT }] : [{ context: creation }];
}

const PREVIOUS_ATTEMPT = { [ATTR_TROUPE_LINK]: "previous_attempt" };

/**
 * The consumer side: a `process <queue>` span (kind CONSUMER) per run: the child
 * of the context the message carries and, as the conventions recommend, linked
 * to it; on a retry also linked to the failed attempt before it.
 */
export class ProcessSpans {
  /**
   * The runs not yet ended, as many as the worker runs at once. A map with
   * deletes, not a WeakMap: a weak entry per message costs the garbage collector dearly.
   */
  private readonly runs = new Map<Message, ProcessRun>();
  private readonly shapes = new SpanShapes("process");

  constructor(
    private readonly tracer: Tracer,
    private readonly metrics: MessagingMetrics,
  ) {}

  /** Starts the span of a message about to run. */
  start(broker: Broker, message: Message): ProcessRun {
    const system = messagingSystem(broker);
    const metrics = this.metrics.of(system, message.queueName);
    const shape = this.shapes.of(metrics, system, message.queueName, message.actorName);
    const carrier = carrierIn(message.options);
    const creation = carrier && parseTraceparent(carrier.traceparent, carrier.tracestate);
    const previousAttempt = carrier?.previous_attempt === undefined ? undefined : parseTraceparent(carrier.previous_attempt);
    // Light contexts: two per run, where the API's would copy a Map and make closures each time.
    const parent = creation ? trace.setSpanContext(LIGHT_ROOT, creation) : LIGHT_ROOT;
    const span = this.tracer.startSpan(
      shape.name,
      { kind: SpanKind.CONSUMER, attributes: shape.attributes, links: linksOf(creation, previousAttempt) },
      parent,
    );
    recordMessage(span, message);
    const run = new ProcessRun(message, span, parent, metrics);
    this.runs.set(message, run);
    metrics.consumed++;
    return run;
  }

  /** The open run of `message`, if any. */
  open(message: Message): ProcessRun | undefined {
    return this.runs.get(message);
  }

  /** The run of `message`, started now if a before-hook ahead of this middleware refused it before it could start. */
  runOf(broker: Broker, message: Message): ProcessRun {
    return this.runs.get(message) ?? this.start(broker, message);
  }

  /** Whether the message has a run whose span is still open. */
  isOpen(message: Message): boolean {
    return this.runs.has(message);
  }

  /** Ends the span of a run and records its duration. */
  end(run: ProcessRun, end: RunEnd): void {
    this.runs.delete(run.message);
    const span = run.span;
    span.setAttribute(ATTR_TROUPE_OUTCOME, end.outcome);
    let errorType = end.errorType;
    if (end.error !== undefined) {
      errorType = errorTypeName(end.error);
      markFailed(span, end.error, errorType);
    } else if (errorType !== undefined) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: end.description ?? errorType });
      span.setAttribute(ATTR_ERROR_TYPE, errorType);
    }
    span.end();
    this.metrics.processed(run.metrics, (performance.now() - run.started) / 1000, errorType);
  }

  /** The run the caller is inside (an actor's own code), if any, found through `currentMessage()`: for when no context manager propagates contexts. */
  running(): ProcessRun | undefined {
    // With no run open, no send can come from inside an actor: spare the throw below.
    if (this.runs.size === 0) return undefined;
    let message: Message;
    try {
      message = currentMessage().message;
    } catch {
      // Not inside an actor (currentMessage has no non-throwing form).
      return undefined;
    }
    return this.runs.get(message);
  }
}
