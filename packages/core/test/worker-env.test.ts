import { afterEach, describe, expect, it } from "vitest";
import { InvalidOption, MemoryBroker, WORKER_ENV, Worker, workerEnvDefault } from "../src/index.js";

const NAMES = Object.values(WORKER_ENV).map((variable) => variable.name);

describe("workerEnvDefault", () => {
  it("reads each option's variable, and nothing when it is unset or blank", () => {
    const env = {
      TROUPE_QUEUE_PREFETCH: "3",
      TROUPE_DELAY_QUEUE_PREFETCH: " 40 ",
      TROUPE_WORKER_TIMEOUT: "250",
      TROUPE_SHUTDOWN_TIMEOUT: "0",
      TROUPE_RESTART_DELAY: "3000",
    };
    expect(workerEnvDefault("prefetch", env)).toBe(3);
    expect(workerEnvDefault("delayPrefetch", env)).toBe(40);
    expect(workerEnvDefault("workerTimeout", env)).toBe(250);
    expect(workerEnvDefault("shutdownTimeout", env)).toBe(0);
    expect(workerEnvDefault("restartDelay", env)).toBe(3000);
    expect(workerEnvDefault("prefetch", {})).toBeUndefined();
    expect(workerEnvDefault("prefetch", { TROUPE_QUEUE_PREFETCH: "  " })).toBeUndefined();
  });

  it("rejects a value that is not a whole number of at least the minimum, naming the variable", () => {
    for (const [option, text] of [
      ["prefetch", "abc"],
      ["prefetch", "0"],
      ["delayPrefetch", "1.5"],
      ["workerTimeout", "-1"],
      ["shutdownTimeout", "10s"],
      ["restartDelay", "0"],
    ] as const) {
      const { name } = WORKER_ENV[option];
      expect(() => workerEnvDefault(option, { [name]: text })).toThrow(InvalidOption);
      expect(() => workerEnvDefault(option, { [name]: text })).toThrow(`${name} must be a whole number`);
    }
  });

  it("names Dramatiq's variable beside each one it has", () => {
    expect(WORKER_ENV.prefetch.dramatiq).toBe("dramatiq_queue_prefetch");
    expect(WORKER_ENV.delayPrefetch.dramatiq).toBe("dramatiq_delay_queue_prefetch");
    expect(WORKER_ENV.workerTimeout.dramatiq).toBe("dramatiq_worker_timeout");
    expect(WORKER_ENV.shutdownTimeout.dramatiq).toBeUndefined();
    expect(WORKER_ENV.restartDelay.dramatiq).toBe("dramatiq_restart_delay");
  });
});

describe("new Worker and the environment", () => {
  const saved = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]));
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("takes its defaults from the variables, and an option given wins over them", async () => {
    Object.assign(process.env, {
      TROUPE_QUEUE_PREFETCH: "5",
      TROUPE_DELAY_QUEUE_PREFETCH: "7",
      TROUPE_WORKER_TIMEOUT: "123",
      TROUPE_SHUTDOWN_TIMEOUT: "456",
      TROUPE_RESTART_DELAY: "789",
    });
    const broker = new MemoryBroker();
    const fromEnv = new Worker(broker, { concurrency: 2 });
    expect([fromEnv.prefetch, fromEnv.delayPrefetch, fromEnv.workerTimeout, fromEnv.shutdownTimeout, fromEnv.restartDelay]).toEqual([
      5, 7, 123, 456, 789,
    ]);
    const given = new Worker(broker, {
      concurrency: 2,
      prefetch: 1,
      delayPrefetch: 2,
      workerTimeout: 3,
      shutdownTimeout: 4,
      restartDelay: 5,
    });
    expect([given.prefetch, given.delayPrefetch, given.workerTimeout, given.shutdownTimeout, given.restartDelay]).toEqual([1, 2, 3, 4, 5]);
    await broker.close();
  });

  it("keeps its own defaults without the variables", async () => {
    for (const name of NAMES) delete process.env[name];
    const broker = new MemoryBroker();
    const worker = new Worker(broker, { concurrency: 2 });
    expect([worker.prefetch, worker.delayPrefetch, worker.workerTimeout, worker.shutdownTimeout, worker.restartDelay]).toEqual([
      4, 2000, 1000, 30_000, 100,
    ]);
    await broker.close();
  });

  it("throws InvalidOption naming a bad variable, but not when the option is given", async () => {
    process.env.TROUPE_WORKER_TIMEOUT = "soon";
    const broker = new MemoryBroker();
    expect(() => new Worker(broker)).toThrow(/TROUPE_WORKER_TIMEOUT must be a whole number of at least 1, got "soon"/);
    expect(new Worker(broker, { workerTimeout: 50 }).workerTimeout).toBe(50);
    await broker.close();
  });
});
