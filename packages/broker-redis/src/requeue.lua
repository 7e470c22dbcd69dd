-- Puts ids this worker holds back at the head of their queue, unprocessed, in the
-- order given (they were fetched first, so they run first).
-- ARGV: namespace, worker id, now (ms), queue, then ids.
local ns, worker, queue = ARGV[1], ARGV[2], ARGV[4]
redis.call("ZADD", ns .. ":__heartbeats__", ARGV[3], worker)
local list = ns .. ":" .. queue
local msgs = list .. ".msgs"
local acks = ns .. ":__acks__." .. worker .. "." .. queue
local back = {}
for i = #ARGV, 5, -1 do
  local id = ARGV[i]
  if redis.call("SREM", acks, id) == 1 and redis.call("HEXISTS", msgs, id) == 1 then
    back[#back + 1] = id
  end
end
if #back > 0 then
  redis.call("LPUSH", list, unpack(back))
  redis.call("PUBLISH", ns .. ":__wakeup__." .. queue, "1")
end
return #back
