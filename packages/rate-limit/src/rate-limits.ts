import {
  type AnyActor,
  assertKnownOptions,
  type Broker,
  type Message,
  type Middleware,
  optionKeys,
  RateLimitExceeded,
  SkipMessage,
} from "@troupe/core";
import type { RateLimiter } from "./rate-limiter.js";

/** What to do with a message whose actor's limiter has no free slot. */
export type OnExceeded = "retry" | "drop";

/** The `rateLimit` actor option. */
export interface RateLimitOption {
  /** The limiter the actor holds a slot of while it runs. */
  limiter: RateLimiter;
  /** "retry" (default) fails the run with `RateLimitExceeded`, so Retries schedules it with backoff; "drop" skips and acks it. */
  onExceeded?: OnExceeded;
}

const RATE_LIMIT_OPTION = optionKeys<RateLimitOption>({ limiter: true, onExceeded: true });

declare module "@troupe/core" {
  interface ActorOptions {
    /** Hold a slot of this limiter while the actor runs; needs the `RateLimits` middleware. */
    rateLimit?: RateLimitOption;
  }
}

/**
 * Applies actors' `rateLimit` option: takes a slot before the actor runs and gives
 * it back after, whatever the outcome, so actor bodies need no wrapping.
 */
export class RateLimits implements Middleware {
  readonly actorOptions = ["rateLimit"];
  // The hooks after a run fire for every middleware, also when this one never
  // acquired (another middleware failed or skipped first): remember what we hold.
  private readonly held = new WeakMap<Message, RateLimiter>();

  beforeDeclareActor(_broker: Broker, actor: AnyActor): void {
    assertKnownOptions(`the rateLimit option of actor "${actor.actorName}"`, actor.options.rateLimit, RATE_LIMIT_OPTION);
  }

  async beforeProcessMessage(broker: Broker, message: Message): Promise<void> {
    const option = broker.actors.get(message.actorName)?.options.rateLimit;
    if (!option) return;
    const { limiter } = option;
    if (await limiter.tryAcquire()) {
      this.held.set(message, limiter);
      return;
    }
    if (option.onExceeded === "drop") {
      broker.logger.debug(`${message} dropped: rate limit exceeded for key "${limiter.key}"`);
      throw new SkipMessage(`rate limit exceeded for key "${limiter.key}"`);
    }
    throw new RateLimitExceeded(`rate limit exceeded for key "${limiter.key}"`);
  }

  afterProcessMessage(_broker: Broker, message: Message): Promise<void> {
    return this.release(message);
  }

  afterSkipMessage(_broker: Broker, message: Message): Promise<void> {
    return this.release(message);
  }

  private async release(message: Message): Promise<void> {
    const limiter = this.held.get(message);
    if (!limiter) return;
    this.held.delete(message);
    await limiter.release();
  }
}
