import type { Middleware } from "../middleware.js";
import { AgeLimit } from "./age-limit.js";
import { Callbacks } from "./callbacks.js";
import { Pipelines } from "./pipelines.js";
import { Retries } from "./retries.js";
import { ShutdownNotifications } from "./shutdown-notifications.js";
import { TimeLimit } from "./time-limit.js";

/**
 * Dramatiq's default stack, in Dramatiq's order. After-hooks run in reverse, so
 * Retries sees a failure first and callbacks see its bumped `retries`.
 */
export function defaultMiddleware(): Middleware[] {
  return [new AgeLimit(), new TimeLimit(), new ShutdownNotifications(), new Callbacks(), new Pipelines(), new Retries()];
}
