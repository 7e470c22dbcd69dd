import type { Attributes, Histogram, Meter } from "@opentelemetry/api";
import {
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  DURATION_BUCKETS,
  METRIC_CONSUMED_MESSAGES,
  METRIC_OPERATION_DURATION,
  METRIC_PROCESS_DURATION,
  METRIC_SENT_MESSAGES,
} from "./semantic-conventions.js";

/** The metrics of one queue (or, `queue` undefined, of batches to several) of one messaging system. */
export interface QueueMetrics {
  readonly queue: string | undefined;
  /** Attributes of the sent-messages counter. */
  readonly send: Attributes;
  /** Attributes of the operation-duration histogram: only it names the operation type, the others imply it. */
  readonly sendOperation: Attributes;
  /** Attributes of the consumed-messages counter and the process-duration histogram. */
  readonly process: Attributes;
  sent: number;
  consumed: number;
  /** Sends that failed, by `error.type`, with the attributes they are reported under. */
  readonly failedSends: Map<string, { count: number; send: Attributes; sendOperation: Attributes }>;
}

/**
 * The four standard messaging metrics. The two counters are asynchronous: this
 * class counts in plain numbers and reports them when the meter collects, so a
 * message costs the SDK one histogram record per operation, not three records.
 */
export class MessagingMetrics {
  private readonly operationDuration: Histogram;
  private readonly processDuration: Histogram;
  private readonly bySystem = new Map<string, Map<string | undefined, QueueMetrics>>();

  constructor(meter: Meter) {
    const advice = { explicitBucketBoundaries: DURATION_BUCKETS };
    this.operationDuration = meter.createHistogram(METRIC_OPERATION_DURATION, {
      unit: "s",
      description: "Duration of messaging operation initiated by a producer or consumer client.",
      advice,
    });
    this.processDuration = meter.createHistogram(METRIC_PROCESS_DURATION, {
      unit: "s",
      description: "Duration of processing operation.",
      advice,
    });
    meter
      .createObservableCounter(METRIC_SENT_MESSAGES, {
        unit: "{message}",
        description: "Number of messages producer attempted to send to the broker.",
      })
      .addCallback((result) => {
        for (const metrics of this.all()) {
          if (metrics.sent > 0) result.observe(metrics.sent, metrics.send);
          for (const failed of metrics.failedSends.values()) result.observe(failed.count, failed.send);
        }
      });
    meter
      .createObservableCounter(METRIC_CONSUMED_MESSAGES, {
        unit: "{message}",
        description: "Number of messages that were delivered to the application.",
      })
      .addCallback((result) => {
        for (const metrics of this.all()) if (metrics.consumed > 0) result.observe(metrics.consumed, metrics.process);
      });
  }

  /** The metrics of a queue, made on first use; look them up once per message, not per record. */
  of(system: string, queue: string | undefined): QueueMetrics {
    let queues = this.bySystem.get(system);
    if (!queues) this.bySystem.set(system, (queues = new Map()));
    let metrics = queues.get(queue);
    if (!metrics) {
      const base: Attributes = { [ATTR_MESSAGING_SYSTEM]: system };
      // Queue names are few and fixed, so they are low-cardinality, as the conventions require of this attribute.
      if (queue !== undefined) base[ATTR_MESSAGING_DESTINATION_NAME] = queue;
      const send = { ...base, [ATTR_MESSAGING_OPERATION_NAME]: "send" };
      metrics = {
        queue,
        send,
        sendOperation: { ...send, [ATTR_MESSAGING_OPERATION_TYPE]: "send" },
        process: { ...base, [ATTR_MESSAGING_OPERATION_NAME]: "process" },
        sent: 0,
        consumed: 0,
        failedSends: new Map(),
      };
      queues.set(queue, metrics);
    }
    return metrics;
  }

  /** A message the producer tried to send, and the type of error that failed it, if any. */
  attempted(metrics: QueueMetrics, errorType: string | undefined): void {
    if (errorType === undefined) metrics.sent++;
    else this.failedSendsOf(metrics, errorType).count++;
  }

  /** One send operation (one message, or one batch) that took `seconds`, and the type of error that failed it, if any. */
  sendDuration(metrics: QueueMetrics, seconds: number, errorType?: string): void {
    this.operationDuration.record(
      seconds,
      errorType === undefined ? metrics.sendOperation : this.failedSendsOf(metrics, errorType).sendOperation,
    );
  }

  private failedSendsOf(metrics: QueueMetrics, errorType: string): { count: number; send: Attributes; sendOperation: Attributes } {
    let failed = metrics.failedSends.get(errorType);
    if (!failed) {
      failed = {
        count: 0,
        send: { ...metrics.send, [ATTR_ERROR_TYPE]: errorType },
        sendOperation: { ...metrics.sendOperation, [ATTR_ERROR_TYPE]: errorType },
      };
      metrics.failedSends.set(errorType, failed);
    }
    return failed;
  }

  /** A run that took `seconds`, and the type of error that failed it, if any. */
  processed(metrics: QueueMetrics, seconds: number, errorType: string | undefined): void {
    this.processDuration.record(seconds, errorType === undefined ? metrics.process : { ...metrics.process, [ATTR_ERROR_TYPE]: errorType });
  }

  private *all(): Iterable<QueueMetrics> {
    for (const queues of this.bySystem.values()) yield* queues.values();
  }
}
