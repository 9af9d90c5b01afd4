-- read_due_repeats: the repeats whose current occurrence came due, with their
-- definitions, in one round trip (the worker then computes each next time).
--
-- KEYS[1] repeat     ZSET  repeat keys by next occurrence
-- KEYS[2] repeats    HASH  repeat key -> definition JSON
-- ARGV[1] now (ms)
-- ARGV[2] max repeats to return
-- Returns: flat array {repeat key, occurrence time (ms), definition JSON or nil} per repeat.
-- common: none

local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES',
                       'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for i = 1, #due, 2 do
  out[#out + 1] = due[i]
  out[#out + 1] = due[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[2], due[i])
end
return out
