-- remove_repeat: delete a repeat definition and its pending (not yet due) occurrence.
--
-- KEYS[1] repeat     ZSET  repeat keys by next occurrence
-- KEYS[2] repeats    HASH  repeat key -> definition JSON
-- KEYS[3] delayed    ZSET  scheduled jobs
-- KEYS[4] job_prefix       prefix of job HASH keys
-- ARGV[1] repeat key
-- Returns: 1 removed, 0 no such repeat.
-- common: none

local key = ARGV[1]
local score = redis.call('ZSCORE', KEYS[1], key)
local existed = redis.call('HDEL', KEYS[2], key, '#' .. key)
redis.call('ZREM', KEYS[1], key)
if score then
  local id = 'repeat:' .. key .. ':' .. score
  if redis.call('ZREM', KEYS[3], id) == 1 then
    redis.call('DEL', KEYS[4] .. id)
  end
end
if score or existed > 0 then return 1 end
return 0
