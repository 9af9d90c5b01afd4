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
-- ARGV[1] now (ms, digits only)
-- ARGV[2] number of option sets
-- then 12 ARGV per option set (what the jobs of a call mostly share, sent once):
--   name, priority, delay ms, attempts, backoff spec, timeout ms,
--   remove_on_complete spec, remove_on_fail spec, repeat key ('' = none),
--   schema revision ('' = none), trace context ('' = none), shared options
--   record ('' = store the options in the job; else the JSON of the fields it
--   stands for)
-- then 3 ARGV per job:
--   job_id ('' = next counter value), payload JSON, number of its option set
-- Every set and job is checked before anything is written: a call fails whole
-- or adds every job it does not find.
-- Returns: one integer per job, in ARGV order: for a job sent with its id, 1
--   created or 0 already existed (the producer knows the id); for a job that
--   took the counter's next value, that value, negated when a job of that id
--   already existed (runtime/script_replies.py parse_add).
-- common: PRIORITY_OFFSET, SEQ_SPAN, fmt, wait_score, OPTIONS_COUNT, shared_by_spec,
-- common: shared_options, create_job, wake_idle_worker

local now = tonumber(ARGV[1])  -- stored as sent ('ts'): refused unless plain digits
if not now or not string.find(ARGV[1], '^%d+$') then
  return redis.error_reply('add_jobs: now (ARGV[1]) is not a whole number of ms')
end
local per_set = 12
local per = 3
local count = tonumber(ARGV[2])
local sets = {}  -- keyed by the set number as the producer writes it: no tonumber a job
for s = 1, count do
  local at = 2 + (s - 1) * per_set
  local set = {ARGV[at + 1], tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3]), ARGV[at + 4],
               ARGV[at + 5], ARGV[at + 6], ARGV[at + 7], ARGV[at + 8], ARGV[at + 9],
               ARGV[at + 10], ARGV[at + 11], ARGV[at + 12]}
  if not set[2] or not set[3] then
    return redis.error_reply('add_jobs: option set ' .. s .. ': priority or delay not a number')
  end
  sets[tostring(s)] = set
end
local first = 3 + count * per_set
for base = first, #ARGV, per do
  if not sets[ARGV[base + 2]] then
    return redis.error_reply('add_jobs: job ' .. ((base - first) / per + 1) .. ' names no option set')
  end
end

local out = {}
local n = 0
local ready = false
for base = first, #ARGV, per do
  local id = ARGV[base]
  local set = sets[ARGV[base + 2]]
  local seq = nil
  if id == '' then
    seq = redis.call('INCR', KEYS[1])
    id = fmt(seq)
  end
  local job_key = KEYS[6] .. id
  n = n + 1
  if redis.call('EXISTS', job_key) == 1 then
    out[n] = seq and -seq or 0
  else
    local opt = nil
    if set[12] ~= '' then opt = shared_options(KEYS[7], set[12]) end
    if create_job(KEYS[1], KEYS[2], KEYS[8], KEYS[3], KEYS[4], job_key, id, seq, now,
                  set[1], ARGV[base + 1], set[2], set[3], set[4], set[5], set[6], set[7],
                  set[8], set[9], set[10], set[11], opt, ARGV[1]) then
      ready = true
    end
    out[n] = seq or 1
  end
end
if ready then wake_idle_worker(KEYS[4], KEYS[5]) end
return out
