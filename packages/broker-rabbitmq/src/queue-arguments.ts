import { deadLetterQueueName } from "@troupe/core";

/** amqplib's way to pin a field-table value's AMQP type. */
interface TypedValue {
  "!": "int" | "long";
  value: number;
}

export type QueueArguments = Record<string, string | TypedValue>;

/**
 * Integers go out as signed 32-bit (`I`), as Dramatiq (pika) sends them; amqplib
 * would otherwise pick the smallest type (`b` for 10), which RabbitMQ accepts but
 * stores differently from what a Dramatiq process declared.
 */
function integer(value: number): TypedValue {
  return { "!": value >= -0x8000_0000 && value < 0x8000_0000 ? "int" : "long", value };
}

/** Arguments of `q` and `q.DQ`: dead letters go to `q.XQ` through the default exchange. */
export function workQueueArguments(queueName: string, maxPriority: number | undefined): QueueArguments {
  const args: QueueArguments = {
    "x-dead-letter-exchange": "",
    "x-dead-letter-routing-key": deadLetterQueueName(queueName),
  };
  if (maxPriority !== undefined) args["x-max-priority"] = integer(maxPriority);
  return args;
}

/** Arguments of `q.XQ`: dead letters expire after `deadMessageTtl`. */
export function deadLetterQueueArguments(deadMessageTtl: number): QueueArguments {
  return { "x-message-ttl": integer(deadMessageTtl) };
}
