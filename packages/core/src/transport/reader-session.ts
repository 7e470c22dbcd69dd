import type { TransportReader } from "./transport.js";
import type { DeliveryOwner, TransportDelivery } from "./transport-delivery.js";

/**
 * One reader a runtime consumer opened, with the deliveries it handed out and not
 * yet settled. Once it dies (its channel is gone, or the consumer closed it) its
 * deliveries are stale: they can no longer be settled through it.
 */
export class ReaderSession<Handle> implements DeliveryOwner {
  /** Deliveries handed out and not yet acked, nacked or requeued. */
  readonly outstanding = new Set<TransportDelivery<Handle>>();
  /** Set once core gave up on the reader. */
  dead = false;
  /** Stops its wake-ups. */
  stopWakeUps: (() => void) | undefined;

  constructor(readonly reader: TransportReader<Handle>) {}

  get stale(): boolean {
    return this.dead || !this.reader.alive;
  }
}
