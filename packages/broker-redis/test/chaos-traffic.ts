import { actor, currentMessage, type Message, Worker } from "@troupe/core";
import { eventually, sleep } from "@troupe/testkit";
import { RedisBroker } from "../src/index.js";
import { capturingLogger, Ledger } from "./chaos-support.js";
import { uniqueNamespace } from "./helpers.js";

/**
 * A producer and a worker broker on `url` with traffic between them, for the chaos
 * tests: `lanes` loops send batches of 5 (one batch in eight delayed, so delayed
 * messages are held and moved through the faults too) into a ledger, and a worker
 * runs them. `probeRecovery(since)` measures how long after a fault a fresh message runs.
 */
export async function startTraffic(options: { url: string; connectTimeout: number; lanes: number; namespace: string }) {
  const lines: string[] = [];
  const brokerOptions = {
    url: options.url,
    namespace: uniqueNamespace(options.namespace),
    connectTimeout: options.connectTimeout,
    logger: capturingLogger(lines),
  };
  const producer = new RedisBroker(brokerOptions);
  const consuming = new RedisBroker(brokerOptions);
  const queueName = options.namespace;
  const ledger = new Ledger();
  const probesRan = new Map<string, number>();
  actor(
    "work",
    async (_n: number) => {
      ledger.ran(currentMessage().message.messageId);
      await sleep(2);
    },
    { broker: consuming, queueName },
  );
  actor(
    "probe",
    () => {
      const id = currentMessage().message.messageId;
      ledger.ran(id);
      probesRan.set(id, performance.now());
    },
    { broker: consuming, queueName },
  );
  const work = actor("work", (_n: number) => {}, { broker: producer, queueName });
  const probe = actor("probe", () => {}, { broker: producer, queueName });
  const worker = new Worker(consuming, { concurrency: 10, queues: [queueName], workerTimeout: 100 });
  await worker.start();

  let producing = true;
  let sent = 0;
  const lane = async (lane: number) => {
    for (let batch = 0; producing; batch++) {
      const messages: Message[] = Array.from({ length: 5 }, () => work.message(sent++));
      const delay = batch % 8 === lane ? 300 + ((batch * 137) % 1_700) : undefined;
      await ledger.send(producer, messages, { delay });
      await sleep(10);
    }
  };
  const lanes = Array.from({ length: options.lanes }, (_, i) => lane(i));

  return {
    ledger,
    lines,
    /** Ms from `since` (a `performance.now()`) until a message sent after it has run. */
    async probeRecovery(since: number): Promise<number> {
      for (let attempt = 0; attempt < 400; attempt++) {
        const message = probe.message();
        if (await ledger.send(producer, [message])) {
          await eventually(() => probesRan.has(message.messageId), "the probe ran", 30_000);
          return Math.round((probesRan.get(message.messageId) as number) - since);
        }
        await sleep(50);
      }
      throw new Error("no send succeeded after the fault");
    },
    /** Stops sending, waits until every acknowledged message ran and the queue drained. */
    async finish(): Promise<void> {
      producing = false;
      await Promise.all(lanes);
      await eventually(() => ledger.settled, "every acknowledged message ran", 60_000);
      await consuming.join(queueName, { timeout: 60_000 });
      await worker.stop();
    },
    async close(): Promise<void> {
      await worker.stop({ timeout: 5_000 });
      await consuming.close();
      await producer.close();
    },
  };
}
