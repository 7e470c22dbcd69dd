import { type Span, SpanStatusCode } from "@opentelemetry/api";
import { ATTR_ERROR_TYPE } from "./semantic-conventions.js";

/** Marks a span as failed by `error`: the exception recorded, an error status, and `error.type`. */
export function markFailed(span: Span, error: unknown, errorType: string): void {
  const text = error instanceof Error ? error.message : String(error);
  // Named as in error.type, logs and Dramatiq's failures: a subclass that sets no `name` still says "Error" itself.
  span.recordException({ name: errorType, message: text, stack: error instanceof Error ? error.stack : undefined });
  span.setStatus({ code: SpanStatusCode.ERROR, message: text });
  span.setAttribute(ATTR_ERROR_TYPE, errorType);
}
