import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** Dramatiq's duration buckets (ms), so dashboards built for Dramatiq read Troupe's histograms unchanged. */
export const DURATION_BUCKETS = [5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000, 30000, 60000, 600000, 900000];

const LABELS = ["queue_name", "actor_name"] as const;
type Labels = (typeof LABELS)[number];

/** The per-message metrics, under Dramatiq's names and help texts. */
export interface MessageMetrics {
  total: Counter<Labels>;
  errors: Counter<Labels>;
  retries: Counter<Labels>;
  rejects: Counter<Labels>;
  inProgress: Gauge<Labels>;
  delayedInProgress: Gauge<Labels>;
  duration: Histogram<Labels>;
}

export function createMessageMetrics(registry: Registry, prefix: string): MessageMetrics {
  const registers = [registry];
  const labelNames = LABELS;
  return {
    total: new Counter({ name: `${prefix}_messages_total`, help: "The total number of messages processed.", labelNames, registers }),
    errors: new Counter({
      name: `${prefix}_message_errors_total`,
      help: "The total number of errored messages.",
      labelNames,
      registers,
    }),
    retries: new Counter({
      name: `${prefix}_message_retries_total`,
      help: "The total number of retried messages.",
      labelNames,
      registers,
    }),
    rejects: new Counter({
      name: `${prefix}_message_rejects_total`,
      help: "The total number of dead-lettered messages.",
      labelNames,
      registers,
    }),
    inProgress: new Gauge({
      name: `${prefix}_messages_inprogress`,
      help: "The number of messages in progress.",
      labelNames,
      registers,
    }),
    delayedInProgress: new Gauge({
      name: `${prefix}_delayed_messages_inprogress`,
      help: "The number of delayed messages in memory.",
      labelNames,
      registers,
    }),
    duration: new Histogram({
      name: `${prefix}_message_duration_milliseconds`,
      help: "The time spent processing messages.",
      labelNames,
      buckets: DURATION_BUCKETS,
      registers,
    }),
  };
}
