import { type ActorOptions, actor, type Broker, type JsonValue, Worker, type WorkerOptions } from "@troupe/core";
import { uniqueQueue } from "../../helpers.js";

/** A worker started on `queues`, stopped by the caller. Short idle ticks keep tests quick. */
export async function startWorker(broker: Broker, queues: string[], options: WorkerOptions = {}): Promise<Worker> {
  const worker = new Worker(broker, { concurrency: 4, workerTimeout: 100, shutdownTimeout: 5_000, queues, ...options });
  await worker.start();
  return worker;
}

/** An actor on a fresh queue that records the arguments of every run. */
export function recordingActor(broker: Broker, options: ActorOptions = {}) {
  const queueName = options.queueName ?? uniqueQueue();
  const runs: JsonValue[][] = [];
  const record = actor(
    `record_${queueName}`,
    (...args: JsonValue[]) => {
      runs.push(args);
    },
    { broker, queueName, ...options },
  );
  return { record, runs, queueName };
}
