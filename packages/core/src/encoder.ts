import { DecodeError } from "./errors.js";
import type { JsonObject, JsonValue } from "./json.js";

/** A message as it travels: Dramatiq's seven keys, snake_case. */
export interface MessageData {
  /** The queue the bytes are stored in (`q` or `q.DQ`). */
  queue_name: string;
  /** The actor to run. */
  actor_name: string;
  /** Positional arguments. */
  args: JsonValue[];
  /** Keyword arguments. */
  kwargs: JsonObject;
  /** Middleware state, snake_case. */
  options: Record<string, unknown>;
  /** uuid4 of the message. */
  message_id: string;
  /** Creation time, integer ms. */
  message_timestamp: number;
}

/** Turns message data into bytes and back. A custom encoder may widen what arguments can carry. */
export interface Encoder {
  /** The bytes for one message. */
  encode(data: MessageData): string | Buffer;
  /** One message from its bytes; throws `DecodeError` when they are not one. */
  decode(raw: string | Buffer): MessageData;
}

const ENVELOPE_KEYS = ["queue_name", "actor_name", "args", "kwargs", "options", "message_id", "message_timestamp"];

/** Checks a parsed value is exactly a Dramatiq envelope: seven keys of the right types, nothing else. */
export function validateEnvelope(value: unknown): MessageData {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DecodeError("message is not a JSON object");
  }
  const data = value as Record<string, unknown>;
  for (const key in data) {
    if (!ENVELOPE_KEYS.includes(key)) throw new DecodeError(`message has an unknown top-level key "${key}" (extensions belong in options)`);
  }
  if (typeof data.queue_name !== "string") throw new DecodeError("message has no string queue_name");
  if (typeof data.actor_name !== "string") throw new DecodeError("message has no string actor_name");
  if (!Array.isArray(data.args)) throw new DecodeError("message args is not an array");
  if (typeof data.kwargs !== "object" || data.kwargs === null || Array.isArray(data.kwargs)) {
    throw new DecodeError("message kwargs is not an object");
  }
  if (typeof data.options !== "object" || data.options === null || Array.isArray(data.options)) {
    throw new DecodeError("message options is not an object");
  }
  if (typeof data.message_id !== "string") throw new DecodeError("message has no string message_id");
  if (typeof data.message_timestamp !== "number") throw new DecodeError("message has no numeric message_timestamp");
  return data as unknown as MessageData;
}

/** Compact JSON, as Dramatiq's JSONEncoder. Rejects Python's NaN/Infinity tokens with a DecodeError. */
export class JsonEncoder implements Encoder {
  encode(data: MessageData): string {
    return JSON.stringify(data);
  }

  decode(raw: string | Buffer): MessageData {
    let parsed: unknown;
    try {
      parsed = JSON.parse(typeof raw === "string" ? raw : raw.toString("utf8"));
    } catch (error) {
      const text = typeof raw === "string" ? raw : raw.toString("utf8", 0, 200);
      const hint = /\b(NaN|-?Infinity)\b/.test(text) ? " (it holds NaN or Infinity, which JSON cannot carry)" : "";
      throw new DecodeError(`message is not valid JSON${hint}: ${(error as Error).message}`, { cause: error });
    }
    return validateEnvelope(parsed);
  }
}
