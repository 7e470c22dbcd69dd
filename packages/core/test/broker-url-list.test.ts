import { describe, expect, it } from "vitest";
import { BrokerNotSet, brokerFromUrl, InvalidOption, redactUrl, resolveBroker } from "../src/index.js";

describe("a list of broker URLs (RabbitMQ failover, `amqp://a;amqp://b` as Dramatiq takes it)", () => {
  it("redactUrl hides the password of every URL of the list, not the first only", () => {
    expect(redactUrl("amqp://bob:s3cret@10.0.0.1:5672;amqp://guest:t0p@10.0.0.2:5672/vh")).toBe(
      "amqp://bob:***@10.0.0.1:5672;amqp://guest:***@10.0.0.2:5672/vh",
    );
    expect(redactUrl("amqp://10.0.0.1:5672;amqp://guest:t0p@10.0.0.2")).toBe("amqp://10.0.0.1:5672;amqp://guest:***@10.0.0.2");
    // A password with "@" and ";" in the first URL, the list's separator after it.
    expect(redactUrl("amqp://a:p@s;s@h1;amqp://b:q@h2")).toBe("amqp://a:***@h1;amqp://b:***@h2");
  });

  it("brokerFromUrl refuses a list that is not all amqp:// or amqps://, hiding every password", async () => {
    const error = await brokerFromUrl("amqp://bob:s3cret@h1;redis://al:t0psecret@h2").catch((e: unknown) => e);
    expect(InvalidOption.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      'a ;-separated list of broker URLs is for RabbitMQ failover: each must be amqp:// or amqps://, got "amqp://bob:***@h1;redis://al:***@h2"',
    );
  });

  it("brokerFromUrl takes a Redis URL whose password holds a ';' as one URL, not a list", async () => {
    // Past the check, the adapter is loaded (or found missing): either is fine here, a refusal as a list is not.
    const outcome = await brokerFromUrl("redis://:pa;ss@h1", {}, { searchFrom: [] }).then(
      async (broker) => {
        await broker.close();
        return "a broker";
      },
      (error: unknown) => String((error as Error)?.message),
    );
    expect(outcome).not.toContain("list of broker URLs");
  });

  it("TROUPE_BROKER_URL with a list: BrokerNotSet names it with every password hidden", async () => {
    const error = await resolveBroker({ TROUPE_BROKER_URL: "amqp://bob:s3cret@h1;rediss://al:t0psecret@h2" }).catch((e: unknown) => e);
    expect(BrokerNotSet.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/^TROUPE_BROKER_URL=amqp:\/\/bob:\*\*\*@h1;rediss:\/\/al:\*\*\*@h2 gives no broker/);
    expect((error as Error).message).not.toMatch(/s3cret|t0psecret/);
  });
});
