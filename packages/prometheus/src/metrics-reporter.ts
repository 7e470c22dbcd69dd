import { SUPERVISOR_EXTENSION_MODULE } from "./cluster-aggregation.js";
import { type CollectReply, isCollectRequest, type MetricsJSON, type ServerOptions } from "./cluster-messages.js";

/** Set by `troupe worker` in the processes it forks (the CLI's `WORKER_CONFIG_ENV`). */
const WORKER_PROCESS_ENV = "TROUPE_WORKER_PROCESS";

/** True in a worker process of `troupe worker`, whose supervisor serves the metrics of all processes. */
export const isSupervisedProcess = (): boolean => process.env[WORKER_PROCESS_ENV] !== undefined && typeof process.send === "function";

function send(message: unknown): void {
  if (process.connected) process.send?.(message);
}

/**
 * The worker-process side of cluster aggregation: asks the supervisor to serve
 * the aggregate (it imports no user code, so it learns where from here), then
 * answers its collect requests.
 */
export class MetricsReporter {
  constructor(private readonly collect: (queueDepth: boolean) => Promise<MetricsJSON>) {}

  start(server: ServerOptions): void {
    process.on("message", this.onMessage);
    send({ type: "extension", module: SUPERVISOR_EXTENSION_MODULE, options: server });
  }

  stop(): void {
    process.off("message", this.onMessage);
  }

  private readonly onMessage = (message: unknown): void => {
    if (!isCollectRequest(message)) return;
    const { id } = message;
    this.collect(message.queueDepth).then(
      (metrics) => send({ type: "troupe-prometheus:metrics", id, metrics } satisfies CollectReply),
      (error) => send({ type: "troupe-prometheus:metrics", id, metrics: [], error: String(error) } satisfies CollectReply),
    );
  };
}
