/** Stands for the mail service the actors talk to; tests replace `send`. */
export const mailer = {
  async send(to: string, subject: string): Promise<void> {
    throw new Error(`no mail service in this example (${to}: ${subject})`);
  },
};
