import type { ChildProcess } from "node:child_process";
import type { Logger } from "@troupe/core";
import { AggregatorRegistry } from "prom-client";
import { type CollectRequest, isCollectReply, type MetricsJSON, type ServerOptions } from "./cluster-messages.js";
import { ExpositionServer } from "./exposition-server.js";

/** What the `troupe worker` supervisor hands its extensions (the CLI's `SupervisorContext`). */
export interface SupervisorContext {
  /** The live worker processes; a dead one is never listed, so its gauges cannot linger. */
  workers(): ChildProcess[];
  /** The supervisor's logger. */
  logger: Logger;
}

/** The module a worker process names to its supervisor: this one, as built. */
export const SUPERVISOR_EXTENSION_MODULE: string = import.meta.url;

/** A worker process that does not answer in time (blocked, dying) is left out of that scrape rather than stall it. */
const REPLY_TIMEOUT = 5_000;

let nextRequestId = 0;

/**
 * Runs in the supervisor: serves one aggregate over all worker processes. Each
 * scrape asks every live process for its registry and sums them with prom-client's
 * `AggregatorRegistry`; only the first process is asked for the queue depths.
 */
export async function startSupervisorExtension(
  context: SupervisorContext,
  options: ServerOptions,
): Promise<{
  /** Stops serving. */
  close(): Promise<void>;
}> {
  const server = new ExpositionServer(async () => {
    const workers = context.workers();
    const replies = await Promise.all(workers.map((worker, index) => collect(worker, index === 0, context.logger)));
    const registry = AggregatorRegistry.aggregate(replies.filter((reply): reply is MetricsJSON => reply !== undefined));
    return { contentType: registry.contentType, body: await registry.metrics() };
  });
  const { host, port } = await server.listen(options.host, options.port);
  context.logger.info(`serving the metrics of all worker processes on http://${host}:${port}/metrics`);
  return { close: () => server.close() };
}

function collect(worker: ChildProcess, queueDepth: boolean, logger: Logger): Promise<MetricsJSON | undefined> {
  const id = ++nextRequestId;
  return new Promise((resolve) => {
    const done = (metrics: MetricsJSON | undefined) => {
      clearTimeout(timer);
      worker.off("message", onMessage);
      worker.off("exit", onExit);
      resolve(metrics);
    };
    const onMessage = (message: unknown) => {
      if (!isCollectReply(message) || message.id !== id) return;
      if (message.error) logger.warn(`worker process ${worker.pid} could not collect its metrics: ${message.error}`);
      done(message.metrics);
    };
    const onExit = () => done(undefined);
    const timer = setTimeout(() => {
      logger.warn(`worker process ${worker.pid} sent no metrics within ${REPLY_TIMEOUT} ms: left out of this scrape`);
      done(undefined);
    }, REPLY_TIMEOUT);
    worker.on("message", onMessage);
    worker.once("exit", onExit);
    const request: CollectRequest = { type: "troupe-prometheus:collect", id, queueDepth };
    worker.send(request, (error) => error && done(undefined));
  });
}
