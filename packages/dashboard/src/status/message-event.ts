import { canonicalQueueName, type Message } from "@troupe/core";
import { optionsPreview, previewJson } from "./previews.js";
import type { StatusEvent, StatusTransition } from "./status-store.js";

/**
 * A `StatusEvent` of the `Status` middleware. Its previews (`args`, `kwargs`, `options`)
 * are computed when a store first reads them, so a store that does not need them (the
 * Redis store, for a worker's events) never pays for them on the hot path.
 */
export class MessageEvent implements StatusEvent {
  readonly messageId: string;
  readonly actorName: string;
  readonly queueName: string;
  readonly retries: number;
  readonly sentAt: number;
  private readonly message: Message | undefined;
  private argsText: string | undefined;
  private kwargsText: string | undefined;
  private optionsText: string | undefined;

  /**
   * `previews` offers the message's previews (for an event that may create the record);
   * `options`, when given, is the options preview, taken now because the message changes after.
   */
  constructor(
    message: Message,
    readonly transition: StatusTransition,
    previews: boolean,
    options?: string,
    readonly durationMs?: number,
  ) {
    this.messageId = message.messageId;
    this.actorName = message.actorName;
    this.queueName = canonicalQueueName(message.queueName);
    const retries = message.options.retries;
    this.retries = typeof retries === "number" ? retries : 0;
    this.sentAt = message.messageTimestamp;
    this.message = previews ? message : undefined;
    this.optionsText = options;
  }

  get args(): string | undefined {
    if (this.message === undefined) return undefined;
    this.argsText ??= previewJson(this.message.args);
    return this.argsText;
  }

  get kwargs(): string | undefined {
    if (this.message === undefined) return undefined;
    for (const _ in this.message.kwargs) {
      this.kwargsText ??= previewJson(this.message.kwargs);
      return this.kwargsText;
    }
    return undefined;
  }

  get options(): string | undefined {
    if (this.optionsText === undefined && this.message !== undefined) this.optionsText = optionsPreview(this.message.options);
    return this.optionsText;
  }
}
