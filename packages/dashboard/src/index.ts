/**
 * Message status records (the `Status` middleware, its stores and `getStatus`) and a
 * browser dashboard for Troupe queues.
 *
 * @module @troupe/dashboard
 */
export type { DashboardAuth } from "./dashboard/auth.js";
export { createDashboard, type Dashboard, type DashboardOptions } from "./dashboard/create-dashboard.js";
export { type ActorStatsSample, STATS_BUCKET_MS, STATS_RETENTION } from "./status/actor-stats.js";
export { type GetStatusOptions, getStatus } from "./status/get-status.js";
export { MemoryStatusStore } from "./status/memory-status-store.js";
export { MESSAGE_STATES, type MessageState } from "./status/message-state.js";
export { type RedisStatusClient, RedisStatusStore, type RedisStatusStoreOptions } from "./status/redis-status-store.js";
export { DEFAULT_STATUS_TTL, Status, type StatusOptions } from "./status/status.js";
export type { NormalizedQuery } from "./status/status-query.js";
export {
  type ActorStats,
  type ActorStatsBucket,
  type ActorStatsOptions,
  type ActorStatsReport,
  ARGS_PREVIEW_LENGTH,
  type StatusError,
  type StatusEvent,
  type StatusPage,
  type StatusQuery,
  type StatusRecord,
  StatusStore,
  type StatusTransition,
} from "./status/status-store.js";
