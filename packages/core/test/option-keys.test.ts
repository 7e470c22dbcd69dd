import { describe, expect, it } from "vitest";
import {
  AgeLimit,
  actor,
  actorRef,
  assertKnownOptions,
  Barrier,
  brokerFromUrl,
  consoleLogger,
  GroupCallbacks,
  group,
  InvalidOption,
  JsonEncoder,
  MemoryBroker,
  MemoryRateLimiterBackend,
  MemoryResultBackend,
  type Middleware,
  messageOption,
  pipeline,
  Results,
  Retries,
  ShutdownNotifications,
  TimeLimit,
  Worker,
} from "../src/index.js";
import { useHarness } from "./harness.js";

declare module "../src/index.js" {
  interface ActorOptions {
    tenant?: string;
  }
  interface MessageOptions {
    tenant?: string;
  }
}

/** A middleware of the user's own, declaring the option it reads. */
class Tenancy implements Middleware {
  readonly actorOptions = ["tenant"];
}

/** Asserts that `run` throws InvalidOption naming `key`, `where` and the suggestion (or the valid keys). */
function expectUnknown(run: () => unknown, key: string, where: string, hint: RegExp): void {
  let error: unknown;
  try {
    run();
  } catch (caught) {
    error = caught;
  }
  expect(InvalidOption.isInstance(error), `expected InvalidOption, got ${error}`).toBe(true);
  const message = (error as Error).message;
  expect(message).toContain(`unknown option "${key}" for ${where}`);
  expect(message).toMatch(hint);
}

async function expectUnknownAsync(run: () => Promise<unknown>, key: string, where: string, hint: RegExp): Promise<void> {
  const error = await run().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expectUnknown(
    () => {
      if (error) throw error;
    },
    key,
    where,
    hint,
  );
}

const suggests = (name: string) => new RegExp(`did you mean "${name}"\\?$`);

describe("assertKnownOptions", () => {
  const known = new Set(["delay", "maxRetries", "concurrency", "url"]);

  it("accepts known keys and no options at all", () => {
    expect(() => assertKnownOptions("here", { delay: 1, url: "x" }, known)).not.toThrow();
    expect(() => assertKnownOptions("here", undefined, known)).not.toThrow();
  });

  it.each([
    ["dealy", "delay"],
    ["uri", "url"],
    ["max_retries", "maxRetries"],
    ["maxretries", "maxRetries"],
    ["conc", "concurrency"],
  ])("names %s, where it was passed and the close key %s", (key, suggestion) => {
    expectUnknown(() => assertKnownOptions("here", { [key]: 1 }, known), key, "here", suggests(suggestion));
  });

  it("lists the valid keys when none is close", () => {
    expectUnknown(
      () => assertKnownOptions("here", { somethingElse: 1 }, known),
      "somethingElse",
      "here",
      /valid options: delay, maxRetries, concurrency, url$/,
    );
  });
});

describe("options of core entry points", () => {
  const current = useHarness();
  const backend = new MemoryRateLimiterBackend();

  it.each<[string, () => unknown, string, string, string]>([
    // @ts-expect-error: an unknown option
    ["MemoryBroker", () => new MemoryBroker({ middelware: [] }), "middelware", "MemoryBroker", "middleware"],
    // @ts-expect-error: an unknown option
    ["Worker", () => new Worker(new MemoryBroker(), { concurency: 2 }), "concurency", "Worker", "concurrency"],
    // @ts-expect-error: an unknown option
    ["Worker.stop", () => new Worker(new MemoryBroker()).stop({ timeOut: 1 }), "timeOut", "Worker.stop", "timeout"],
    // @ts-expect-error: an unknown option
    ["Retries", () => new Retries({ maxRetry: 1 }), "maxRetry", "Retries", "maxRetries"],
    // @ts-expect-error: an unknown option
    ["Results", () => new Results({ backend: new MemoryResultBackend(), storeResult: true }), "storeResult", "Results", "storeResults"],
    // @ts-expect-error: an unknown option
    ["TimeLimit", () => new TimeLimit({ timelimit: 1 }), "timelimit", "TimeLimit", "timeLimit"],
    // @ts-expect-error: an unknown option
    ["AgeLimit", () => new AgeLimit({ max_age: 1 }), "max_age", "AgeLimit", "maxAge"],
    // @ts-expect-error: an unknown option
    ["ShutdownNotifications", () => new ShutdownNotifications({ notify: true }), "notify", "ShutdownNotifications", "notifyShutdown"],
    // @ts-expect-error: an unknown option
    ["GroupCallbacks", () => new GroupCallbacks({ backend, barrierTTL: 1 }), "barrierTTL", "GroupCallbacks", "barrierTtl"],
    // @ts-expect-error: an unknown option
    ["Barrier", () => new Barrier(backend, "b", { tll: 1 }), "tll", "Barrier", "ttl"],
    // @ts-expect-error: an unknown option
    ["actorRef", () => actorRef("remote", { queue: "q" }), "queue", 'actorRef("remote")', "queueName"],
  ])("%s refuses a mistyped option", (_name, run, key, where, suggestion) => {
    expectUnknown(run, key, where, suggests(suggestion));
  });

  it("accepts every valid option of each constructor", async () => {
    const broker = new MemoryBroker({ middleware: [], encoder: new JsonEncoder(), logger: consoleLogger(), maxMessageSize: 1024 });
    const worker = new Worker(broker, {
      concurrency: 1,
      prefetch: 1,
      delayPrefetch: 1,
      queues: ["default"],
      workerTimeout: 10,
      shutdownTimeout: 10,
    });
    await worker.stop({ timeout: 10 });
    new Retries({ maxRetries: 1, minBackoff: 1, maxBackoff: 2, retryWhen: () => true });
    new Results({ backend: new MemoryResultBackend(), storeResults: true, resultTtl: 1 });
    new TimeLimit({ timeLimit: 1 });
    new AgeLimit({ maxAge: 1 });
    new ShutdownNotifications({ notifyShutdown: true });
    new GroupCallbacks({ backend, barrierTtl: 1 });
    const barrier = new Barrier(backend, "every-option", { ttl: 1_000 });
    await barrier.create(2);
    expect(await barrier.wait({ block: false, timeout: 1 })).toBe(false);
    expect(actorRef("remote", { queueName: "q", broker }).queueName).toBe("q");
  });

  it("Barrier.wait, getResult, enqueue, pipeline, group and their run refuse a mistyped option", async () => {
    const h = current();
    const step = actor("step", () => 1, { broker: h.broker });
    // @ts-expect-error: an unknown option
    await expectUnknownAsync(() => new Barrier(backend, "w").wait({ blocking: false }), "blocking", "Barrier.wait", suggests("block"));
    // @ts-expect-error: an unknown option
    await expectUnknownAsync(() => step.message().getResult({ timout: 1 }), "timout", "getResult", suggests("timeout"));
    // @ts-expect-error: an unknown option
    await expectUnknownAsync(() => h.broker.enqueue(step.message(), { dealy: 1 }), "dealy", "enqueue", suggests("delay"));
    // @ts-expect-error: an unknown option
    expectUnknown(() => pipeline([step.message()], { borker: h.broker }), "borker", "pipeline", suggests("broker"));
    // @ts-expect-error: an unknown option
    expectUnknown(() => group([step.message()], { borker: h.broker }), "borker", "group", suggests("broker"));
    // @ts-expect-error: an unknown option
    await expectUnknownAsync(() => pipeline([step.message()]).run({ dealy: 1 }), "dealy", "Pipeline.run", suggests("delay"));
    // @ts-expect-error: an unknown option
    await expectUnknownAsync(() => group([step.message()]).run({ dealy: 1 }), "dealy", "Group.run", suggests("delay"));
    expect((await h.broker.queueStats("default")).ready).toBe(0);
  });

  it("brokerFromUrl passes its options to the broker, which refuses a mistyped one, and checks its resolution options", async () => {
    await expectUnknownAsync(
      // @ts-expect-error: an unknown option
      () => brokerFromUrl("memory://", {}, { searchform: [] }),
      "searchform",
      "brokerFromUrl",
      suggests("searchFrom"),
    );
    await expectUnknownAsync(() => brokerFromUrl("memory://", { loger: consoleLogger() }), "loger", "MemoryBroker", suggests("logger"));
    expect(await brokerFromUrl("memory://", { maxMessageSize: 10 }, { searchFrom: [] })).toBeInstanceOf(MemoryBroker);
  });
});

describe("actor and message options", () => {
  const current = useHarness();

  it("refuses a mistyped actor option, naming the actor", () => {
    const h = current();
    // @ts-expect-error: an unknown option
    expectUnknown(() => actor("typo", () => {}, { broker: h.broker, maxRetires: 3 }), "maxRetires", 'actor "typo"', suggests("maxRetries"));
    expect(h.broker.actors.has("typo")).toBe(false);
  });

  it("accepts every actor option core and the default middleware (with Results) read", () => {
    const h = current();
    const target = actor("target", () => {}, { broker: h.broker });
    const every = actor("every", () => {}, {
      broker: h.broker,
      queueName: "q",
      priority: 1,
      kwargs: true,
      maxRetries: 1,
      minBackoff: 1,
      maxBackoff: 2,
      timeLimit: 1,
      maxAge: 1,
      notifyShutdown: true,
      onSuccess: target,
      onFailure: "target",
      onRetryExhausted: target,
      pipeIgnore: true,
      storeResults: true,
      resultTtl: 1,
      retryWhen: () => false,
      throws: TypeError,
    });
    expect(h.broker.actors.get("every")).toBe(every);
  });

  it.each([
    // @ts-expect-error: an unknown option
    ["sendWithOptions", (a: ReturnType<typeof sendable>) => a.sendWithOptions({ args: [], dealy: 100 }), "dealy", "delay"],
    // @ts-expect-error: an unknown option
    ["sendMany", (a: ReturnType<typeof sendable>) => a.sendMany([[]], { max_retries: 1 }), "max_retries", "maxRetries"],
    [
      "messageWithOptions",
      // @ts-expect-error: an unknown option
      async (a: ReturnType<typeof sendable>) => a.messageWithOptions({ args: [], pipeignore: true }),
      "pipeignore",
      "pipeIgnore",
    ],
  ] as const)("%s refuses a mistyped option, naming the actor, and enqueues nothing", async (where, run, key, suggestion) => {
    const h = current();
    const send = sendable(h.broker);
    await expectUnknownAsync(() => run(send), key, `${where} of actor "sendable"`, suggests(suggestion));
    expect((await h.broker.queueStats("default")).ready).toBe(0);
  });

  it("sendWithOptions accepts every message option", async () => {
    const h = current();
    const target = actor("target", () => {}, { broker: h.broker });
    const sent = await sendable(h.broker).sendWithOptions({
      args: [],
      kwargs: { a: 1 },
      delay: 1,
      brokerPriority: 1,
      maxRetries: 1,
      minBackoff: 1,
      maxBackoff: 2,
      timeLimit: 1,
      maxAge: 1,
      notifyShutdown: true,
      onSuccess: target,
      onFailure: "target",
      onRetryExhausted: target,
      pipeIgnore: true,
      storeResults: true,
      resultTtl: 1,
    });
    expect(sent.options.broker_priority).toBe(1);
  });

  it("accepts an option that the broker's own middleware declares, on actors and messages, once it is installed", async () => {
    const h = current();
    expectUnknown(() => actor("early", () => {}, { broker: h.broker, tenant: "t" }), "tenant", 'actor "early"', /valid options:/);
    await expectUnknownAsync(() => sendable(h.broker).sendWithOptions({ args: [], tenant: "t" }), "tenant", "sendWithOptions", /valid/);
    h.broker.addMiddleware(new Tenancy());
    const tenant = actor("tenanted", () => {}, { broker: h.broker, tenant: "acme" });
    const sent = await tenant.sendWithOptions({ args: [], tenant: "globex" });
    expect(sent.options.tenant).toBe("globex");
    expect(messageOption(h.broker, tenant.message(), "tenant", undefined)).toBe("acme");
  });
});

function sendable(broker: MemoryBroker) {
  return actor("sendable", () => {}, { broker });
}
