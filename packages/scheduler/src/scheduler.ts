import { assertKnownOptions, type Broker, type Logger, type Message, optionKeys, resolveBroker, uuid4 } from "@troupe/core";
import { InvalidSchedule } from "./errors.js";
import { defineSchedule, type Schedule, type ScheduleOptions } from "./schedule-options.js";
import { ScheduleRunner } from "./schedule-runner.js";
import type { ScheduleStore } from "./schedule-store.js";
import { ScheduleTracking } from "./schedule-tracking.js";

/** Options of `new Scheduler(options)`. */
export interface SchedulerOptions {
  /** Where the schedules' messages are sent (default: the global broker, resolved by `start()`). */
  broker?: Broker;
  /** Where schedulers agree on each tick: `RedisScheduleStore` for many processes, `MemoryScheduleStore` for one. */
  store: ScheduleStore;
  /**
   * How long a claimed tick is held before another process may take it over, ms (default
   * 30 000): a crashed scheduler's tick is enqueued by another within about this long. Keep
   * it above the broker's `connectTimeout`, the longest an enqueue may take.
   */
  lease?: number;
  /** Where the scheduler logs (default: the broker's logger). */
  logger?: Logger;
  /** The clock ticks are computed on, ms (default `Date.now`); a test may pass a virtual one. */
  clock?: () => number;
}

const SCHEDULER_OPTIONS = optionKeys<SchedulerOptions>({ broker: true, store: true, lease: true, logger: true, clock: true });

/** One schedule as `scheduler.list()` shows it (and `troupe schedules` prints it). */
export interface ScheduleInfo {
  /** The schedule's name. */
  name: string;
  /** Its cron expression, or undefined for an `every` schedule. */
  cron: string | undefined;
  /** Its interval, ms, or undefined for a cron schedule. */
  every: number | undefined;
  /** The time zone of `cron`. */
  timezone: string;
  /** The actor its messages run. */
  actorName: string;
  /** The queue its messages go to. */
  queueName: string;
  /** The next tick from now on, ms. */
  nextTick: number | undefined;
  /** The newest tick enqueued, ms (undefined before the first). */
  lastTick: number | undefined;
  /** The `message_id` of that tick's message. */
  lastMessageId: string | undefined;
}

// Lets `troupe scheduler` recognise a Scheduler from any installed copy without importing this package.
const MARKER = Symbol.for("troupe.scheduler");

/**
 * Sends messages on schedules, exactly once per tick however many scheduler processes
 * run on one store: each tick is claimed atomically in the store by one process, which
 * enqueues it and then marks it done; a claim left by a crashed process is finished by
 * another once its lease runs out. Messages are ordinary Dramatiq messages with a
 * `message_id` derived from the schedule name and the tick time.
 */
export class Scheduler {
  /** This instance's id: the owner of the claims it takes. */
  readonly id = uuid4();
  /** The store the schedulers share. */
  readonly store: ScheduleStore;
  /** Ms a claim is held before another process may take it over. */
  readonly lease: number;
  /** A `Symbol.for` marker by which the CLI recognises a Scheduler from any installed copy of this package. */
  readonly [MARKER] = true;
  private readonly schedules = new Map<string, Schedule>();
  private readonly runners = new Map<string, ScheduleRunner>();
  private readonly clock: () => number;
  private readonly brokerOption: Broker | undefined;
  private readonly loggerOption: Logger | undefined;
  private running: { broker: Broker; logger: Logger } | undefined;
  private starting: Promise<void> | undefined;

  constructor(options: SchedulerOptions) {
    assertKnownOptions("Scheduler", options, SCHEDULER_OPTIONS);
    if (!options?.store)
      throw new TypeError("new Scheduler({ store }) needs a store: new RedisScheduleStore({ url }) or new MemoryScheduleStore()");
    const lease = options.lease ?? 30_000;
    if (!Number.isFinite(lease) || lease <= 0) throw new TypeError(`Scheduler lease must be a number of ms > 0, not ${lease}`);
    this.store = options.store;
    this.lease = lease;
    this.brokerOption = options.broker;
    this.loggerOption = options.logger;
    this.clock = options.clock ?? Date.now;
  }

  /** True for a `Scheduler` from any installed copy of this package. */
  static isInstance(value: unknown): value is Scheduler {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }

  /** The broker messages are sent through: the one given, or once started the global one; undefined before. */
  get broker(): Broker | undefined {
    return this.running?.broker ?? this.brokerOption;
  }

  /** Whether `start()` has run and `stop()` has not. */
  get started(): boolean {
    return this.running !== undefined;
  }

  /**
   * Adds a schedule; while running, it takes effect at once. An invalid cron expression or
   * time zone, a bad interval or a name already added throws `InvalidSchedule` with the reason.
   */
  add(name: string, message: Message<readonly unknown[], unknown>, options: ScheduleOptions): this {
    const schedule = defineSchedule(name, message as Message, options);
    if (this.schedules.has(name)) throw new InvalidSchedule(name, "a schedule of that name was added already (remove it first)");
    this.schedules.set(name, schedule);
    // A failed first look is logged by the runner, which keeps trying.
    if (this.running) this.run(schedule).catch(() => {});
    return this;
  }

  /** Removes a schedule; resolves once this process enqueues nothing more for it. False when there was none. */
  async remove(name: string): Promise<boolean> {
    if (!this.schedules.delete(name)) return false;
    const runner = this.runners.get(name);
    this.runners.delete(name);
    await runner?.stop();
    return true;
  }

  /** The names of the schedules added, in order. */
  names(): string[] {
    return [...this.schedules.keys()];
  }

  /**
   * Starts every schedule: resolves once each had its first look (the ticks missed during
   * downtime are caught up by then), or rejects, stopped, when the store or broker cannot be
   * reached. Adds `ScheduleTracking` to the broker when it has none, for `overlap: "skip"`.
   */
  start(): Promise<void> {
    // Concurrent calls share one start.
    this.starting ??= this.begin().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async begin(): Promise<void> {
    if (this.running) return;
    const broker = this.brokerOption ?? (await resolveBroker());
    const logger = this.loggerOption ?? broker.logger;
    if (!broker.getMiddleware(ScheduleTracking)) broker.addMiddleware(new ScheduleTracking({ store: this.store }));
    this.running = { broker, logger };
    try {
      await Promise.all([...this.schedules.values()].map((schedule) => this.run(schedule)));
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Stops every schedule after the look in progress; a claimed tick is enqueued first. The store stays open. */
  async stop(): Promise<void> {
    this.running = undefined;
    const runners = [...this.runners.values()];
    this.runners.clear();
    await Promise.all(runners.map((runner) => runner.stop()));
  }

  /** Each schedule with its next and last tick and the last message id, as the store has them. */
  async list(): Promise<ScheduleInfo[]> {
    const now = this.clock();
    return Promise.all(
      [...this.schedules.values()].map(async (schedule) => {
        const record = await this.store.read(schedule.name);
        return {
          name: schedule.name,
          cron: schedule.cron,
          every: schedule.every,
          timezone: schedule.timezone,
          actorName: schedule.message.actorName,
          queueName: schedule.message.queueName,
          nextTick: schedule.cadence.next(Math.max(record?.cursor ?? now, now)),
          lastTick: record?.lastTick,
          lastMessageId: record?.lastMessageId,
        };
      }),
    );
  }

  private async run(schedule: Schedule): Promise<void> {
    const running = this.running;
    if (!running) return;
    const runner = new ScheduleRunner(schedule, {
      owner: this.id,
      store: this.store,
      broker: running.broker,
      logger: running.logger,
      lease: this.lease,
      clock: this.clock,
    });
    this.runners.set(schedule.name, runner);
    await runner.start();
  }
}
