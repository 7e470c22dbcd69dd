-- Moves dead letters back to their queue as new copies; an id another caller
-- already took is skipped, so concurrent operators cannot requeue one twice.
-- ARGV: namespace, worker id, now (ms), canonical queue, then old id / new id / payload triples.
local ns, worker, queue = ARGV[1], ARGV[2], ARGV[4]
redis.call("ZADD", ns .. ":__heartbeats__", ARGV[3], worker)
local list = ns .. ":" .. queue
local xq = list .. ".XQ"
local ids = {}
for i = 5, #ARGV, 3 do
  if redis.call("ZREM", xq, ARGV[i]) == 1 then
    redis.call("HDEL", xq .. ".msgs", ARGV[i])
    redis.call("HSET", list .. ".msgs", ARGV[i + 1], ARGV[i + 2])
    ids[#ids + 1] = ARGV[i + 1]
  end
end
if #ids > 0 then
  redis.call("RPUSH", list, unpack(ids))
  redis.call("PUBLISH", ns .. ":__wakeup__." .. queue, "1")
end
return #ids
