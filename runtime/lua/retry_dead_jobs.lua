-- retry_dead_jobs: move dead-lettered jobs to the back of wait with attempts
-- reset, in the order given.
--
-- KEYS[1] dead       ZSET    dead-letter queue
-- KEYS[2] wait       ZSET    ready jobs of a non-zero priority
-- KEYS[3] marker     ZSET    wake-up marker
-- KEYS[4] paused     STRING  pause flag
-- KEYS[5] job_prefix         prefix of job HASH keys
-- KEYS[6] done_prefix        prefix of result-notification LIST keys
-- KEYS[7] fifo       LIST    ready jobs of priority 0
-- KEYS[8] id         STRING  sequence counter (the jobs take the next values)
-- ARGV[1] now (ms): the jobs are ready again from this moment ('ra')
-- ARGV[2..] job ids
-- Returns: number of jobs moved back to wait.
-- common: PRIORITY_OFFSET, SEQ_SPAN, fmt, wait_score, queue_at_back, wake_idle_worker

local moved = 0
local now = ARGV[1]
for i = 2, #ARGV do
  local id = ARGV[i]
  if redis.call('ZREM', KEYS[1], id) == 1 then
    local job_key = KEYS[5] .. id
    local s = redis.call('HGET', job_key, 's')
    if s then
      redis.call('HSET', job_key, 'm', 0, 'st', 0, 'ra', now)
      redis.call('HDEL', job_key, 'dr', 'ft', 'lk', 'r')
      queue_at_back(KEYS[8], KEYS[2], KEYS[7], job_key, id, s)
      redis.call('DEL', KEYS[6] .. id)  -- the old outcome must not answer a new waiter
      moved = moved + 1
    end
  end
end
if moved > 0 then wake_idle_worker(KEYS[3], KEYS[4]) end
return moved
