import { type DeadLetter, uuid4 } from "@troupe/core";
import type { RedisBroker } from "./redis-broker.js";
import { MAX_IDS_PER_CALL } from "./redis-scripts.js";

interface StoredDeadLetter {
  id: string;
  raw: string | undefined;
  deadAt: number;
}

async function readDeadLetters(broker: RedisBroker, queueName: string, limit: number | undefined): Promise<StoredDeadLetter[]> {
  const xq = broker.key(`${queueName}.XQ`);
  return broker.connection.bounded("list dead letters", async () => {
    const flat = await broker.client.zrange(xq, 0, limit === undefined ? -1 : Math.max(0, limit - 1), "WITHSCORES");
    if (flat.length === 0) return [];
    const ids = flat.filter((_, i) => i % 2 === 0);
    const payloads = await broker.client.hmget(`${xq}.msgs`, ...ids);
    return ids.map((id, i) => ({ id, raw: payloads[i] ?? undefined, deadAt: Number(flat[2 * i + 1]) }));
  });
}

/** Dead letters of a canonical queue, oldest first. */
export async function listDeadLetters(broker: RedisBroker, queueName: string, limit: number | undefined): Promise<DeadLetter[]> {
  if (limit !== undefined && limit <= 0) return [];
  const stored = await readDeadLetters(broker, queueName, limit);
  return stored.map(({ id, raw, deadAt }) => {
    const message = raw === undefined ? undefined : broker.decodeMessage(raw).message;
    return { id: message?.messageId ?? id, message, raw: raw ?? "", deadAt };
  });
}

/**
 * Moves the oldest dead letters back to the queue: a new copy with the same
 * `message_id` and a new `redis_message_id`. Undecodable ones stay where they are.
 */
export async function requeueDeadLetters(broker: RedisBroker, queueName: string, limit: number | undefined): Promise<number> {
  if (limit !== undefined && limit <= 0) return 0;
  const stored = await readDeadLetters(broker, queueName, limit);
  const triples: (string | Buffer)[] = [];
  for (const { id, raw } of stored) {
    const message = raw === undefined ? undefined : broker.decodeMessage(raw).message;
    if (!message) continue;
    const newId = uuid4();
    const copy = message.copy({ queueName, options: { eta: undefined, redis_message_id: newId } });
    triples.push(id, newId, broker.encodeMessage(copy));
  }
  let count = 0;
  for (let i = 0; i < triples.length; i += 3 * MAX_IDS_PER_CALL) {
    const chunk = triples.slice(i, i + 3 * MAX_IDS_PER_CALL);
    count += (await broker.connection.bounded("requeue dead letters", () =>
      broker.script("troupeRequeueDead", [queueName], chunk),
    )) as number;
  }
  return count;
}
