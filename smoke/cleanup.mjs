import { run } from "./exec.mjs";
import { writeFiles } from "./project.mjs";

/**
 * Removes what the run left on the shared services: every Redis key holding
 * `suffix` (queues, acks, limiter counters) and the RabbitMQ queue families
 * named. It runs inside the project, whose node_modules has ioredis and
 * amqplib (dependencies of the brokers).
 */
export async function cleanUp(folder, suffix, rabbitQueues) {
  writeFiles(folder, {
    "cleanup.mjs": `import amqp from "amqplib";
import { Redis } from "ioredis";

const redis = new Redis("redis://127.0.0.1:6379");
let cursor = "0";
do {
  const [next, keys] = await redis.scan(cursor, "MATCH", ${JSON.stringify(`*${suffix}*`)}, "COUNT", 1000);
  if (keys.length > 0) await redis.del(...keys);
  cursor = next;
} while (cursor !== "0");
await redis.quit();

const connection = await amqp.connect("amqp://guest:guest@127.0.0.1:5672");
const channel = await connection.createChannel();
for (const queue of ${JSON.stringify(rabbitQueues)}) {
  for (const name of [queue, queue + ".DQ", queue + ".XQ"]) await channel.deleteQueue(name);
}
await connection.close();
`,
  });
  await run("node", ["cleanup.mjs"], { cwd: folder, timeout: 30_000 });
}
