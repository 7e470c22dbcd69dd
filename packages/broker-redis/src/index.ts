export { RedisBroker, type RedisBrokerOptions } from "./redis-broker.js";
export type { RedisClient, RedisConnectionOptions } from "./redis-connection.js";
export type { RedisDelivery } from "./redis-consumer.js";
