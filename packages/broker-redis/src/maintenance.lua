-- Returns the messages of workers whose heartbeat is older than the timeout to
-- their queues, forgets such workers once no ack set of theirs is left, and
-- drops dead letters older than their TTL with their reasons (and reasons whose dead
-- letter a Dramatiq worker's maintenance dropped: it knows only its own two keys).
-- ARGV: namespace, worker id, now (ms), heartbeat timeout, dead message TTL, then canonical queues.
local ns, worker, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local heartbeats = ns .. ":__heartbeats__"
redis.call("ZADD", heartbeats, now, worker)

-- unpack() is bounded by Lua's stack: push in slices.
local function push_all(list, ids)
  for first = 1, #ids, 1000 do
    redis.call("RPUSH", list, unpack(ids, first, math.min(first + 999, #ids)))
  end
end

local function glob_escape(text)
  return (string.gsub(text, "([%*%?%[%]\\])", "\\%1"))
end

local requeued = 0
local dead = redis.call("ZRANGEBYSCORE", heartbeats, "-inf", now - tonumber(ARGV[4]))
for _, dead_worker in ipairs(dead) do
  local prefix = ns .. ":__acks__." .. dead_worker .. "."
  for i = 6, #ARGV do
    for _, queue in ipairs({ ARGV[i], ARGV[i] .. ".DQ" }) do
      local acks = prefix .. queue
      local ids = redis.call("SMEMBERS", acks)
      if #ids > 0 then
        local list = ns .. ":" .. queue
        local msgs = list .. ".msgs"
        local back = {}
        for _, id in ipairs(ids) do
          if redis.call("HEXISTS", msgs, id) == 1 then
            back[#back + 1] = id
          end
        end
        push_all(list, back)
        redis.call("DEL", acks)
        requeued = requeued + #back
        if #back > 0 then
          redis.call("PUBLISH", ns .. ":__wakeup__." .. queue, "1")
        end
      end
    end
  end
  -- Ack sets for queues this worker does not consume stay for their consumers' maintenance.
  if #redis.call("KEYS", glob_escape(prefix) .. "*") == 0 then
    redis.call("ZREM", heartbeats, dead_worker)
  end
end

local expired = 0
local horizon = now - tonumber(ARGV[5])
for i = 6, #ARGV do
  local xq = ns .. ":" .. ARGV[i] .. ".XQ"
  local reasons = xq .. ".reasons"
  local old = redis.call("ZRANGEBYSCORE", xq, "-inf", horizon)
  for first = 1, #old, 1000 do
    local last = math.min(first + 999, #old)
    redis.call("HDEL", xq .. ".msgs", unpack(old, first, last))
    redis.call("HDEL", reasons, unpack(old, first, last))
  end
  if #old > 0 then
    redis.call("ZREMRANGEBYSCORE", xq, "-inf", horizon)
    expired = expired + #old
  end
  if redis.call("HLEN", reasons) > redis.call("ZCARD", xq) then
    for _, id in ipairs(redis.call("HKEYS", reasons)) do
      if not redis.call("ZSCORE", xq, id) then
        redis.call("HDEL", reasons, id)
      end
    end
  end
end
return { requeued, expired }
