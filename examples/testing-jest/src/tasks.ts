import { actor } from "@troupe/core";
import { mailer } from "./mailer";

const DAY = 86_400_000;

export const sendWelcome = actor(
  "send_welcome",
  async (email: string) => {
    if (!email.includes("@")) throw new TypeError(`not an email address: ${email}`);
    await mailer.send(email, "Welcome!");
  },
  { queueName: "emails", throws: TypeError },
);

export const sendReminder = actor("send_reminder", (email: string) => mailer.send(email, "Anything we can help with?"), {
  queueName: "emails",
});

/** Welcomes a new user now and follows up three days later. */
export const onboard = actor("onboard", async (email: string) => {
  await sendWelcome.send(email);
  await sendReminder.sendWithOptions({ args: [email], delay: 3 * DAY });
});
