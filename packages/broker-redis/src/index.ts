/**
 * `RedisBroker`: Troupe on Redis, with Dramatiq's key layout, ack sets and heartbeats;
 * `RedisTransport`: the transport it runs on.
 *
 * @module @troupe/broker-redis
 */
export { RedisBroker, type RedisBrokerOptions, type RedisDelivery } from "./redis-broker.js";
export type { RedisClient, RedisConnectionOptions } from "./redis-connection.js";
export { RedisTransport, type RedisTransportOptions } from "./redis-transport.js";
export type { RedisWorkerInfo } from "./worker-heartbeats.js";
