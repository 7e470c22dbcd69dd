import { createHash } from "node:crypto";
import { canonicalQueueName, Message } from "@troupe/core";

/** The wire option naming the schedule a message was enqueued for; `ScheduleTracking` reads it. */
export const SCHEDULE_OPTION = "troupe_schedule";

/**
 * The UUID namespace of tick ids, fixed forever: ids must match across versions and
 * processes. In Python, `uuid.uuid5(uuid.UUID(TICK_ID_NAMESPACE), f"{name}:{tick}")`.
 */
export const TICK_ID_NAMESPACE = "b884013a-4d6c-40a7-b016-aae780b0d7a4";
const NAMESPACE = Buffer.from(TICK_ID_NAMESPACE.replaceAll("-", ""), "hex");

function uuid5(name: string): string {
  const hash = createHash("sha1").update(NAMESPACE).update(name, "utf8").digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The `message_id` of a schedule's tick: a UUID (version 5) of `"<name>:<tick ms>"`, the
 * same in every process and on every try, so a tick sent again is recognisable by its id.
 */
export function tickMessageId(name: string, tick: number): string {
  return uuid5(`${name}:${tick}`);
}

/**
 * The message of one tick: the template's actor, queue, arguments and options, with the
 * tick's id, the tick time as `message_timestamp` (so a re-sent tick has the same bytes),
 * the schedule's name under `troupe_schedule`, and a `redis_message_id` derived from the
 * tick too: the Redis broker names the stored copy after it, so two processes that send
 * the same tick store one copy while the first is still queued.
 */
export function tickMessage(name: string, template: Message, tick: number): Message {
  const { eta: _eta, redis_message_id: _copy, ...options } = template.options;
  return new Message({
    queueName: canonicalQueueName(template.queueName),
    actorName: template.actorName,
    args: template.args,
    kwargs: template.kwargs,
    options: { ...options, [SCHEDULE_OPTION]: name, redis_message_id: uuid5(`${name}:${tick}:copy`) },
    messageId: tickMessageId(name, tick),
    messageTimestamp: tick,
  });
}
