-- Acks the ids the caller finished (batched), then moves up to n ids from the
-- head of the queue into the caller's ack set and returns id/payload pairs.
-- A fetch queued behind a blocked read runs long after it was sent: it passes now = 0,
-- so its stale time does not overwrite a fresher heartbeat, and the canonical queue,
-- so it takes nothing while that queue is paused (no worker asked for these messages yet).
-- ARGV: namespace, worker id, now (ms), queue, n, canonical queue or "", then ids to ack.
local ns, worker, queue = ARGV[1], ARGV[2], ARGV[4]
if ARGV[3] ~= "0" then
  redis.call("ZADD", ns .. ":__heartbeats__", ARGV[3], worker)
end
local list = ns .. ":" .. queue
local msgs = list .. ".msgs"
local acks = ns .. ":__acks__." .. worker .. "." .. queue
for i = 7, #ARGV do
  if redis.call("SREM", acks, ARGV[i]) == 1 then
    redis.call("HDEL", msgs, ARGV[i])
  end
end
local n = tonumber(ARGV[5])
if n <= 0 or (ARGV[6] ~= "" and redis.call("SISMEMBER", ns .. ":__paused__", ARGV[6]) == 1) then
  return {}
end
-- LRANGE + LTRIM rather than LPOP with a count, which needs Redis 6.2.
local ids = redis.call("LRANGE", list, 0, n - 1)
if #ids == 0 then
  return {}
end
redis.call("LTRIM", list, #ids, -1)
redis.call("SADD", acks, unpack(ids))
local payloads = redis.call("HMGET", msgs, unpack(ids))
local out = {}
for i = 1, #ids do
  local data = payloads[i]
  if data then
    out[#out + 1] = ids[i]
    out[#out + 1] = data
  else
    -- Acked or purged elsewhere while it waited: nothing to run.
    redis.call("SREM", acks, ids[i])
  end
end
return out
