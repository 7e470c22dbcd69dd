/**
 * The one mapping between the camelCase option names of the API and the
 * snake_case keys Dramatiq writes in `options` on the wire.
 */
export const OPTION_WIRE_NAMES = {
  queueName: "queue_name",
  maxRetries: "max_retries",
  minBackoff: "min_backoff",
  maxBackoff: "max_backoff",
  timeLimit: "time_limit",
  maxAge: "max_age",
  notifyShutdown: "notify_shutdown",
  storeResults: "store_results",
  resultTtl: "result_ttl",
  pipeIgnore: "pipe_ignore",
  pipeTarget: "pipe_target",
  onSuccess: "on_success",
  onFailure: "on_failure",
  onRetryExhausted: "on_retry_exhausted",
  brokerPriority: "broker_priority",
  delay: "delay",
  eta: "eta",
  retries: "retries",
  traceback: "traceback",
  requeueTimestamp: "requeue_timestamp",
  redisMessageId: "redis_message_id",
  groupCompletionUuid: "group_completion_uuid",
  groupCompletionCallbacks: "group_completion_callbacks",
} as const;

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
