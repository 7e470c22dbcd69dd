import { createTraceState, INVALID_SPANID, INVALID_TRACEID, type SpanContext } from "@opentelemetry/api";

/**
 * The key of `message.options` that carries the W3C trace context; a Python
 * Dramatiq instrumentation (`opentelemetry-instrumentation-dramatiq`) uses it too.
 */
export const TRACE_CONTEXT_KEY = "trace_ctx";

/**
 * What `options.trace_ctx` holds: the creation context of the message as W3C
 * Trace Context fields, plus, on a retry, the span of the attempt that failed.
 */
export interface TraceCarrier {
  /** `version-traceid-spanid-flags` of the span that sent the message (W3C `traceparent`). */
  traceparent: string;
  /** Vendor state that travels with the trace (W3C `tracestate`), when there is any. */
  tracestate?: string;
  /** On a retry: the `traceparent` of the failed attempt's process span, which the next attempt links to. */
  previous_attempt?: string;
}

// Version 00 is exactly these four fields; a later version may append more after a dash (W3C Trace Context §3.2.4).
// Tested, then sliced: cheaper than capture groups, and this runs for every message processed.
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(?:$|-)/;

/**
 * The `traceparent` of a span context. Written here rather than through a
 * propagator so the wire stays W3C whatever propagator (or none) the application
 * registered, and so the package needs `@opentelemetry/api` alone.
 */
export function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, "0")}`;
}

/** The remote span context a `traceparent` (and `tracestate`) name, or undefined when it is not a valid one. */
export function parseTraceparent(traceparent: unknown, tracestate?: unknown): SpanContext | undefined {
  if (typeof traceparent !== "string") return undefined;
  const value = traceparent.length > 55 ? traceparent.trim() : traceparent;
  if (!TRACEPARENT.test(value)) return undefined;
  const version = value.slice(0, 2);
  if (version === "ff" || (version === "00" && value.length !== 55)) return undefined;
  const traceId = value.slice(3, 35);
  const spanId = value.slice(36, 52);
  // The pattern checked the hex; all zeros is the one invalid id left (W3C Trace Context §3.2.2.3).
  if (traceId === INVALID_TRACEID || spanId === INVALID_SPANID) return undefined;
  const context: SpanContext = { traceId, spanId, traceFlags: Number.parseInt(value.slice(53, 55), 16), isRemote: true };
  if (typeof tracestate === "string" && tracestate.length > 0) context.traceState = createTraceState(tracestate);
  return context;
}

/** The carrier of a span context: its `traceparent`, and its `tracestate` when it has one. */
export function carrierOf(context: SpanContext): TraceCarrier {
  const carrier: TraceCarrier = { traceparent: formatTraceparent(context) };
  const state = context.traceState?.serialize();
  if (state) carrier.tracestate = state;
  return carrier;
}

/** The carrier in a message's options, if it has one (an object: its fields are read with `parseTraceparent`). */
export function carrierIn(options: Record<string, unknown>): Partial<Record<keyof TraceCarrier, unknown>> | undefined {
  const carrier = options[TRACE_CONTEXT_KEY];
  return typeof carrier === "object" && carrier !== null ? carrier : undefined;
}
