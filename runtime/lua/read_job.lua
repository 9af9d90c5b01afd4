-- read_job: one job's state and stored fields, read atomically.
--
-- KEYS[1] job        HASH  the job
-- KEYS[2] wait       ZSET  ready jobs of a non-zero priority
-- KEYS[3] delayed    ZSET
-- KEYS[4] retry      ZSET
-- KEYS[5] active     ZSET
-- KEYS[6] completed  ZSET
-- KEYS[7] dead       ZSET
-- KEYS[8] options    HASH  shared options records: a job's 'o' is expanded into their fields
-- ARGV[1] job id
-- ARGV[2] '1' to return the fields too, '0' for the state only
-- Returns: {state, score in that set or '', field, value, ...}; state is one of
--   waiting, delayed, failed, active, completed, dead, unknown.
--   A stored job in none of these ZSETs waits in the `fifo` LIST (priority 0):
--   every script that removes a job from a ZSET adds it to another key or
--   deletes it, so the LIST is not searched (LPOS would be O(jobs waiting)).
-- common: shared_by_number, shared_fields

local id = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'unknown', ''} end
local states = {{KEYS[5], 'active'}, {KEYS[2], 'waiting'}, {KEYS[3], 'delayed'},
                {KEYS[4], 'failed'}, {KEYS[6], 'completed'}, {KEYS[7], 'dead'}}
local state, score = 'waiting', ''
for _, pair in ipairs(states) do
  local s = redis.call('ZSCORE', pair[1], id)
  if s then
    state, score = pair[2], s
    break
  end
end
local out = {state, score}
if ARGV[2] == '1' then
  local fields = redis.call('HGETALL', KEYS[1])
  for i = 1, #fields, 2 do
    out[#out + 1] = fields[i]
    out[#out + 1] = fields[i + 1]
    if fields[i] == 'o' then
      for field, value in pairs(shared_fields(KEYS[8], fields[i + 1])) do
        out[#out + 1] = field
        out[#out + 1] = value
      end
    end
  end
end
return out
