import type { Broker } from "../broker.js";
import { SkipMessage } from "../errors.js";
import type { Message } from "../message.js";
import type { Middleware } from "../middleware.js";
import { assertKnownOptions, optionKeys } from "../option-keys.js";
import { messageOption } from "./option.js";

const AGE_LIMIT_OPTIONS = optionKeys<NonNullable<ConstructorParameters<typeof AgeLimit>[0]>>({ maxAge: true });

/** Dead-letters messages older than `maxAge` ms (counted from `message_timestamp`) instead of running them. */
export class AgeLimit implements Middleware {
  readonly actorOptions = ["maxAge"];

  constructor(private readonly options: { maxAge?: number } = {}) {
    assertKnownOptions("AgeLimit", options, AGE_LIMIT_OPTIONS);
  }

  beforeProcessMessage(broker: Broker, message: Message): void {
    const maxAge = messageOption(broker, message, "maxAge", this.options.maxAge);
    if (!maxAge) return;
    if (broker.clock.now() - message.messageTimestamp < maxAge) return;
    broker.logger.warn(`${message} is older than its age limit of ${maxAge} ms: dead-lettering it`);
    const error = new SkipMessage("Message age limit exceeded");
    message.fail();
    message.lastError = error;
    throw error;
  }
}
