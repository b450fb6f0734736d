package redisstore

import "github.com/redis/go-redis/v9"

// tombstone is the latest "revision" of a deleted message. Revisions are hex digests,
// so it cannot collide with one.
const tombstone = "-"

// appendScript appends one event to a workspace log unless it is a redelivery: the
// check of the latest revision, its update and the XADD happen atomically.
//
// KEYS[1] latest hash (message key -> revision or tombstone), KEYS[2] log stream.
// ARGV[1] message key, ARGV[2] "put" or "del", ARGV[3] revision (puts),
// ARGV[4] event JSON, ARGV[5] approximate MAXLEN, "0" for none.
// Returns the new entry id, or 0 when the event was skipped.
var appendScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] == 'put' then
  if cur == ARGV[3] then return 0 end
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
else
  if (not cur) or cur == '` + tombstone + `' then return 0 end
  redis.call('HSET', KEYS[1], ARGV[1], '` + tombstone + `')
end
if ARGV[5] ~= '0' then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'e', ARGV[4])
end
return redis.call('XADD', KEYS[2], '*', 'e', ARGV[4])
`)

// applyScript applies one analysed log entry to derived state, exactly once.
//
// The message record (a hash) keeps what the applied revision contributed: its stamp
// s (revision@analyzer), the stored JSON d, the contributions c (JSON object), the
// index spec k (JSON array of [key, role]: "r" rollup hash, "t" time index, "n-"/"n+"
// notable set) and the bucket b. Replacing or deleting subtracts exactly that.
//
// KEYS[1] latest hash, KEYS[2] record, KEYS[3] accounts set, KEYS[4] bucket index,
// KEYS[5..] every key of the new index spec and, when known, of the old one. A script
// may only touch declared keys, so when the old record names a key the caller did not
// pass (an edit moved the message to another hour, account or day), nothing is changed
// and the missing keys are returned for the caller to retry with.
//
// ARGV[1] "put" or "del", ARGV[2] message key, ARGV[3] revision, ARGV[4] stamp,
// ARGV[5] stored JSON, ARGV[6] contributions JSON, ARGV[7] time score, ARGV[8] bucket,
// ARGV[9] sentiment score, ARGV[10] account, ARGV[11] notable entries kept per set,
// ARGV[12] new index spec JSON.
// Returns 1 when something changed, 0 for a no-op, or an array of missing keys.
var applyScript = redis.NewScript(`
local member = ARGV[2]
local latest = redis.call('HGET', KEYS[1], member)
if ARGV[1] == 'put' then
  if latest ~= ARGV[3] then return 0 end
elseif latest ~= '` + tombstone + `' then
  return 0
end
local old = redis.call('HMGET', KEYS[2], 's', 'c', 'k', 'b')
if not old[1] then
  if ARGV[1] == 'del' then return 0 end
elseif old[1] == ARGV[4] and ARGV[1] == 'put' then
  return 0
end
local oldspec = {}
if old[3] then
  oldspec = cjson.decode(old[3])
  local declared = {}
  for _, k in ipairs(KEYS) do declared[k] = true end
  local missing = {}
  for _, e in ipairs(oldspec) do
    if not declared[e[1]] then table.insert(missing, e[1]) end
  end
  if #missing > 0 then return missing end
end
for _, e in ipairs(oldspec) do
  if e[2] == 'r' then
    for c, v in pairs(cjson.decode(old[2])) do
      if redis.call('HINCRBY', e[1], c, string.format('%d', -v)) == 0 then
        redis.call('HDEL', e[1], c)
      end
    end
    if redis.call('EXISTS', e[1]) == 0 then redis.call('ZREM', KEYS[4], old[4]) end
  else
    redis.call('ZREM', e[1], member)
  end
end
if ARGV[1] == 'del' then
  redis.call('DEL', KEYS[2])
  return 1
end
local keep = tonumber(ARGV[11])
for _, e in ipairs(cjson.decode(ARGV[12])) do
  local role = e[2]
  if role == 'r' then
    for c, v in pairs(cjson.decode(ARGV[6])) do
      if redis.call('HINCRBY', e[1], c, string.format('%d', v)) == 0 then
        redis.call('HDEL', e[1], c)
      end
    end
    if redis.call('EXISTS', e[1]) == 1 then redis.call('ZADD', KEYS[4], ARGV[8], ARGV[8]) end
  elseif role == 't' then
    redis.call('ZADD', e[1], ARGV[7], member)
  elseif role == 'n-' then
    redis.call('ZADD', e[1], ARGV[9], member)
    redis.call('ZREMRANGEBYRANK', e[1], keep, -1)
  elseif role == 'n+' then
    redis.call('ZADD', e[1], ARGV[9], member)
    redis.call('ZREMRANGEBYRANK', e[1], 0, -(keep + 1))
  end
end
if ARGV[10] ~= '' then redis.call('SADD', KEYS[3], ARGV[10]) end
redis.call('HSET', KEYS[2], 's', ARGV[4], 'd', ARGV[5], 'c', ARGV[6], 'k', ARGV[12], 'b', ARGV[8])
return 1
`)

// renewScript extends a lease if holder still has it. KEYS[1] lease, ARGV[1] holder,
// ARGV[2] ttl in milliseconds. Returns 1 when renewed.
var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`)

// releaseScript deletes a lease if holder has it. KEYS[1] lease, ARGV[1] holder.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)
