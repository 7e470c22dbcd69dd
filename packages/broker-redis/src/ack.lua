-- Forgets the payloads of the ids this worker finished.
-- ARGV: namespace, worker id, now (ms), queue, then ids.
local ns, worker, queue = ARGV[1], ARGV[2], ARGV[4]
redis.call("ZADD", ns .. ":__heartbeats__", ARGV[3], worker)
local msgs = ns .. ":" .. queue .. ".msgs"
local acks = ns .. ":__acks__." .. worker .. "." .. queue
local count = 0
for i = 5, #ARGV do
  if redis.call("SREM", acks, ARGV[i]) == 1 then
    redis.call("HDEL", msgs, ARGV[i])
    count = count + 1
  end
end
return count
