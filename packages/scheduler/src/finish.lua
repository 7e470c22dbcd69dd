-- A scheduled message finished (ScheduleStore.finish): recorded when it is the message of
-- the last claimed tick, so a late report of an older one cannot unblock overlap "skip".
-- KEYS[1]: the schedule's hash. ARGV: messageId.
if redis.call("HGET", KEYS[1], "current") == ARGV[1] then
  redis.call("HSET", KEYS[1], "finished", ARGV[1])
  return 1
end
return 0
