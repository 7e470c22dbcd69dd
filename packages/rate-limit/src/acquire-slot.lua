-- KEYS[1] counter (Dramatiq's holder count), KEYS[2] its holders: a sorted set of holder -> deadline (ms).
-- ARGV holder, limit, ttl (ms). Frees the slots of holders past their deadline, then takes one for
-- ARGV[1] unless the count would exceed the limit. Server time, so holders' clocks do not matter.
local time = redis.call("TIME")
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[3])
local count = tonumber(redis.call("GET", KEYS[1]) or "0")
local expired = redis.call("ZREMRANGEBYSCORE", KEYS[2], "-inf", now)
if expired > 0 then
  count = math.max(count - expired, 0)
end
if count + 1 > tonumber(ARGV[2]) then
  -- A refusal leaves the TTL as it was (as Dramatiq's), but not the freed slots.
  if expired > 0 and redis.call("EXISTS", KEYS[1]) == 1 then
    redis.call("SET", KEYS[1], count, "KEEPTTL")
  end
  return 0
end
redis.call("SET", KEYS[1], count + 1, "PX", ttl)
redis.call("ZADD", KEYS[2], now + ttl, ARGV[1])
-- The newest deadline is now + ttl: the set never outlives its last holder.
redis.call("PEXPIRE", KEYS[2], ttl)
return 1
