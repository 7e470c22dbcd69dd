-- Drops a queue's waiting messages, payloads, this worker's ack set and the dead letters.
-- ARGV: namespace, worker id, now (ms), queue, canonical queue.
local ns, worker, queue = ARGV[1], ARGV[2], ARGV[4]
redis.call("ZADD", ns .. ":__heartbeats__", ARGV[3], worker)
local list = ns .. ":" .. queue
local xq = ns .. ":" .. ARGV[5] .. ".XQ"
return redis.call("DEL", list, list .. ".msgs", ns .. ":__acks__." .. worker .. "." .. queue, xq, xq .. ".msgs", xq .. ".reasons")
