import type { Delivery } from "../consumer.js";
import type { DecodeError } from "../errors.js";
import type { Message } from "../message.js";

/** What a delivery asks to know whether it can still be settled: the reader session that handed it out. */
export interface DeliveryOwner {
  /** True once the reader that handed the delivery out can no longer settle it. */
  readonly stale: boolean;
}

/**
 * One message as core's runtime consumer hands it to a worker: decoded, with the
 * transport's handle to settle it. It turns `stale` as soon as its reader dies
 * (the transport delivers the message again, so this copy must not run).
 */
export class TransportDelivery<Handle = unknown> implements Delivery {
  readonly #owner: DeliveryOwner;

  constructor(
    /** The decoded message, or undefined when its bytes could not be decoded. */
    readonly message: Message | undefined,
    /** Why the bytes could not be decoded. */
    readonly error: DecodeError | undefined,
    /** The encoded message, as the transport handed it out. */
    readonly raw: string | Buffer,
    /** The transport's handle of this copy. */
    readonly handle: Handle,
    /** The transport delivered this copy before (where it can tell). */
    readonly redelivered: boolean,
    owner: DeliveryOwner,
  ) {
    this.#owner = owner;
  }

  /** True once the reader that handed it out died: the worker drops it unprocessed. */
  get stale(): boolean {
    return this.#owner.stale;
  }
}
