import { context, type SpanContext, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { OpenTelemetry } from "../../src/index.js";

// As an application's SDK setup does: without a context manager, `context.with` and active spans do nothing.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

/** An SDK of one test: spans and metrics kept in memory, and the middleware reporting to it. */
export class Telemetry {
  readonly spanExporter = new InMemorySpanExporter();
  readonly tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.spanExporter)] });
  readonly metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  private readonly reader = new PeriodicExportingMetricReader({ exporter: this.metricExporter, exportIntervalMillis: 3_600_000 });
  readonly meterProvider = new MeterProvider({ readers: [this.reader] });
  /** A tracer of the application, for the spans a test opens around its sends. */
  readonly tracer = this.tracerProvider.getTracer("test-app");

  middleware(): OpenTelemetry {
    return new OpenTelemetry({ tracerProvider: this.tracerProvider, meterProvider: this.meterProvider });
  }

  /** Every ended span so far. */
  spans(): ReadableSpan[] {
    return this.spanExporter.getFinishedSpans();
  }

  /** The ended spans of that name, in the order they ended. */
  named(name: string): ReadableSpan[] {
    return this.spans().filter((span) => span.name === name);
  }

  /** The one ended span that matches; fails when there is none or several. */
  one(name: string, where: (span: ReadableSpan) => boolean = () => true): ReadableSpan {
    const found = this.named(name).filter(where);
    if (found.length !== 1) throw new Error(`expected one ${name} span, found ${found.length}: ${this.describe()}`);
    return found[0];
  }

  /** The metrics collected so far (cumulative), by name. */
  async metrics(): Promise<Map<string, MetricData>> {
    this.metricExporter.reset();
    await this.reader.forceFlush();
    const byName = new Map<string, MetricData>();
    for (const resource of this.metricExporter.getMetrics())
      for (const scope of resource.scopeMetrics) for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
    return byName;
  }

  /** Runs `fn` inside an application span (as a web request handler would be), which it returns ended. */
  async inSpan(name: string, fn: () => Promise<void>): Promise<ReadableSpan> {
    const span = this.tracer.startSpan(name, { kind: SpanKind.SERVER });
    await context.with(trace.setSpan(context.active(), span), fn);
    span.end();
    return this.one(name);
  }

  async shutdown(): Promise<void> {
    await this.tracerProvider.shutdown();
    await this.meterProvider.shutdown();
  }

  private describe(): string {
    return this.spans()
      .map((span) => span.name)
      .join(", ");
  }
}

/** Whether `child` is a child of the span `parent` (same trace, parent span id). */
export function isChildOf(child: ReadableSpan, parent: ReadableSpan | SpanContext): boolean {
  const context = "spanContext" in parent ? parent.spanContext() : parent;
  return child.parentSpanContext?.spanId === context.spanId && child.spanContext().traceId === context.traceId;
}

/** The span ids `span` links to. */
export const linkedSpanIds = (span: ReadableSpan): string[] => span.links.map((link) => link.context.spanId);

export const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };
