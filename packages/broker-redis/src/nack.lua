-- Moves ids this worker holds to the dead letters of the canonical queue, with why:
-- the reason goes to `<queue>.XQ.reasons`, a hash of Troupe's beside Dramatiq's two keys.
-- ARGV: namespace, worker id, now (ms), queue, canonical queue, reason, then ids.
local ns, worker, now, queue = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
redis.call("ZADD", ns .. ":__heartbeats__", now, worker)
local msgs = ns .. ":" .. queue .. ".msgs"
local acks = ns .. ":__acks__." .. worker .. "." .. queue
local xq = ns .. ":" .. ARGV[5] .. ".XQ"
local count = 0
for i = 7, #ARGV do
  local id = ARGV[i]
  if redis.call("SREM", acks, id) == 1 then
    local data = redis.call("HGET", msgs, id)
    if data then
      redis.call("ZADD", xq, now, id)
      redis.call("HSET", xq .. ".msgs", id, data)
      redis.call("HSET", xq .. ".reasons", id, ARGV[6])
      redis.call("HDEL", msgs, id)
      count = count + 1
    end
  end
end
return count
