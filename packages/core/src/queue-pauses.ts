import type { Broker } from "./broker.js";

/**
 * What a broker offers when it can pause a queue for every worker of a deployment, in
 * every process: a paused queue keeps receiving messages, but workers stop fetching
 * it (finishing what they already hold) until it is resumed. `RedisBroker` keeps the
 * paused set in Redis, `MemoryBroker` in memory; check with {@link canPauseQueues}.
 */
export interface QueuePauses {
  /** Pauses a queue: workers stop fetching it within their idle tick (`workerTimeout`). */
  pauseQueue(queueName: string): Promise<void>;
  /** Resumes a paused queue; resuming one that is not paused does nothing. */
  resumeQueue(queueName: string): Promise<void>;
  /** The canonical names of the queues paused now. */
  pausedQueues(): Promise<string[]>;
}

/** True when the broker can pause queues (implements {@link QueuePauses}). */
export function canPauseQueues(broker: Broker): broker is Broker & QueuePauses {
  const candidate = broker as Partial<QueuePauses>;
  return (
    typeof candidate.pauseQueue === "function" &&
    typeof candidate.resumeQueue === "function" &&
    typeof candidate.pausedQueues === "function"
  );
}
