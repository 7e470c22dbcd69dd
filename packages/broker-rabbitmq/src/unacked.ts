/**
 * Messages this process holds unacknowledged, per queue: RabbitMQ reports only
 * ready counts to AMQP clients, so `join` adds what local consumers hold. Shared
 * by every broker instance in the process, as their workers share the queues.
 */
export class UnackedCount {
  value = 0;
}

const counts = new Map<string, UnackedCount>();

/** The counter of one physical queue on one server (`server` identifies the RabbitMQ). */
export function unackedCount(server: string, queueName: string): UnackedCount {
  const key = `${server}\u0000${queueName}`;
  let count = counts.get(key);
  if (!count) counts.set(key, (count = new UnackedCount()));
  return count;
}
