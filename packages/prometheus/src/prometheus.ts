import { assertKnownOptions, type Broker, type Message, type Middleware, optionKeys, type ProcessOutcome, type Worker } from "@troupe/core";
import { Registry } from "prom-client";
import { type Exposition, ExpositionServer } from "./exposition-server.js";
import { createMessageMetrics, type MessageMetrics } from "./metrics.js";
import { isSupervisedProcess, MetricsReporter } from "./metrics-reporter.js";
import { QueueDepthCollector } from "./queue-depth-collector.js";

/** Options of `new Prometheus(options)`. */
export interface PrometheusOptions {
  /** Interface the exposition server binds (default 127.0.0.1). */
  host?: string;
  /** Port of the exposition server (default 9191; 0 picks a free one). */
  port?: number;
  /** Metric name prefix (default "dramatiq", so Dramatiq's dashboards work unchanged). */
  prefix?: string;
  /** Registry for the message metrics (default: one of its own, never prom-client's global one). */
  registry?: Registry;
}

const PROMETHEUS_OPTIONS = optionKeys<PrometheusOptions>({ host: true, port: true, prefix: true, registry: true });

type Labels = { queue_name: string; actor_name: string };

const labelsOf = (message: Message): Labels => ({ queue_name: message.queueName, actor_name: message.actorName });

/**
 * Dramatiq's Prometheus metrics. A plain process serves its own registry from
 * `afterWorkerBoot`; a `troupe worker` process instead asks its supervisor to
 * serve one aggregate over all worker processes, and answers its collect requests.
 */
export class Prometheus implements Middleware {
  /** Interface the exposition server binds. */
  readonly host: string;
  /** Port the exposition server binds (0: a free one, see `address`). */
  readonly port: number;
  /** Metric name prefix. */
  readonly prefix: string;
  /** The registry holding the message metrics. */
  readonly registry: Registry;
  private readonly metrics: MessageMetrics;
  private readonly queueDepth: QueueDepthCollector;
  private readonly startTimes = new WeakMap<Message, number>();
  /** Messages whose run failed: acked afterwards means retried, nacked means dead-lettered. */
  private readonly errored = new WeakSet<Message>();
  /** Delayed messages this process holds until their eta, by id (a retry keeps its id). */
  private readonly delayed = new Map<string, Labels>();
  private server: ExpositionServer | undefined;
  private servingFor: Worker | undefined;
  private reporter: MetricsReporter | undefined;

  constructor(options: PrometheusOptions = {}) {
    assertKnownOptions("Prometheus", options, PROMETHEUS_OPTIONS);
    this.host = options.host ?? "127.0.0.1";
    this.port = options.port ?? 9191;
    this.prefix = options.prefix ?? "dramatiq";
    this.registry = options.registry ?? new Registry();
    this.metrics = createMessageMetrics(this.registry, this.prefix);
    this.queueDepth = new QueueDepthCollector(this.prefix);
  }

  /** Where this process serves its metrics, once it does. */
  get address():
    | {
        /** The bound interface. */
        host: string;
        /** The bound port. */
        port: number;
      }
    | undefined {
    return this.server?.address;
  }

  /** The message metrics and the queue depths in the text format, for applications that serve metrics themselves. */
  async metricsText(): Promise<string> {
    return (await this.exposition()).body;
  }

  private async exposition(): Promise<Exposition> {
    const registry = Registry.merge([this.registry, await this.queueDepth.collect()]);
    return { contentType: registry.contentType, body: await registry.metrics() };
  }

  afterProcessBoot(broker: Broker): void {
    this.queueDepth.bind(broker);
    if (!isSupervisedProcess() || this.reporter) return;
    this.reporter = new MetricsReporter(async (queueDepth) => {
      const own = await this.registry.getMetricsAsJSON();
      return queueDepth ? [...own, ...(await (await this.queueDepth.collect()).getMetricsAsJSON())] : own;
    });
    this.reporter.start({ host: this.host, port: this.port });
  }

  async afterWorkerBoot(broker: Broker, worker: Worker): Promise<void> {
    if (isSupervisedProcess() || this.server) return;
    this.queueDepth.bind(broker);
    const server = new ExpositionServer(() => this.exposition());
    this.server = server;
    this.servingFor = worker;
    try {
      const { host, port } = await server.listen(this.host, this.port);
      broker.logger.info(`serving metrics on http://${host}:${port}/metrics`);
    } catch (error) {
      this.server = undefined;
      this.servingFor = undefined;
      throw error;
    }
  }

  async afterWorkerShutdown(_broker: Broker, worker: Worker): Promise<void> {
    if (worker !== this.servingFor) return;
    const server = this.server;
    this.server = undefined;
    this.servingFor = undefined;
    await server?.close();
  }

  beforeDelayMessage(_broker: Broker, message: Message): void {
    if (this.delayed.has(message.messageId)) return;
    const labels = labelsOf(message);
    this.delayed.set(message.messageId, labels);
    this.metrics.delayedInProgress.inc(labels);
  }

  afterEnqueue(_broker: Broker, message: Message, delay: number | undefined): void {
    // The worker moves a held message to its queue (no delay) when due; any process may then run it.
    if (delay !== undefined) return;
    const labels = this.delayed.get(message.messageId);
    if (!labels) return;
    this.delayed.delete(message.messageId);
    this.metrics.delayedInProgress.dec(labels);
  }

  beforeProcessMessage(_broker: Broker, message: Message): void {
    this.metrics.inProgress.inc(labelsOf(message));
    this.startTimes.set(message, performance.now());
  }

  afterProcessMessage(_broker: Broker, message: Message, outcome: ProcessOutcome): void {
    this.finish(message, outcome.error !== undefined);
  }

  afterSkipMessage(_broker: Broker, message: Message): void {
    this.finish(message, false);
  }

  afterAck(_broker: Broker, message: Message): void {
    // Retries decides after this middleware's afterProcessMessage has run, so a retry shows only here.
    if (this.errored.delete(message)) this.metrics.retries.inc(labelsOf(message));
  }

  afterNack(_broker: Broker, message: Message): void {
    this.errored.delete(message);
    this.metrics.rejects.inc(labelsOf(message));
  }

  private finish(message: Message, failed: boolean): void {
    const labels = labelsOf(message);
    const started = this.startTimes.get(message);
    // A message skipped by an earlier before-hook never reached ours: it was not counted in progress.
    if (started !== undefined) {
      this.startTimes.delete(message);
      this.metrics.inProgress.dec(labels);
    }
    this.metrics.duration.observe(labels, started === undefined ? 0 : performance.now() - started);
    this.metrics.total.inc(labels);
    if (failed) {
      this.metrics.errors.inc(labels);
      this.errored.add(message);
    }
  }
}
