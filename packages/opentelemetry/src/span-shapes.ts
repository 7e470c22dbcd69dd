import type { Attributes, Span } from "@opentelemetry/api";
import type { Message } from "@troupe/core";
import type { QueueMetrics } from "./messaging-metrics.js";
import {
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_TROUPE_ACTOR,
  ATTR_TROUPE_RETRIES,
} from "./semantic-conventions.js";

/** What the spans of one operation on one queue by one actor share. */
export interface SpanShape {
  /** `<operation> <queue>`. */
  readonly name: string;
  /** The attributes given at creation, for samplers: all but the message's own, which `recordMessage` adds. */
  readonly attributes: Attributes;
}

/**
 * The names and creation attributes of one operation's spans (`send`, `create`,
 * `process`), made once per queue and actor rather than once per message: queue and
 * actor names are few and fixed. SDKs copy the attributes a span is created with.
 */
export class SpanShapes {
  private readonly byQueue = new Map<QueueMetrics, Map<string, SpanShape>>();

  constructor(private readonly operation: "send" | "create" | "process") {}

  /** The shape of this operation's spans for a message of `actorName` on the queue of `metrics`. */
  of(metrics: QueueMetrics, system: string, queue: string, actorName: string): SpanShape {
    let byActor = this.byQueue.get(metrics);
    if (!byActor) this.byQueue.set(metrics, (byActor = new Map()));
    let shape = byActor.get(actorName);
    if (!shape) {
      shape = {
        name: `${this.operation} ${queue}`,
        attributes: {
          [ATTR_MESSAGING_SYSTEM]: system,
          [ATTR_MESSAGING_DESTINATION_NAME]: queue,
          [ATTR_MESSAGING_OPERATION_TYPE]: this.operation,
          [ATTR_MESSAGING_OPERATION_NAME]: this.operation,
          [ATTR_TROUPE_ACTOR]: actorName,
        },
      };
      byActor.set(actorName, shape);
    }
    return shape;
  }
}

const retriesOf = (message: Message): number => (typeof message.options.retries === "number" ? message.options.retries : 0);

/** Adds the message's own attributes to a span that records: an unsampled one (most, under sampling) is spared them. */
export function recordMessage(span: Span, message: Message): void {
  if (!span.isRecording()) return;
  span.setAttribute(ATTR_MESSAGING_MESSAGE_ID, message.messageId);
  span.setAttribute(ATTR_TROUPE_RETRIES, retriesOf(message));
}
