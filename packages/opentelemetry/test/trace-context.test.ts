import { createTraceState, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, type SpanContext, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { describe, expect, it } from "vitest";
import { carrierIn, carrierOf, formatTraceparent, parseTraceparent } from "../src/trace-context.js";

const reference = new W3CTraceContextPropagator();

/** What the SDK's own W3C propagator writes for a span context. */
function referenceCarrier(spanContext: SpanContext): Record<string, string> {
  const carrier: Record<string, string> = {};
  reference.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), carrier, defaultTextMapSetter);
  return carrier;
}

/** What the SDK's own W3C propagator reads from a carrier. */
function referenceRead(carrier: Record<string, string | undefined>): SpanContext | undefined {
  return trace.getSpanContext(reference.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
}

const sampled: SpanContext = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: 1 };

describe("the trace_ctx carrier", () => {
  it("writes what the W3C propagator of @opentelemetry/core writes", () => {
    const withState = { ...sampled, traceState: createTraceState("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7") };
    const unsampled = { ...sampled, traceFlags: 0 };
    for (const context of [sampled, withState, unsampled]) expect(carrierOf(context)).toEqual(referenceCarrier(context));
  });

  it("reads what the W3C propagator reads, as a remote context", () => {
    const carriers: { traceparent: string; tracestate?: string }[] = [
      { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
      { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", tracestate: "rojo=00f067aa0ba902b7" },
      { traceparent: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future" },
    ];
    for (const carrier of carriers) {
      const ours = parseTraceparent(carrier.traceparent, carrier.tracestate);
      const theirs = referenceRead(carrier);
      expect(ours).toMatchObject({ traceId: theirs?.traceId, spanId: theirs?.spanId, traceFlags: theirs?.traceFlags, isRemote: true });
      expect(ours?.traceState?.serialize()).toBe(theirs?.traceState?.serialize());
    }
  });

  it("refuses what the W3C propagator refuses", () => {
    const bad = [
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
    ];
    for (const traceparent of bad) {
      expect(referenceRead({ traceparent })).toBeUndefined();
      expect(parseTraceparent(traceparent)).toBeUndefined();
    }
    expect(parseTraceparent(42)).toBeUndefined();
  });

  it("finds the carrier in a message's options, and nothing where there is none", () => {
    const carrier = {
      traceparent: formatTraceparent(sampled),
      previous_attempt: "00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01",
    };
    expect(carrierIn({ trace_ctx: carrier })).toBe(carrier);
    expect(carrierIn({})).toBeUndefined();
    expect(carrierIn({ trace_ctx: "00-garbage" })).toBeUndefined();
    expect(carrierIn({ trace_ctx: null })).toBeUndefined();
  });
});
