export { type SupervisorContext, startSupervisorExtension } from "./cluster-aggregation.js";
export { type Exposition, ExpositionServer } from "./exposition-server.js";
export { DURATION_BUCKETS } from "./metrics.js";
export { MetricsServerError } from "./metrics-server-error.js";
export { Prometheus, type PrometheusOptions } from "./prometheus.js";
export { QueueDepthCollector } from "./queue-depth-collector.js";
