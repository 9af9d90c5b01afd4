-- unwatch_job: withdraw one result waiter (a Job.result() call that timed out
-- or was cancelled), so abandoned waits leave nothing behind.
--
-- KEYS[1] job  HASH  the job (untouched when it no longer exists)
-- Returns: waiters still registered.
-- common: none

local left = tonumber(redis.call('HGET', KEYS[1], 'w') or '0')
if left <= 0 then return 0 end
if left == 1 then
  redis.call('HDEL', KEYS[1], 'w')
  return 0
end
return redis.call('HINCRBY', KEYS[1], 'w', -1)
