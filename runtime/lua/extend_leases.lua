-- extend_leases: the batched heartbeat; renews the lease of every job a worker holds.
--
-- KEYS[1] active     ZSET  leased jobs by lease deadline
-- KEYS[2] job_prefix       prefix of job HASH keys
-- ARGV[1] new lease deadline (ms)
-- ARGV[2..] pairs: job id, lease token
-- Returns: array of ids whose lease was lost (token changed or job gone).
-- common: none

local lost = {}
for i = 2, #ARGV, 2 do
  local id = ARGV[i]
  if redis.call('HGET', KEYS[2] .. id, 'lk') == ARGV[i + 1] and redis.call('ZSCORE', KEYS[1], id) then
    redis.call('ZADD', KEYS[1], 'XX', ARGV[1], id)
  else
    lost[#lost + 1] = id
  end
end
return lost
