import { afterEach, beforeEach, expect, jest, test } from "@jest/globals";
import { consoleLogger, setBroker } from "@troupe/core";
import { TestBroker } from "@troupe/core/testing";
import { mailer } from "../src/mailer";
import { onboard, sendReminder, sendWelcome } from "../src/tasks";

// The actors above were declared without a broker: they bind to this one.
const broker = setBroker(new TestBroker({ logger: consoleLogger("silent") }));
const DAY = 86_400_000;

beforeEach(() => broker.reset());
afterEach(() => {
  jest.restoreAllMocks();
});

test("welcomes now and reminds three days later, drained in milliseconds", async () => {
  const send = jest.spyOn(mailer, "send").mockResolvedValue();
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
  const send = jest
    .spyOn(mailer, "send")
    .mockRejectedValueOnce(new Error("503"))
    .mockRejectedValueOnce(new Error("503"))
    .mockResolvedValue();
  await sendWelcome.send("ada@example.com");
  const summary = await broker.drain();
  expect(send).toHaveBeenCalledTimes(3);
  expect(summary).toMatchObject({ retried: 2, deadLettered: 0 });
});

test("fails with the actor's own error when a message is dead-lettered", async () => {
  jest.spyOn(mailer, "send").mockResolvedValue();
  await onboard.send("not-an-address");
  await expect(broker.drain()).rejects.toThrow(new TypeError("not an email address: not-an-address"));
});

test("a crash before the ack delivers the welcome again: the mailer sees it twice", async () => {
  const send = jest.spyOn(mailer, "send").mockResolvedValue();
  broker.faults.crashWorker(sendWelcome);
  await sendWelcome.send("ada@example.com");
  await broker.drain();
  expect(send).toHaveBeenCalledTimes(2);
});
