package redisstore

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// tombstone is the latest "revision" of a deleted message. Revisions are hex digests,
// so it cannot collide with one.
const tombstone = "-"

// erased is the latest "revision" of a message Forget erased: no later event of it is
// appended, and no entry of it read before the erasure is applied (it matches neither a
// revision nor the tombstone).
const erased = "!"

// bigRollupField is a field added to an hour's rollup hash, or to a workspace day of
// account counters (fb:{ws}:ac:<day>), once it holds bigRollupAt counters. Its
// value is longer than Redis's hash-max-listpack-value (64 bytes by default), which
// turns the hash into a real hash table: a listpack is searched end to end on every
// HINCRBY or HMGET field, and an hour of a workspace with a hundred accounts and
// channels holds several hundred counters (HINCRBY then cost about 5µs instead of
// under 1µs), a day a few per account (of which a digest's HMGET names two an
// account for each of 41 days). Readers skip it; a hash left with only this field is
// deleted. The value is a number written with leading zeros (Redis keeps it as a
// 70-byte string), so every field of an hour parses as an integer and Rollups can
// have go-redis read a whole hour straight into counters; hours marked by versions
// before 2026-12-03, whose marker is text, are read the slower way (see Rollups).
const (
	bigRollupField = "#encoding"
	bigRollupAt    = 128
)

// bigRollupValue is bigRollupField's value: 1, in 70 digits.
var bigRollupValue = strings.Repeat("0", 69) + "1"

// bigIndexMember is a member added to a channel's or an account week's time index,
// or a day's notable set, once an apply brings it to bigIndexAt members, with a score
// at the end where reads stop (-inf; +inf in a negative notable set, read from its
// lowest score). Its name is longer
// than Redis's zset-max-listpack-value (64 bytes by default), which turns the sorted
// set into a skip list: a listpack sorted set is scanned end to end on every ZADD (to
// find the member, then the score's place, and messages come newest last), which cost
// the import about 39,000 Redis instructions a message (go run ./bench rediscost
// -workload import), against about 2,000 for a skip list insert. Below bigIndexAt the
// scan is short, and a small week stays compact (a skip list costs about 70 bytes
// more a member). Readers skip it (records); a set left with only this member is
// deleted. bench rediscost -workload import: 262,090 instructions a message without
// it, 239,008 with it at 64 members, 232,419 at 32 (time indexes only), 228,187 with
// the notable sets too (their scores, sentiments, are parsed from text at each
// listpack entry a ZADD passes).
const (
	bigIndexMember = "#encoding: skiplist (a listpack sorted set is scanned end to end on every ZADD; see store/redis/scripts.go)"
	bigIndexAt     = 32
)

// dropEmptyIndexLua deletes the sorted set key (a Lua expression) when only the
// big-index member is left in it.
const dropEmptyIndexLua = `
if redis.call('ZCARD', %[1]s) == 1 and redis.call('ZSCORE', %[1]s, '` + bigIndexMember + `') then
  redis.call('DEL', %[1]s)
end
`

// dropEmptyRollupLua deletes the rollup hash key (a Lua expression) when only the
// big-rollup field is left in it, so that EXISTS says whether the hour has counts.
const dropEmptyRollupLua = `
if redis.call('HLEN', %[1]s) == 1 and redis.call('HEXISTS', %[1]s, '` + bigRollupField + `') == 1 then
  redis.call('DEL', %[1]s)
end
`

// staleKeyError begins appendScript's error for a put sealed under a stale data key.
const staleKeyError = "STALEKEY"

// appendFields is how many ARGV fields appendScript takes per event.
const appendFields = 6

// opTTL is how long the store remembers the op of a write over a base, for the
// retries of that write.
const opTTL = 10 * time.Minute

// appendScript appends a batch of events to one workspace log. Each event is
// skipped when it is a redelivery, an event of an erased message or a put by a
// forgotten author (a delete of a message never held leaves only a tombstone); otherwise the latest revision is updated, the event is added to
// the stream and to the log-entry index (and a put to its author's keys). The whole
// batch is one atomic script, so the checks of a later event see the earlier ones.
// Hashes and sets are read once and written once per batch (HMGET, then one HSET or
// SADD per key at the end): each redis.call costs about a microsecond on top of its
// command, and only XADD must run per event.
//
// The first entry appended to a log that has none and never had one (no log yet,
// or the empty one Read makes for a listed workspace: its last generated id is
// 0-0) sets the people-index marker: the indexes cover the log from its first
// entry (see indexPeople).
//
// KEYS[1] latest hash (message key -> revision, tombstone or erased), KEYS[2] log
// stream, KEYS[3] log-entry index (message key -> entry ids), KEYS[4] forgotten
// authors, KEYS[5] people-index marker, KEYS[6] the authors' data key ids (author ->
// key id), KEYS[7..] the authors' message-key sets.
// ARGV[1] approximate MAXLEN ("0" for none), then appendFields per event: message
// key, kind ("put" or "del", then, for AppendOver's read-modify-write, ":" and the
// base, the revision the message's latest must still be, then ":" and the op's
// key, fb:{ws}:op:<op>, declared in KEYS too; or "new", AppendNew's put, skipped
// where the message has any latest), revision (puts), event JSON, author
// (puts, may be ""), the author's message-key set ("" for none). (The base rides in
// the kind: an argument more per event cost every append about 1,200 Redis
// instructions, bench rediscost -workload import.) An op's key is set (for opTTL)
// by its append, so that a retry of it (go-redis sends a pipeline again after a
// lost reply) or a redelivery of its event finds it and reports success without
// appending again.
// Returns one value per event: the new entry id, 0 when it was skipped (or its op
// landed already), or -1 when its base is no longer the message's latest (nothing
// appended). A put sealed under a data key that is not its author's in KEYS[6]
// fails the whole script with staleKeyError before anything is written: the key
// was lost in a failover (made on the old master just before, not replicated) and
// the process that sealed it still held it, or another process has made the author
// a new one since. Appended, the put would be read by no other process, now or after
// a restart (a review's find: TestFailoverLosingADataKey); the caller reads the
// author's key again and appends it once more (appendEvents).
var appendScript = redis.NewScript(`
local maxlen = ARGV[1]
local members, mseen, authors, aseen = {}, {}, {}, {}
for b = 2, #ARGV, ` + strconv.Itoa(appendFields) + ` do
  local m, a = ARGV[b], ARGV[b+4]
  if not mseen[m] then mseen[m] = true; members[#members + 1] = m end
  if a ~= '' and not aseen[a] then aseen[a] = true; authors[#authors + 1] = a end
end
if #members == 0 then return {} end
local cur, ents, forgotten = {}, {}, {}
local vals = redis.call('HMGET', KEYS[1], unpack(members))
local evals = redis.call('HMGET', KEYS[3], unpack(members))
for i, m in ipairs(members) do cur[m] = vals[i]; ents[m] = evals[i] end
if #authors > 0 then
  local f = redis.call('HMGET', KEYS[4], unpack(authors))
  local ids = redis.call('HMGET', KEYS[6], unpack(authors))
  local keyid = {}
  for i, a in ipairs(authors) do forgotten[a] = f[i]; keyid[a] = ids[i] end
  -- (an author's puts in one script are sealed under one key: the first is read)
  local checked = {}
  for b = 2, #ARGV, ` + strconv.Itoa(appendFields) + ` do
    local a = ARGV[b+4]
    if a ~= '' and not checked[a] and not forgotten[a] then
      local e = ARGV[b+3]
      if string.byte(e, 1) == 0 then
        checked[a] = true
        if string.sub(e, ` + strconv.Itoa(len(sealMagic)+1) + `, ` + strconv.Itoa(len(sealMagic)+keyIDLen) + `) ~= keyid[a] then
          return redis.error_reply('` + staleKeyError + ` a put is sealed under a data key Redis does not hold as its author key')
        end
      end
    end
  end
end
local fresh = redis.call('EXISTS', KEYS[2]) == 0
if not fresh and redis.call('XLEN', KEYS[2]) == 0 and redis.call('EXISTS', KEYS[5]) == 0 then
  -- an empty log: fresh too where nothing was ever added to it (Read's consumer
  -- group made it, for a workspace listed before its first append)
  local info = redis.call('XINFO', 'STREAM', KEYS[2])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then fresh = info[i + 1] == '0-0' end
  end
end
local changed, corder, tombs, torder = {}, {}, {}, {}
local sets, sorder = {}, {}
local out = {}
for b = 2, #ARGV, ` + strconv.Itoa(appendFields) + ` do
  local member, kind, rev, author = ARGV[b], ARGV[b+1], ARGV[b+2], ARGV[b+4]
  local c = cur[member]
  local fill = kind == 'new' -- AppendNew's put: only of a message never held
  if fill then kind = 'put' end
  local skip = c == '` + erased + `'
  local moved, opkey = false, nil
  if #kind > 3 then
    local sep = string.find(kind, ':', 5, true)
    moved = c ~= string.sub(kind, 5, sep - 1)
    opkey = string.sub(kind, sep + 1)
    kind = string.sub(kind, 1, 3)
    if redis.call('EXISTS', opkey) == 1 then
      moved, skip = false, true -- this change landed before: a retry, or a redelivery
    end
  end
  if not skip then
    if kind == 'put' then
      skip = c == rev or c == '` + tombstone + `' or (author ~= '' and forgotten[author]) or (fill and c)
    else
      skip = (not c) or c == '` + tombstone + `'
      if not c and not tombs[member] then
        -- never held: a tombstone alone (no entry), so that its put arriving later
        -- (a redelivery of a first delivery that failed) does not bring it back
        cur[member] = '` + tombstone + `'
        tombs[member] = true; torder[#torder + 1] = member
      end
    end
  end
  if moved then
    out[#out + 1] = -1 -- another version came first: the caller reads the newest again
  elseif skip then
    out[#out + 1] = 0
  else
    if kind == 'put' then cur[member] = rev else cur[member] = '` + tombstone + `' end
    if not changed[member] then changed[member] = true; corder[#corder + 1] = member end
    if fresh then
      -- a new log: the indexes below cover it from its first entry
      redis.call('SET', KEYS[5], '1')
      fresh = false
    end
    local id
    if maxlen ~= '0' then
      id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', maxlen, '*', 'e', ARGV[b+3])
    else
      id = redis.call('XADD', KEYS[2], '*', 'e', ARGV[b+3])
    end
    if ents[member] then ents[member] = ents[member] .. ' ' .. id else ents[member] = id end
    local akey = ARGV[b+5]
    if kind == 'put' and akey ~= '' then
      local set = sets[akey]
      if not set then set = {}; sets[akey] = set; sorder[#sorder + 1] = akey end
      set[#set + 1] = member
    end
    if opkey then redis.call('SET', opkey, '1', 'PX', ` + strconv.FormatInt(opTTL.Milliseconds(), 10) + `) end
    out[#out + 1] = id
  end
end
if #corder > 0 then
  local lv, ev = {}, {}
  for _, m in ipairs(corder) do
    lv[#lv + 1] = m; lv[#lv + 1] = cur[m]
    ev[#ev + 1] = m; ev[#ev + 1] = ents[m]
  end
  redis.call('HSET', KEYS[1], unpack(lv))
  redis.call('HSET', KEYS[3], unpack(ev))
end
if #torder > 0 then
  local tv = {}
  for _, m in ipairs(torder) do tv[#tv + 1] = m; tv[#tv + 1] = '` + tombstone + `' end
  redis.call('HSET', KEYS[1], unpack(tv))
end
for _, akey in ipairs(sorder) do redis.call('SADD', akey, unpack(sets[akey])) end
return out
`)

// maxFreshFields bounds the counters of an hour's rollup that the apply script sets
// in one HSET where the hour is new (unpack puts every argument on Lua's C stack,
// which holds 8,000); above it, or where the hour has counters already, it adds
// each total with HINCRBY. (bench rediscost -workload import: 191,809 instructions a
// message with HINCRBY only, 190,101 with it; HINCRBY 4.95 -> 4.46 calls a message.
// An import's worker batch holds whole days of a few channels, so most of its hours
// were started by an earlier batch; appending each import batch in time order instead
// made the batches start more hours but cost 195,710, its channels' time indexes
// then taking a ZADD for every few messages.)
const maxFreshFields = 3000

// applyFields is how many ARGV fields applyScript takes per item.
const applyFields = 9

// applyScript applies a batch of analysed log entries of one workspace to derived
// state, each exactly once.
//
// A message record (a hash with field m, see appendMeta; older versions' data has
// m's parts as fields of their own, read by readrec) keeps what its applied revision
// contributed: its stamp (revision@analyzer), the contributions (JSON object), the
// index spec (JSON array of [key, role]: "r" rollup hash, "t" time index, "n-"/"n+"
// notable set) and the bucket. Replacing or deleting subtracts exactly that. The
// stored JSON is a string of its own beside it (fb:{ws}:d:<key>, see record.go).
//
// A put's new record does not pass through the script: the caller writes it with a
// plain HSET and SET to staged keys of its own (fb:{ws}:st:<n> and fb:{ws}:sd:<n>)
// in the same MULTI/EXEC, just before the script, which moves them into place
// (RENAMENX where the message has no record yet, the common case, so one call a
// message and a RENAME of its JSON; RENAMEs over a record it replaces) or deletes
// them (a put it skips). Every byte a script receives is copied
// into a Lua string and hashed, and the record's JSON (a kilobyte) was most of what a
// message sent: Redis ran 187,432 instructions a message of the pipeline with the
// record in the arguments, 173,733 staged (go run ./bench rediscost; an import,
// -workload import, 228,187 and 213,617).
//
// Work is gathered over the batch and written once per key at the end. The caller
// sends the rollup totals of all the batch's puts (the arguments before the items'),
// computed in Go and passed to HINCRBY as they came (no decoding, no formatting); the
// script subtracts the contributions of the puts it skips (redeliveries, stale
// revisions; read back from their staged records) and of the records they replace,
// which are rare, so the common message needs no JSON decoding here (decoding a
// message's counters cost more than all its Redis commands). Index additions become
// one ZADD per sorted set (a removal cancels a gathered addition). Notable sets keep
// every message of their day (Notable reads the top of each day only): a set trimmed
// to its most extreme entries could not be refilled when those are deleted, and the
// contract asks for the 50 most extreme of what is left. The script is atomic, so
// readers never see half a batch.
//
// A script may only touch declared keys. When an item's old record names a key the
// caller did not declare (an edit moved the message to another hour, account or day),
// that item is left unchanged and reported with the missing keys, for the caller to
// retry with; later items of the same message are reported too (without keys), so
// that the retry applies them after it, in order; the other items are applied. The
// caller puts every item of one message in the same script, so no other script of
// the call can overtake them.
//
// A message with an account also counts in its workspace day (spec role "d": a hash
// of every account's counters of the day, fb:{ws}:ac:<day>, field
// <account>|<counter>), added and subtracted with its hour's rollup in the same
// script; a record applied before 2026-12-04 names its account's own day instead
// (role "a": fb:{ws}:ad:<day>:<account>, the counters without the dimension), which
// replacing or deleting it subtracts from. A workspace whose first rollup this
// script writes is marked (KEYS[4]) as covered by workspace days,
// (KEYS[5]) by account weeks (the time index of an account's 7-day period) and
// (KEYS[6]) by data strings; older ones are covered once BuildAccountDays has run.
//
// KEYS[1] latest hash, KEYS[2] accounts set, KEYS[3] bucket index, KEYS[4] the
// workspace-days marker, KEYS[5] the account-weeks marker, KEYS[6] the data-string
// marker, KEYS[7..] every record, data string, staged record and staged data, and
// key of the items' new (and, when known, old) index specs.
// ARGV[1] the position in ARGV of the first item's fields; before it the totals over
// the puts: per rollup or account-day key, the key, its bucket ("" for an account
// day), its number of counters, then each counter's name and non-zero total; then
// applyFields per item: "put" or "del", message key, revision, stamp, time score,
// bucket, sentiment score, account, and the item's keys as references into KEYS
// (two bytes each, big-endian, 0 for none; see applyBatch.add): its record, its staged
// record (none for a delete), rollup, then the time indexes (all, account, channel),
// the notable set (its role is "n-" or "n+" by the sign of the score), the account
// day and the account week's time index (none where there is no account), its data
// string and its staged data (none for a delete). A key is
// sent once a script however many items name it: each argument a script receives
// is copied into a Lua string and hashed, and the keys were half a message's
// arguments (bench rediscost: 173,379 instructions a message with keys by name,
// 165,645 by reference; an import's 213,617 and 206,601). (Records applied before 2026-12-02 also name their author's time
// index, fb:{ws}:au:<author>, in their spec, with role "t": replacing or deleting
// one removes it from there.)
// Returns {changed, {item, missing keys...}, ...} with items numbered from 0.
var applyScript = redis.NewScript(readRecordLua + `
-- the declared keys as a set, built on first use: only an item that replaces a
-- record (an edit, a delete, a redelivery) checks its old keys against them
local declared
local function isdeclared(key)
  if not declared then
    declared = {}
    for _, k in ipairs(KEYS) do declared[k] = true end
  end
  return declared[key]
end
local deltas, dorder, dbucket = {}, {}, {}
local zadds, zorder = {}, {}
local accts, aorder = {}, {}
-- the batch's totals from Go: key -> the position in ARGV of its first counter name
-- and its number of counters. They stay text, passed to HINCRBY as they are, unless
-- the script adds to the same key (delta copies them into numbers first).
local given, givenn = {}, {}
-- the pending counter deltas of key (created in order on first use)
local function delta(key, bucket)
  local d = deltas[key]
  if not d then
    d = {}
    deltas[key] = d
    local g = given[key]
    if g then
      for i = g, g + 2 * givenn[key] - 2, 2 do d[ARGV[i]] = tonumber(ARGV[i + 1]) end
      given[key] = nil
    else
      dorder[#dorder + 1] = key
    end
  end
  dbucket[key] = bucket
  return d
end
local function add(key, bucket, contrib, sign)
  local d = delta(key, bucket)
  for c, v in pairs(cjson.decode(contrib)) do d[c] = (d[c] or 0) + sign * v end
end
-- the account counters of contributions to an account day, each under the name the
-- pattern field takes from it (a workspace day's, role 'd', or an account's own
-- day's, role 'a': see wsDayField and ownDayField)
local function addacct(key, contrib, sign, field)
  local d = delta(key, '')
  for c, v in pairs(cjson.decode(contrib)) do
    local n = string.match(c, field)
    if n then d[n] = (d[n] or 0) + sign * v end
  end
end
if redis.call('EXISTS', KEYS[3]) == 0 then
  -- no rollup hour yet: the workspace days, account weeks and data strings cover
  -- this workspace from its start
  redis.call('SET', KEYS[4], '1')
  redis.call('SET', KEYS[5], '1')
  redis.call('SET', KEYS[6], '1')
end
-- an account's whole-history time index is kept only where its account weeks do
-- not cover the workspace yet (data of an older version, until BuildAccountDays):
-- once they do, every account read walks the weeks
local wholeacct = redis.call('EXISTS', KEYS[5]) == 0
local first = tonumber(ARGV[1])
local t = 2
while t < first do
  local key, n = ARGV[t], tonumber(ARGV[t + 2])
  dorder[#dorder + 1] = key
  dbucket[key] = ARGV[t + 1]
  given[key], givenn[key] = t + 3, n
  t = t + 3 + 2 * n
end
local function zadd(key, score, member)
  local z = zadds[key]
  if not z then
    z = {}
    zadds[key] = z
    zorder[#zorder + 1] = key
  end
  z[member] = score
end
-- the big-index member's score in each index that gets it at bigIndexAt members
-- (a channel's, an account week's, a notable set), and the indexes a member left
local compact, shrunk, sorder = {}, {}, {}
local function zrem(key, member)
  local z = zadds[key]
  if z then z[member] = nil end
  if redis.call('ZREM', key, member) == 1 and not shrunk[key] then
    shrunk[key] = true
    sorder[#sorder + 1] = key
  end
end
-- an item's keys, from its references: two bytes each, a position in KEYS (0: none)
local function refs(r)
  local a1, a2, b1, b2, c1, c2, d1, d2, e1, e2, f1, f2, g1, g2, h1, h2, i1, i2, j1, j2, k1, k2 = string.byte(r, 1, 22)
  return KEYS[a1 * 256 + a2] or '', KEYS[b1 * 256 + b2] or '', KEYS[c1 * 256 + c2] or '',
    KEYS[d1 * 256 + d2] or '', KEYS[e1 * 256 + e2] or '', KEYS[f1 * 256 + f2] or '',
    KEYS[g1 * 256 + g2] or '', KEYS[h1 * 256 + h2] or '', KEYS[i1 * 256 + i2] or '',
    KEYS[j1 * 256 + j2] or '', KEYS[k1 * 256 + k2] or ''
end
local blocked = {}
local members = {}
for b = first, #ARGV, ` + strconv.Itoa(applyFields) + ` do members[#members + 1] = ARGV[b+1] end
if #members == 0 then return {0} end
local latest = redis.call('HMGET', KEYS[1], unpack(members))
local out = {0}
local item = 0
for b = first, #ARGV, ` + strconv.Itoa(applyFields) + ` do
  local kind, member, rev, stamp = ARGV[b], ARGV[b+1], ARGV[b+2], ARGV[b+3]
  local rec, staged, rollup, tall, tacct, tchan, nkey, aday, aweek, data, sdata = refs(ARGV[b+8])
  local go
  if kind == 'put' then go = latest[item + 1] == rev else go = latest[item + 1] == '` + tombstone + `' end
  local old, fresh
  if blocked[member] then
    -- an earlier item of this message waits for a retry: so do the later ones,
    -- to be applied after it, in their order
    out[#out + 1] = {item}
    go = false
  elseif go then
    if kind == 'put' and redis.call('RENAMENX', staged, rec) == 1 then
      fresh = true -- the message's first record, moved into place
      redis.call('RENAME', sdata, data)
    else
      old = readrec(rec)
      if not old[1] then
        if kind == 'del' then go = false end
      elseif old[1] == stamp and kind == 'put' then
        go = false
      end
    end
  end
  local oldspec = {}
  if go and old and old[3] then
    oldspec = cjson.decode(old[3])
    -- (every key of the old record, once one is undeclared: the keys another
    -- item of this call declared are not declared by the retry, which carries
    -- the blocked items alone, and reporting only the undeclared ones lost a
    -- layer of keys a round until the call gave up, a review found)
    local missing, undeclared = {item}, false
    for _, e in ipairs(oldspec) do
      missing[#missing + 1] = e[1]
      if not isdeclared(e[1]) then undeclared = true end
    end
    if undeclared then
      out[#out + 1] = missing
      blocked[member] = true
      go = false
    end
  end
  if not go then
    if kind == 'put' then
      -- the totals counted this put: take it out again
      local contrib = readrec(staged)[2]
      add(rollup, ARGV[b+5], contrib, -1)
      if aday ~= '' then addacct(aday, contrib, -1, '` + wsDayField + `') end
      redis.call('DEL', staged, sdata)
    end
  else
    for _, e in ipairs(oldspec) do
      if e[2] == 'r' then
        add(e[1], old[4], old[2], -1)
      elseif e[2] == 'd' then
        addacct(e[1], old[2], -1, '` + wsDayField + `')
      elseif e[2] == 'a' then
        addacct(e[1], old[2], -1, '` + ownDayField + `')
      else
        zrem(e[1], member)
      end
    end
    if kind == 'del' then
      redis.call('DEL', rec, data)
    else
      local score = ARGV[b+4]
      zadd(tall, score, member)
      if wholeacct and tacct ~= '' then zadd(tacct, score, member) end
      zadd(tchan, score, member)
      compact[tchan] = '-inf'
      if aweek ~= '' then
        zadd(aweek, score, member)
        compact[aweek] = '-inf'
      end
      if nkey ~= '' then
        zadd(nkey, ARGV[b+6], member)
        -- the big-index member goes where the reads of a notable set end: after the
        -- most negative of a negative set, before the most positive of a positive one
        if string.byte(ARGV[b+6], 1) == 45 then compact[nkey] = '+inf' else compact[nkey] = '-inf' end
      end
      local acct = ARGV[b+7]
      if acct ~= '' and not accts[acct] then
        accts[acct] = true
        aorder[#aorder + 1] = acct
      end
      if not fresh then
        -- (over a record of a version before 2026-12-04 too, whose hash held the
        -- stored JSON as field d: the new hash has none)
        redis.call('RENAME', staged, rec)
        redis.call('RENAME', sdata, data)
      end
    end
    out[1] = out[1] + 1
  end
  item = item + 1
end
for _, key in ipairs(dorder) do
  local d, g = deltas[key], given[key]
  local names, count = {}, 0
  if g then
    count = givenn[key] -- (Go sends no zero totals)
  else
    for c, v in pairs(d) do
      if v ~= 0 then names[#names + 1] = c end
    end
    count = #names
  end
  -- (no sort: the order of the HINCRBYs changes nothing, and sorting the several
  -- hundred counters of an hour took 2% of Redis's time a message)
  local hour = dbucket[key] ~= ''
  local fresh = false
  if count > 0 then
    -- (a workspace day too: every digest and account lookup reads a thousand
    -- fields of each of its days with HMGET, each field a search of a listpack)
    local n = redis.call('HLEN', key)
    fresh = hour and n == 0
    if n + count >= ` + strconv.Itoa(bigRollupAt) + ` then
      redis.call('HSETNX', key, '` + bigRollupField + `', '` + bigRollupValue + `')
    end
  end
  if g and fresh and count <= ` + strconv.Itoa(maxFreshFields) + ` then
    -- a new hour: its totals are its counters, set in one call
    redis.call('HSET', key, unpack(ARGV, g, g + 2 * count - 1))
  elseif g then
    for i = g, g + 2 * count - 2, 2 do
      if redis.call('HINCRBY', key, ARGV[i], ARGV[i + 1]) == 0 then
        redis.call('HDEL', key, ARGV[i])
      end
    end
  end
  for _, c in ipairs(names) do
    if redis.call('HINCRBY', key, c, string.format('%d', d[c])) == 0 then
      redis.call('HDEL', key, c)
    end
  end
  if hour then` + fmt.Sprintf(dropEmptyRollupLua, "key") + `    if redis.call('EXISTS', key) == 1 then
      redis.call('ZADD', KEYS[3], dbucket[key], dbucket[key])
    else
      redis.call('ZREM', KEYS[3], dbucket[key])
    end
  else` + fmt.Sprintf(dropEmptyRollupLua, "key") + `  end
end
for _, key in ipairs(zorder) do
  local args = {}
  for member, score in pairs(zadds[key]) do
    args[#args + 1] = score
    args[#args + 1] = member
  end
  if #args > 0 then
    -- (the big-index member first: the batch's members then go to the skip list)
    if compact[key] and redis.call('ZCARD', key) + #args / 2 >= ` + strconv.Itoa(bigIndexAt) + ` then
      redis.call('ZADD', key, compact[key], '` + bigIndexMember + `')
    end
    redis.call('ZADD', key, unpack(args))
  end
end
for _, key in ipairs(sorder) do` + fmt.Sprintf(dropEmptyIndexLua, "key") + `end
if #aorder > 0 then redis.call('SADD', KEYS[2], unpack(aorder)) end
return out
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

// The Lua patterns that take an account counter's field in an account day from its
// contribution's name, acct|<account>|<counter>: in a workspace day (spec role "d")
// <account>|<counter>, in an account's own day (role "a", the layout before
// 2026-12-04) the counter alone.
const (
	wsDayField  = `^acct|(.+)$`
	ownDayField = `^acct|[^|]*|(.+)$`
)

// unindexLua removes what a message record (old: readrec's fields) contributed: its
// rollup counters are subtracted and it leaves every index of its spec. KEYS[4] is the
// bucket index; member is the message key.
var unindexLua = `
for _, e in ipairs(oldspec) do
  if e[2] == 'a' or e[2] == 'd' then
    local pat = '` + ownDayField + `'
    if e[2] == 'd' then pat = '` + wsDayField + `' end
    for c, v in pairs(cjson.decode(old[2])) do
      local n = string.match(c, pat)
      if n and redis.call('HINCRBY', e[1], n, string.format('%d', -v)) == 0 then
        redis.call('HDEL', e[1], n)
      end
    end` + fmt.Sprintf(dropEmptyRollupLua, "e[1]") + `  elseif e[2] == 'r' then
    for c, v in pairs(cjson.decode(old[2])) do
      if redis.call('HINCRBY', e[1], c, string.format('%d', -v)) == 0 then
        redis.call('HDEL', e[1], c)
      end
    end` + fmt.Sprintf(dropEmptyRollupLua, "e[1]") + `    if redis.call('EXISTS', e[1]) == 0 then redis.call('ZREM', KEYS[4], old[4]) end
  elseif redis.call('ZREM', e[1], member) == 1 then` + fmt.Sprintf(dropEmptyIndexLua, "e[1]") + `  end
end
`

// forgetScript erases one message for Forget, atomically: it is marked erased in the
// latest hash (so Append and Apply never bring it back), its record is removed as a
// delete would remove it, and every log entry of it is deleted and acknowledged (so it
// is neither read, reclaimed nor replayed again).
//
// The message leaves the message-key set of the forgotten author and of every
// other author the caller read from its record and log entries (an edit can change
// a message's author), as expireScript's; where the log-entry index lists other
// entries than the caller read them from (an event appended since), nothing
// changes and the caller reads them again.
//
// KEYS[1] latest hash, KEYS[2] log stream, KEYS[3] log-entry index, KEYS[4] bucket
// index, KEYS[5] record, KEYS[6] the author's message keys, KEYS[7] the record's data
// string, KEYS[8..7+ARGV[4]] the other authors' message-key sets, then the keys of
// the record's index spec as the caller read it. Missing keys are returned, as
// applyScript does, before anything changes.
// ARGV[1] message key, ARGV[2] consumer group, ARGV[3] the log-entry index's ids of
// the message as the caller read them ("" for none), ARGV[4] how many other
// authors' sets there are.
// Returns 1 when something was erased, 0 when nothing was left, -1 when the
// entry ids are others now, or the missing keys.
var forgetScript = redis.NewScript(readRecordLua + `
local member = ARGV[1]
local ids = redis.call('HGET', KEYS[3], member)
if (ids or '') ~= ARGV[3] then return -1 end -- its authors were read from other entries
local old = readrec(KEYS[5])
local oldspec = {}
if old[3] then
  oldspec = cjson.decode(old[3])` + checkDeclaredLua + `end
redis.call('HSET', KEYS[1], member, '` + erased + `')
local done = 0` + unindexLua + `if old[1] then
  redis.call('DEL', KEYS[5])
  done = 1
end
-- (a data string without its record too: one an older replica's delete left)
if redis.call('DEL', KEYS[7]) == 1 then done = 1 end
if ids then
  for id in string.gmatch(ids, '%S+') do
    if redis.call('XDEL', KEYS[2], id) == 1 then done = 1 end
    redis.pcall('XACK', KEYS[2], ARGV[2], id)
  end
  redis.call('HDEL', KEYS[3], member)
end
for i = 6, 7 + tonumber(ARGV[4]) do
  if i ~= 7 then redis.call('SREM', KEYS[i], member) end
end
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
-- (a record with field m is this version's, whose spec names its indexes already)
if redis.call('HEXISTS', KEYS[1], 'm') == 1 then return 0 end
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

// pruneConsumersScript deletes the consumers of a log's group that hold no pending
// entries and have not read for ARGV[2] milliseconds. KEYS[1] log stream, ARGV[1]
// group. Checking and deleting in one script means no entry can be delivered to a
// consumer between the two (XGROUP DELCONSUMER drops a consumer's pending entries with
// it); a live consumer deleted while idle is created again by its next read. Returns
// the number deleted.
var pruneConsumersScript = redis.NewScript(`
local idle = tonumber(ARGV[2])
local n = 0
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local f = {}
  for i = 1, #c, 2 do f[c[i]] = c[i + 1] end
  if tonumber(f['pending']) == 0 and tonumber(f['idle']) >= idle then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], f['name'])
    n = n + 1
  end
end
return n
`)
