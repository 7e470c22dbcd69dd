-- Applies a batch of status events (RedisStatusStore.write). The common cases are a few
-- string operations: a producer's SET NX of a new record, a worker's append of transitions
-- newer than the record's latest. Only a transition older than the latest (events of one
-- message from two processes, out of order) or an oversized record decodes the record.
-- ARGV: key prefix, ttl ms, now ms, stats key lifetime ms, the batch as JSON:
-- {s = {{bucket, field, increment}, ...}, m = {message, ...}}, a message being its events of
-- the batch, in time order: {id, actor, queue, first transition's at and rank, last
-- transition's state and at, 1 when a static part comes with them (the events that create
-- a record) else 0}; then the static JSON parts, joined by "\n", and per message its
-- transition JSON texts joined by ",", the messages joined by "\n". A message without a
-- static part whose record does not exist (a worker's first sight of a message sent without
-- the middleware) is left out: the script returns those ids, and the caller sends their
-- events again with the static part, so a record never shows without its arguments.
--
-- <prefix>m:<id>, the record (redis-status-record.ts reads it), expiring ttl after its latest
-- write: "<state>|<updatedAt>\n" .. static JSON .. "\n" .. transition JSON texts joined by ","
-- (JSON text never holds a raw newline). <prefix>x: a stream of {m = id, a = actor, q = queue}
-- whose entry ids are the records' createdAt (kept increasing), trimmed to the ttl.
-- <prefix>st:<bucket>: run counters.
local prefix = ARGV[1]
local ttl = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local statsTtl = tonumber(ARGV[4])
local batch = cjson.decode(ARGV[5])
local MAX_TRANSITIONS = 100
local COMPACT_AT = 16384
local RANK = { queued = 0, delayed = 0, running = 1 }
local streamKey = prefix .. "x"
local lastMs

local function rank(state)
  return RANK[state] or 2
end

-- Stream ids must grow: a record created earlier than the stream's newest entry takes that entry's ms.
local function index(createdAt, id, actor, queue)
  if lastMs == nil then
    local newest = redis.call("XREVRANGE", streamKey, "+", "-", "COUNT", 1)[1]
    lastMs = newest and tonumber(string.match(newest[1], "^(%d+)")) or 0
  end
  lastMs = math.max(createdAt, lastMs)
  redis.call("XADD", streamKey, string.format("%d-*", lastMs), "m", id, "a", actor, "q", queue)
end

-- The rare path: merges in time order (ties by rank, arrival order kept), keeps the newest
-- traceback only and at most MAX_TRANSITIONS (the first and the newest).
local function rebuild(existing, joined)
  local list = cjson.decode("[" .. existing .. "]")
  for _, item in ipairs(cjson.decode("[" .. joined .. "]")) do
    local r = rank(item.state)
    local at = #list + 1
    while at > 1 do
      local previous = list[at - 1]
      if previous.at < item.at or (previous.at == item.at and rank(previous.state) <= r) then break end
      at = at - 1
    end
    table.insert(list, at, item)
  end
  local seen = false
  for j = #list, 1, -1 do
    local err = list[j].error
    if err and err.traceback then
      if seen then err.traceback = nil end
      seen = true
    end
  end
  while #list > MAX_TRANSITIONS do table.remove(list, 2) end
  local texts = {}
  for j, item in ipairs(list) do texts[j] = cjson.encode(item) end
  return table.concat(texts, ","), list[#list].state, list[#list].at, list[1].at
end

local statsKeys = {}
for _, counter in ipairs(batch.s) do
  local key = prefix .. "st:" .. counter[1]
  redis.call("HINCRBY", key, counter[2], counter[3])
  statsKeys[key] = true
end
for key in pairs(statsKeys) do redis.call("PEXPIRE", key, statsTtl) end

local missing = {}
local statics, texts = ARGV[6], ARGV[7]
local staticAt, textAt = 1, 1

-- The next newline-separated part of `text` from `at`, and where the one after starts.
local function nextPart(text, at)
  local newline = string.find(text, "\n", at, true)
  if newline == nil then return string.sub(text, at), #text + 2 end
  return string.sub(text, at, newline - 1), newline + 1
end

for _, message in ipairs(batch.m) do
  local id, actor, queue, firstAt, firstRank = message[1], message[2], message[3], message[4], message[5]
  local lastState, lastAt = message[6], string.format("%d", message[7])
  local static, joined = ""
  if message[8] == 1 then static, staticAt = nextPart(statics, staticAt) end
  joined, textAt = nextPart(texts, textAt)
  local key = prefix .. "m:" .. id
  local done = false
  if static ~= "" then
    done = redis.call("SET", key, lastState .. "|" .. lastAt .. "\n" .. static .. "\n" .. joined, "PX", ttl, "NX")
    if done then index(firstAt, id, actor, queue) end
  end
  if not done then
    -- SET NX failed, so a record with a static part sent exists: only one without can be missing.
    local raw = redis.call("GET", key)
    if not raw then
      missing[#missing + 1] = id
    else
      local state, updatedAt = string.match(raw, "^([^|]*)|(%d+)\n")
      local header = string.find(raw, "\n", 1, true)
      local body = string.find(raw, "\n", header + 1, true)
      if static == "" then static = string.sub(raw, header + 1, body - 1) end
      local existing = string.sub(raw, body + 1)
      updatedAt = tonumber(updatedAt)
      local record
      if #raw < COMPACT_AT and (firstAt > updatedAt or (firstAt == updatedAt and firstRank >= rank(state))) then
        record = lastState .. "|" .. lastAt .. "\n" .. static .. "\n" .. existing .. "," .. joined
      else
        local merged, newestState, newestAt = rebuild(existing, joined)
        record = string.format("%s|%d\n", newestState, newestAt) .. static .. "\n" .. merged
      end
      redis.call("SET", key, record, "PX", ttl)
    end
  end
end

if lastMs ~= nil then
  redis.call("XTRIM", streamKey, "MINID", string.format("%d", now - ttl))
  redis.call("PEXPIRE", streamKey, ttl)
end
return missing
