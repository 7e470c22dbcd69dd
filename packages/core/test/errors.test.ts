import { describe, expect, it } from "vitest";
import { ActorNotFound, ConnectionError, EnqueueUncertain, QueueNotFound, Retry, TroupeError } from "../src/index.js";

describe("error classes", () => {
  it("isInstance matches a class by its code, and TroupeError matches every Troupe error", () => {
    const error = new ActorNotFound("a");
    expect(ActorNotFound.isInstance(error)).toBe(true);
    expect(QueueNotFound.isInstance(error)).toBe(false);
    expect(TroupeError.isInstance(error)).toBe(true);
    expect(TroupeError.isInstance(new Error("plain"))).toBe(false);
    expect(error.code).toBe(ActorNotFound.code);
    expect(error.name).toBe("ActorNotFound");
  });

  it("recognises an error from another copy of Troupe by its Symbol.for marker", () => {
    const foreign = Object.assign(new Error("from elsewhere"), { code: "RETRY", [Symbol.for("troupe.error")]: ["RETRY"] });
    expect(Retry.isInstance(foreign)).toBe(true);
    expect(ActorNotFound.isInstance(foreign)).toBe(false);
  });

  it("a subclass of a coded class has its own code and matches its parent's isInstance", () => {
    const error = new EnqueueUncertain("the connection died after the command left");
    expect(error.code).toBe("ENQUEUE_UNCERTAIN");
    expect(error.name).toBe("EnqueueUncertain");
    expect(EnqueueUncertain.isInstance(error)).toBe(true);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(EnqueueUncertain.isInstance(new ConnectionError("refused"))).toBe(false);
  });
});
