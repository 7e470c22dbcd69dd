import type { DeadLetter, DecodeError, Message } from "@troupe/core";
import type { GetMessage } from "amqplib";

interface XDeath {
  time?: { value?: number } | number;
}

/** When RabbitMQ dead-lettered the message: the newest `x-death` entry, in ms. */
function deadAt(got: GetMessage): number | undefined {
  const deaths = got.properties.headers?.["x-death"] as XDeath[] | undefined;
  const time = deaths?.[0]?.time;
  const seconds = typeof time === "number" ? time : time?.value;
  return typeof seconds === "number" ? seconds * 1000 : undefined;
}

/** A message read from `q.XQ`, as an operator sees it. */
export function toDeadLetter(got: GetMessage, decoded: { message: Message | undefined; error?: DecodeError }): DeadLetter {
  return {
    id: decoded.message?.messageId ?? "",
    message: decoded.message,
    raw: got.content.toString("utf8"),
    deadAt: deadAt(got),
  };
}
