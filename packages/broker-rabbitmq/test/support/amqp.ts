import { deadLetterQueueName, delayQueueName } from "@troupe/core";
import amqp, { type ConfirmChannel } from "amqplib";

export const RABBITMQ_URL = process.env.TROUPE_RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";

/** Runs `use` on a raw amqplib confirm channel of a fresh connection: the foreign-producer view. */
export async function withRawChannel<T>(use: (channel: ConfirmChannel) => Promise<T>, url = RABBITMQ_URL): Promise<T> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    return await use(channel);
  } finally {
    await connection.close().catch(() => {});
  }
}

/** Publishes raw bytes as a foreign producer would, and waits for the confirm. */
export async function publishRaw(queueName: string, body: string | Buffer, options: amqp.Options.Publish = {}): Promise<void> {
  await withRawChannel(async (channel) => {
    channel.sendToQueue(queueName, typeof body === "string" ? Buffer.from(body) : body, { deliveryMode: 2, ...options });
    await channel.waitForConfirms();
  });
}

/** Deletes the whole family of each queue (`q`, `q.DQ`, `q.XQ`). */
export async function deleteQueues(queueNames: Iterable<string>): Promise<void> {
  const names = [...queueNames].flatMap((q) => [q, delayQueueName(q), deadLetterQueueName(q)]);
  if (names.length === 0) return;
  await withRawChannel(async (channel) => {
    await Promise.all(names.map((name) => channel.deleteQueue(name)));
  });
}
