-- Stores messages and appends their ids to one queue (docs/protocol.md §4 enqueue), then
-- wakes idle Troupe consumers of the queue on its channel, in the same round trip.
-- A call that reaches Redis after its deadline stores nothing and answers -1: its
-- sender has already told the caller that the send failed.
-- ARGV: namespace, worker id, now (ms), queue, deadline (Redis clock, ms), then id/payload pairs.
if redis.replicate_commands then
  -- Redis < 5 must replicate effects to write after TIME; later versions always do.
  redis.replicate_commands()
end
local ns, queue = ARGV[1], ARGV[4]
local time = redis.call("TIME")
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) >= tonumber(ARGV[5]) then
  return -1
end
redis.call("ZADD", ns .. ":__heartbeats__", ARGV[3], ARGV[2])
local list = ns .. ":" .. queue
local msgs = list .. ".msgs"
local ids = {}
for i = 6, #ARGV, 2 do
  -- An id already stored is the same copy sent again: it is neither overwritten nor listed twice.
  if redis.call("HSETNX", msgs, ARGV[i], ARGV[i + 1]) == 1 then
    ids[#ids + 1] = ARGV[i]
  end
end
if #ids > 0 then
  redis.call("RPUSH", list, unpack(ids))
  redis.call("PUBLISH", ns .. ":__wakeup__." .. queue, "1")
end
return #ids
