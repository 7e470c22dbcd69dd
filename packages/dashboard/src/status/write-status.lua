-- Applies a batch of status events (RedisStatusStore.write). The common cases are one or
-- two commands per message: a producer's SET NX of a new record, a worker's APPEND of its
-- transitions (and a PEXPIRE), never reading the record: readers order the transitions, so
-- a transition may be appended after a newer one (events of one message from two processes).
-- Only a record grown over COMPACT_AT is read and rewritten (compacted).
-- ARGV: key prefix, ttl ms, now ms, stats key lifetime ms, the stats as JSON
-- {{bucket, field, increment}, ...}; then the messages that create their record (or whose
-- id holds a newline) as one flat JSON array: per message its id and 0, or its id, 1, its
-- first transition's at (ms relative to now), its actor and its queue when a static part
-- comes with its events; their static JSON parts, joined by "\n"; their transition texts,
-- joined by "\t" (preceded by a "\t" when they are appended), the messages joined by "\n".
-- Then the other messages, appended to: their ids, each after "+" (push the record's
-- expiry back) or "=" (keep it: the record was made moments ago, within 1% of the ttl),
-- joined by "\n", and their transition texts as above (plain lists: decoding JSON, a
-- table per message, would cost Redis more than the writes). A message without a static part whose record does not exist (a
-- worker's first sight of a message sent without the middleware) is left out: the script
-- returns those ids, and the caller sends their events again with the static part, so a
-- record never shows without its arguments.
--
-- <prefix>m:<id>, the record (redis-status-record.ts reads it), expiring ttl after its latest
-- write: static JSON .. "\n" .. transition texts joined by "\t" (neither JSON text nor a
-- transition text holds a raw newline or tab). A transition text is "<state>@<at>", then
-- "+<durationMs>", "#<retries>" and a JSON object of the rest (error, options) when present.
-- <prefix>x: a stream of {m = id, a = actor, q = queue} whose entry ids are the records'
-- createdAt (kept increasing), trimmed to the ttl. <prefix>st:<bucket>: run counters.
local prefix = ARGV[1]
-- Passed on as the text it came as: Redis would format a Lua number again on every call.
local ttl = ARGV[2]
local now = tonumber(ARGV[3])
local statsTtl = ARGV[4]
local stats = cjson.decode(ARGV[5])
local messages = cjson.decode(ARGV[6])
local statics, texts = ARGV[7], ARGV[8]
local appendIds, appendTexts = ARGV[9], ARGV[10]
local MAX_TRANSITIONS = 100
local COMPACT_AT = 16384
local RANK = { queued = 0, delayed = 0, running = 1 }
local LATER = 2
local streamKey = prefix .. "x"
local lastMs

-- Stream ids must grow: a record created earlier than the stream's newest entry takes that entry's ms.
local function index(createdAt, id, actor, queue)
  if lastMs == nil then
    local newest = redis.call("XREVRANGE", streamKey, "+", "-", "COUNT", 1)[1]
    lastMs = newest and tonumber(string.match(newest[1], "^(%d+)")) or 0
  end
  lastMs = math.max(createdAt, lastMs)
  redis.call("XADD", streamKey, string.format("%d-*", lastMs), "m", id, "a", actor, "q", queue)
end

-- The rare path: orders the transitions (by time, ties by rank, arrival order kept), keeps the
-- newest traceback only and at most MAX_TRANSITIONS (the first and the newest).
local function compact(transitions)
  local list = {}
  for text in string.gmatch(transitions, "[^\t]+") do
    local state, at = string.match(text, "^([%a-]+)@(%d+)")
    list[#list + 1] = { text = text, at = tonumber(at), rank = RANK[state] or LATER, n = #list }
  end
  table.sort(list, function(a, b)
    if a.at ~= b.at then return a.at < b.at end
    if a.rank ~= b.rank then return a.rank < b.rank end
    return a.n < b.n
  end)
  local seen = false
  for j = #list, 1, -1 do
    local text = list[j].text
    local brace = string.find(text, "{", 1, true)
    if brace and string.find(text, '"traceback"', brace, true) then
      local rest = cjson.decode(string.sub(text, brace))
      if rest.error and rest.error.traceback then
        if seen then
          rest.error.traceback = nil
          list[j].text = string.sub(text, 1, brace - 1) .. cjson.encode(rest)
        end
        seen = true
      end
    end
  end
  while #list > MAX_TRANSITIONS do table.remove(list, 2) end
  local out = {}
  for j, item in ipairs(list) do out[j] = item.text end
  return table.concat(out, "\t")
end

local statsKeys = {}
for _, counter in ipairs(stats) do
  local key = prefix .. "st:" .. counter[1]
  redis.call("HINCRBY", key, counter[2], counter[3])
  statsKeys[key] = true
end
for key in pairs(statsKeys) do redis.call("PEXPIRE", key, statsTtl) end

local missing = {}

-- The next newline-separated part of `text` from `at`, and where the one after starts.
local function nextPart(text, at)
  local newline = string.find(text, "\n", at, true)
  if newline == nil then return string.sub(text, at), #text + 2 end
  return string.sub(text, at, newline - 1), newline + 1
end

-- Appends `joined` (starting with a tab) to the record of `id`, without reading it, and
-- pushes its expiry back, unless `keepExpiry` (the record was made moments ago).
local function append(id, joined, keepExpiry)
  local key = prefix .. "m:" .. id
  local length = redis.call("APPEND", key, joined)
  if length == #joined then
    -- APPEND made the key: there was no record to append to.
    redis.call("DEL", key)
    missing[#missing + 1] = id
  elseif length > COMPACT_AT then
    local raw = redis.call("GET", key)
    local body = string.find(raw, "\n", 1, true)
    redis.call("SET", key, string.sub(raw, 1, body) .. compact(string.sub(raw, body + 1)), "PX", ttl)
  elseif not keepExpiry then
    redis.call("PEXPIRE", key, ttl)
  end
end

local staticAt, textAt = 1, 1
local i = 1
while i <= #messages do
  local id = messages[i]
  local joined
  joined, textAt = nextPart(texts, textAt)
  if messages[i + 1] == 0 then
    i = i + 2
    append(id, joined)
  else
    local firstAt, actor, queue = now + messages[i + 2], messages[i + 3], messages[i + 4]
    i = i + 5
    local static
    static, staticAt = nextPart(statics, staticAt)
    local key = prefix .. "m:" .. id
    if redis.call("SET", key, static .. "\n" .. joined, "PX", ttl, "NX") then
      index(firstAt, id, actor, queue)
    else
      -- The record exists (the id was sent again, or its worker wrote first): the static part sent replaces its own.
      local raw = redis.call("GET", key)
      local transitions = string.sub(raw, string.find(raw, "\n", 1, true) + 1) .. "\t" .. joined
      if #transitions > COMPACT_AT then transitions = compact(transitions) end
      redis.call("SET", key, static .. "\n" .. transitions, "PX", ttl)
    end
  end
end

if appendIds ~= "" then
  local idAt, id, joined = 1
  textAt = 1
  while idAt <= #appendIds do
    id, idAt = nextPart(appendIds, idAt)
    joined, textAt = nextPart(appendTexts, textAt)
    append(string.sub(id, 2), joined, string.byte(id, 1) == 61)
  end
end

if lastMs ~= nil then
  redis.call("XTRIM", streamKey, "MINID", string.format("%d", now - ttl))
  redis.call("PEXPIRE", streamKey, ttl)
end
return missing
