import type { Broker } from "../broker.js";
import { Shutdown } from "../errors.js";
import type { Middleware } from "../middleware.js";
import { assertKnownOptions, optionKeys } from "../option-keys.js";
import type { Worker } from "../worker.js";
import { messageOption } from "./option.js";

const SHUTDOWN_NOTIFICATIONS_OPTIONS = optionKeys<NonNullable<ConstructorParameters<typeof ShutdownNotifications>[0]>>({
  notifyShutdown: true,
});

/** On worker shutdown, aborts actors declared with `notifyShutdown` with a `Shutdown` error (which is retried). */
export class ShutdownNotifications implements Middleware {
  readonly actorOptions = ["notifyShutdown"];

  constructor(private readonly options: { notifyShutdown?: boolean } = {}) {
    assertKnownOptions("ShutdownNotifications", options, SHUTDOWN_NOTIFICATIONS_OPTIONS);
  }

  beforeWorkerShutdown(broker: Broker, worker: Worker): void {
    for (const context of worker.inFlight) {
      if (messageOption(broker, context.message, "notifyShutdown", this.options.notifyShutdown ?? false)) {
        context.abort(new Shutdown());
      }
    }
  }
}
