-- One look at a schedule (ScheduleStore.step in schedule-store.ts): records that a scheduler
-- looked, applies downtime, then hands out the claim or says why not. Atomic, so two
-- processes never both claim a tick.
-- KEYS[1]: the schedule's hash. ARGV: owner, now, lease, downAfter, catchUp,
-- skipWhileRunning ("1"/"0"), tick ("" for none), messageId.
-- Leases run on Redis's clock (TIME), so the processes' clocks need not agree about them.
if redis.replicate_commands then
  -- Redis < 5 must replicate effects to write after TIME; later versions always do.
  redis.replicate_commands()
end
local key = KEYS[1]
local owner, now, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local downAfter, catchUp = tonumber(ARGV[4]), tonumber(ARGV[5])
local skip, tick, messageId = ARGV[6] == "1", tonumber(ARGV[7]), ARGV[8]
local int = function(n) return string.format("%d", n) end
local time = redis.call("TIME")
local clock = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local f = redis.call("HMGET", key, "cursor", "seen", "claim_tick", "claim_owner", "claim_until", "claim_id", "current", "finished", "last_tick")
local cursor, seen = tonumber(f[1]), tonumber(f[2])
if cursor == nil then
  -- A new schedule: its first tick is the next one.
  cursor = now
  redis.call("HSET", key, "cursor", int(cursor))
elseif seen ~= nil and now - seen > downAfter and now - catchUp > cursor then
  -- Nobody looked for longer than downAfter: ticks older than catchUp were missed.
  cursor = now - catchUp
  redis.call("HSET", key, "cursor", int(cursor))
end
if seen == nil or now > seen then
  redis.call("HSET", key, "seen", int(now))
end

if f[3] then
  local expires = tonumber(f[5])
  if f[4] ~= owner and expires > clock then
    return {"busy", int(cursor), int(expires - clock)}
  end
  if f[6] ~= f[8] then
    -- Its holder's lease ran out (or it is the asker's own): the asker finishes it.
    redis.call("HSET", key, "claim_owner", owner, "claim_until", int(clock + lease))
    return {"claimed", int(cursor), f[3], f[6]}
  end
  -- A worker reported the claimed tick's message finished: it was sent, and its sender died
  -- before completing the claim. It is completed here rather than sent again.
  local claimed = tonumber(f[3])
  redis.call("HDEL", key, "claim_tick", "claim_owner", "claim_until", "claim_id")
  if claimed > cursor then
    cursor = claimed
    redis.call("HSET", key, "cursor", f[3])
  end
  if f[9] == false or tonumber(f[9]) < claimed then
    redis.call("HSET", key, "last_tick", f[3], "last_id", f[6])
  end
end
if tick == nil or tick <= cursor then
  return {"idle", int(cursor)}
end
if skip and f[7] and f[7] ~= f[8] then
  redis.call("HSET", key, "cursor", ARGV[7])
  return {"skipped", ARGV[7], f[7]}
end
redis.call("HSET", key, "claim_tick", ARGV[7], "claim_owner", owner, "claim_until", int(clock + lease), "claim_id", messageId, "current", messageId)
return {"claimed", int(cursor), ARGV[7], messageId}
