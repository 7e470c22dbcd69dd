import type { MetricObjectWithValues, MetricValue } from "prom-client";

/** One registry's metrics as `getMetricsAsJSON()` gives them: what crosses the IPC channel. */
export type MetricsJSON = MetricObjectWithValues<MetricValue<string>>[];

/** Where the supervisor serves the aggregate. */
export interface ServerOptions {
  host: string;
  port: number;
}

/** Supervisor → worker process: send your metrics, and the queue depths when `queueDepth`. */
export interface CollectRequest {
  type: "troupe-prometheus:collect";
  id: number;
  queueDepth: boolean;
}

/** Worker process → supervisor: the answer to one collect request. */
export interface CollectReply {
  type: "troupe-prometheus:metrics";
  id: number;
  metrics: MetricsJSON;
  error?: string;
}

export const isCollectRequest = (message: unknown): message is CollectRequest =>
  (message as CollectRequest | null)?.type === "troupe-prometheus:collect";

export const isCollectReply = (message: unknown): message is CollectReply =>
  (message as CollectReply | null)?.type === "troupe-prometheus:metrics";
