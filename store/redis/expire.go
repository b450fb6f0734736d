package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// expirePage is how many messages (time index) or log entries (log walk) Expire reads
// per round trip; each page's messages are expired in one pipeline of scripts.
const expirePage = 256

// expireScript expires one message: like forgetScript it marks the key erased, removes
// the record from every index and deletes its log entries, but it leaves the rollup
// counters alone, and it does nothing while any log entry of the message is not yet
// delivered or still pending (the caller passes the group's position).
//
// KEYS[1] latest hash, KEYS[2] log stream, KEYS[3] log-entry index, KEYS[4] record,
// KEYS[5] the author's message keys, KEYS[6] the record's data string, KEYS[7..] the
// record's index spec as read.
// ARGV[1] message key, ARGV[2] the group's last delivered id, ARGV[3] the lowest
// pending id ("" when none), ARGV[4] "1" to expire the message only if it has no
// applied record (the log walk).
// Returns 1 when something was expired, 0 when nothing was (left), or missing keys.
var expireScript = redis.NewScript(readRecordLua + `
local member = ARGV[1]
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function less(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
local ids = redis.call('HGET', KEYS[3], member)
if ids then
  for id in string.gmatch(ids, '%S+') do
    if less(ARGV[2], id) or (ARGV[3] ~= '' and not less(id, ARGV[3])) then return 0 end
  end
end
local old = readrec(KEYS[4])
if ARGV[4] == '1' and old[1] then
  -- the log walk, for messages deleted before they expired: one still applied has
  -- its current time, which the time index walk judged (an old version's time
  -- erased a message edited to a recent one)
  return 0
end
local oldspec = {}
if old[3] then
  oldspec = cjson.decode(old[3])` + checkDeclaredLua + `end
redis.call('HSET', KEYS[1], member, '` + erased + `')
local done = 0
for _, e in ipairs(oldspec) do
  -- (an index left holding only its encoding marker goes, as forget's: retention
  -- left one for every day and account week it emptied, and the keys grew for ever)
  if e[2] ~= 'r' and e[2] ~= 'a' and e[2] ~= 'd' and redis.call('ZREM', e[1], member) == 1 then` + fmt.Sprintf(dropEmptyIndexLua, "e[1]") + `  end
end
if old[1] then
  redis.call('DEL', KEYS[4])
  done = 1
end
if redis.call('DEL', KEYS[6]) == 1 then done = 1 end
if ids then
  for id in string.gmatch(ids, '%S+') do
    if redis.call('XDEL', KEYS[2], id) == 1 then done = 1 end
  end
  redis.call('HDEL', KEYS[3], member)
end
redis.call('SREM', KEYS[5], member)
return done
`)

// Expire implements store.Retention: first the applied messages older than before,
// from the time index; then the log, for messages deleted before they expired. It
// stops at the first log entry the consumer group has not acknowledged.
func (s *Store) Expire(ctx context.Context, workspace string, before time.Time) (int, error) {
	if workspace == "" {
		return 0, invalid("expire: workspace is empty")
	}
	if err := s.indexPeople(ctx, workspace); err != nil {
		return 0, err
	}
	k := s.ws(workspace)
	total := 0
	// Walk 1: the time index. Messages left alone (entries in flight) stay in the
	// index, so the next page starts after them.
	max := "(" + strconv.FormatInt(before.UnixMicro(), 10)
	var skipped int64
	for {
		members, err := s.rdb.ZRangeByScore(ctx, k.timeAll(), &redis.ZRangeBy{Min: "-inf", Max: max, Offset: skipped, Count: expirePage}).Result()
		if err != nil {
			return total, wrapErr("expire", err)
		}
		if len(members) == 0 {
			break
		}
		n, err := s.expireKeys(ctx, k, members, nil)
		total += n
		if err != nil {
			return total, err
		}
		skipped += int64(len(members) - n)
		if len(members) < expirePage {
			break
		}
	}
	// Walk 2: the acknowledged part of the log.
	st := stream{ws: workspace, key: k.log()}
	start := "-"
	for {
		last, lowest, err := s.groupPosition(ctx, k.log())
		if err != nil {
			return total, err
		}
		if last == "" {
			break // nothing delivered yet
		}
		msgs, err := s.rdb.XRangeN(ctx, st.key, start, last, expirePage).Result()
		if err != nil {
			return total, wrapErr("expire", err)
		}
		var members []string
		authors := map[string]string{}
		for _, m := range msgs {
			if lowest != "" && compareIDs(m.ID, lowest) >= 0 {
				break
			}
			e, ok, err := s.entryOrErr(ctx, st, m, 0, false)
			if err != nil {
				return total, wrapErr("expire", err)
			}
			if !ok {
				continue
			}
			msg := &e.Event.Message
			if e.Event.Kind != feedbackbot.EventPut || !msg.Time.Before(before) {
				continue
			}
			if _, seen := authors[msg.Key()]; !seen {
				members = append(members, msg.Key())
			}
			authors[msg.Key()] = msg.Author
		}
		n, err := s.expireKeys(ctx, k, members, authors)
		total += n
		if err != nil {
			return total, err
		}
		if len(msgs) < expirePage || (lowest != "" && compareIDs(msgs[len(msgs)-1].ID, lowest) >= 0) {
			break
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
	return total, nil
}

// groupPosition returns the consumer group's last delivered id ("" when it has none
// or does not exist) and the lowest pending id ("" when nothing is pending).
func (s *Store) groupPosition(ctx context.Context, key string) (last, lowest string, err error) {
	groups, err := s.rdb.XInfoGroups(ctx, key).Result()
	if err != nil {
		if redis.HasErrorPrefix(err, "no such key") {
			return "", "", nil
		}
		return "", "", wrapErr("expire", err)
	}
	gi := slices.IndexFunc(groups, func(g redis.XInfoGroup) bool { return g.Name == s.group })
	if gi < 0 || groups[gi].LastDeliveredID == "0-0" {
		return "", "", nil
	}
	p, err := s.rdb.XPending(ctx, key, s.group).Result()
	if err != nil {
		return "", "", wrapErr("expire", err)
	}
	if p.Count > 0 {
		lowest = p.Lower
	}
	return groups[gi].LastDeliveredID, lowest, nil
}

// expireKeys runs expireScript for members (message keys). authors gives the author of
// a member known from the log; the others' come from their records.
func (s *Store) expireKeys(ctx context.Context, k wsKeys, members []string, authors map[string]string) (int, error) {
	if len(members) == 0 {
		return 0, nil
	}
	last, lowest, err := s.groupPosition(ctx, k.log())
	if err != nil {
		return 0, err
	}
	if last == "" {
		last = "0-0"
	}
	recs, err := s.getRecords(ctx, k, members, true)
	if err != nil {
		return 0, wrapErr("expire", err)
	}
	calls := make([]evalCall, len(members))
	for i, m := range members {
		author := authors[m]
		var spec [][2]string
		if raw := recs[i].spec; raw != "" {
			if err := json.Unmarshal([]byte(raw), &spec); err != nil {
				return 0, fmt.Errorf("redis expire: message %s: decode index spec: %w", m, err)
			}
		}
		if raw := recs[i].data; raw != "" && author == "" {
			var st store.Stored
			if err := decodeStored(raw, &st); err != nil {
				return 0, fmt.Errorf("redis expire: message %s: decode: %w", m, err)
			}
			author = st.Message.Author
		}
		keys := []string{k.latest(), k.log(), k.logEntries(), k.rec(m), k.authorKeys(author), k.recData(m)}
		for _, e := range spec {
			if !slices.Contains(keys, e[0]) {
				keys = append(keys, e[0])
			}
		}
		unapplied := "0"
		if authors != nil {
			unapplied = "1" // the log walk: deleted messages only
		}
		calls[i] = evalCall{keys: keys, args: []any{m, last, lowest, unapplied}}
	}
	return s.evalRetrying(ctx, "expire", expireScript, calls)
}

// evalRetrying runs sc for every call in pipelines and sums the integer replies. A
// script that replies with the keys it was not given (a record changed between the
// caller's read and the script) is run again with them, up to applyRounds times.
func (s *Store) evalRetrying(ctx context.Context, op string, sc *redis.Script, calls []evalCall) (int, error) {
	n := 0
	pending := make([]int, len(calls))
	for i := range pending {
		pending[i] = i
	}
	for round := 0; len(pending) > 0; round++ {
		if round == applyRounds {
			return n, fmt.Errorf("redis %s: the index keys of %d message(s) kept changing", op, len(pending))
		}
		batch := make([]evalCall, len(pending))
		for j, i := range pending {
			batch[j] = calls[i]
		}
		cmds, err := s.evalAll(ctx, sc, batch, nil)
		var next []int
		for j, c := range cmds {
			if c.Err() != nil {
				continue
			}
			switch v := c.Val().(type) {
			case int64:
				n += int(v)
			case []any:
				i := pending[j]
				for _, key := range v {
					if ks, ok := key.(string); ok && !slices.Contains(calls[i].keys, ks) {
						calls[i].keys = append(calls[i].keys, ks)
					}
				}
				next = append(next, i)
			}
		}
		if err != nil && !errors.Is(err, redis.Nil) {
			return n, wrapErr(op, err)
		}
		pending = next
	}
	return n, nil
}

// Interface guard.
var _ store.Retention = (*Store)(nil)
