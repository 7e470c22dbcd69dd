/**
 * `RedisBroker`: Troupe on Redis, with Dramatiq's key layout, ack sets and heartbeats.
 *
 * @module @troupe/broker-redis
 */
export { RedisBroker, type RedisBrokerOptions } from "./redis-broker.js";
export type { RedisClient, RedisConnectionOptions } from "./redis-connection.js";
export type { RedisDelivery } from "./redis-consumer.js";
export type { RedisWorkerInfo } from "./worker-heartbeats.js";
