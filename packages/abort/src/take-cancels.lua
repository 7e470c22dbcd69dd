-- Takes one cancel entry of each message (KEYS: their cancel keys): 1 where there was
-- one, else 0. One command for a whole batch, rather than one LPOP each.
local taken = {}
for i, key in ipairs(KEYS) do
  taken[i] = redis.call("LPOP", key) and 1 or 0
end
return taken
