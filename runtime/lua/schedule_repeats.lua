-- schedule_repeats: for repeats whose occurrence came due, create the next
-- occurrence exactly once. A compare-and-set on the repeat's score makes
-- concurrent workers agree: only the first caller with the expected time wins.
--
-- KEYS[1] repeat     ZSET    repeat keys by next occurrence
-- KEYS[2] repeats    HASH    repeat key -> definition JSON; '#'..key -> occurrences created
-- KEYS[3] id         STRING  id/sequence counter
-- KEYS[4] wait       ZSET    ready jobs of a non-zero priority
-- KEYS[5] delayed    ZSET    scheduled jobs
-- KEYS[6] marker     ZSET    wake-up marker
-- KEYS[7] job_prefix         prefix of job HASH keys
-- KEYS[8] fifo       LIST    ready jobs of priority 0
-- ARGV[1] now (ms)
-- ARGV[2..] triples: repeat key, expected current occurrence (ms), next occurrence
--           (ms, or '' when the schedule has no further occurrence)
-- Returns: array with one code per triple: 1 next occurrence created,
--          2 repeat finished (limit reached or schedule exhausted) and removed,
--          0 someone else already advanced it (or it was removed).
-- common: PRIORITY_OFFSET, SEQ_SPAN, fmt, wait_score, create_job, create_occurrence

local now = tonumber(ARGV[1])
local out = {}
for i = 2, #ARGV, 3 do
  local key, expected, nxt = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  local score = redis.call('ZSCORE', KEYS[1], key)
  local raw = redis.call('HGET', KEYS[2], key)
  if not score or tonumber(score) ~= expected or not raw then
    out[#out + 1] = 0
  else
    local def = cjson.decode(raw)
    local created = tonumber(redis.call('HGET', KEYS[2], '#' .. key) or '0')
    if nxt == '' or (type(def.limit) == 'number' and created >= def.limit) then
      redis.call('ZREM', KEYS[1], key)
      redis.call('HDEL', KEYS[2], key, '#' .. key)
      out[#out + 1] = 2
    else
      create_occurrence(KEYS[3], KEYS[4], KEYS[8], KEYS[5], KEYS[6], KEYS[7], key, def,
                        tonumber(nxt), now)
      redis.call('HINCRBY', KEYS[2], '#' .. key, 1)
      redis.call('ZADD', KEYS[1], nxt, key)
      out[#out + 1] = 1
    end
  end
end
return out
