-- recover_stalled_jobs: find jobs whose lease expired (their worker died or hung)
-- and put them back in wait, or dead-letter them after too many stalls.
--
-- KEYS[1] active      ZSET    leased jobs by lease deadline
-- KEYS[2] wait        ZSET    ready jobs of a non-zero priority
-- KEYS[3] dead        ZSET    dead-letter queue
-- KEYS[4] marker      ZSET    wake-up marker
-- KEYS[5] paused      STRING  pause flag
-- KEYS[6] job_prefix          prefix of job HASH keys
-- KEYS[7] done_prefix         prefix of result-notification LIST keys
-- KEYS[8] options     HASH    shared options records (see shared_options)
-- KEYS[9] fifo        LIST    ready jobs of priority 0
-- ARGV[1] now (ms)
-- ARGV[2] max stalls: a job stalling more often than this is dead-lettered
-- ARGV[3] max jobs to recover in this call
-- Returns: flat array {id, name, stalls, 'w' (back to wait) or 'd' (dead)} per job.
-- common: PRIORITY_OFFSET, SEQ_SPAN, fmt, ZERO_BAND, BELOW_ZERO, in_fifo, queue_at_front,
-- common: shared_by_number, shared_fields, trim, notify, bury, wake_idle_worker, stall_job

local now = tonumber(ARGV[1])
local max_stalls = tonumber(ARGV[2])
local jp = KEYS[6]
local out = {}
local back = {}
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', fmt(now), 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[1], id)
  stall_job(back, KEYS[3], jp, KEYS[7], KEYS[8], id, now, max_stalls,
            'lease expired (worker died or blocked the event loop)', out)
end
if #back > 0 then
  queue_at_front(KEYS[2], KEYS[9], back)
  wake_idle_worker(KEYS[4], KEYS[5])
end
return out
