package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
// delivered or still pending (the caller passes the group's position). The message
// leaves the message-key set of every author the caller read from its log entries
// and record (an edit can change a message's author: each one's set names it); the
// caller read them from the entries the log-entry index listed, and where the index
// lists others now (an event appended since) the message is left for a later call.
//
// KEYS[1] latest hash, KEYS[2] log stream, KEYS[3] log-entry index, KEYS[4] record,
// KEYS[5] the record's data string, KEYS[6..5+ARGV[6]] the authors' message-key
// sets, then the record's index spec as read.
// ARGV[1] message key, ARGV[2] the group's last delivered id, ARGV[3] the lowest
// pending id ("" when none), ARGV[4] "1" to expire the message only if it has no
// applied record (the log walk), ARGV[5] the log-entry index's ids of the message as
// the caller read them ("" for none), ARGV[6] how many authors' sets there are,
// ARGV[7] the cutoff (microseconds) and ARGV[8] the position in KEYS of the
// workspace's time index: an applied message whose time there is at or after the
// cutoff (an edit moved it since the caller's walk read the index) is left.
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
if (ids or '') ~= ARGV[5] then return 0 end -- its authors were read from other entries
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
if old[1] then
  -- the time index walk read the message's time before this script: an edit
  -- applied since may have moved it past the cutoff (a review's find)
  local at = redis.call('ZSCORE', KEYS[tonumber(ARGV[8])], member)
  if at and tonumber(at) >= tonumber(ARGV[7]) then return 0 end
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
if redis.call('DEL', KEYS[5]) == 1 then done = 1 end
if ids then
  for id in string.gmatch(ids, '%S+') do
    if redis.call('XDEL', KEYS[2], id) == 1 then done = 1 end
  end
  redis.call('HDEL', KEYS[3], member)
end
for i = 6, 5 + tonumber(ARGV[6]) do redis.call('SREM', KEYS[i], member) end
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
	// (rounded up: a message of whole microseconds older than a cutoff with
	// nanoseconds, retention's now less the age, was left behind, a review found)
	max := "(" + strconv.FormatInt(ceilMicro(before), 10)
	var skipped int64
	for {
		members, err := s.rdb.ZRangeByScore(ctx, k.timeAll(), &redis.ZRangeBy{Min: "-inf", Max: max, Offset: skipped, Count: expirePage}).Result()
		if err != nil {
			return total, wrapErr("expire", err)
		}
		if len(members) == 0 {
			break
		}
		n, err := s.expireKeys(ctx, workspace, k, members, false, before)
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
		seen := map[string]bool{}
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
			if !seen[msg.Key()] {
				seen[msg.Key()] = true
				members = append(members, msg.Key())
			}
		}
		n, err := s.expireKeys(ctx, workspace, k, members, true, before)
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

// expireKeys runs expireScript for members (message keys); logWalk expires only
// those with no applied record (the log walk, for messages deleted before they
// expired). Each message leaves the message-key set of every author it has
// (erasureRead).
func (s *Store) expireKeys(ctx context.Context, workspace string, k wsKeys, members []string, logWalk bool, before time.Time) (int, error) {
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
	er, err := s.erasureRead(ctx, workspace, k, members, "expire")
	if err != nil {
		return 0, err
	}
	calls := make([]evalCall, len(members))
	for i, m := range members {
		var spec [][2]string
		if raw := er.recs[i].spec; raw != "" {
			if err := json.Unmarshal([]byte(raw), &spec); err != nil {
				return 0, fmt.Errorf("redis expire: message %s: decode index spec: %w", m, err)
			}
		}
		who := er.authors[i]
		keys := make([]string, 0, 6+len(who)+len(spec))
		keys = append(keys, k.latest(), k.log(), k.logEntries(), k.rec(m), k.recData(m))
		for _, a := range who {
			keys = append(keys, k.authorKeys(a))
		}
		for _, e := range spec {
			if !slices.Contains(keys, e[0]) {
				keys = append(keys, e[0])
			}
		}
		timeAt := slices.Index(keys, k.timeAll()) + 1 // (Lua counts from 1)
		if timeAt == 0 {
			keys = append(keys, k.timeAll())
			timeAt = len(keys)
		}
		unapplied := "0"
		if logWalk {
			unapplied = "1"
		}
		calls[i] = evalCall{keys: keys, args: []any{m, last, lowest, unapplied, er.ids[i], len(who), ceilMicro(before), timeAt}}
	}
	return s.evalRetrying(ctx, "expire", k, expireScript, calls, nil)
}

// erasure is what erasureRead read of messages about to be erased (expired or
// forgotten), each by its index in the members read.
type erasure struct {
	recs    []record   // the records, with their data
	ids     []string   // the entry ids as the log-entry index lists them ("" for none)
	authors [][]string // every author of each, each once
}

// erasureRead reads what erasing members (message keys of workspace) takes: their
// records and log-entry index ids, in one pipeline, and their authors, whose sets
// of message keys each must leave (an edit can change a message's author: each
// one's set names it): its record's author, and the author of every put of it
// still in the log. The log is read only where it can name another author: a
// message whose log-entry index lists one entry and whose record is there was put
// once, by the author its record names (the common case: reading every such entry
// again, to learn what the record says, made a retention pass of 10,000 messages
// take 45% longer), so only the entries of a message put more than once, or with
// no record left, are read (logAuthors). An earlier author whose log entry was
// trimmed away (MaxLen) is not found: their set keeps naming the key (see
// store.Retention).
func (s *Store) erasureRead(ctx context.Context, workspace string, k wsKeys, members []string, op string) (erasure, error) {
	var le *redis.SliceCmd
	recs, err := s.getRecordsWith(ctx, k, members, true, func(p redis.Pipeliner) {
		le = p.HMGet(ctx, k.logEntries(), members...)
	})
	if err != nil {
		return erasure{}, wrapErr(op, err)
	}
	vals, err := le.Result()
	if err != nil {
		return erasure{}, wrapErr(op, err)
	}
	er := erasure{recs: recs, ids: make([]string, len(members)), authors: make([][]string, len(members))}
	read := make([]bool, len(members))
	for i, m := range members {
		er.ids[i], _ = vals[i].(string)
		if raw := recs[i].data; raw != "" {
			var st store.Stored
			if err := decodeStored(raw, &st); err != nil {
				return erasure{}, fmt.Errorf("redis %s: message %s: decode: %w", op, m, err)
			}
			if a := st.Message.Author; a != "" {
				er.authors[i] = []string{a}
			}
		}
		// (the index joins a message's entry ids with single spaces)
		read[i] = er.ids[i] != "" && (recs[i].data == "" || strings.IndexByte(er.ids[i], ' ') >= 0)
	}
	if err := s.logAuthors(ctx, workspace, k, er.ids, read, er.authors, op); err != nil {
		return erasure{}, err
	}
	return er, nil
}

// logAuthors adds to authors[i] the author of every put among the log entries
// ids[i] lists (a message's entry ids as the log-entry index lists them) that the
// log still holds, for each i where read[i] is set, each author once: pipelined,
// one round trip for the entries (and one for data keys this process lacks). An
// entry that cannot be decoded (its author forgotten, say) names none: a
// forgotten author's set is deleted by Forget.
func (s *Store) logAuthors(ctx context.Context, workspace string, k wsKeys, ids []string, read []bool, authors [][]string, op string) error {
	type ref struct {
		member int
		id     string
	}
	var refs []ref
	for i := range ids {
		if !read[i] {
			continue
		}
		for _, id := range strings.Fields(ids[i]) {
			if validStreamID(id) {
				refs = append(refs, ref{i, id})
			}
		}
	}
	if len(refs) == 0 {
		return nil
	}
	got := make([]*redis.XMessageSliceCmd, len(refs))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for j, r := range refs {
			got[j] = p.XRange(ctx, k.log(), r.id, r.id)
		}
		return nil
	})
	var msgs []redis.XMessage
	for _, c := range got {
		ms, err := c.Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return wrapErr(op, err)
		}
		msgs = append(msgs, ms...)
	}
	s.prefetchKeys(ctx, stream{ws: workspace, key: k.log()}, msgs)
	for j, c := range got {
		for _, m := range c.Val() {
			// (as entryOrErr reads an entry, but a forgotten author's is no news
			// here: Forget reads the entries of the author it erases)
			raw, _ := m.Values["e"].(string)
			payload, err := s.unseal(ctx, workspace, raw)
			if errors.Is(err, errKeysUnreadable) {
				return wrapErr(op, fmt.Errorf("entry %s: %w", m.ID, err))
			}
			var ev feedbackbot.Event
			if err == nil {
				err = store.DecodeEvent(payload, &ev)
			}
			if err != nil {
				if !errors.Is(err, errKeyGone) {
					s.log.WarnContext(ctx, "redis store: skipping unreadable log entry", "workspace", workspace, "entry", m.ID, "error", err)
				}
				continue
			}
			i := refs[j].member
			if a := ev.Message.Author; ev.Kind == feedbackbot.EventPut && a != "" && !slices.Contains(authors[i], a) {
				authors[i] = append(authors[i], a)
			}
		}
	}
	return nil
}

// evalRetrying runs sc for every call in pipelines and sums the integer replies. A
// script that replies with the keys it was not given (a record changed between the
// caller's read and the script) is run again with them, up to applyRounds times;
// one that replies -1 (what the caller read changed otherwise) is run again as
// reread makes its calls anew (reread(calls, indexes)), where reread is given.
// Every call also declares k's migration guard: the erasure scripts empty and
// delete keys they touch again (unindexLua), as the apply script does.
func (s *Store) evalRetrying(ctx context.Context, op string, k wsKeys, sc *redis.Script, calls []evalCall, reread func([]evalCall, []int) error) (int, error) {
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
			batch[j] = evalCall{keys: append(slices.Clip(calls[i].keys), k.migrationGuard()), args: calls[i].args}
		}
		cmds, err := s.evalAll(ctx, sc, batch, nil)
		var next, again []int
		for j, c := range cmds {
			if c.Err() != nil {
				continue
			}
			switch v := c.Val().(type) {
			case int64:
				if v == -1 && reread != nil {
					again = append(again, pending[j])
					continue
				}
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
		if len(again) > 0 {
			if err := reread(calls, again); err != nil {
				return n, err
			}
			next = append(next, again...)
		}
		pending = next
	}
	return n, nil
}

// Interface guard.
var _ store.Retention = (*Store)(nil)
