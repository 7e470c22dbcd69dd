import {
  type Context,
  type Link,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { type Broker, currentMessage, errorTypeName, type Message } from "@troupe/core";
import type { MessagingMetrics, QueueMetrics } from "./messaging-metrics.js";
import { messagingSystem } from "./messaging-system.js";
import type { RunOutcome } from "./outcome.js";
import {
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_TROUPE_ACTOR,
  ATTR_TROUPE_LINK,
  ATTR_TROUPE_OUTCOME,
  ATTR_TROUPE_RETRIES,
} from "./semantic-conventions.js";
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

  /** A context holding the span, made when a message is first sent from the run (most runs send none). */
  get context(): Context {
    this.own ??= trace.setSpan(this.parent, this.span);
    return this.own;
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

const retriesOf = (message: Message): number => (typeof message.options.retries === "number" ? message.options.retries : 0);

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

  constructor(
    private readonly tracer: Tracer,
    private readonly metrics: MessagingMetrics,
  ) {}

  /** Starts the span of a message about to run. */
  start(broker: Broker, message: Message): ProcessRun {
    const system = messagingSystem(broker);
    const carrier = carrierIn(message.options);
    const creation = carrier && parseTraceparent(carrier.traceparent, carrier.tracestate);
    const previousAttempt = carrier?.previous_attempt === undefined ? undefined : parseTraceparent(carrier.previous_attempt);
    const parent = creation ? trace.setSpanContext(ROOT_CONTEXT, creation) : ROOT_CONTEXT;
    const span = this.tracer.startSpan(
      `process ${message.queueName}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          [ATTR_MESSAGING_SYSTEM]: system,
          [ATTR_MESSAGING_DESTINATION_NAME]: message.queueName,
          [ATTR_MESSAGING_OPERATION_TYPE]: "process",
          [ATTR_MESSAGING_OPERATION_NAME]: "process",
          [ATTR_MESSAGING_MESSAGE_ID]: message.messageId,
          [ATTR_TROUPE_ACTOR]: message.actorName,
          [ATTR_TROUPE_RETRIES]: retriesOf(message),
        },
        links: linksOf(creation, previousAttempt),
      },
      parent,
    );
    const run = new ProcessRun(message, span, parent, this.metrics.of(system, message.queueName));
    this.runs.set(message, run);
    run.metrics.consumed++;
    return run;
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
      const error = end.error;
      const text = error instanceof Error ? error.message : String(error);
      // Named as in error.type, logs and Dramatiq's failures: a subclass that sets no `name` still says "Error" itself.
      span.recordException({ name: errorType, message: text, stack: error instanceof Error ? error.stack : undefined });
      span.setStatus({ code: SpanStatusCode.ERROR, message: text });
    } else if (errorType !== undefined) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: end.description ?? errorType });
    }
    if (errorType !== undefined) span.setAttribute(ATTR_ERROR_TYPE, errorType);
    span.end();
    this.metrics.processed(run.metrics, (performance.now() - run.started) / 1000, errorType);
  }

  /** The run the caller is inside (an actor's own code), if any. */
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
