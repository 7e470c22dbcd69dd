import { InvalidOption } from "./errors.js";

const QUEUE_NAME = /^[a-zA-Z_][a-zA-Z0-9._-]*$/;

export function assertQueueName(name: string): void {
  if (!QUEUE_NAME.test(name)) {
    throw new InvalidOption(`queue name "${name}" is invalid: it must match ${QUEUE_NAME.source}`);
  }
}

/** Whether `name` is a delay queue (`q.DQ`). */
export const isDelayQueue = (name: string): boolean => name.endsWith(".DQ");

/** `q.DQ` → `q`, `q.XQ` → `q`, `q` → `q`. */
export function canonicalQueueName(name: string): string {
  return name.endsWith(".DQ") || name.endsWith(".XQ") ? name.slice(0, -3) : name;
}

/** The delay queue of a queue: `q` → `q.DQ` (and `q.DQ` stays `q.DQ`). */
export const delayQueueName = (name: string): string => `${canonicalQueueName(name)}.DQ`;

/** Dead letters always live under the canonical name: `q.XQ`, never `q.DQ.XQ`. */
export const deadLetterQueueName = (name: string): string => `${canonicalQueueName(name)}.XQ`;
