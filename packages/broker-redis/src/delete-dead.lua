-- Deletes dead letters of a canonical queue by id and says how many were there.
-- ARGV: namespace, worker id, now (ms), canonical queue, then ids.
local ns, worker = ARGV[1], ARGV[2]
redis.call("ZADD", ns .. ":__heartbeats__", ARGV[3], worker)
local xq = ns .. ":" .. ARGV[4] .. ".XQ"
local count = 0
for i = 5, #ARGV do
  if redis.call("ZREM", xq, ARGV[i]) == 1 then
    redis.call("HDEL", xq .. ".msgs", ARGV[i])
    redis.call("HDEL", xq .. ".reasons", ARGV[i])
    count = count + 1
  end
end
return count
