-- KEYS[1] counter, KEYS[2] its holders (see acquire-slot.lua); ARGV holder, ttl (ms).
-- Gives back the holder's slot; a holder already freed as expired changes nothing (its slot went back then).
if redis.call("ZREM", KEYS[2], ARGV[1]) == 0 then
  return 0
end
local value = tonumber(redis.call("GET", KEYS[1]) or "0") - 1
if value >= 0 then
  redis.call("SET", KEYS[1], value, "PX", ARGV[2])
end
return 1
