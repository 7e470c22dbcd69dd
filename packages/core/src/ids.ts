import { randomUUID } from "node:crypto";

/** A uuid4, as Dramatiq writes for `message_id` and `redis_message_id`. */
export const uuid4: () => string = randomUUID;
