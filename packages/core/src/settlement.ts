import type { Broker } from "./broker.js";
import type { Consumer, Delivery } from "./consumer.js";
import { errorTypeName } from "./error-type-name.js";
import { SuccessorNotEnqueued } from "./errors.js";
import { reportUnreportedFailure } from "./failure-report.js";
import type { GiveBack } from "./give-back.js";
import type { Message } from "./message.js";
import type { ProcessOutcome } from "./middleware.js";

/**
 * How the worker ends a delivery: ack it, dead-letter it, or (when something that
 * replaces or follows it could not be written) keep it unacked and give it back, so
 * that a message is acked only after its successors are durably enqueued.
 */
export class Settlement {
  constructor(
    private readonly broker: Broker,
    private readonly giveBack: GiveBack,
  ) {}

  /**
   * Settles once the after-hooks are done; `after` is what `emitAfter` returned (or
   * its error, rejected). Only a successor write fails an after-hook this way: other
   * hook errors were logged by the emitter.
   */
  async afterHooks(
    consumer: Consumer,
    delivery: Delivery,
    message: Message,
    after: void | Promise<void>,
    outcome?: ProcessOutcome,
  ): Promise<void> {
    if (after) {
      try {
        await after;
      } catch (error) {
        if (!SuccessorNotEnqueued.isInstance(error)) throw error;
        await this.unwritten(consumer, delivery, message, error);
        return;
      }
    }
    if (outcome) reportUnreportedFailure(this.broker.logger, message, outcome);
    await this.settle(consumer, delivery, message);
  }

  /** Dead-letters a message that cannot run, with the reason in the log. */
  reject(consumer: Consumer, delivery: Delivery, reason: Error): void {
    const message = delivery.message;
    const logger = this.broker.logger;
    logger.warn(`dead-lettering ${message ? message.toString() : "a message"} from ${consumer.queueName}: ${reason.message}`);
    if (message) {
      message.fail();
      message.lastError = reason;
      void this.settle(consumer, delivery, message);
      return;
    }
    void Promise.resolve()
      .then(() => consumer.nack(delivery, reason.message))
      .catch((error) => {
        logger.error(
          `could not dead-letter an undecodable message from ${consumer.queueName}: ${(error as Error)?.message ?? error}; it goes back to the queue`,
        );
        return this.giveBack.run(consumer, delivery, "an undecodable message");
      });
  }

  /**
   * A successor was not written, so the message must not be acked: it is dead-lettered
   * when that can never succeed, else it goes back to its queue.
   */
  private async unwritten(consumer: Consumer, delivery: Delivery, message: Message, error: SuccessorNotEnqueued): Promise<void> {
    const logger = this.broker.logger;
    if (error.permanent) {
      logger.error(`${error.message}; that cannot succeed later, so ${message} is dead-lettered`);
      message.fail();
      message.lastError = error;
      await this.settle(consumer, delivery, message);
      return;
    }
    logger.error(`${error.message}; ${message} is not acked: it goes back to ${consumer.queueName} and runs again`);
    await this.giveBack.run(consumer, delivery, `${message}`);
  }

  /** Acks, or nacks a failed message, with the hooks around it. A failed nack returns the message to its queue. */
  async settle(consumer: Consumer, delivery: Delivery, message: Message): Promise<void> {
    const broker = this.broker;
    try {
      if (message.failed) {
        const before = broker.emitBefore("beforeNack", message);
        if (before) await before;
        try {
          const nacked = consumer.nack(delivery, describe(message.lastError));
          if (nacked) await nacked;
        } catch (error) {
          broker.logger.error(
            `could not dead-letter ${message}: ${(error as Error)?.message ?? error}; it is not acked: it goes back to ${consumer.queueName}`,
          );
          await this.giveBack.run(consumer, delivery, `${message}`);
          return;
        }
        const after = broker.emitAfter("afterNack", message);
        if (after) await after;
      } else {
        const before = broker.emitBefore("beforeAck", message);
        if (before) await before;
        const acked = consumer.ack(delivery);
        if (acked) await acked;
        const after = broker.emitAfter("afterAck", message);
        if (after) await after;
      }
    } catch (error) {
      broker.logger.error(
        `could not ${message.failed ? "nack" : "ack"} ${message}: ${(error as Error)?.message ?? error}; the broker will deliver it again`,
      );
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${errorTypeName(error)}: ${error.message}`;
  return error === undefined ? "failed" : String(error);
}
