-- Counts of one canonical queue: ready, waiting on the delay queue, delayed
-- messages held by workers, messages in flight, dead letters.
-- ARGV: namespace, worker id, now (ms), canonical queue.
local ns, worker, queue = ARGV[1], ARGV[2], ARGV[4]
local heartbeats = ns .. ":__heartbeats__"
redis.call("ZADD", heartbeats, ARGV[3], worker)
local held, in_flight = 0, 0
for _, member in ipairs(redis.call("ZRANGE", heartbeats, 0, -1)) do
  local prefix = ns .. ":__acks__." .. member .. "." .. queue
  in_flight = in_flight + redis.call("SCARD", prefix)
  held = held + redis.call("SCARD", prefix .. ".DQ")
end
local list = ns .. ":" .. queue
return {
  redis.call("LLEN", list),
  redis.call("LLEN", list .. ".DQ"),
  held,
  in_flight,
  redis.call("ZCARD", list .. ".XQ"),
}
