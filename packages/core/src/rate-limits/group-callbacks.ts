import type { Broker } from "../broker.js";
import type { MessageData } from "../encoder.js";
import { SuccessorNotEnqueued } from "../errors.js";
import { Message } from "../message.js";
import type { Middleware, ProcessOutcome } from "../middleware.js";
import { assertKnownOptions, optionKeys } from "../option-keys.js";
import { Barrier } from "./barrier.js";
import type { RateLimiterBackend } from "./rate-limiter-backend.js";

/** How long a group's barrier lives by default: one day, in ms. */
export const GROUP_BARRIER_TTL = 86_400_000;

const GROUP_CALLBACKS_OPTIONS = optionKeys<ConstructorParameters<typeof GroupCallbacks>[0]>({ backend: true, barrierTtl: true });

/**
 * Fires a group's completion callbacks once, when its last member succeeds. The
 * barrier lives in the rate-limiter backend, so members may run on any worker.
 */
export class GroupCallbacks implements Middleware {
  /** Where the barriers live; it must be shared by every worker that runs group members. */
  readonly backend: RateLimiterBackend;
  /** Lifetime of a barrier, ms. */
  readonly barrierTtl: number;

  constructor(options: { backend: RateLimiterBackend; barrierTtl?: number }) {
    assertKnownOptions("GroupCallbacks", options, GROUP_CALLBACKS_OPTIONS);
    this.backend = options.backend;
    this.barrierTtl = options.barrierTtl ?? GROUP_BARRIER_TTL;
  }

  /** The barrier of a group (keyed by its `group_completion_uuid`). */
  barrier(uuid: string): Barrier {
    return new Barrier(this.backend, uuid, { ttl: this.barrierTtl });
  }

  /** After a group member succeeds, arrives at its barrier; the last one enqueues the callbacks. */
  afterProcessMessage(broker: Broker, message: Message, outcome: ProcessOutcome): Promise<void> | undefined {
    if (outcome.error !== undefined || message.failed) return undefined;
    const uuid = message.options.group_completion_uuid;
    const callbacks = message.options.group_completion_callbacks as MessageData[] | undefined;
    if (typeof uuid !== "string" || !Array.isArray(callbacks) || callbacks.length === 0) return undefined;
    return this.complete(broker, message, uuid, callbacks);
  }

  /**
   * A failure is `SuccessorNotEnqueued`, so the member is not acked and runs again: a
   * barrier that was already cleared clears again for it, and the callbacks go out then.
   */
  private async complete(broker: Broker, message: Message, uuid: string, callbacks: MessageData[]): Promise<void> {
    const what = `the completion callbacks of group ${uuid} (member ${message})`;
    let cleared: boolean;
    try {
      cleared = await this.barrier(uuid).wait({ block: false });
    } catch (error) {
      // The backend is unreachable, whatever error its client raised: worth trying again.
      throw new SuccessorNotEnqueued(what, error, { permanent: false });
    }
    if (!cleared) return;
    try {
      await broker.enqueueMany(callbacks.map((data) => Message.fromJSON(data)));
    } catch (error) {
      throw new SuccessorNotEnqueued(what, error);
    }
  }
}
