import { Message } from "@troupe/core";
import type { StatusRecord } from "./status-store.js";

type Reader = (message: Message) => Promise<StatusRecord | undefined>;

/**
 * Gives core's `Message` a `getStatus()` method that calls `read` (its type is declared
 * next to `getStatus`, in get-status.ts). Core knows nothing
 * of status records; the method is added here, once, by the first `Status` middleware.
 */
export function installMessageGetStatus(read: Reader): void {
  if (Object.hasOwn(Message.prototype, "getStatus")) return;
  Object.defineProperty(Message.prototype, "getStatus", {
    configurable: true,
    writable: true,
    value(this: Message) {
      return read(this);
    },
  });
}
