import { describe, expect, it } from "vitest";
import { loadProtocolVector as loadVector, type MessageVector } from "../../../fixtures/protocol-vectors.js";
import { DecodeError, JsonEncoder, Message, resultKey } from "../src/index.js";

const messages = loadVector<MessageVector[]>("messages.json");
const nonstandard = loadVector<MessageVector[]>("messages-nonstandard.json");

describe("Message wire format", () => {
  it.each(messages.map((v) => [v.name, v] as const))("decodes %s and re-encodes an equivalent envelope", (_name, vector) => {
    const message = Message.decode(vector.raw);
    const reencoded = JSON.parse(message.encode() as string);
    // JSON numbers as JavaScript holds them: -0.0 prints as 0, integers past 2^53 are rounded (documented).
    const original = JSON.parse(JSON.stringify(JSON.parse(vector.raw)));
    expect(Object.keys(reencoded)).toEqual(["queue_name", "actor_name", "args", "kwargs", "options", "message_id", "message_timestamp"]);
    expect(reencoded).toEqual(original);
    expect(Object.keys(reencoded.options)).toEqual(Object.keys(original.options));
  });

  it("keeps floats and large integers as JavaScript numbers (documented precision limits)", () => {
    const { args } = Message.decode(messages.find((v) => v.name === "args_json_types")!.raw);
    // biome-ignore lint/suspicious/noApproximativeNumericConstant: the literal Dramatiq wrote, not π
    expect(args).toContain(3.14159);
    expect(args).toContain(1e300);
    expect(args).toContain(9007199254740992);
    expect(args.some((value) => Object.is(value, -0))).toBe(true);
  });

  it("maps the envelope to camelCase fields", () => {
    const message = Message.decode(messages.find((v) => v.name === "per_message_options")!.raw);
    expect(message.queueName).toBe("vectors_q");
    expect(message.actorName).toBe("add");
    expect(message.args).toEqual([1, 2]);
    expect(message.options.max_retries).toBe(3);
    expect(typeof message.messageTimestamp).toBe("number");
  });

  it("rejects Python's NaN and Infinity tokens with a DecodeError that says so", () => {
    const error = (() => {
      try {
        Message.decode(nonstandard[0].raw);
      } catch (e) {
        return e;
      }
    })();
    expect(DecodeError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/NaN or Infinity/);
  });

  it("rejects an eighth top-level key, a missing key and a non-object", () => {
    const good = JSON.parse(messages[0].raw);
    const decoder = new JsonEncoder();
    expect(() => decoder.decode(JSON.stringify({ ...good, extra: 1 }))).toThrow(/unknown top-level key "extra"/);
    const { message_id: _, ...missing } = good;
    expect(() => decoder.decode(JSON.stringify(missing))).toThrow(/message_id/);
    expect(() => decoder.decode("[1,2]")).toThrow(DecodeError);
  });

  it("never writes an eighth top-level key, even for messages with extra state", () => {
    const message = new Message({ queueName: "q", actorName: "a", args: [1] });
    message.fail();
    message.lastError = new Error("x");
    expect(Object.keys(JSON.parse(message.encode() as string))).toHaveLength(7);
  });

  it("copy keeps existing option positions, appends new ones and removes undefined ones", () => {
    const message = new Message({ queueName: "q", actorName: "a", args: [], options: { max_retries: 1, redis_message_id: "r1", eta: 5 } });
    const copy = message.copy({ options: { redis_message_id: "r2", retries: 1, eta: undefined } });
    expect(Object.entries(copy.options)).toEqual([
      ["max_retries", 1],
      ["redis_message_id", "r2"],
      ["retries", 1],
    ]);
    expect(copy.messageId).toBe(message.messageId);
    expect(message.options.eta).toBe(5);
  });

  it("computes Dramatiq's result keys", () => {
    type Entry = { queue_name: string; actor_name: string; message_id: string; key: string };
    const { redis } = loadVector<{ redis: Entry[] }>("results.json");
    expect(redis.length).toBeGreaterThan(0);
    for (const entry of redis) {
      expect(resultKey({ queueName: entry.queue_name, actorName: entry.actor_name, messageId: entry.message_id })).toBe(entry.key);
    }
  });
});
