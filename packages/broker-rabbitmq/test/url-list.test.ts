import { InvalidOption } from "@troupe/core";
import { describe, expect, it } from "vitest";
import { RabbitmqBroker } from "../src/index.js";
import { amqpUrlList, errorRedactor } from "../src/url-list.js";
import { capturingLogger } from "./support/logger.js";

const FALLBACK = "amqp://127.0.0.1:5672";

describe("amqpUrlList: the url option as Dramatiq's RabbitmqBroker takes it", () => {
  it("splits a string at each ';' that starts another URL, trimming", () => {
    expect(amqpUrlList("amqp://a:1@h1 ; amqps://h2:5671/vh", FALLBACK)).toEqual(["amqp://a:1@h1", "amqps://h2:5671/vh"]);
  });

  it("keeps a ';' inside a URL (a password, say) as part of it", () => {
    expect(amqpUrlList("amqp://u:p;q@h1;amqp://h2", FALLBACK)).toEqual(["amqp://u:p;q@h1", "amqp://h2"]);
  });

  it("takes an array as it is, in order, and the fallback when there is no url", () => {
    expect(amqpUrlList(["amqp://h2", "amqp://h1"], FALLBACK)).toEqual(["amqp://h2", "amqp://h1"]);
    expect(amqpUrlList(undefined, FALLBACK)).toEqual([FALLBACK]);
  });

  it.each<[string, string | readonly string[], RegExp]>([
    ["an empty array", [], /needs at least one URL/],
    ["an empty entry", ["amqp://h1", " "], /URL 2 of 2 is empty/],
    ["another scheme in the list", "amqp://h1;redis://bob:s3cret@h2", /start with amqp:\/\/ or amqps:\/\/, not "redis:"/],
    ["a URL without a scheme", ["bob:s3cret@h2"], /not "bob:"/],
    ["a non-string entry", [5 as unknown as string], /URLs are strings, got a number at 0/],
  ])("refuses %s, showing no password", (_, url, message) => {
    expect(() => amqpUrlList(url, FALLBACK)).toThrow(InvalidOption);
    expect(() => amqpUrlList(url, FALLBACK)).toThrow(message);
    expect(() => amqpUrlList(url, FALLBACK)).not.toThrow(/s3cret/);
  });

  it("is what RabbitmqBroker tries, whether given as a string or an array", async () => {
    for (const url of ["amqp://h1;amqp://h2", ["amqp://h1", "amqp://h2"]]) {
      const broker = new RabbitmqBroker({ url, logger: capturingLogger() });
      expect(broker.urls).toEqual(["amqp://h1", "amqp://h2"]);
      await broker.close();
    }
  });
});

describe("errorRedactor", () => {
  const redact = errorRedactor(["amqp://bob:s3cr%40t@h1", "amqp://guest:t0p;secret@h2", "amqp://h3"]);

  it("hides each URL's password, as typed and decoded, wherever a driver's error shows it", () => {
    expect(redact("getaddrinfo ENOTFOUND s3cr@t.h1")).toBe("getaddrinfo ENOTFOUND ***.h1");
    expect(redact("bad host t0p;secret@h2 and s3cr%40t")).toBe("bad host ***@h2 and ***");
  });

  it("hides the password of any URL the error quotes", () => {
    expect(redact("could not parse amqp://eve:other@h4")).toBe("could not parse amqp://eve:***@h4");
  });
});
