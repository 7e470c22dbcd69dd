-- Stores messages and appends their ids to one queue (docs/protocol.md §4 enqueue), then
-- wakes idle Troupe consumers of the queue on its channel, in the same round trip.
-- ARGV: namespace, worker id, now (ms), queue, then id/payload pairs.
local ns, queue = ARGV[1], ARGV[4]
redis.call("ZADD", ns .. ":__heartbeats__", ARGV[3], ARGV[2])
local list = ns .. ":" .. queue
local msgs = list .. ".msgs"
local ids = {}
for i = 5, #ARGV, 2 do
  -- HSET answers 0 for a stored id: a resent enqueue must not list it twice.
  if redis.call("HSET", msgs, ARGV[i], ARGV[i + 1]) == 1 then
    ids[#ids + 1] = ARGV[i]
  end
end
if #ids > 0 then
  redis.call("RPUSH", list, unpack(ids))
  redis.call("PUBLISH", ns .. ":__wakeup__." .. queue, "1")
end
return #ids
