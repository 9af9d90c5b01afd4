-- Shared helpers. Redis Lua has no require: each script starts with the
-- definitions of this file that its '-- common:' header lines name, in this
-- file's order (runtime/lua_assembly.py), so a helper comes after those it
-- calls. Only top-level local definitions live here (functions, constants and
-- per-call caches); nothing touches a key.
--
-- Numbers are written back to Redis with fmt(): Lua's tostring keeps only 14
-- significant digits, and wait scores need up to 16. A number handed to
-- redis.call is formatted by Redis as a double ('%.17g'), a dear conversion:
-- constant arguments are written as strings ('0'), others go through fmt(),
-- which writes integers as integers.

local PRIORITY_OFFSET = 1048576        -- priorities live in [-1000000, 1000000]
local SEQ_SPAN = 4294967296            -- 2^32 FIFO slots per priority; score < 2^53

local function fmt(n)
  if n % 1 == 0 and n < 9007199254740992 and n > -9007199254740992 then
    return string.format('%d', n)  -- the same text, without formatting a double
  end
  return string.format('%.0f', n)
end

local function wait_score(priority, seq)
  return (PRIORITY_OFFSET - priority) * SEQ_SPAN + (seq % SEQ_SPAN)
end

-- Ready jobs live in two keys. Priority-0 jobs (the default) are ids in the
-- `fifo` LIST, in claim order: a LIST entry costs about a sixth of a ZSET member.
-- Other priorities are members of the `wait` ZSET scored by wait_score, as are
-- priority-0 jobs that an earlier version of these scripts queued there; a claim
-- takes the ZSET's priorities above 0 and its priority-0 band first, then the
-- LIST, then the ZSET's negative priorities. Every job keeps its score in 's'
-- wherever it waits: its priority and sequence are read from it.
local ZERO_BAND = PRIORITY_OFFSET * SEQ_SPAN            -- wait_score(0, 0)
local BELOW_ZERO = (PRIORITY_OFFSET + 1) * SEQ_SPAN     -- wait_score(-1, 0)

local function in_fifo(score)
  return score >= ZERO_BAND and score < BELOW_ZERO
end

-- Queue a job that becomes ready now at the back of its priority (enqueue,
-- promotion of a due delayed or retry job, retry from the dead-letter queue):
-- it takes the next sequence, so jobs run in the order they became ready.
-- ``s`` is the job's stored score: its priority is kept.
local function queue_at_back(id_key, wait_key, fifo_key, job_key, id, s)
  local priority = PRIORITY_OFFSET - math.floor(tonumber(s) / SEQ_SPAN)
  local score = wait_score(priority, redis.call('INCR', id_key))
  redis.call('HSET', job_key, 's', fmt(score))
  if priority == 0 then
    redis.call('RPUSH', fifo_key, id)
  else
    redis.call('ZADD', wait_key, fmt(score), id)
  end
end

-- Put jobs back at the head of their priority: they were handed back unstarted
-- or their holder vanished, so they were first in line. ``back`` lists
-- {score, id}. A ZSET job takes its stored score again (its place before the
-- claim); priority-0 jobs are pushed on the LIST head, lowest sequence first,
-- unless the ZSET still holds priority-0 jobs (queued by an earlier version):
-- those are claimed before the LIST, and a job claimed while they were there
-- came from among them, so it goes back among them, by its score.
local function queue_at_front(wait_key, fifo_key, back)
  if #back == 0 then return end
  table.sort(back, function(x, y) return x[1] > y[1] end)
  local listed = redis.call('ZCOUNT', wait_key, fmt(ZERO_BAND), '(' .. fmt(BELOW_ZERO)) == 0
  local ids = {}
  for _, entry in ipairs(back) do
    if listed and in_fifo(entry[1]) then
      ids[#ids + 1] = entry[2]
      if #ids == 1000 then  -- highest scores first: each LPUSH lands ahead of the last
        redis.call('LPUSH', fifo_key, unpack(ids))
        ids = {}
      end
    else
      redis.call('ZADD', wait_key, fmt(entry[1]), entry[2])
    end
  end
  if #ids > 0 then redis.call('LPUSH', fifo_key, unpack(ids)) end
end

-- How many jobs wait, in both keys.
local function waiting_count(wait_key, fifo_key)
  return redis.call('ZCARD', wait_key) + redis.call('LLEN', fifo_key)
end

-- Shared options records: most jobs carry their kind's default attempts,
-- backoff, timeout, retention and revision, so those are stored once per queue
-- in the options HASH and each job keeps only the record's number ('o').
-- The HASH maps '#' to the last number given, each number to its record (a
-- JSON object of job-hash fields, as the producer wrote it) and each record
-- back to its number. A record never changes once numbered: a job keeps the
-- options it was enqueued with whatever later producers send.
local OPTIONS_COUNT = '#'
local shared_by_spec = {}
local shared_by_number = {}

-- The number of the record ``spec``, numbering it when it is new.
local function shared_options(options_key, spec)
  local n = shared_by_spec[spec]
  if not n then
    n = redis.call('HGET', options_key, spec)
    if not n then
      n = tostring(redis.call('HINCRBY', options_key, OPTIONS_COUNT, 1))
      redis.call('HSET', options_key, spec, n, n, spec)
    end
    shared_by_spec[spec] = n
  end
  return n
end

-- The fields of record ``n`` (field -> value), decoded once per script call.
local function shared_fields(options_key, n)
  local rec = shared_by_number[n]
  if not rec then
    local raw = redis.call('HGET', options_key, n)
    rec = raw and cjson.decode(raw) or {}
    shared_by_number[n] = rec
  end
  return rec
end

-- Create one job hash and index it in fifo, wait or delayed. Returns true when
-- the job is ready now (the caller then pushes the marker once).
-- ``seq`` may be nil: the next value of the id counter is taken then.
-- ``rv`` is the revision of the job's schema ('' or nil when unknown).
-- ``tc`` is the producer's trace context ('' or nil = none). A delayed job records
-- when it becomes ready ('ra'); otherwise its enqueue time 'ts' is that moment.
-- ``opt`` (nil = none) is the number of a shared options record holding the
-- job's attempts, backoff, timeout, retention and revision (see shared_options):
-- the job then stores that number instead of those fields. ``ts`` (nil = format
-- ``now``) is the text of ``now``, when the caller has it.
local function create_job(id_key, wait_key, fifo_key, delayed_key, marker_key, job_key, id,
                          seq, now, name, payload, priority, delay, attempts, backoff, timeout,
                          rc, rf, rk, rv, tc, opt, ts)
  if not seq then seq = redis.call('INCR', id_key) end
  local score = fmt(wait_score(priority, seq))
  ts = ts or fmt(now)
  if opt and rk == '' and (not tc or tc == '') and delay <= 0 then
    -- the usual job (ready now, its kind's options): its fields without a table
    redis.call('HSET', job_key, 'n', name, 'd', payload, 's', score, 'ts', ts, 'o', opt)
  else
    local fields = {'n', name, 'd', payload, 's', score, 'ts', ts}
    if opt then
      fields[#fields + 1] = 'o'; fields[#fields + 1] = opt
    else
      fields[#fields + 1] = 'a'; fields[#fields + 1] = attempts
      fields[#fields + 1] = 'b'; fields[#fields + 1] = backoff
      fields[#fields + 1] = 't'; fields[#fields + 1] = timeout
      if rc ~= '' then fields[#fields + 1] = 'rc'; fields[#fields + 1] = rc end
      if rf ~= '' then fields[#fields + 1] = 'rf'; fields[#fields + 1] = rf end
      if rv and rv ~= '' then fields[#fields + 1] = 'v'; fields[#fields + 1] = rv end
    end
    if rk ~= '' then fields[#fields + 1] = 'rk'; fields[#fields + 1] = rk end
    if tc and tc ~= '' then fields[#fields + 1] = 'tc'; fields[#fields + 1] = tc end
    if delay > 0 then fields[#fields + 1] = 'ra'; fields[#fields + 1] = fmt(now + delay) end
    redis.call('HSET', job_key, unpack(fields))
    if delay > 0 then
      local at = now + delay
      redis.call('ZADD', delayed_key, fmt(at), id)
      local first = redis.call('ZRANGE', delayed_key, '0', '0')
      if first[1] == id then
        -- earlier than anything an idle worker is timing: wake it to re-plan
        redis.call('ZADD', marker_key, '0', '0')
      end
      return false
    end
  end
  if priority == 0 then
    redis.call('RPUSH', fifo_key, id)
  else
    redis.call('ZADD', wait_key, score, id)
  end
  return true
end

-- Trim a retention ZSET (scored by finish time) by a policy string:
-- '' keep everything, '1' nothing is kept (handled by callers),
-- '<count>:<age_ms>' with either part possibly empty.
local function trim(set_key, job_prefix, spec, now)
  if spec == nil or spec == false or spec == '' or spec == '1' then return end
  local count, age = string.match(spec, '^(%d*):(%d*)$')
  if age and age ~= '' then
    local old = redis.call('ZRANGEBYSCORE', set_key, '-inf', fmt(now - tonumber(age)),
                           'LIMIT', '0', '1000')
    for _, id in ipairs(old) do redis.call('DEL', job_prefix .. id) end
    if #old > 0 then redis.call('ZREM', set_key, unpack(old)) end
  end
  if count and count ~= '' then
    local extra = redis.call('ZCARD', set_key) - tonumber(count)
    if extra > 0 then
      if extra > 1000 then extra = 1000 end
      local old = redis.call('ZRANGE', set_key, 0, extra - 1)
      for _, id in ipairs(old) do redis.call('DEL', job_prefix .. id) end
      redis.call('ZREMRANGEBYRANK', set_key, 0, extra - 1)
    end
  end
end

-- Tell Job.result() waiters (registered with watch_job) how the job ended.
-- One message whatever the number of waiters: each waiter that pops it pushes
-- it back for the next one (handle.py), so settling does bounded work.
local function notify(job_key, done_key, message, waiters)
  if waiters and waiters ~= false and tonumber(waiters) > 0 then
    redis.call('DEL', done_key)
    redis.call('LPUSH', done_key, message)
    redis.call('PEXPIRE', done_key, 60000)
  end
end

local ERROR_HISTORY = 10               -- error records kept per job (runtime/serialization.py)

-- Append one NDJSON error record to the job's error history, keeping the last
-- ERROR_HISTORY records and counting every one in 'ec' (a job retried from the
-- dead-letter queue again and again must not grow without bound).
local function append_error(job_key, record)
  if record == '' then return end
  redis.call('HINCRBY', job_key, 'ec', 1)
  local old = redis.call('HGET', job_key, 'er')
  if old then record = old .. '\n' .. record end
  local _, breaks = string.gsub(record, '\n', '')
  while breaks >= ERROR_HISTORY do
    record = string.sub(record, string.find(record, '\n', 1, true) + 1)
    breaks = breaks - 1
  end
  redis.call('HSET', job_key, 'er', record)
end

-- Move a job into the dead-letter queue (or drop it when remove_on_fail is true).
local function bury(dead_key, job_prefix, done_prefix, id, now, reason, rf, waiters)
  local job_key = job_prefix .. id
  notify(job_key, done_prefix .. id, 'd' .. reason, waiters)
  if rf == '1' then
    redis.call('DEL', job_key)
    return
  end
  redis.call('HSET', job_key, 'dr', reason, 'ft', fmt(now))
  redis.call('ZADD', dead_key, fmt(now), id)
  trim(dead_key, job_prefix, rf, now)
end

-- Wake one idle worker (it blocks on the marker) unless the queue is paused.
local function wake_idle_worker(marker_key, paused_key)
  if redis.call('EXISTS', paused_key) == 0 then
    redis.call('ZADD', marker_key, '0', '0')
  end
end

-- Create a repeat's occurrence due at ``at`` (ms) unless it exists already.
-- ``def`` is the decoded repeat definition; returns the occurrence's job id.
local function create_occurrence(id_key, wait_key, fifo_key, delayed_key, marker_key,
                                 job_prefix, key, def, at, now)
  local id = 'repeat:' .. key .. ':' .. fmt(at)
  local job_key = job_prefix .. id
  if redis.call('EXISTS', job_key) == 0 then
    local delay = at - now
    if delay < 0 then delay = 0 end
    if create_job(id_key, wait_key, fifo_key, delayed_key, marker_key, job_key, id, nil, now,
                  def.n, def.d, def.p, delay, tostring(def.a), def.b, tostring(def.t), def.rc,
                  def.rf, key, def.v, '', nil) then
      redis.call('ZADD', marker_key, '0', '0')
    end
  end
  return id
end

-- Per-minute counts of settled attempts, for throughput charts: one HASH per
-- queue with fields 'c<minute>' (completed) and 'f<minute>' (failed attempts),
-- minute = floor(ms / 60000). Only the last HISTORY_MINUTES minutes are kept:
-- when a new minute starts, the minutes that left the window are deleted (at
-- most one window's worth of fields, once per minute), and the key expires a
-- little after the window when a queue falls silent. That bookkeeping is done by
-- the minute's first call, which creates its first count: a call whose HINCRBY
-- finds a count of the minute already there skips it (one HGET a call saved).
local HISTORY_MINUTES = 1440
local function record_history(key, now, completed, failed)
  local minute = math.floor(now / 60000)
  local started = false  -- a count of this minute existed: its first call did the rest
  if completed > 0 then
    started = redis.call('HINCRBY', key, 'c' .. minute, fmt(completed)) > completed
  end
  if failed > 0 then
    started = redis.call('HINCRBY', key, 'f' .. minute, fmt(failed)) > failed or started
  end
  if started then return end
  local last = tonumber(redis.call('HGET', key, 'last') or '-1')
  if minute > last then
    redis.call('HSET', key, 'last', minute)
    redis.call('PEXPIRE', key, (HISTORY_MINUTES + 60) * 60000)
    if last >= 0 then
      local hi = math.min(minute - HISTORY_MINUTES, last)
      local stale = {}
      for m = math.max(last - HISTORY_MINUTES + 1, 0), hi do
        stale[#stale + 1] = 'c' .. m
        stale[#stale + 1] = 'f' .. m
      end
      if #stale > 0 then redis.call('HDEL', key, unpack(stale)) end
    end
  end
end

-- A job whose holder is gone (lease expired, or its worker's liveness ran out)
-- goes back to wait, or to the dead-letter queue once it stalled more than
-- ``max_stalls`` times. Appends {id, name, stalls, 'w' or 'd'} to ``out``; a
-- job going back to wait is added to ``back`` as {score, id}, for the caller's
-- queue_at_front (one call for all, so they keep their order). ``why`` ends the
-- dead reason.
local function stall_job(back, keys_dead, jp, done_prefix, options_key, id, now, max_stalls,
                         why, out)
  local job_key = jp .. id
  local f = redis.call('HMGET', job_key, 'n', 's', 'rf', 'w', 'o')
  if not f[1] then return end
  if f[5] then f[3] = shared_fields(options_key, f[5]).rf end
  redis.call('HDEL', job_key, 'lk')
  redis.call('HINCRBY', job_key, 'm', -1)
  local stalls = redis.call('HINCRBY', job_key, 'st', 1)
  out[#out + 1] = id; out[#out + 1] = f[1]; out[#out + 1] = stalls
  if stalls > max_stalls then
    bury(keys_dead, jp, done_prefix, id, now, 'stalled ' .. stalls .. ' times: ' .. why, f[3], f[4])
    out[#out + 1] = 'd'
    return
  end
  back[#back + 1] = {tonumber(f[2]) or ZERO_BAND, id}
  out[#out + 1] = 'w'
end
