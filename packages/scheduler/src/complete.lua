-- The claimed tick was enqueued (ScheduleStore.complete): ends its claim, moves the cursor
-- to it and records it as the last tick, unless a later one is recorded already.
-- KEYS[1]: the schedule's hash. ARGV: tick, messageId.
local key, tick = KEYS[1], tonumber(ARGV[1])
local f = redis.call("HMGET", key, "claim_tick", "cursor", "last_tick")
if tonumber(f[1]) == tick then
  redis.call("HDEL", key, "claim_tick", "claim_owner", "claim_until", "claim_id")
end
if f[2] == false or tonumber(f[2]) < tick then
  redis.call("HSET", key, "cursor", ARGV[1])
end
if f[3] == false or tonumber(f[3]) < tick then
  redis.call("HSET", key, "last_tick", ARGV[1], "last_id", ARGV[2])
end
return 1
