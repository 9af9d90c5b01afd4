-- watch_job: return a finished job's outcome, or register one result waiter so
-- the settle step pushes the outcome onto the job's done list.
--
-- KEYS[1] job        HASH  the job
-- KEYS[2] completed  ZSET
-- KEYS[3] dead       ZSET
-- ARGV[1] job id
-- Returns: {'c', result JSON} completed, {'d', reason} dead,
--          {'u'} unknown job, {'p'} pending (a waiter was registered).
-- common: none

local id = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'u'} end
if redis.call('ZSCORE', KEYS[2], id) then
  return {'c', redis.call('HGET', KEYS[1], 'r') or ''}
end
if redis.call('ZSCORE', KEYS[3], id) then
  return {'d', redis.call('HGET', KEYS[1], 'dr') or ''}
end
redis.call('HINCRBY', KEYS[1], 'w', 1)
return {'p'}
