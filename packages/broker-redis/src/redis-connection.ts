import {
  RedisConnection as CoreRedisConnection,
  type RedisConnectionOptions as CoreRedisConnectionOptions,
  closeRedisClient,
  type Logger,
  redisConnectionFailure,
} from "@troupe/core";
import { type Cluster, Redis, type RedisOptions } from "ioredis";

/** An ioredis client the broker can use (Cluster is typed but not supported: the scripts build key names). */
export type RedisClient = Redis | Cluster;

/** How the broker reaches Redis: `url` or `client`, `redisOptions`, `connectTimeout`, as every Troupe package on Redis. */
export type RedisConnectionOptions = CoreRedisConnectionOptions<RedisClient, RedisOptions>;

/** Core's Redis connection on ioredis, logging outages to the broker's logger. */
export class RedisConnection extends CoreRedisConnection<RedisClient, RedisOptions> {
  constructor(options: RedisConnectionOptions, logger: Logger) {
    super(Redis, options, { logger });
  }
}

/** A failure of `what` on the Redis named `label`, as a `ConnectionError`. */
export const wrapError = redisConnectionFailure;

/** Closes a client: politely when connected, by force after `timeout` ms (at most 2 s). */
export const closeClient = closeRedisClient;
