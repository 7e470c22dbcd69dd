import { describe, expect, it } from "vitest";
import type { Consumer, Delivery } from "../src/consumer.js";
import { DelayedMessages } from "../src/delayed-messages.js";
import { MemoryBroker, Message } from "../src/index.js";
import { until } from "./harness.js";

/** A delay-queue consumer that records what is settled, with deliveries a test can turn stale (as a dead channel's are). */
function recordingConsumer() {
  const acked: Delivery[] = [];
  const requeued: Delivery[] = [];
  const consumer: Consumer = {
    queueName: "default.DQ",
    ack: (delivery) => void acked.push(delivery),
    nack: () => {},
    requeue: async (deliveries) => void requeued.push(...deliveries),
    close: async () => {},
    async *[Symbol.asyncIterator]() {},
  };
  return { consumer, acked, requeued };
}

function delivery(eta: number, stale = false): Delivery & { stale: boolean } {
  const message = new Message({ queueName: "default.DQ", actorName: "later", args: [], options: { eta } });
  return { message, stale };
}

describe("DelayedMessages", () => {
  it("moves only live deliveries when they come due: a copy whose channel died is dropped, since the broker delivers it again", async () => {
    const broker = new MemoryBroker({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
    const delayed = new DelayedMessages(broker);
    const { consumer, acked } = recordingConsumer();
    const old = delivery(Date.now() + 20);
    const again = { message: old.message, stale: false };
    delayed.hold({ consumer, delivery: old });
    old.stale = true;
    delayed.hold({ consumer, delivery: again });
    delayed.arm();
    await until(() => acked.length > 0, "the due messages were moved and acked");
    expect(acked).toEqual([again]);
    expect((await broker.queueStats("default")).ready).toBe(1);
    delayed.release();
  });

  it("release hands back only deliveries that can still be settled", () => {
    const delayed = new DelayedMessages(new MemoryBroker());
    const { consumer } = recordingConsumer();
    const live = delivery(Date.now() + 60_000);
    const dead = delivery(Date.now() + 60_000, true);
    delayed.hold({ consumer, delivery: live });
    delayed.hold({ consumer, delivery: dead });
    expect(delayed.release().map((held) => held.delivery)).toEqual([live]);
  });
});
