-- finish_and_claim_jobs: the worker's one call per loop turn, in four steps (one
-- function each): settle the jobs it finished since the last call, promote due
-- delayed/retry jobs, claim up to `want` ready jobs under a lease, and say when
-- the next scheduled job or repeat is due. One script, so one round trip.
--
-- KEYS[1]  wait       ZSET    ready jobs of a non-zero priority by priority/sequence
-- KEYS[2]  delayed    ZSET    scheduled jobs by ready time
-- KEYS[3]  retry      ZSET    jobs waiting out a backoff by ready time
-- KEYS[4]  active     ZSET    leased jobs by lease deadline
-- KEYS[5]  completed  ZSET    retained completed jobs by finish time
-- KEYS[6]  dead       ZSET    dead-letter queue by death time
-- KEYS[7]  paused     STRING  pause flag
-- KEYS[8]  marker     ZSET    wake-up marker for idle workers
-- KEYS[9]  limiter    STRING  jobs claimed in the current rate-limit window
-- KEYS[10] repeat     ZSET    repeat keys by next occurrence
-- KEYS[11] job_prefix         prefix of job HASH keys
-- KEYS[12] done_prefix        prefix of result-notification LIST keys
-- KEYS[13] history    HASH    per-minute completed/failed counts (see record_history)
-- KEYS[14] options    HASH    shared options records (see shared_options)
-- KEYS[15] fifo       LIST    ready jobs of priority 0, in claim order (see in_fifo)
-- KEYS[16] id         STRING  sequence counter (promoted jobs take the next value)
-- ARGV[1] now (ms), or '' for the server's TIME when the script runs (an idle worker
--   sends its claim behind its BZPOPMIN, up to seconds before it runs)
-- ARGV[2] lease token for the jobs claimed by this call
-- ARGV[3] lease duration (ms)
-- ARGV[4] want: how many jobs to claim (0 = settle only)
-- ARGV[5] rate limit: max jobs per window (0 = unlimited)
-- ARGV[6] rate limit window (ms)
-- ARGV[7] settled jobs as one JSON array ('' = none) of [id, lease token, outcome, data, extra]
--   (one argument instead of five per job: argument encoding dominated the client's cost) where outcome is
--   'c' completed (data = result JSON),
--   'r' retry     (data = error record, extra = ready time ms, kept as the job's 'ra'),
--   'd' dead      (data = error record or '', extra = reason),
--   'h' hand back unstarted/interrupted (attempt not counted)
-- Returns: { {next_due ms or -1, rate_wait ms, next_repeat ms or -1, paused 0/1},
--            {id, name, payload, attempt, attempts, backoff, timeout, enqueued_at,
--             ready_at or false, trace context or false} * claimed,
--            {ids whose lease token no longer matched (ignored)} }
-- common: PRIORITY_OFFSET, SEQ_SPAN, fmt, wait_score, ZERO_BAND, BELOW_ZERO, in_fifo,
-- common: queue_at_back, queue_at_front, waiting_count, shared_by_number, shared_fields, trim,
-- common: notify, ERROR_HISTORY, append_error, bury, HISTORY_MINUTES, record_history

local now = tonumber(ARGV[1])
if not now then
  redis.replicate_commands() -- effects, not the script, replicate (the default since Redis 5)
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local now_s = fmt(now)
local token = ARGV[2]
local NO_LEASE = ''  -- the lease token of a finished job that keeps its hash
local jp = KEYS[11]

-- 1. Settle the jobs this worker finished (those whose lease it still holds).
-- Returns whether a job went back to wait, and the ids whose lease was lost.
local function settle(packed)
  local back = {}
  local ignored = {}
  local trims = {}
  local completed, failed = 0, 0
  local settled = {}
  if packed ~= '' then settled = cjson.decode(packed) end
  for _, entry in ipairs(settled) do
    local id, tok, outcome, data, extra = entry[1], entry[2], entry[3], entry[4], entry[5]
    local job_key = jp .. id
    local f = redis.call('HMGET', job_key, 'lk', 'rc', 'rf', 'w', 'o')
    if f[5] then
      local o = shared_fields(KEYS[14], f[5])
      f[2], f[3] = o.rc, o.rf
    end
    if f[1] ~= tok then
      ignored[#ignored + 1] = id
    else
      redis.call('ZREM', KEYS[4], id)
      if outcome == 'c' then
        completed = completed + 1
        notify(job_key, KEYS[12] .. id, 'c' .. data, f[4])
        if f[2] == '1' then
          redis.call('DEL', job_key)
        else
          -- the lease token emptied in the same HSET, not HDELeted: a command less a job
          redis.call('HSET', job_key, 'r', data, 'ft', now_s, 'lk', NO_LEASE)
          redis.call('ZADD', KEYS[5], now_s, id)
          if f[2] then trims[f[2]] = true end
        end
      else
        redis.call('HDEL', job_key, 'lk')
        if outcome == 'r' then
          failed = failed + 1
          append_error(job_key, data)
          redis.call('HSET', job_key, 'ra', fmt(extra))
          redis.call('ZADD', KEYS[3], fmt(extra), id)
        elseif outcome == 'd' then
          failed = failed + 1
          append_error(job_key, data)
          bury(KEYS[6], jp, KEYS[12], id, now, extra, f[3], f[4])
        else
          redis.call('HINCRBY', job_key, 'm', -1)
          local s = redis.call('HGET', job_key, 's')
          if s then back[#back + 1] = {tonumber(s), id} end
        end
      end
    end
  end
  queue_at_front(KEYS[1], KEYS[15], back)
  for spec in pairs(trims) do trim(KEYS[5], jp, spec, now) end
  if completed + failed > 0 then record_history(KEYS[13], now, completed, failed) end
  return #back > 0, ignored
end

-- The first score of ZSET ``key``, or nil when it is empty.
local function first_score(key)
  local first = redis.call('ZRANGE', key, '0', '0', 'WITHSCORES')
  return first[2] and tonumber(first[2])
end

-- 2. Promote due delayed and retry jobs to the back of wait, in the order they
-- became due. Returns whether any moved, and the first score left in delayed
-- and in retry (nil = empty) for step 4: nothing else in this call writes them,
-- and when nothing is due (the usual case) that one read is all it takes.
local function promote()
  local ready = false
  local left = {}
  for i, src in ipairs({KEYS[2], KEYS[3]}) do
    local at = first_score(src)
    if at and at <= now then
      local due = redis.call('ZRANGEBYSCORE', src, '-inf', now_s, 'LIMIT', '0', '1000')
      for _, id in ipairs(due) do
        local s = redis.call('HGET', jp .. id, 's')
        if s then queue_at_back(KEYS[16], KEYS[1], KEYS[15], jp .. id, id, s) end
      end
      redis.call('ZREM', src, unpack(due))
      ready = true
      at = first_score(src)
    end
    left[i] = at
  end
  return ready, left
end

-- How many of ``want`` jobs the rate limit allows now, and how long to wait when none.
local function rate_allowance(want, rate_max)
  if rate_max <= 0 then return want, 0 end
  local used = tonumber(redis.call('GET', KEYS[9]) or '0')
  if used >= rate_max then
    local rate_wait = redis.call('PTTL', KEYS[9])
    if rate_wait < 0 then
      -- a counter without expiry would block forever: restart the window
      redis.call('DEL', KEYS[9])
      rate_wait = 0
    end
    return 0, rate_wait
  end
  if rate_max - used < want then return rate_max - used, 0 end
  return want, 0
end

-- Take up to ``want`` ready ids in claim order: the ZSET's priorities above 0
-- and its priority-0 band (jobs queued there by earlier versions), the LIST,
-- then the ZSET's negative priorities. Fewer than ``want`` means all three ran dry.
local function pop_ready(want)
  local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. fmt(BELOW_ZERO),
                         'LIMIT', '0', fmt(want))
  if #ids > 0 then redis.call('ZREM', KEYS[1], unpack(ids)) end
  if #ids < want then
    local listed = redis.call('LPOP', KEYS[15], fmt(want - #ids))
    if listed then
      for _, id in ipairs(listed) do ids[#ids + 1] = id end
    end
  end
  if #ids < want then
    local rest = redis.call('ZPOPMIN', KEYS[1], fmt(want - #ids))
    for i = 1, #rest, 2 do ids[#ids + 1] = rest[i] end
  end
  return ids
end

-- 3. Claim up to ``want`` ready jobs under this call's lease token; also
-- returns whether the ready jobs ran out (then no other worker needs waking).
local function claim(want, rate_max)
  local jobs = {}
  local deadline = fmt(now + tonumber(ARGV[3]))
  local claimed = 0
  local ids = pop_ready(want)
  for _, id in ipairs(ids) do
    local job_key = jp .. id
    local f = redis.call('HMGET', job_key, 'n', 'd', 'a', 'b', 't', 'ts', 'ra', 'tc', 'o', 'm')
    if f[1] then
      if f[9] then
        local o = shared_fields(KEYS[14], f[9])
        f[3], f[4], f[5] = o.a, o.b, o.t
      end
      local attempt = (tonumber(f[10]) or 0) + 1
      local made = fmt(attempt)
      redis.call('HSET', job_key, 'm', made, 'lk', token, 'sa', now_s)
      redis.call('ZADD', KEYS[4], deadline, id)
      local n = #jobs
      jobs[n + 1] = id
      jobs[n + 2] = f[1]
      jobs[n + 3] = f[2]
      jobs[n + 4] = attempt
      jobs[n + 5] = f[3]
      jobs[n + 6] = f[4]
      jobs[n + 7] = f[5]
      jobs[n + 8] = f[6]
      jobs[n + 9] = f[7]
      jobs[n + 10] = f[8]
      claimed = claimed + 1
    end
  end
  if rate_max > 0 and claimed > 0 then
    if redis.call('INCRBY', KEYS[9], claimed) == claimed then
      redis.call('PEXPIRE', KEYS[9], ARGV[6])
    end
  end
  return jobs, #ids < want
end

-- 4. When is the next scheduled thing due (delayed, retry or repeat), and the
-- next repeat? ``left`` holds the first scores of delayed and retry (promote).
local function next_due(left)
  local next_repeat = first_score(KEYS[10]) or -1
  local soonest = next_repeat
  for i = 1, 2 do
    local at = left[i]
    if at and (soonest < 0 or at < soonest) then soonest = at end
  end
  return soonest, next_repeat
end

local settled_ready, ignored = settle(ARGV[7])
local promoted, left = promote()
local ready = promoted or settled_ready
local paused = redis.call('EXISTS', KEYS[7])
local want = tonumber(ARGV[4])
local rate_max = tonumber(ARGV[5])
local rate_wait = 0
local jobs = {}
local drained = false
if paused == 0 and want > 0 then
  want, rate_wait = rate_allowance(want, rate_max)
  if want > 0 then jobs, drained = claim(want, rate_max) end
  -- more work left: wake another idle worker
  if rate_wait == 0 and not drained and waiting_count(KEYS[1], KEYS[15]) > 0 then
    redis.call('ZADD', KEYS[8], '0', '0')
  end
elseif ready and paused == 0 then
  redis.call('ZADD', KEYS[8], '0', '0')
end
local due, next_repeat = next_due(left)

return {{due, rate_wait, next_repeat, paused}, jobs, ignored}
