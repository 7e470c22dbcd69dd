/**
 * Periodic messages: `Scheduler` sends a message on each tick of a cron expression or an
 * interval, exactly once per tick however many scheduler processes share a
 * `RedisScheduleStore` (`MemoryScheduleStore` for one process and tests).
 *
 * @module @troupe/scheduler
 */
export { InvalidSchedule } from "./errors.js";
export { MemoryScheduleStore } from "./memory-schedule-store.js";
export { RedisScheduleStore, type RedisScheduleStoreOptions } from "./redis-schedule-store.js";
export type { ScheduleOptions } from "./schedule-options.js";
export type { ScheduleRecord, ScheduleStore, StepRequest, StepResult } from "./schedule-store.js";
export { ScheduleTracking, type ScheduleTrackingOptions } from "./schedule-tracking.js";
export { type ScheduleInfo, Scheduler, type SchedulerOptions } from "./scheduler.js";
export { SCHEDULE_OPTION, TICK_ID_NAMESPACE, tickMessageId } from "./tick-message.js";
