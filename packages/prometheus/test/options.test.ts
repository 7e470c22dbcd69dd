import { InvalidOption } from "@troupe/core";
import { Prometheus } from "@troupe/prometheus";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";

describe("Prometheus options", () => {
  it("refuses an unknown option, naming it and the option meant", () => {
    // @ts-expect-error: an unknown option
    const create = () => new Prometheus({ prot: 9191 });
    expect(create).toThrow(InvalidOption);
    expect(create).toThrow('unknown option "prot" for Prometheus; did you mean "port"?');
  });

  it("accepts every option it documents", () => {
    const registry = new Registry();
    const prometheus = new Prometheus({ host: "127.0.0.1", port: 0, prefix: "options_test", registry });
    expect([prometheus.host, prometheus.port, prometheus.prefix, prometheus.registry]).toEqual(["127.0.0.1", 0, "options_test", registry]);
  });
});
