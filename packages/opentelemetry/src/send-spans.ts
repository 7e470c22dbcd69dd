import { type Attributes, type Context, type Span, type SpanContext, SpanKind, type Tracer, trace } from "@opentelemetry/api";
import { type Broker, canonicalQueueName, errorTypeName, type Message } from "@troupe/core";
import { markFailed } from "./failed-span.js";
import type { MessagingMetrics, QueueMetrics } from "./messaging-metrics.js";
import { messagingSystem } from "./messaging-system.js";
import {
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
} from "./semantic-conventions.js";
import { recordMessage, SpanShapes } from "./span-shapes.js";
import type { SuccessorScope } from "./successor-scope.js";
import { carrierOf, formatTraceparent, TRACE_CONTEXT_KEY, type TraceCarrier } from "./trace-context.js";

/**
 * One `enqueue` / `enqueueMany` call: the span to end once the broker has its
 * messages, and the queues to count them on. Kept per call rather than per
 * message: a weak entry per message costs the garbage collector dearly.
 */
interface Send {
  readonly span: Span | undefined;
  readonly started: number;
  /** The metrics of the operation: of its queue, or of batches to several. */
  readonly metrics: QueueMetrics | undefined;
  /** The metrics of each message's queue, one entry per message sent. */
  readonly sent: readonly QueueMetrics[];
}

/**
 * The producer side, following the conventions' span structure: one message is
 * one `send <queue>` span (kind PRODUCER) whose context the message carries; a
 * batch is one `send` span (kind CLIENT, `messaging.batch.message_count`) linked
 * to a `create <queue>` span per message (kind PRODUCER), whose contexts the
 * messages carry. A retry keeps the creation context of the message it repeats.
 */
export class SendSpans {
  private readonly sends = new WeakMap<readonly Message[], Send>();
  /** Ids of delayed messages this process holds until due: their move to the queue is not a send. */
  private readonly held = new Set<string>();
  private readonly sendShapes = new SpanShapes("send");
  private readonly createShapes = new SpanShapes("create");

  constructor(
    private readonly tracer: Tracer,
    private readonly metrics: MessagingMetrics,
  ) {}

  /** A worker holds this delayed message: when due, it enqueues it on its queue, with its context unchanged. */
  hold(message: Message): void {
    this.held.add(message.messageId);
  }

  /**
   * Starts the spans of an enqueue call and writes each message's context into
   * it; `parent` is what it is sent from, `scope` the run whose after-hooks send
   * it, if any.
   */
  begin(broker: Broker, batch: readonly Message[], delay: number | undefined, parent: Context, scope: SuccessorScope | undefined): void {
    const members: Message[] = [];
    for (const message of batch) if (!(delay === undefined && this.held.delete(message.messageId))) members.push(message);
    const system = messagingSystem(broker);
    const sent = members.map((message) => this.metrics.of(system, canonicalQueueName(message.queueName)));
    const started = performance.now();
    let span: Span | undefined;
    let metrics: QueueMetrics | undefined = sent[0];
    if (members.length === 1) span = this.sendOne(system, members[0], sent[0], parent, scope);
    else if (members.length > 1) {
      metrics = new Set(sent).size === 1 ? sent[0] : this.metrics.of(system, undefined);
      span = this.sendBatch(system, members, sent, metrics.queue, parent);
    }
    this.sends.set(batch, { span, started, metrics, sent });
  }

  /**
   * Once the broker has every message of the call, or the call failed with `error`: ends its
   * span (with an error status and the exception when it failed) and counts its messages.
   */
  end(batch: readonly Message[], error?: unknown): void {
    const send = this.sends.get(batch);
    if (!send) return;
    this.sends.delete(batch);
    const errorType = error === undefined ? undefined : errorTypeName(error);
    for (const metrics of send.sent) this.metrics.attempted(metrics, errorType);
    if (!send.span || !send.metrics) return;
    if (error !== undefined) markFailed(send.span, error, errorType as string);
    send.span.end();
    this.metrics.sendDuration(send.metrics, (performance.now() - send.started) / 1000, errorType);
  }

  /** The span of a single message: a send whose context it carries, or a retry's. */
  private sendOne(system: string, message: Message, metrics: QueueMetrics, parent: Context, scope: SuccessorScope | undefined): Span {
    const shape = this.sendShapes.of(metrics, system, canonicalQueueName(message.queueName), message.actorName);
    if (scope && scope.message.messageId === message.messageId) {
      // A retry: its own send span under the failed attempt; the copy keeps the creation context it had.
      const span = this.tracer.startSpan(shape.name, { kind: SpanKind.CLIENT, attributes: shape.attributes }, scope.context);
      recordMessage(span, message);
      const failed = scope.span.spanContext();
      if (trace.isSpanContextValid(failed)) message.options[TRACE_CONTEXT_KEY] = retryCarrier(message.options[TRACE_CONTEXT_KEY], failed);
      return span;
    }
    const span = this.tracer.startSpan(shape.name, { kind: SpanKind.PRODUCER, attributes: shape.attributes }, parent);
    recordMessage(span, message);
    inject(message, span);
    return span;
  }

  /** The span of a batch: a `create` span per message, written into each, and the `send` span linked to them all. */
  private sendBatch(
    system: string,
    members: readonly Message[],
    sent: readonly QueueMetrics[],
    queue: string | undefined,
    parent: Context,
  ): Span {
    const links = members.map((message, i) => {
      const shape = this.createShapes.of(sent[i], system, canonicalQueueName(message.queueName), message.actorName);
      const create = this.tracer.startSpan(shape.name, { kind: SpanKind.PRODUCER, attributes: shape.attributes }, parent);
      recordMessage(create, message);
      inject(message, create);
      // Creating a message takes no time of its own: the span exists to give each message its own context.
      create.end();
      return { context: create.spanContext() };
    });
    const attributes: Attributes = {
      [ATTR_MESSAGING_SYSTEM]: system,
      [ATTR_MESSAGING_OPERATION_TYPE]: "send",
      [ATTR_MESSAGING_OPERATION_NAME]: "send",
      [ATTR_MESSAGING_BATCH_MESSAGE_COUNT]: members.length,
    };
    if (queue !== undefined) attributes[ATTR_MESSAGING_DESTINATION_NAME] = queue;
    return this.tracer.startSpan(queue === undefined ? "send" : `send ${queue}`, { kind: SpanKind.CLIENT, attributes, links }, parent);
  }
}

/**
 * The carrier of a retry: the creation context the message had (and whatever else
 * its carrier holds), or the failed attempt's when it had none, so later attempts
 * stay in that trace; plus the failed attempt, to link to.
 */
function retryCarrier(carried: unknown, failed: SpanContext): TraceCarrier {
  const previous_attempt = formatTraceparent(failed);
  if (typeof carried === "object" && carried !== null && typeof (carried as TraceCarrier).traceparent === "string") {
    return { ...(carried as TraceCarrier), previous_attempt };
  }
  return { ...carrierOf(failed), previous_attempt };
}

/** Writes the span's context as the message's creation context; an invalid one (no SDK, no parent) writes nothing. */
function inject(message: Message, span: Span): void {
  const context = span.spanContext();
  if (trace.isSpanContextValid(context)) message.options[TRACE_CONTEXT_KEY] = carrierOf(context);
}
