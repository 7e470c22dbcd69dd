import type { Broker } from "../broker.js";
import type { MessageData } from "../encoder.js";
import { Message } from "../message.js";
import type { Middleware, ProcessOutcome } from "../middleware.js";
import { Barrier } from "./barrier.js";
import type { RateLimiterBackend } from "./rate-limiter-backend.js";

export const GROUP_BARRIER_TTL = 86_400_000;

/**
 * Fires a group's completion callbacks once, when its last member succeeds. The
 * barrier lives in the rate-limiter backend, so members may run on any worker.
 */
export class GroupCallbacks implements Middleware {
  readonly backend: RateLimiterBackend;
  readonly barrierTtl: number;

  constructor(options: { backend: RateLimiterBackend; barrierTtl?: number }) {
    this.backend = options.backend;
    this.barrierTtl = options.barrierTtl ?? GROUP_BARRIER_TTL;
  }

  barrier(uuid: string): Barrier {
    return new Barrier(this.backend, uuid, { ttl: this.barrierTtl });
  }

  afterProcessMessage(broker: Broker, message: Message, outcome: ProcessOutcome): Promise<void> | undefined {
    if (outcome.error !== undefined || message.failed) return undefined;
    const uuid = message.options.group_completion_uuid;
    const callbacks = message.options.group_completion_callbacks as MessageData[] | undefined;
    if (typeof uuid !== "string" || !Array.isArray(callbacks) || callbacks.length === 0) return undefined;
    return this.complete(broker, uuid, callbacks);
  }

  private async complete(broker: Broker, uuid: string, callbacks: MessageData[]): Promise<void> {
    if (await this.barrier(uuid).wait({ block: false })) {
      await broker.enqueueMany(callbacks.map((data) => Message.fromJSON(data)));
    }
  }
}
