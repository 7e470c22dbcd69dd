-- Deletes every dead letter of a canonical queue and says how many there were.
-- ARGV: namespace, worker id, now (ms), canonical queue.
local ns, worker = ARGV[1], ARGV[2]
redis.call("ZADD", ns .. ":__heartbeats__", ARGV[3], worker)
local xq = ns .. ":" .. ARGV[4] .. ".XQ"
local count = redis.call("ZCARD", xq)
redis.call("DEL", xq, xq .. ".msgs", xq .. ".reasons")
return count
