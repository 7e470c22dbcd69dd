-- KEYS[1] counter to add to, KEYS[2..] every counter of the window (KEYS[1] among them);
-- ARGV amount, maximum, ttl (ms). Adds amount unless the counter or the sum would exceed maximum.
local amount = tonumber(ARGV[1])
local maximum = tonumber(ARGV[2])
local value = tonumber(redis.call("GET", KEYS[1]) or "0") + amount
if value > maximum then
  return 0
end
local sum = amount
for i = 2, #KEYS do
  sum = sum + tonumber(redis.call("GET", KEYS[i]) or "0")
end
if sum > maximum then
  return 0
end
redis.call("SET", KEYS[1], value, "PX", ARGV[3])
return 1
