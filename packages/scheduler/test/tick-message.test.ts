import { actor, MemoryBroker } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { tickMessageId } from "../src/index.js";
import { tickMessage } from "../src/tick-message.js";

const broker = new MemoryBroker({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
const report = actor("report", (_kind: string) => {}, { broker, queueName: "reports" });

describe("tick messages", () => {
  it("derive the message_id from the schedule name and tick time: a UUID version 5, the same on every call", () => {
    const tick = Date.parse("2025-06-01T02:30:00Z");
    const id = tickMessageId("nightly-report", tick);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(tickMessageId("nightly-report", tick)).toBe(id);
    // Pinned, as Python's uuid.uuid5(UUID(TICK_ID_NAMESPACE), "nightly-report:1748745000000") gives it:
    // ids must not change across versions, or a tick re-sent after an upgrade would not be recognised.
    expect(id).toBe("fa9e0060-8f58-5e1d-90c5-ebe40dfe40ea");
    expect(tickMessageId("nightly-report", tick + 1)).not.toBe(id);
    expect(tickMessageId("nightly-reports", tick)).not.toBe(id);
  });

  it("have the same bytes whoever builds them: two builds of one tick encode identically", () => {
    const tick = Date.parse("2025-06-01T02:30:00Z");
    const a = tickMessage("nightly-report", report.message("daily"), tick);
    const b = tickMessage("nightly-report", report.message("daily"), tick);
    expect(a.encode()).toEqual(b.encode());
    expect(a.messageTimestamp).toBe(tick);
    expect(a.options.troupe_schedule).toBe("nightly-report");
  });

  it("keep the template's options but drop a copy's eta and redis_message_id", () => {
    const template = report.messageWithOptions({ args: ["daily"], maxRetries: 2 });
    template.options.eta = 1;
    template.options.redis_message_id = "not-this-one";
    const message = tickMessage("r", template, 60_000);
    expect(message.options.max_retries).toBe(2);
    expect(message.options.eta).toBeUndefined();
    expect(message.options.redis_message_id).not.toBe("not-this-one");
    expect(message.queueName).toBe("reports");
  });
});
