/**
 * The `OpenTelemetry` middleware: spans and metrics under the OpenTelemetry
 * messaging conventions, with the W3C trace context carried in each message's
 * `options.trace_ctx`, so a trace continues across Troupe and Dramatiq workers.
 *
 * @module @troupe/opentelemetry
 */
export { OpenTelemetry, type OpenTelemetryOptions } from "./open-telemetry.js";
export type { RunOutcome } from "./outcome.js";
export { TRACE_CONTEXT_KEY, type TraceCarrier } from "./trace-context.js";
