-- Acks the ids the caller finished (batched), then moves up to n ids from the
-- head of the queue into the caller's ack set and returns id/payload pairs.
-- ARGV: namespace, worker id, now (ms), queue, n, then ids to ack.
local ns, worker, queue = ARGV[1], ARGV[2], ARGV[4]
redis.call("ZADD", ns .. ":__heartbeats__", ARGV[3], worker)
local list = ns .. ":" .. queue
local msgs = list .. ".msgs"
local acks = ns .. ":__acks__." .. worker .. "." .. queue
for i = 6, #ARGV do
  if redis.call("SREM", acks, ARGV[i]) == 1 then
    redis.call("HDEL", msgs, ARGV[i])
  end
end
local n = tonumber(ARGV[5])
if n <= 0 then
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
