-- One step of RedisStatusStore.find: walks the index stream newest first, from `to` (or
-- before the cursor) down to `from`, keeps the records that pass the filters, and stops
-- at limit + 1 matches or after `budget` entries, so no call blocks Redis for long.
-- ARGV: key prefix, from ms or "-", to ms or "+", cursor (a stream id, exclusive) or "",
-- actor or "", queue or "", state or "", limit, budget.
-- Returns {finished, resume id, record...}: finished is 1 when the walk reached `from`;
-- else the resume id is where the next step starts (exclusive): the last record returned
-- when limit + 1 matched (the extra one is left out), or the last entry walked.
local prefix = ARGV[1]
local key = prefix .. "x"
local from = ARGV[2]
local upper = ARGV[4] ~= "" and ("(" .. ARGV[4]) or ARGV[3]
local actor, queue = ARGV[5], ARGV[6]
local wanted = ARGV[7] ~= "" and ARGV[7] or nil
local RANK = { queued = 0, delayed = 0, running = 1 }

-- The current state of a stored record: that of its latest transition (by time, ties by
-- rank, then the later one), as redis-status-record.ts reads it (see write-status.lua).
local function currentState(raw)
  local at = string.find(raw, "\n", 1, true) + 1
  local state, latest, latestRank = nil, -1, -1
  while true do
    local s, t = string.match(raw, "^([%a-]+)@(%d+)", at)
    if s then
      t = tonumber(t)
      local r = RANK[s] or 2
      if t > latest or (t == latest and r >= latestRank) then state, latest, latestRank = s, t, r end
    end
    local tab = string.find(raw, "\t", at, true)
    if tab == nil then return state end
    at = tab + 1
  end
end

local limit = tonumber(ARGV[8])
local budget = tonumber(ARGV[9])
local CHUNK = 500

local records, ids = {}, {}
local walked, lastId = 0, ""
local finished = 1
while true do
  local entries = redis.call("XREVRANGE", key, upper, from, "COUNT", CHUNK)
  for _, item in ipairs(entries) do
    -- Fields as the write script adds them: m, id, a, actor, q, queue.
    local fields = item[2]
    if (actor == "" or fields[4] == actor) and (queue == "" or fields[6] == queue) then
      local raw = redis.call("GET", prefix .. "m:" .. fields[2])
      if raw and (wanted == nil or currentState(raw) == wanted) then
        records[#records + 1] = raw
        ids[#records] = item[1]
        if #records > limit then
          records[#records] = nil
          return { 0, ids[limit], unpack(records) }
        end
      end
    end
    walked = walked + 1
    lastId = item[1]
    if walked >= budget then
      finished = 0
      break
    end
  end
  if finished == 0 or #entries < CHUNK then break end
  upper = "(" .. lastId
end
return { finished, lastId, unpack(records) }
