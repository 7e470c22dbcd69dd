/**
 * The one mapping between the camelCase option names of the API and the
 * snake_case keys Dramatiq writes in `options` on the wire.
 */
export const OPTION_WIRE_NAMES = {
  /** The queue (a message's own field, also a send option). */
  queueName: "queue_name",
  /** Per-message `maxRetries` (Retries). */
  maxRetries: "max_retries",
  /** Per-message `minBackoff` (Retries). */
  minBackoff: "min_backoff",
  /** Per-message `maxBackoff` (Retries). */
  maxBackoff: "max_backoff",
  /** Per-message `timeLimit` (TimeLimit). */
  timeLimit: "time_limit",
  /** Per-message `timeLimitGrace` of a thread actor (TimeLimit; Troupe's own). */
  timeLimitGrace: "time_limit_grace",
  /** Per-message `maxAge` (AgeLimit). */
  maxAge: "max_age",
  /** Per-message `notifyShutdown` (ShutdownNotifications). */
  notifyShutdown: "notify_shutdown",
  /** Per-message `storeResults` (Results). */
  storeResults: "store_results",
  /** Per-message `resultTtl` (Results). */
  resultTtl: "result_ttl",
  /** Do not append the previous result (Pipelines). */
  pipeIgnore: "pipe_ignore",
  /** The next pipeline step, a full message object (Pipelines). */
  pipeTarget: "pipe_target",
  /** Success callback actor name (Callbacks). */
  onSuccess: "on_success",
  /** Failure callback actor name (Callbacks). */
  onFailure: "on_failure",
  /** Retries-exhausted callback actor name (Retries). */
  onRetryExhausted: "on_retry_exhausted",
  /** AMQP priority, higher first (RabbitMQ). */
  brokerPriority: "broker_priority",
  /** Enqueue delay of a pipeline step, ms (Pipelines). */
  delay: "delay",
  /** Due time of a delayed copy on `q.DQ`, ms. */
  eta: "eta",
  /** Retries scheduled so far (Retries). */
  retries: "retries",
  /** Text of the last failure (Retries). */
  traceback: "traceback",
  /** When the retry was scheduled, ms (Retries). */
  requeueTimestamp: "requeue_timestamp",
  /** Id of this physical copy in Redis (Redis broker). */
  redisMessageId: "redis_message_id",
  /** Barrier key of a group with completion callbacks (GroupCallbacks). */
  groupCompletionUuid: "group_completion_uuid",
  /** Messages the last group member enqueues (GroupCallbacks). */
  groupCompletionCallbacks: "group_completion_callbacks",
} as const;

/** An option name of the API that has a fixed wire name. */
export type CamelOptionName = keyof typeof OPTION_WIRE_NAMES;

const cache = new Map<string, string>();

/** `maxRetries` → `max_retries`; names outside the table are converted by rule. */
export function toWireName(name: string): string {
  const known = (OPTION_WIRE_NAMES as Record<string, string>)[name];
  if (known) return known;
  let wire = cache.get(name);
  if (wire === undefined) {
    wire = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    cache.set(name, wire);
  }
  return wire;
}
