-- add_jobs: create one or more jobs atomically (idempotent on explicit job ids).
--
-- KEYS[1] id        STRING  counter for ids and FIFO sequence
-- KEYS[2] wait      ZSET    ready jobs of a non-zero priority by priority/sequence
-- KEYS[3] delayed   ZSET    scheduled jobs by ready time
-- KEYS[4] marker    ZSET    wake-up marker for idle workers
-- KEYS[5] paused    STRING  pause flag
-- KEYS[6] job_prefix        prefix of job HASH keys (same hash tag)
-- KEYS[7] options   HASH    shared options records (see shared_options)
-- KEYS[8] fifo      LIST    ready jobs of priority 0, in claim order (see in_fifo)
-- ARGV[1] now (ms)
-- then 14 ARGV per job:
--   job_id ('' = next counter value), name, payload JSON, priority, delay ms,
--   attempts, backoff spec, timeout ms, remove_on_complete spec,
--   remove_on_fail spec, repeat key ('' = none), schema revision ('' = none),
--   trace context ('' = none), shared options record ('' = store the options
--   in the job; else the JSON of the fields it stands for)
-- Returns: flat array {id, created (1) or already existed (0), ...} per job.

local now = tonumber(ARGV[1])
local out = {}
local ready = false
local per = 14
for base = 2, #ARGV, per do
  local id = ARGV[base]
  local seq = nil
  if id == '' then
    seq = redis.call('INCR', KEYS[1])
    id = fmt(seq)
  end
  local job_key = KEYS[6] .. id
  if redis.call('EXISTS', job_key) == 1 then
    out[#out + 1] = id
    out[#out + 1] = 0
  else
    local opt = nil
    if ARGV[base + 13] ~= '' then opt = shared_options(KEYS[7], ARGV[base + 13]) end
    if create_job(KEYS[1], KEYS[2], KEYS[8], KEYS[3], KEYS[4], job_key, id, seq, now,
                  ARGV[base + 1], ARGV[base + 2], tonumber(ARGV[base + 3]),
                  tonumber(ARGV[base + 4]), ARGV[base + 5], ARGV[base + 6],
                  ARGV[base + 7], ARGV[base + 8], ARGV[base + 9], ARGV[base + 10],
                  ARGV[base + 11], ARGV[base + 12], opt) then
      ready = true
    end
    out[#out + 1] = id
    out[#out + 1] = 1
  end
end
if ready then wake_idle_worker(KEYS[4], KEYS[5]) end
return out
