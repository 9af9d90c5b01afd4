-- check_permissions: which commands the runtime needs may the calling user not run
-- on this queue's keys? Reads and writes nothing; asks the ACL (Redis 7+).
--
-- KEYS[1] probe      (not accessed)  a key of the queue, matched against ACL key patterns
-- ARGV    groups of: n, command, arg 2 .. arg n; an argument 'KEY' stands for KEYS[1]
-- Returns: {command, ...} the user may not run, in ARGV order ({} when all are allowed).
-- common: none

local denied = {}
local i = 1
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  local argv = {}
  for j = 1, n do
    local arg = ARGV[i + j]
    if arg == 'KEY' then arg = KEYS[1] end
    argv[j] = arg
  end
  if not redis.acl_check_cmd(unpack(argv)) then
    local name = argv[1]
    if argv[1] == 'script' or argv[1] == 'client' or argv[1] == 'config' then
      name = argv[1] .. '|' .. argv[2]
    end
    denied[#denied + 1] = name
  end
  i = i + n + 1
end
return denied
