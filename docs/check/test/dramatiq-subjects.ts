import { Abortable, abort, MemoryAbortBackend, RedisAbortBackend } from "@troupe/abort";
import { RabbitmqBroker } from "@troupe/broker-rabbitmq";
import { RedisBroker } from "@troupe/broker-redis";
import {
  AgeLimit,
  actor,
  Barrier,
  GroupCallbacks,
  group,
  MemoryBroker,
  MemoryRateLimiterBackend,
  MemoryResultBackend,
  Results,
  Retries,
  ShutdownNotifications,
  TimeLimit,
  Worker,
} from "@troupe/core";
import { Prometheus } from "@troupe/prometheus";
import { BucketRateLimiter, ConcurrentRateLimiter, RateLimits, WindowRateLimiter } from "@troupe/rate-limit";
import { MemcachedRateLimiterBackend } from "@troupe/rate-limit/memcached";
import { RedisRateLimiterBackend } from "@troupe/rate-limit/redis";
import { MemcachedResultBackend } from "@troupe/results-memcached";
import { RedisResultBackend } from "@troupe/results-redis";

type Options = Record<string, unknown>;

/**
 * A broker with every middleware that reads actor options (the default stack, Results,
 * RateLimits, Abortable; GroupCallbacks and Prometheus read none but are installed too),
 * so the options it accepts are all the options Troupe has.
 */
export function fullBroker(): MemoryBroker {
  const broker = new MemoryBroker();
  broker.addMiddleware(new Results({ backend: new MemoryResultBackend() }));
  broker.addMiddleware(new RateLimits());
  broker.addMiddleware(new Abortable({ backend: new MemoryAbortBackend() }));
  broker.addMiddleware(new GroupCallbacks({ backend: new MemoryRateLimiterBackend() }));
  broker.addMiddleware(new Prometheus({ port: 0 }));
  return broker;
}

/**
 * What takes options, by the name the page's `options` tables use: each call passes
 * `options` where the Troupe API takes them, with whatever else the call needs.
 * What a call returns is closed afterwards when it can be.
 */
export function optionSubjects(broker: MemoryBroker): Record<string, (options: Options) => unknown> {
  const limits = new MemoryRateLimiterBackend();
  const results = new MemoryResultBackend();
  let actors = 0;
  const sender = actor("dramatiq_names_sender", () => undefined, { broker });
  const limiter = new ConcurrentRateLimiter(limits, "dramatiq-names-limiter");
  // A 1 ms barrier: a wait with `block` at its default gives up at once.
  const barrier = new Barrier(limits, "dramatiq-names-barrier", { ttl: 1 });
  return {
    actor: (options) => actor(`dramatiq_names_${++actors}`, () => undefined, { ...options, broker }),
    sendWithOptions: (options) => sender.sendWithOptions({ args: [], ...options } as never),
    Worker: (options) => new Worker(broker, options),
    "worker.stop": (options) => new Worker(new MemoryBroker()).stop(options),
    Retries: (options) => new Retries(options),
    TimeLimit: (options) => new TimeLimit(options),
    AgeLimit: (options) => new AgeLimit(options),
    ShutdownNotifications: (options) => new ShutdownNotifications(options),
    Results: (options) => new Results({ backend: results, ...options } as never),
    GroupCallbacks: (options) => new GroupCallbacks({ backend: limits, ...options } as never),
    Prometheus: (options) => new Prometheus(options),
    "message.getResult": (options) => sender.message().getResult({ backend: results, ...options }),
    "group.wait": (options) => group([], { broker }).wait(options),
    RedisResultBackend: (options) => new RedisResultBackend(options),
    MemcachedResultBackend: (options) => new MemcachedResultBackend(options),
    MemoryResultBackend: (options) => new MemoryResultBackend(options),
    ConcurrentRateLimiter: (options) => new ConcurrentRateLimiter(limits, "k", options),
    BucketRateLimiter: (options) => new BucketRateLimiter(limits, "k", { limit: 1, bucket: 1000, ...options }),
    WindowRateLimiter: (options) => new WindowRateLimiter(limits, "k", { limit: 1, window: 1000, ...options }),
    "limiter.acquire": (options) => limiter.acquire(async () => undefined, options),
    Barrier: (options) => new Barrier(limits, "k", options),
    "barrier.wait": (options) => barrier.wait(options),
    RedisRateLimiterBackend: (options) => new RedisRateLimiterBackend(options),
    MemcachedRateLimiterBackend: (options) => new MemcachedRateLimiterBackend(options),
    MemoryRateLimiterBackend: (options) => new MemoryRateLimiterBackend(options),
    Abortable: (options) => new Abortable({ backend: new MemoryAbortBackend(), ...options } as never),
    abort: (options) => abort("dramatiq-names-message", { backend: new MemoryAbortBackend(), ...options }),
    RedisAbortBackend: (options) => new RedisAbortBackend(options),
    RedisBroker: (options) => new RedisBroker(options),
    RabbitmqBroker: (options) => new RabbitmqBroker(options),
    MemoryBroker: (options) => new MemoryBroker(options),
  };
}

/** The error a call threw or rejected with, if any; what it returned is closed. */
export async function outcome(call: () => unknown): Promise<Error | undefined> {
  try {
    const value = await call();
    await (value as { close?: () => unknown } | undefined)?.close?.();
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

// Far from every option name, so `assertKnownOptions` suggests none and lists them all.
const NONSENSE = "q".repeat(40);

/** The option names a subject accepts: the list of valid options the code gives for a name it does not know. */
export async function validOptions(subject: string, call: (options: Options) => unknown): Promise<string[]> {
  const error = await outcome(() => call({ [NONSENSE]: 1 }));
  const listed = error && /valid options: (.+)$/.exec(error.message);
  if (!listed) throw new Error(`${subject} did not list its valid options for an unknown one: ${error?.message ?? "it took it"}`);
  return listed[1].split(", ");
}

/** True when `name: undefined` is not refused as an unknown option (another error, e.g. a missing value, is fine). */
export async function acceptsOption(call: (options: Options) => unknown, name: string): Promise<boolean> {
  const error = await outcome(() => call({ [name]: undefined }));
  return !error?.message.includes(`option "${name}"`);
}
