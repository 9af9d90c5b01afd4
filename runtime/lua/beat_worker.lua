-- beat_worker: one worker's heartbeat. Renews its liveness record, renews the
-- leases of the jobs it holds (only when they are due, so a long job costs no
-- more than before), and hands the jobs of workers whose liveness ran out back
-- to wait: a vanished worker's jobs come back seconds after it stopped beating,
-- not after their (long) lease. Finding them scans `active` once per call that
-- finds dead workers (O(jobs held by all workers)); calls that find none cost
-- one ZRANGEBYSCORE.
--
-- KEYS[1] workers        ZSET    worker ids by liveness deadline (ms)
-- KEYS[2] worker_prefix          prefix of per-worker liveness STRING keys
-- KEYS[3] active         ZSET    leased jobs by lease deadline
-- KEYS[4] wait           ZSET    ready jobs of a non-zero priority
-- KEYS[5] dead           ZSET    dead-letter queue
-- KEYS[6] marker         ZSET    wake-up marker
-- KEYS[7] paused         STRING  pause flag
-- KEYS[8] job_prefix             prefix of job HASH keys
-- KEYS[9] done_prefix            prefix of result-notification LIST keys
-- KEYS[10] options        HASH    shared options records (see shared_options)
-- KEYS[11] fifo           LIST    ready jobs of priority 0
-- ARGV[1] now (ms)
-- ARGV[2] worker id
-- ARGV[3] liveness (ms); '0' = the worker leaves: its record is deleted
-- ARGV[4] worker record (JSON, stored as is for QueueAdmin.workers)
-- ARGV[5] new lease deadline (ms) for the pairs below; '' = leases not due
-- ARGV[6] max stalls (a reclaimed job counts as stalled, as after a lease expiry)
-- ARGV[7..] pairs: job id, lease token
-- Returns: { registered before this call (1/0),
--            {ids whose lease was lost (token changed or job gone)},
--            {id, name, stalls, 'w' back to wait or 'd' dead} * reclaimed }
-- common: PRIORITY_OFFSET, SEQ_SPAN, fmt, ZERO_BAND, BELOW_ZERO, in_fifo, queue_at_front,
-- common: shared_by_number, shared_fields, trim, notify, bury, wake_idle_worker, stall_job

local now = tonumber(ARGV[1])
local me = ARGV[2]
local liveness = tonumber(ARGV[3])
local jp = KEYS[8]
local registered = redis.call('ZSCORE', KEYS[1], me) and 1 or 0

if liveness == 0 then
  redis.call('ZREM', KEYS[1], me)
  redis.call('DEL', KEYS[2] .. me)
else
  redis.call('ZADD', KEYS[1], fmt(now + liveness), me)
  redis.call('SET', KEYS[2] .. me, ARGV[4], 'PX', liveness)
end

local lost = {}
if ARGV[5] ~= '' then
  for i = 7, #ARGV, 2 do
    local id = ARGV[i]
    if redis.call('HGET', jp .. id, 'lk') == ARGV[i + 1] and redis.call('ZSCORE', KEYS[3], id) then
      redis.call('ZADD', KEYS[3], 'XX', ARGV[5], id)
    else
      lost[#lost + 1] = id
    end
  end
end

local reclaimed = {}
local gone_list = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. fmt(now), 'LIMIT', 0, 100)
if #gone_list > 0 then
  local gone = {}
  for _, worker in ipairs(gone_list) do
    gone[worker] = true
    redis.call('DEL', KEYS[2] .. worker)
  end
  redis.call('ZREM', KEYS[1], unpack(gone_list))
  local back = {}
  local max_stalls = tonumber(ARGV[6])
  for _, id in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    local token = redis.call('HGET', jp .. id, 'lk')
    local owner = token and string.match(token, '^(.*):[^:]*$')
    if owner and gone[owner] then
      redis.call('ZREM', KEYS[3], id)
      stall_job(back, KEYS[5], jp, KEYS[9], KEYS[10], id, now, max_stalls,
                'its worker stopped beating (died, or lost Redis)', reclaimed)
    end
  end
  if #back > 0 then
    queue_at_front(KEYS[4], KEYS[11], back)
    wake_idle_worker(KEYS[6], KEYS[7])
  end
end

return {registered, lost, reclaimed}
