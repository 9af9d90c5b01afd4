-- purge_dead_jobs: delete up to N dead-lettered jobs, oldest first.
--
-- KEYS[1] dead       ZSET  dead-letter queue
-- KEYS[2] job_prefix       prefix of job HASH keys
-- ARGV[1] max jobs to delete in this call
-- Returns: number of jobs deleted.
-- common: none

local popped = redis.call('ZPOPMIN', KEYS[1], tonumber(ARGV[1]))
local n = 0
for i = 1, #popped, 2 do
  redis.call('DEL', KEYS[2] .. popped[i])
  n = n + 1
end
return n
