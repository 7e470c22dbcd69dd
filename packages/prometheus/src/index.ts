/**
 * The `Prometheus` middleware: Dramatiq's metric names, served per process or aggregated
 * over the worker processes of `troupe worker`.
 *
 * @module @troupe/prometheus
 */
export { type SupervisorContext, startSupervisorExtension } from "./cluster-aggregation.js";
export { type Exposition, ExpositionServer } from "./exposition-server.js";
export { DURATION_BUCKETS } from "./metrics.js";
export { MetricsServerError } from "./metrics-server-error.js";
export { Prometheus, type PrometheusOptions } from "./prometheus.js";
export { QueueDepthCollector } from "./queue-depth-collector.js";
