import type { Message } from "@troupe/core";
import { WaitForTimeout } from "./testing-errors.js";

interface Waiter {
  readonly actorName: string;
  readonly where: ((message: Message) => boolean) | undefined;
  resolve(message: Message): void;
  reject(error: unknown): void;
}

/**
 * The messages sent through a `TestBroker`, one entry per `message_id` in the
 * order first sent: a retry, or a delayed message moving to its queue, is the same
 * message again, not a new entry (retries are counted apart).
 */
export class SentLog {
  private entries: Message[] = [];
  private retriesSeen = new Map<string, number>();
  private readonly waiters = new Set<Waiter>();
  /** Retries sent so far: copies whose `retries` option went up. */
  retried = 0;

  record(messages: readonly Message[]): void {
    for (const message of messages) {
      const retries = typeof message.options.retries === "number" ? message.options.retries : 0;
      const seen = this.retriesSeen.get(message.messageId);
      if (seen === undefined) {
        this.retriesSeen.set(message.messageId, retries);
        this.entries.push(message);
        this.offer(message);
      } else if (retries > seen) {
        this.retriesSeen.set(message.messageId, retries);
        this.retried++;
      }
    }
  }

  list(actorName?: string): Message[] {
    return actorName === undefined ? [...this.entries] : this.entries.filter((message) => message.actorName === actorName);
  }

  /** The first message to `actorName` that `where` accepts: one sent already, or the next one, within `timeout` ms. */
  waitFor(actorName: string, where: ((message: Message) => boolean) | undefined, timeout: number): Promise<Message> {
    return new Promise((resolve, reject) => {
      try {
        const found = this.entries.find((message) => message.actorName === actorName && (!where || where(message)));
        if (found) return resolve(found);
      } catch (error) {
        return reject(error);
      }
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new WaitForTimeout(actorName, timeout, this.list(actorName).length));
      }, timeout);
      const waiter: Waiter = {
        actorName,
        where,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.add(waiter);
    });
  }

  clear(): void {
    this.entries = [];
    this.retriesSeen = new Map();
  }

  private offer(message: Message): void {
    for (const waiter of this.waiters) {
      if (waiter.actorName !== message.actorName) continue;
      try {
        if (waiter.where && !waiter.where(message)) continue;
      } catch (error) {
        this.waiters.delete(waiter);
        waiter.reject(error);
        continue;
      }
      this.waiters.delete(waiter);
      waiter.resolve(message);
    }
  }
}
