import { actor, currentMessage, type Message, Worker } from "@troupe/core";
import type { RabbitmqBroker } from "../../src/index.js";
import type { Ledger } from "./ledger.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Upper bound of send calls, so a loop whose stop never comes still ends. */
const MAX_BATCHES = 20_000;

/**
 * A producer sending batches without pause but for `pause` ms (longer after a
 * rejection) and a worker running them for a few ms each, both recording into the
 * ledger, until `stop`.
 */
export async function startTraffic(options: {
  producer: RabbitmqBroker;
  consumer: RabbitmqBroker;
  queueName: string;
  ledger: Ledger;
  batch?: number;
  pause?: number;
}): Promise<{ worker: Worker; message(): Message; stop(): Promise<void> }> {
  const { producer, consumer, queueName, ledger, batch = 20, pause = 20 } = options;
  actor(
    "traffic",
    async () => {
      const id = currentMessage().message.messageId;
      ledger.started(id);
      await sleep(2);
      ledger.finished(id);
    },
    { broker: consumer, queueName },
  );
  const send = actor("traffic", () => {}, { broker: producer, queueName });
  const worker = new Worker(consumer, { concurrency: 20, queues: [queueName], workerTimeout: 100 });
  await worker.start();
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; i < MAX_BATCHES && !stopped; i++) {
      const messages: Message[] = Array.from({ length: batch }, () => send.message());
      const ids = messages.map((m) => m.messageId);
      const from = Date.now();
      try {
        await producer.enqueueMany(messages);
        ledger.sent(ids, from);
        await sleep(pause);
      } catch (error) {
        ledger.sent(ids, from, error);
        await sleep(100);
      }
    }
  })();
  return {
    worker,
    /** A message of the traffic's actor, for a test to send itself. */
    message: () => send.message(),
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
