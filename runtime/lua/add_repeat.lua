-- add_repeat: store a repeat definition and create its first occurrence
-- (idempotent: an existing repeat key is left as it is).
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
-- ARGV[2] repeat key
-- ARGV[3] definition JSON {n, d, p, a, b, t, rc, rf, every, cron, limit, v}
-- ARGV[4] first occurrence time (ms)
-- Returns: {occurrence job id, occurrence time (ms), 1 created / 0 already existed}
-- common: PRIORITY_OFFSET, SEQ_SPAN, fmt, wait_score, create_job, create_occurrence

local now = tonumber(ARGV[1])
local key = ARGV[2]
local existing = redis.call('ZSCORE', KEYS[1], key)
if existing then
  return {'repeat:' .. key .. ':' .. existing, existing, 0}
end
local def = cjson.decode(ARGV[3])
redis.call('HSET', KEYS[2], key, ARGV[3], '#' .. key, 1)
redis.call('ZADD', KEYS[1], ARGV[4], key)
local id = create_occurrence(KEYS[3], KEYS[4], KEYS[8], KEYS[5], KEYS[6], KEYS[7], key, def,
                             tonumber(ARGV[4]), now)
return {id, ARGV[4], 1}
