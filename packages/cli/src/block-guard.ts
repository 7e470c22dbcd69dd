import { type Broker, type Message, type Middleware, SkipMessage } from "@troupe/core";
import { EventLoopBlocked } from "./errors.js";
import type { BlockedMessage, ChildMessage } from "./ipc.js";

/**
 * The worker-process side of counting watchdog kills per message. It tells the
 * supervisor which messages start and finish (so a kill is counted against the
 * messages that were running), dead-letters a message that comes back after
 * `maxBlocks` kills instead of letting it block yet another process, and runs a
 * message with kills against it alone in its process: if the process is killed
 * again, that message is the one to blame, not neighbours that were running with it.
 */
export class BlockGuard implements Middleware {
  private readonly blocked = new Map<string, BlockedMessage>();
  private readonly entered = new WeakSet<Message>();
  private running = 0;
  private alone = false;
  private suspectsWaiting = 0;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly maxBlocks: number,
    known: readonly BlockedMessage[],
    private readonly report: (message: ChildMessage) => void,
  ) {
    for (const entry of known) this.record(entry);
  }

  /** A kill count from the supervisor. */
  record(entry: BlockedMessage): void {
    this.blocked.set(entry.id, entry);
  }

  async beforeProcessMessage(broker: Broker, message: Message): Promise<void> {
    const known = this.blocked.get(message.messageId);
    if (known && known.kills >= this.maxBlocks) {
      this.blocked.delete(message.messageId);
      const reason = `blocked the event loop for ${known.ms} ms in ${known.actor}`;
      broker.logger.error(
        `dead-lettering ${message}: it ${reason}, and its worker process was killed for it ${known.kills} time(s) (--max-blocks ${this.maxBlocks})`,
      );
      message.fail();
      message.lastError = new EventLoopBlocked(reason);
      this.report({ type: "finished", id: message.messageId });
      throw new SkipMessage(reason);
    }
    await this.enter(known !== undefined);
    this.entered.add(message);
    this.report({ type: "started", id: message.messageId, actor: message.actorName });
  }

  afterProcessMessage(_broker: Broker, message: Message): void {
    this.leave(message);
  }

  afterSkipMessage(_broker: Broker, message: Message): void {
    this.leave(message);
  }

  private async enter(suspect: boolean): Promise<void> {
    if (suspect) this.suspectsWaiting++;
    try {
      // A suspect waits for the process to empty; others wait while one is pending or running.
      while (this.alone || (suspect ? this.running > 0 : this.suspectsWaiting > 0)) {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      }
    } finally {
      if (suspect) this.suspectsWaiting--;
    }
    this.running++;
    if (suspect) this.alone = true;
  }

  /** Runs after the actor, also for messages whose run never reached this guard (another hook failed first). */
  private leave(message: Message): void {
    if (!this.entered.has(message)) return;
    this.entered.delete(message);
    this.blocked.delete(message.messageId);
    this.report({ type: "finished", id: message.messageId });
    this.running--;
    if (this.running === 0) this.alone = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
