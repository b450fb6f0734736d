package redisstore

import "github.com/redis/go-redis/v9"

// tombstone is the latest "revision" of a deleted message. Revisions are hex digests,
// so it cannot collide with one.
const tombstone = "-"

// erased is the latest "revision" of a message Forget erased: no later event of it is
// appended, and no entry of it read before the erasure is applied (it matches neither a
// revision nor the tombstone).
const erased = "!"

// appendScript appends one event to a workspace log unless it is a redelivery, an
// event of an erased message or a put by a forgotten author: the checks, the update of
// the latest revision, the XADD and the log-entry indexes happen atomically.
//
// KEYS[1] latest hash (message key -> revision, tombstone or erased), KEYS[2] log
// stream, KEYS[3] log-entry index (message key -> entry ids), KEYS[4] forgotten authors,
// KEYS[5] people-index marker, KEYS[6] the author's message keys (set).
// ARGV[1] message key, ARGV[2] "put" or "del", ARGV[3] revision (puts),
// ARGV[4] event JSON, ARGV[5] approximate MAXLEN, "0" for none, ARGV[6] author (puts).
// Returns the new entry id, or 0 when the event was skipped.
var appendScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur == '` + erased + `' then return 0 end
if ARGV[2] == 'put' then
  if cur == ARGV[3] or cur == '` + tombstone + `' then return 0 end
  if ARGV[6] ~= '' and redis.call('HEXISTS', KEYS[4], ARGV[6]) == 1 then return 0 end
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
else
  if (not cur) or cur == '` + tombstone + `' then return 0 end
  redis.call('HSET', KEYS[1], ARGV[1], '` + tombstone + `')
end
if redis.call('EXISTS', KEYS[2]) == 0 then
  -- a new log: the indexes below cover it from its first entry
  redis.call('SET', KEYS[5], '1')
end
local id
if ARGV[5] ~= '0' then
  id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'e', ARGV[4])
else
  id = redis.call('XADD', KEYS[2], '*', 'e', ARGV[4])
end
local ids = redis.call('HGET', KEYS[3], ARGV[1])
if ids then ids = ids .. ' ' .. id else ids = id end
redis.call('HSET', KEYS[3], ARGV[1], ids)
if ARGV[2] == 'put' and ARGV[6] ~= '' then redis.call('SADD', KEYS[6], ARGV[1]) end
return id
`)

// checkDeclaredLua returns the keys of an old index spec (oldspec) the caller did not
// declare, as Redis Cluster requires scripts to name every key they touch.
const checkDeclaredLua = `
  local declared = {}
  for _, k in ipairs(KEYS) do declared[k] = true end
  local missing = {}
  for _, e in ipairs(oldspec) do
    if not declared[e[1]] then table.insert(missing, e[1]) end
  end
  if #missing > 0 then return missing end
`

// unindexLua removes what a message record (old: HMGET s, c, k, b) contributed: its
// rollup counters are subtracted and it leaves every index of its spec. KEYS[4] is the
// bucket index; member is the message key.
const unindexLua = `
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
`

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
  oldspec = cjson.decode(old[3])` + checkDeclaredLua + `end` + unindexLua + `if ARGV[1] == 'del' then
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

// forgetScript erases one message for Forget, atomically: it is marked erased in the
// latest hash (so Append and Apply never bring it back), its record is removed as a
// delete would remove it, and every log entry of it is deleted and acknowledged (so it
// is neither read, reclaimed nor replayed again).
//
// KEYS[1] latest hash, KEYS[2] log stream, KEYS[3] log-entry index, KEYS[4] bucket
// index, KEYS[5] record, KEYS[6] the author's message keys, KEYS[7..] the keys of the
// record's index spec as the caller read it. Missing keys are returned, as applyScript
// does, before anything changes.
// ARGV[1] message key, ARGV[2] consumer group.
// Returns 1 when something was erased, 0 when nothing was left, or the missing keys.
var forgetScript = redis.NewScript(`
local member = ARGV[1]
local old = redis.call('HMGET', KEYS[5], 's', 'c', 'k', 'b')
local oldspec = {}
if old[3] then
  oldspec = cjson.decode(old[3])` + checkDeclaredLua + `end
redis.call('HSET', KEYS[1], member, '` + erased + `')
local done = 0` + unindexLua + `if old[1] then
  redis.call('DEL', KEYS[5])
  done = 1
end
local ids = redis.call('HGET', KEYS[3], member)
if ids then
  for id in string.gmatch(ids, '%S+') do
    if redis.call('XDEL', KEYS[2], id) == 1 then done = 1 end
    redis.pcall('XACK', KEYS[2], ARGV[2], id)
  end
  redis.call('HDEL', KEYS[3], member)
end
redis.call('SREM', KEYS[6], member)
return done
`)

// indexEntryScript adds one log entry to the log-entry index and, for a put, its
// message to the author's keys, unless already there: the people-index back-fill of
// logs written before those indexes existed.
//
// KEYS[1] log-entry index, KEYS[2] the author's message keys.
// ARGV[1] message key, ARGV[2] entry id, ARGV[3] author ("" for none or a delete).
var indexEntryScript = redis.NewScript(`
local ids = redis.call('HGET', KEYS[1], ARGV[1])
local found = false
if ids then
  for id in string.gmatch(ids, '%S+') do
    if id == ARGV[2] then found = true end
  end
end
if not found then
  if ids then ids = ids .. ' ' .. ARGV[2] else ids = ARGV[2] end
  redis.call('HSET', KEYS[1], ARGV[1], ids)
end
if ARGV[3] ~= '' then redis.call('SADD', KEYS[2], ARGV[1]) end
return 1
`)

// indexRecordScript adds an applied message to its author's index and that index to
// the record's spec (so a later edit or delete removes it), if the record still holds
// the revision the caller read: the people-index back-fill of records applied before
// the author index existed.
//
// KEYS[1] record, KEYS[2] the author's index. ARGV[1] message key, ARGV[2] stamp,
// ARGV[3] time score. Returns 1 when indexed.
var indexRecordScript = redis.NewScript(`
local rec = redis.call('HMGET', KEYS[1], 's', 'k')
if rec[1] ~= ARGV[2] or not rec[2] then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local spec = cjson.decode(rec[2])
for _, e in ipairs(spec) do
  if e[1] == KEYS[2] then return 1 end
end
table.insert(spec, {KEYS[2], 't'})
redis.call('HSET', KEYS[1], 'k', cjson.encode(spec))
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
