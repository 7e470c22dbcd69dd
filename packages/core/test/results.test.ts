import { describe, expect, it } from "vitest";
import { actor, currentMessage, ResultFailure, ResultMissing, SkipMessage } from "../src/index.js";
import { until, useHarness } from "./harness.js";

describe("Results and SkipMessage", () => {
  const current = useHarness();

  it("stores nothing for a failure that will be retried, then the final result", async () => {
    const h = current();
    let attempts = 0;
    let missingWhileRetrying: unknown;
    const settle = actor(
      "settle",
      async () => {
        attempts++;
        if (attempts === 1) throw new Error("first try fails");
        missingWhileRetrying = await currentMessage()
          .message.getResult()
          .catch((e: unknown) => e);
        return "ok";
      },
      { broker: h.broker, storeResults: true, minBackoff: 1, maxBackoff: 5 },
    );
    await h.start();
    const sent = await settle.send();
    expect(await sent.getResult({ block: true, timeout: 5_000 })).toBe("ok");
    expect(ResultMissing.isInstance(missingWhileRetrying)).toBe(true);
  });

  it("stores the failure marker when the message is dead-lettered", async () => {
    const h = current();
    const doomed = actor(
      "doomed",
      () => {
        throw new RangeError("out of range");
      },
      { broker: h.broker, storeResults: true, maxRetries: 0 },
    );
    await h.start();
    const sent = await doomed.send();
    const error = await sent.getResult({ block: true, timeout: 5_000 }).catch((e: unknown) => e);
    expect(ResultFailure.isInstance(error)).toBe(true);
    expect((error as ResultFailure).errorType).toBe("RangeError");
  });

  it("does not store results for actors without storeResults", async () => {
    const h = current();
    const plain = actor("plain", () => 5, { broker: h.broker });
    await h.start();
    const sent = await plain.send();
    await h.broker.join("default");
    await expect(sent.getResult()).rejects.toSatisfy((e) => ResultMissing.isInstance(e));
  });

  it("skips the actor when a middleware raises SkipMessage, acks the message and stores null", async () => {
    const h = current();
    const skipped: string[] = [];
    h.broker.addMiddleware({
      beforeProcessMessage(_broker, message) {
        if (message.args[0] === "skip") throw new SkipMessage("not today");
      },
      afterSkipMessage(_broker, message) {
        skipped.push(message.messageId);
      },
    });
    const ran: string[] = [];
    const maybe = actor("maybe", (word: string) => void ran.push(word), { broker: h.broker, storeResults: true });
    await h.start();
    const skippedMessage = await maybe.send("skip");
    await maybe.send("run");
    await until(() => ran.length === 1 && skipped.length === 1, "one ran and one was skipped");
    await h.broker.join("default");
    expect(ran).toEqual(["run"]);
    expect(skipped).toEqual([skippedMessage.messageId]);
    expect(h.broker.deadLetters).toHaveLength(0);
    expect(await skippedMessage.getResult()).toBeNull();
  });
});
