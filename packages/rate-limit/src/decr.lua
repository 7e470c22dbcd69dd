-- KEYS[1] counter; ARGV amount, minimum, ttl (ms).
-- Subtracts amount unless the result would fall below minimum; a change refreshes the TTL.
local value = tonumber(redis.call("GET", KEYS[1]) or "0") - tonumber(ARGV[1])
if value < tonumber(ARGV[2]) then
  return 0
end
redis.call("SET", KEYS[1], value, "PX", ARGV[3])
return 1
