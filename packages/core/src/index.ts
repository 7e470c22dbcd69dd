/**
 * Messages in Dramatiq's wire format, the `Broker`, `Consumer`, `Middleware` and
 * `ResultBackend` contracts, `actor()`, the `Worker`, the default middleware, `pipeline`
 * and `group`, and in-memory implementations for tests and zero-setup use.
 *
 * @module @troupe/core
 */
export {
  Actor,
  type ActorArgs,
  type ActorFn,
  ActorHandle,
  type ActorResult,
  type AnyActor,
  type ArgsPrefix,
  actor,
  actorRef,
  type MessageWithOptions,
  type SendOptions,
  type SendOptionsBase,
} from "./actor.js";
export type { ActorLike, ActorOptions, ErrorClass, MessageOptions, OverridableOptions } from "./actor-options.js";
export {
  BROKER_OPTION_KEYS,
  Broker,
  type BrokerCapabilities,
  type BrokerOptions,
  type DeadLetter,
  type EnqueueOptions,
  type JoinOptions,
  type QueueStats,
} from "./broker.js";
export { brokerFromUrl, redactUrl } from "./broker-from-url.js";
export { type Clock, type ClockTimer, realClock } from "./clock.js";
export { Group, type GroupChild, type GroupResults, group } from "./composition/group.js";
export { Pipeline, type PipelineResult, type PipelineStep, pipeline } from "./composition/pipeline.js";
export type { ConsumeOptions, Consumer, Delivery } from "./consumer.js";
export { contextOf, currentMessage, MessageContext, type RunAbortOptions } from "./current-message.js";
export { type Encoder, JsonEncoder, type MessageData, validateEnvelope } from "./encoder.js";
export { errorTypeName } from "./error-type-name.js";
export {
  ActorNotFound,
  BrokerNotSet,
  ConnectionError,
  DecodeError,
  DuplicateActor,
  EnqueueUncertain,
  InvalidOption,
  MessageTooLarge,
  MiddlewareError,
  NotSupported,
  QueueJoinTimeout,
  QueueNotFound,
  RateLimitExceeded,
  Retry,
  Shutdown,
  SkipMessage,
  SuccessorNotEnqueued,
  TimeLimitExceeded,
  TroupeError,
  type TroupeErrorCode,
  WorkerJoinTimeout,
} from "./errors.js";
export { esmEntry } from "./esm-entry.js";
export { BROKER_URL_ENV, getBroker, peekBroker, resolveBroker, setBroker } from "./global-broker.js";
export { uuid4 } from "./ids.js";
export { assertJson, type Jsonable, type JsonObject, type JsonPrimitive, type JsonValue } from "./json.js";
export { consoleLogger, type Logger, type LogLevel } from "./logger.js";
export { MemoryBroker } from "./memory-broker.js";
export { MemoryEntry, MemoryReader } from "./memory-reader.js";
export { MemoryTransport, type MemoryTransportOptions } from "./memory-transport.js";
export { Message, type MessageInit } from "./message.js";
export { AgeLimit } from "./middleware/age-limit.js";
export { computeBackoff } from "./middleware/backoff.js";
export { Callbacks } from "./middleware/callbacks.js";
export { defaultMiddleware } from "./middleware/default-middleware.js";
export { messageOption } from "./middleware/option.js";
export { Pipelines } from "./middleware/pipelines.js";
export { Retries, type RetriesOptions } from "./middleware/retries.js";
export { ShutdownNotifications } from "./middleware/shutdown-notifications.js";
export { TimeLimit, type TimeLimitOptions } from "./middleware/time-limit.js";
export { HOOK_NAMES, type HookName, type Middleware, type ProcessOutcome } from "./middleware.js";
export { assertKnownOptions, optionKeys } from "./option-keys.js";
export { OPTION_WIRE_NAMES, toWireName } from "./options.js";
export { canPauseQueues, type QueuePauses } from "./queue-pauses.js";
export { canonicalQueueName, deadLetterQueueName, delayQueueName, isDelayQueue } from "./queues.js";
export { Barrier } from "./rate-limits/barrier.js";
export { GROUP_BARRIER_TTL, GroupCallbacks } from "./rate-limits/group-callbacks.js";
export { MemoryRateLimiterBackend, type MemoryRateLimiterBackendOptions } from "./rate-limits/memory-rate-limiter-backend.js";
export type { RateLimiterBackend } from "./rate-limits/rate-limiter-backend.js";
export { closeRedisClient } from "./redis/close-redis-client.js";
export { RedisBlockingPool } from "./redis/redis-blocking-pool.js";
export type { RedisClientClass, RedisClientLike, RedisSocketLike } from "./redis/redis-client.js";
export { type RedisClientDefaults, redisClientOptions } from "./redis/redis-client-options.js";
export { RedisConnection, type RedisConnectionSettings } from "./redis/redis-connection.js";
export { redisConnectionFailure } from "./redis/redis-connection-failure.js";
export {
  DEFAULT_REDIS_CONNECT_TIMEOUT,
  DEFAULT_REDIS_URL,
  REDIS_CONNECTION_OPTION_KEYS,
  type RedisConnectionOptions,
} from "./redis/redis-connection-options.js";
export { ResultFailure, ResultMissing, ResultTimeout } from "./result-errors.js";
export { MemoryResultBackend, type MemoryResultBackendOptions } from "./results/memory-result-backend.js";
export {
  DEFAULT_RESULT_TTL,
  type FailureMarker,
  type GetResultOptions,
  ResultBackend,
  resultKey,
} from "./results/result-backend.js";
export { Results, type ResultsOptions } from "./results/results.js";
export { ThreadArgumentError, ThreadModuleError, ThreadResultError } from "./thread-errors.js";
export type { HeldCount } from "./transport/held-counts.js";
export type {
  OutgoingMessage,
  QueueCounts,
  RawDelivery,
  ReaderOptions,
  StoredDeadLetter,
  Transport,
  TransportCapabilities,
  TransportReader,
  TransportSpecificationVersion,
} from "./transport/transport.js";
export { TransportBroker, type TransportContext, type TransportFactory } from "./transport/transport-broker.js";
export { TransportConsumer } from "./transport/transport-consumer.js";
export type { TransportConsumerHost } from "./transport/transport-consumer-host.js";
export { type DeliveryOwner, TransportDelivery } from "./transport/transport-delivery.js";
export { Worker } from "./worker.js";
export { WORKER_ENV, type WorkerEnvOption, type WorkerEnvVariable, workerEnvDefault } from "./worker-env.js";
export type { WorkerOptions } from "./worker-options.js";
