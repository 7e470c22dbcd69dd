import { consoleLogger, setBroker } from "@troupe/core";
import { TestBroker } from "@troupe/core/testing";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { mailer } from "../src/mailer.js";
import { onboard, sendReminder, sendWelcome } from "../src/tasks.js";

// The actors above were declared without a broker: they bind to this one.
const broker = setBroker(new TestBroker({ logger: consoleLogger("silent") }));
const DAY = 86_400_000;

beforeEach(() => broker.reset());
afterEach(() => vi.restoreAllMocks());

test("welcomes now and reminds three days later, drained in milliseconds", async () => {
  const send = vi.spyOn(mailer, "send").mockResolvedValue();
  await onboard.send("ada@example.com");
  const summary = await broker.drain();
  expect(send.mock.calls).toEqual([
    ["ada@example.com", "Welcome!"],
    ["ada@example.com", "Anything we can help with?"],
  ]);
  expect(summary).toMatchObject({ processed: 3, failed: 0, virtualTimeMs: 3 * DAY });
  expect(broker.sent(sendReminder).map((m) => m.args)).toEqual([["ada@example.com"]]);
});

test("retries the mail service with backoff until it answers", async () => {
  const send = vi.spyOn(mailer, "send").mockRejectedValueOnce(new Error("503")).mockRejectedValueOnce(new Error("503")).mockResolvedValue();
  await sendWelcome.send("ada@example.com");
  const summary = await broker.drain();
  expect(send).toHaveBeenCalledTimes(3);
  expect(summary).toMatchObject({ retried: 2, deadLettered: 0 });
});

test("fails with the actor's own error when a message is dead-lettered", async () => {
  vi.spyOn(mailer, "send").mockResolvedValue();
  await onboard.send("not-an-address");
  await expect(broker.drain()).rejects.toThrow(new TypeError("not an email address: not-an-address"));
});

test("sends the welcome once the broker is back, when the first enqueue fails", async () => {
  const send = vi.spyOn(mailer, "send").mockResolvedValue();
  await onboard.send("ada@example.com");
  broker.faults.failNextEnqueues(1);
  const summary = await broker.drain();
  expect(send.mock.calls.map(([, subject]) => subject)).toEqual(["Welcome!", "Anything we can help with?"]);
  expect(summary.retried).toBe(1);
});

test("waitFor sees the reminder the onboarding schedules", async () => {
  vi.spyOn(mailer, "send").mockResolvedValue();
  await onboard.send("ada@example.com");
  const reminder = broker.waitFor(sendReminder, { where: (m) => m.args[0] === "ada@example.com", timeout: 1_000 });
  await broker.drain();
  expect((await reminder).options.eta).toBe((await reminder).messageTimestamp + 3 * DAY);
});
