-- Moves due delayed messages this worker holds from `<queue>.DQ` to `<queue>` in one
-- step: a copy is stored and listed only if its delay-queue copy was still in the
-- worker's ack set, which this removes with its payload. A move whose answer was lost
-- therefore cannot run twice: once it happened, neither a second move nor a requeue
-- of the delay-queue copy finds anything. Refused (-1) after its deadline, as enqueue.
-- ARGV: namespace, worker id, now (ms), queue, deadline (Redis clock, ms), then
-- new id / delay-queue id / payload triples.
if redis.replicate_commands then
  redis.replicate_commands()
end
local ns, worker, queue = ARGV[1], ARGV[2], ARGV[4]
local time = redis.call("TIME")
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) >= tonumber(ARGV[5]) then
  return -1
end
redis.call("ZADD", ns .. ":__heartbeats__", ARGV[3], worker)
local list = ns .. ":" .. queue
local msgs = list .. ".msgs"
local held = ns .. ":__acks__." .. worker .. "." .. queue .. ".DQ"
local delayed = list .. ".DQ.msgs"
local ids = {}
for i = 6, #ARGV, 3 do
  if redis.call("SREM", held, ARGV[i + 1]) == 1 then
    redis.call("HDEL", delayed, ARGV[i + 1])
    if redis.call("HSETNX", msgs, ARGV[i], ARGV[i + 2]) == 1 then
      ids[#ids + 1] = ARGV[i]
    end
  end
end
if #ids > 0 then
  redis.call("RPUSH", list, unpack(ids))
  redis.call("PUBLISH", ns .. ":__wakeup__." .. queue, "1")
end
return #ids
