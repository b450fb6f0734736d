package redisstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// notableRounds bounds the pages Notable reads of one day's set (the first the
// limit, each next twice the last, to 1,000): a day whose most extreme messages are
// nearly all outside the period, or tie, is read no further than its first 15,000
// or so at a limit of 15.
const notableRounds = 20

// maxNotableDays bounds the period Notable reads (one set per day).
const maxNotableDays = 3700

// applyRounds bounds how often Apply retries an item whose previous revision's index
// keys it had to learn from the script (see applyScript).
const applyRounds = 5

const day = 24 * time.Hour

// applyChunk bounds how many items one apply script carries. It does not bound other
// clients' waits: a workspace's scripts of one Apply run in one MULTI/EXEC, which
// holds Redis as long as one script of them all would (20-40µs an item, by the
// machine's speed); the worker's batch is what bounds them (the live default is 500).
// Within the bound, a batch in one script sums its rollup counters over more messages
// and adds to each index once: go run ./bench rediscost -workload import measured
// 189,803 Redis instructions a message at a batch of 1,000 in scripts of 500,
// 184,774 in one script, and 178,602 at 2,000 in one script (245,757 for the
// pipeline's workload in scripts of 200, 213,835 at 500, before later changes). The
// bound is Lua's: unpack puts its values on a C stack of 8,000, and the script
// unpacks the time index of the whole workspace with two values a message.
const applyChunk = 2000

// Apply applies analysed entries; see store.Derived. Each workspace's items are one
// atomic script per chunk (checks of the latest revision and the applied stamp,
// subtraction of what was applied before, new counters and indexes, with the rollup
// counters summed over the chunk), after its puts' new records are staged, all in
// one MULTI/EXEC per workspace (see applyTx).
func (s *Store) Apply(ctx context.Context, items ...store.Applied) (int, error) {
	if len(items) == 0 {
		return 0, nil
	}
	calls := make([]applyItem, len(items))
	for i, it := range items {
		c, err := s.applyCall(it)
		if err != nil {
			return 0, fmt.Errorf("apply item %d: %w", i, err)
		}
		calls[i] = c
	}
	applied := 0
	pending := make([]int, len(items))
	for i := range pending {
		pending[i] = i
	}
	for round := 0; len(pending) > 0; round++ {
		if round == applyRounds {
			return applied, fmt.Errorf("redis apply: the index keys of %d message(s) kept changing", len(pending))
		}
		scripts, staged, wss, members := s.applyScripts(calls, pending)
		cmds, err := s.applyTx(ctx, scripts, staged, wss)
		var next []int
		for j, c := range cmds {
			if c.Err() != nil {
				continue
			}
			res, _ := c.Val().([]any)
			if len(res) == 0 {
				continue
			}
			n, _ := res[0].(int64)
			applied += int(n)
			for _, r := range res[1:] {
				miss, _ := r.([]any)
				if len(miss) == 0 {
					continue
				}
				k, _ := miss[0].(int64)
				if k < 0 || int(k) >= len(members[j]) {
					return applied, fmt.Errorf("redis apply: the script named item %d of %d", k, len(members[j]))
				}
				i := members[j][k]
				for _, key := range miss[1:] {
					if ks, ok := key.(string); ok && !slices.Contains(calls[i].keys, ks) {
						calls[i].keys = append(calls[i].keys, ks)
					}
				}
				next = append(next, i)
			}
		}
		if err != nil {
			return applied, wrapErr("apply", err)
		}
		slices.Sort(next)
		pending = next
	}
	return applied, nil
}

// applyItem is one item's part of an apply script: its workspace, the keys it
// touches beyond the workspace's fixed ones, and its applyFields arguments.
type applyItem struct {
	ws     wsKeys
	member string // the message key (record key, so unique across workspaces)
	keys   []string
	args   []any // all but the last of its applyFields arguments
	// The keys it names (see applyScript), "" for none; all of them are in keys.
	refs [applyRefs]string
	// A put's new record, staged before the script: its stored JSON and what it
	// contributed (see appendMeta).
	data, meta []byte
	// A put's rollup key, bucket and contributions, summed per script in Go.
	rollup  string
	bucket  string
	contrib []feedbackbot.Counter
	// Its workspace day's key (acctCounters) and its account's counters there, named
	// <acct>|<counter> (none without an account).
	acctDay     string
	acctContrib []feedbackbot.Counter
}

// applyRefs is how many keys an apply item names by reference (see applyScript).
const applyRefs = 11

// maxApplyKeys bounds the keys of one apply script: a reference is two bytes. (A
// chunk of applyChunk puts declares four keys each, its record and data string
// and their staged copies, and the indexes they share: 8,000 and more.)
const maxApplyKeys = 1<<16 - 1 - 64

// applyBatch is one apply script being built.
type applyBatch struct {
	ws      wsKeys
	keys    []string
	seen    map[string]int // key -> its position in KEYS, from 1
	args    []any
	members []int
	staged  []stagedRecord
	totals  map[string]map[string]int64
	buckets map[string]string
	order   []string // rollup keys in first-seen order
}

// stagedRecord is a put's new record, written to keys of its own before the apply
// script, which moves them into place or deletes them (see applyScript): its hash
// (key, field m: meta) and its stored JSON (dataKey, a string: data).
type stagedRecord struct {
	key, dataKey string
	data, meta   []byte
}

// add appends item i (c) to the script: its keys, its arguments and, for a put, its
// staged record and its counters to the rollup totals.
func (sc *applyBatch) add(c applyItem, i int) {
	declare := func(k string) {
		if sc.seen[k] == 0 {
			sc.keys = append(sc.keys, k)
			sc.seen[k] = len(sc.keys)
		}
	}
	for _, k := range c.keys {
		declare(k)
	}
	refs := c.refs
	if c.data != nil {
		// i is unique within the Apply call, and the call's transaction moves or
		// deletes every staged record it writes: no other call sees the key
		refs[1], refs[10] = c.ws.staged(i), c.ws.stagedData(i)
		declare(refs[1])
		declare(refs[10])
		sc.staged = append(sc.staged, stagedRecord{key: refs[1], dataKey: refs[10], data: c.data, meta: c.meta})
	}
	enc := make([]byte, 0, 2*applyRefs)
	for _, k := range refs {
		n := 0
		if k != "" {
			n = sc.seen[k]
		}
		enc = append(enc, byte(n>>8), byte(n))
	}
	sc.args = append(append(sc.args, c.args...), enc)
	sc.members = append(sc.members, i)
	if c.rollup != "" {
		t := sc.totals[c.rollup]
		if t == nil {
			t = map[string]int64{}
			sc.totals[c.rollup] = t
			sc.buckets[c.rollup] = c.bucket
			sc.order = append(sc.order, c.rollup)
		}
		for _, x := range c.contrib {
			t[x.Name] += x.Value
		}
	}
	if c.acctDay != "" {
		t := sc.totals[c.acctDay]
		if t == nil {
			t = map[string]int64{}
			sc.totals[c.acctDay] = t
			sc.buckets[c.acctDay] = ""
			sc.order = append(sc.order, c.acctDay)
		}
		for _, x := range c.acctContrib {
			t[x.Name] += x.Value
		}
	}
}

// applyScripts groups the pending items by workspace into script calls of at most
// applyChunk items, and returns for each call the indexes of its items in order. Each
// call carries the rollup totals of its puts (see applyScript).
func (s *Store) applyScripts(calls []applyItem, pending []int) ([]evalCall, [][]stagedRecord, []wsKeys, [][]int) {
	var scripts []*applyBatch
	open := map[wsKeys]*applyBatch{}
	// Every item of one message goes to the script that got its first item, so that
	// scripts of one call never share a message and a retried item is never
	// overtaken by a later item of its message in another script (see applyScript).
	byMessage := map[string]*applyBatch{}
	for _, i := range pending {
		c := calls[i]
		if sc := byMessage[c.member]; sc != nil {
			sc.add(c, i)
			continue
		}
		sc := open[c.ws]
		if sc == nil || len(sc.members) >= s.chunk || len(sc.keys) >= maxApplyKeys {
			sc = &applyBatch{
				ws:      c.ws,
				keys:    []string{c.ws.latest(), c.ws.accounts(), c.ws.buckets(), c.ws.acctCountersBuilt(), c.ws.acctWeeks(), c.ws.recDataBuilt()},
				seen:    map[string]int{},
				totals:  map[string]map[string]int64{},
				buckets: map[string]string{},
			}
			open[c.ws] = sc
			scripts = append(scripts, sc)
		}
		byMessage[c.member] = sc
		sc.add(c, i)
	}
	out := make([]evalCall, len(scripts))
	staged := make([][]stagedRecord, len(scripts))
	wss := make([]wsKeys, len(scripts))
	members := make([][]int, len(scripts))
	for j, sc := range scripts {
		staged[j], wss[j] = sc.staged, sc.ws
		n := 1
		for _, k := range sc.order {
			n += 3 + 2*len(sc.totals[k])
		}
		args := make([]any, 1, n+len(sc.args))
		for _, k := range sc.order {
			t := sc.totals[k]
			at := len(args)
			args = append(args, k, sc.buckets[k], 0)
			for name, v := range t {
				if v != 0 {
					args = append(args, name, v)
				}
			}
			args[at+2] = (len(args) - at - 3) / 2
		}
		args[0] = len(args) + 1 // ARGV counts from 1
		// (the migration guard last: the script names no key past the items')
		out[j] = evalCall{keys: append(sc.keys, sc.ws.migrationGuard()), args: append(args, sc.args...)}
		members[j] = sc.members
	}
	return out, staged, wss, members
}

// applyTx runs the apply scripts, each after the HSETs and SETs of its staged
// records, in a MULTI/EXEC per workspace (a transaction may not span Redis Cluster
// slots; the workspaces' run side by side), so that a record is never staged without
// the script that moves it into place or deletes it. (A RENAME of each staged JSON
// after its script, which the script made fail by deleting those it skipped, saved
// Redis 3,800 of the 15,000 instructions a message the data strings cost, go run
// ./bench rediscost, but brought a put's JSON back after a delete of the same
// message later in the script.) EVAL, not EVALSHA: a script missing from
// the server's cache would fail inside the transaction after its records were
// staged (the server finds the cached script by its body's SHA1: a few hundred
// instructions a message).
func (s *Store) applyTx(ctx context.Context, calls []evalCall, staged [][]stagedRecord, wss []wsKeys) ([]*redis.Cmd, error) {
	cmds := make([]*redis.Cmd, len(calls))
	byWS := map[wsKeys][]int{}
	var order []wsKeys
	for i, ws := range wss {
		if byWS[ws] == nil {
			order = append(order, ws)
		}
		byWS[ws] = append(byWS[ws], i)
	}
	// refused[i]: the command Redis refused as it was queued in call i's transaction
	// (READONLY from a replica after a failover, OOM), for which EXEC discarded the
	// whole transaction: the script then says only EXECABORT, which neither names
	// the cause nor tells a failover (try again) from a bug.
	refused := make([]error, len(calls))
	tx := func(idx []int) {
		all, _ := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for _, i := range idx {
				for _, r := range staged[i] {
					p.HSet(ctx, r.key, "m", r.meta)
					p.Set(ctx, r.dataKey, r.data, 0)
				}
				cmds[i] = applyScript.Eval(ctx, p, calls[i].keys, calls[i].args...)
				// The script moves every staged key into place or deletes it, but a
				// script that fails part-way (a key of the wrong type, Redis out of
				// memory at its first write) left the rest: a put's text, kept under
				// a key nothing reads until another apply reuses the name, out of a
				// forget's reach. A DEL in the same transaction removes what is left
				// (after a script that ran to its end, it finds nothing).
				if len(staged[i]) > 0 {
					left := make([]string, 0, 2*len(staged[i]))
					for _, r := range staged[i] {
						left = append(left, r.key, r.dataKey)
					}
					p.Del(ctx, left...)
				}
			}
			return nil
		})
		for _, c := range all {
			if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) && !execAborted(err) {
				for _, i := range idx {
					refused[i] = err
				}
				break
			}
		}
	}
	if len(order) == 1 {
		tx(byWS[order[0]])
	} else {
		var wg sync.WaitGroup
		for _, ws := range order {
			wg.Go(func() { tx(byWS[ws]) })
		}
		wg.Wait()
	}
	for i, c := range cmds {
		if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
			if execAborted(err) && refused[i] != nil {
				return cmds, fmt.Errorf("the transaction was discarded: %w", refused[i])
			}
			return cmds, err
		}
	}
	return cmds, nil
}

// execAborted reports whether err is EXEC's answer to a transaction it discarded
// because Redis refused one of its commands as they were queued.
func execAborted(err error) bool {
	var rerr redis.Error
	return errors.As(err, &rerr) && strings.HasPrefix(rerr.Error(), "EXECABORT")
}

// applyCall builds one item's part of an apply script. The new revision's keys are
// declared; so are both notable sets of its day, as re-analysis often moves a message
// between them. Keys of an older revision elsewhere are learnt from the script on a
// retry.
func (s *Store) applyCall(it store.Applied) (applyItem, error) {
	ev := it.Entry.Event
	m := ev.Message
	if m.Platform == "" || m.Workspace == "" || m.ID == "" {
		return applyItem{}, invalid("entry %q has no message identity", it.Entry.ID)
	}
	k := s.ws(m.Workspace)
	key := m.Key()
	rec, recData := k.rec(key), k.recData(key)
	switch ev.Kind {
	case feedbackbot.EventDelete:
		return applyItem{ws: k, member: rec, keys: []string{rec, recData}, refs: [applyRefs]string{rec, 9: recData},
			args: []any{"del", key, "", "", "0", "0", "0", ""}}, nil
	case feedbackbot.EventPut:
	default:
		return applyItem{}, invalid("entry %q has unknown event kind %q", it.Entry.ID, ev.Kind)
	}
	if m.Time.IsZero() {
		return applyItem{}, invalid("entry %q: message has no time", it.Entry.ID)
	}
	tags := it.Tags
	tags.Sentiment.Score = store.FiniteScore(tags.Sentiment.Score)
	rev := m.Revision()
	data, err := store.AppendStoredBinary(nil, &store.Stored{Message: m, Tags: tags})
	if err != nil {
		return applyItem{}, fmt.Errorf("encode message: %w", err)
	}
	contributions := feedbackbot.AppendContributions(make([]feedbackbot.Counter, 0, 24), &m, &tags)
	contrib := appendCounterList(nil, contributions)
	start := feedbackbot.BucketStart(m.Time).Unix()
	bucket := strconv.FormatInt(start, 10)
	rollup := k.rollupAt(bucket)
	timeAll, timeAccount, timeChannel := k.timeAll(), "", k.timeChannel(m.Channel)
	spec := [][2]string{{rollup, "r"}, {timeAll, "t"}}
	acctWeek := ""
	if m.Account != "" {
		timeAccount, acctWeek = k.timeAccount(m.Account), k.acctWeek(weekOf(m.Time.Unix()), m.Account)
		spec = append(spec, [2]string{timeAccount, "t"}, [2]string{acctWeek, "t"})
	}
	// No author index: a person's messages are found from fb:{ws}:ak:<author>, which
	// Append keeps, and their times from the workspace's time index (AuthorMessages).
	spec = append(spec, [2]string{timeChannel, "t"})
	d := m.Time.UTC().Truncate(day)
	// The account counters' fields in the workspace day: acct|<account>|<counter>
	// without its dimension, <account>|<counter>, a substring of the name.
	var acctContrib []feedbackbot.Counter
	for _, c := range contributions {
		if f, ok := strings.CutPrefix(c.Name, feedbackbot.DimAccount+"|"); ok {
			acctContrib = append(acctContrib, feedbackbot.Counter{Name: f, Value: c.Value})
		}
	}
	acctDay := ""
	if acctContrib != nil {
		acctDay = k.acctCounters(d.Unix())
		spec = append(spec, [2]string{acctDay, "d"})
	}
	day := d.Format(notableDay)
	neg, pos := k.notableOn("neg", day), k.notableOn("pos", day)
	score := tags.Sentiment.Score
	notable := ""
	if m.FromCustomer() {
		switch {
		case score < 0:
			notable = neg
			spec = append(spec, [2]string{neg, "n-"})
		case score > 0:
			notable = pos
			spec = append(spec, [2]string{pos, "n+"})
		}
	}
	keys := []string{rec, recData}
	for _, e := range spec {
		keys = append(keys, e[0])
	}
	for _, n := range []string{neg, pos} {
		if !slices.Contains(keys, n) {
			keys = append(keys, n)
		}
	}
	specJSON := appendSpec(make([]byte, 0, 256), spec)
	stamp := rev + "@" + stampAnalyzer(tags.Analyzer)
	return applyItem{ws: k, member: rec, keys: keys, rollup: rollup, bucket: bucket, contrib: contributions,
		acctDay: acctDay, acctContrib: acctContrib,
		data: data, meta: appendMeta(make([]byte, 0, len(contrib)+len(specJSON)+len(stamp)+32), stamp, bucket, specJSON, contrib),
		// (the staged record's key is the script's: see applyBatch.add)
		refs: [applyRefs]string{rec, "", rollup, timeAll, timeAccount, timeChannel, notable, acctDay, acctWeek, recData, ""},
		args: []any{
			"put", key, rev, stamp, strconv.FormatInt(m.Time.UnixMicro(), 10), bucket,
			strconv.FormatFloat(score, 'g', -1, 64), m.Account,
		}}, nil
}

// stampAnalyzer is an analyzer's name as a record's stamp spells it: the stamp is a
// line of the record's meta field (see appendMeta), so a line break in the name is
// written as the two characters \n, and a backslash as two backslashes, so that no
// two names stamp alike (escaping the line break alone stamped "a\nb" with a line
// break and the four characters a\nb alike: applying one revision under the one,
// then the other, was a no-op). A name with a line break in it used to fail its
// item, and with it the whole Apply on every retry (the embedded store applies it);
// only the stamp is spelled so, the tags keep the name as it is. A record stamped
// before 2026-12-06 under a name holding a backslash (not escaped then) no longer
// matches the stamp its analyzer now makes: applying it again under that analyzer
// (a replay, a redelivery) is a real apply once, not a no-op, which replaces the
// record with what it held and stamps it the new way.
func stampAnalyzer(name string) string {
	if !strings.ContainsAny(name, "\n\\") {
		return name
	}
	return stampEscaper.Replace(name)
}

// stampEscaper escapes an analyzer's name for its stamp (stampAnalyzer).
var stampEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

// Message returns one applied message by key.
func (s *Store) Message(ctx context.Context, key string) (store.Stored, error) {
	_, ws, _, err := feedbackbot.ParseKey(key)
	if err != nil {
		return store.Stored{}, err
	}
	raw, err := s.readData(ctx, s.ws(ws), []string{key})
	if err != nil {
		return store.Stored{}, wrapErr("message", err)
	}
	if raw[0] == "" {
		return store.Stored{}, feedbackbot.Errorf(feedbackbot.ENOTFOUND, "message %s not found", key)
	}
	var st store.Stored
	if err := decodeStored(raw[0], &st); err != nil {
		return store.Stored{}, fmt.Errorf("redis message %s: decode: %w", key, err)
	}
	return st, nil
}

// Messages pages through a time index (workspace, account or channel) newest first.
// Scores are microseconds; the exact nanosecond bounds are applied to the records.
func (s *Store) Messages(ctx context.Context, q store.Query) ([]store.Stored, error) {
	if q.Workspace == "" {
		return nil, invalid("messages: a workspace is required")
	}
	if q.Account != "" && q.Channel != "" {
		return nil, invalid("messages: give an account or a channel, not both")
	}
	limit := store.ClampLimit(q.Limit)
	if !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From) {
		return []store.Stored{}, nil
	}
	var out []store.Stored
	k := s.ws(q.Workspace)
	idx := k.timeAll()
	switch {
	case q.Account != "":
		idx = k.timeAccount(q.Account)
	case q.Channel != "":
		idx = k.timeChannel(q.Channel)
	}
	by := &redis.ZRangeBy{Min: "-inf", Max: "+inf"}
	if !q.From.IsZero() {
		by.Min = strconv.FormatInt(q.From.UnixMicro(), 10)
	}
	if !q.To.IsZero() {
		by.Max = strconv.FormatInt(q.To.UnixMicro(), 10)
	}
	if q.Account != "" {
		recs, ok, err := s.accountWeekMessages(ctx, k, q, by, limit)
		if err != nil || ok {
			return recs, err
		}
	}
	for len(out) < limit {
		by.Count = int64(limit - len(out))
		members, err := s.rdb.ZRevRangeByScore(ctx, idx, by).Result()
		if err != nil {
			return nil, wrapErr("messages", err)
		}
		by.Offset += int64(len(members))
		if out, err = s.appendRecords(ctx, k, out, members, func(st *store.Stored) bool { return inPeriod(q, st.Message.Time) }); err != nil {
			return nil, err
		}
		if int64(len(members)) < by.Count {
			break
		}
	}
	if out == nil {
		out = []store.Stored{}
	}
	return out, nil
}

// PeriodKeys implements store.Derived: one ZREVRANGEBYSCORE of the workspace's
// time index. Scores are whole microseconds; a bound is rounded up to one, which
// places a message of a whole-microsecond time exactly.
func (s *Store) PeriodKeys(ctx context.Context, workspace string, from, to time.Time, limit int) ([]string, error) {
	if workspace == "" {
		return nil, invalid("period keys: a workspace is required")
	}
	if limit < 1 || limit > store.MaxPeriodKeys {
		return nil, invalid("period keys: limit %d is not in 1..%d", limit, store.MaxPeriodKeys)
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return []string{}, nil
	}
	by := &redis.ZRangeBy{Min: "-inf", Max: "+inf", Count: int64(limit) + 1}
	if !from.IsZero() {
		by.Min = strconv.FormatInt(ceilMicro(from), 10)
	}
	if !to.IsZero() {
		by.Max = "(" + strconv.FormatInt(ceilMicro(to), 10)
	}
	members, err := s.rdb.ZRevRangeByScore(ctx, s.ws(workspace).timeAll(), by).Result()
	if err != nil {
		return nil, wrapErr("period keys", err)
	}
	out := make([]string, 0, min(len(members), limit))
	for _, m := range members {
		if m != bigIndexMember && len(out) < limit { // (not a message: see applyScript)
			out = append(out, m)
		}
	}
	return out, nil
}

// inPeriod reports whether t is in q's period [From, To), either bound open when zero:
// the indexes' scores are microseconds, so the exact bounds are applied to the records.
func inPeriod(q store.Query, t time.Time) bool {
	return (q.From.IsZero() || !t.Before(q.From)) && (q.To.IsZero() || t.Before(q.To))
}

// firstWeekRound is how many account weeks accountWeekMessages reads in its first
// round trip (a 56-day account-health window is 9 weeks); each later round reads
// twice as many, up to maxWeekRound, so that an account quiet for years is reached in
// a few round trips.
const (
	firstWeekRound = 9
	maxWeekRound   = 256
)

// accountWeekMessages reads one account's messages of [q.From, q.To) (either bound
// may be open) from its account-week indexes, newest first: a recent window is read
// from a few small sorted sets, packed in a few cache lines each, where a whole-history
// index, a skip list the size of the account's history, costs a cache miss per entry
// (on this server at 1M messages, 92 µs of Redis time an account lookup against 7 µs
// at 10k; go run ./bench digest). The weeks walked are those of the period that hold
// rollup hours (the bucket index's first and last), read in rounds, newest first;
// a week that returns as many members as were still wanted is read on from where it
// stopped before any older week is used. It returns ok false, having read nothing
// else, where the account weeks do not cover the workspace yet (data of an older
// version, until BuildAccountDays): the caller then reads the account's whole-history
// index, which apply keeps only there.
func (s *Store) accountWeekMessages(ctx context.Context, k wsKeys, q store.Query, by *redis.ZRangeBy, limit int) ([]store.Stored, bool, error) {
	// weeks queues the reads of n weeks from week back, newest first, the first from
	// offset on, want members each at most.
	weeks := func(p redis.Pipeliner, week, offset, n, want int64) []*redis.StringSliceCmd {
		cmds := make([]*redis.StringSliceCmd, n)
		for i := range n {
			page := &redis.ZRangeBy{Min: by.Min, Max: by.Max, Count: want}
			if i == 0 {
				page.Offset = offset
			}
			cmds[i] = p.ZRevRangeByScore(ctx, k.acctWeek(week-i*weekSeconds, q.Account), page)
		}
		return cmds
	}
	// A bounded period's first round rides with the coverage check, so that the
	// usual read (account health's few weeks) is one round trip, then the records.
	var covered *redis.IntCmd
	var firstHour, lastHour *redis.ZSliceCmd
	var early []*redis.StringSliceCmd
	earlyWeek, earlyN := int64(0), int64(0)
	if !q.From.IsZero() && !q.To.IsZero() {
		earlyWeek = weekOf(q.To.Unix())
		earlyN = min(firstWeekRound, max(0, (earlyWeek-weekOf(q.From.Unix()))/weekSeconds+1))
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		covered = p.Exists(ctx, k.acctWeeks())
		firstHour = p.ZRangeWithScores(ctx, k.buckets(), 0, 0)
		lastHour = p.ZRevRangeWithScores(ctx, k.buckets(), 0, 0)
		if earlyN > 0 {
			early = weeks(p, earlyWeek, 0, earlyN, int64(limit))
		}
		return nil
	})
	if err != nil {
		return nil, false, wrapErr("messages", err)
	}
	if covered.Val() == 0 {
		return nil, false, nil
	}
	out := []store.Stored{}
	if len(firstHour.Val()) == 0 || len(lastHour.Val()) == 0 {
		return out, true, nil // nothing applied
	}
	first, last := weekOf(int64(firstHour.Val()[0].Score)), weekOf(int64(lastHour.Val()[0].Score))
	if !q.From.IsZero() {
		first = max(first, weekOf(q.From.Unix()))
	}
	if !q.To.IsZero() {
		last = min(last, weekOf(q.To.Unix()))
	}
	// week and offset: where the next round starts reading (newest first).
	week, offset, round := last, int64(0), int64(firstWeekRound)
	if len(early) > 0 {
		week = earlyWeek // the early round read from the period's last week on
	}
	for len(out) < limit && week >= first {
		want := int64(limit - len(out))
		n := min(round, (week-first)/weekSeconds+1)
		cmds := early
		if len(cmds) > 0 {
			n, early = int64(len(cmds)), nil
		} else {
			_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				cmds = weeks(p, week, offset, n, want)
				return nil
			})
			if err != nil {
				return nil, false, wrapErr("messages", err)
			}
		}
		// The weeks' members in order are the period's, newest first, up to the end of
		// the first week that returned all that was wanted: it may hold more, older
		// than those it returned and newer than the next week's.
		var members []string
		nextWeek, nextOffset := week-n*weekSeconds, int64(0)
		for i, c := range cmds {
			m := c.Val()
			members = append(members, m...)
			if int64(len(m)) == want {
				nextWeek, nextOffset = week-int64(i)*weekSeconds, int64(len(m))
				if i == 0 {
					nextOffset += offset
				}
				break
			}
		}
		for pos := 0; len(out) < limit && pos < len(members); {
			chunk := members[pos:min(len(members), pos+limit-len(out))]
			pos += len(chunk)
			var err error
			if out, err = s.appendRecords(ctx, k, out, chunk, func(st *store.Stored) bool { return inPeriod(q, st.Message.Time) }); err != nil {
				return nil, false, err
			}
		}
		week, offset, round = nextWeek, nextOffset, min(2*round, maxWeekRound)
	}
	return out, true, nil
}

// records loads message records by key, skipping those deleted meanwhile.
func (s *Store) records(ctx context.Context, k wsKeys, members []string) ([]store.Stored, error) {
	return s.appendRecords(ctx, k, nil, members, nil)
}

// appendRecords loads message records by key onto dst, skipping those deleted
// meanwhile and, when keep is set, those it refuses: a page of a thousand records is
// decoded straight into the caller's slice, not into one of its own then copied.
func (s *Store) appendRecords(ctx context.Context, k wsKeys, dst []store.Stored, members []string, keep func(*store.Stored) bool) ([]store.Stored, error) {
	names := make([]string, 0, len(members))
	for _, m := range members {
		if m != bigIndexMember { // (not a message: see applyScript)
			names = append(names, m)
		}
	}
	data, err := s.readData(ctx, k, names)
	if err != nil {
		return dst, wrapErr("load messages", err)
	}
	return appendDecoded(dst, names, data, keep)
}

// appendDecoded decodes the stored data of the messages names (readData's reply,
// "" for one gone since its key was read, which is skipped) onto dst, keeping those
// keep keeps (every one where keep is nil).
func appendDecoded(dst []store.Stored, names, data []string, keep func(*store.Stored) bool) ([]store.Stored, error) {
	dst = slices.Grow(dst, len(names))
	for i, raw := range data {
		if raw == "" {
			continue // gone since the index was read
		}
		dst = append(dst, store.Stored{})
		st := &dst[len(dst)-1]
		if err := decodeStored(raw, st); err != nil {
			return dst[:len(dst)-1], fmt.Errorf("redis message %s: decode: %w", names[i], err)
		}
		if keep != nil && !keep(st) {
			dst = dst[:len(dst)-1]
		}
	}
	return dst, nil
}

// Rollups reads the non-empty buckets of [from, to) through the bucket index, so the
// cost follows the number of non-empty hours in the period. Zero bounds are open.
// Named counters are read with HMGET, not HGETALL.
func (s *Store) Rollups(ctx context.Context, workspace string, from, to time.Time, counters ...string) ([]feedbackbot.Rollup, error) {
	if workspace == "" {
		return nil, invalid("rollups: a workspace is required")
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return nil, nil
	}
	k := s.ws(workspace)
	by := &redis.ZRangeBy{Min: "-inf", Max: "+inf"}
	if !from.IsZero() {
		by.Min = strconv.FormatInt(from.Unix(), 10)
	}
	if !to.IsZero() {
		by.Max = strconv.FormatInt(to.Unix(), 10)
	}
	members, err := s.rdb.ZRangeByScore(ctx, k.buckets(), by).Result()
	if err != nil {
		return nil, wrapErr("rollups", err)
	}
	var starts []int64
	for _, m := range members {
		sec, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			continue
		}
		b := time.Unix(sec, 0)
		if (!from.IsZero() && b.Before(from)) || (!to.IsZero() && !b.Before(to)) {
			continue
		}
		starts = append(starts, sec)
	}
	if len(starts) == 0 {
		return nil, nil
	}
	if len(counters) > 0 {
		return s.rollupCounters(ctx, workspace, starts, counters)
	}
	if out, err := s.rollupHours(ctx, workspace, starts); err == nil {
		return out, nil
	}
	// An hour marked by a version before 2026-12-03 (its marker is text, see
	// bigRollupValue), a counter that is not a number, or the network: read the
	// hours as strings, which says which counter is wrong, or fails as the network does.
	cmds := make([]*redis.MapStringStringCmd, len(starts))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, b := range starts {
			cmds[i] = p.HGetAll(ctx, k.rollup(b))
		}
		return nil
	})
	var out []feedbackbot.Rollup
	for i, c := range cmds {
		h, err := c.Result()
		if err != nil {
			return nil, wrapErr("rollups", err)
		}
		counts := make(map[string]int64, len(h))
		for name, v := range h {
			if name == bigRollupField {
				continue
			}
			if err := putCounter(counts, name, v); err != nil {
				return nil, err
			}
		}
		if len(counts) > 0 {
			out = append(out, feedbackbot.Rollup{Workspace: workspace, Start: time.Unix(starts[i], 0).UTC(), Counts: counts})
		}
	}
	return out, nil
}

// rollupHours reads whole hours of counters, each straight into a map of counters
// (HGETALL read as integers: no map of strings to convert, half the allocations). It
// fails if any field of any hour is not an integer.
func (s *Store) rollupHours(ctx context.Context, workspace string, starts []int64) ([]feedbackbot.Rollup, error) {
	k := s.ws(workspace)
	cmds := make([]*redis.MapStringIntCmd, len(starts))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, b := range starts {
			cmds[i] = redis.NewMapStringIntCmd(ctx, "hgetall", k.rollup(b))
			_ = p.Process(ctx, cmds[i])
		}
		return nil
	})
	var out []feedbackbot.Rollup
	for i, c := range cmds {
		counts, err := c.Result()
		if err != nil {
			return nil, err
		}
		delete(counts, bigRollupField)
		maps.DeleteFunc(counts, func(_ string, n int64) bool { return n == 0 }) // as putCounter
		if len(counts) > 0 {
			out = append(out, feedbackbot.Rollup{Workspace: workspace, Start: time.Unix(starts[i], 0).UTC(), Counts: counts})
		}
	}
	return out, nil
}

// rollupCounters reads the named counters of the hours starting at starts (one
// HMGET each, pipelined): a few fields of each hash instead of all of them (an hour
// of a busy workspace holds hundreds, one per account and channel and counter).
func (s *Store) rollupCounters(ctx context.Context, workspace string, starts []int64, counters []string) ([]feedbackbot.Rollup, error) {
	names := slices.Compact(slices.Sorted(slices.Values(counters)))
	names = slices.DeleteFunc(names, func(n string) bool { return n == bigRollupField })
	if len(names) == 0 {
		return nil, nil
	}
	k := s.ws(workspace)
	cmds := make([]*redis.SliceCmd, len(starts))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, b := range starts {
			cmds[i] = p.HMGet(ctx, k.rollup(b), names...)
		}
		return nil
	})
	var out []feedbackbot.Rollup
	for i, c := range cmds {
		vals, err := c.Result()
		if err != nil {
			return nil, wrapErr("rollups", err)
		}
		counts := make(map[string]int64, len(names))
		for j, v := range vals {
			str, ok := v.(string)
			if !ok { // nil: the hour has no such counter
				continue
			}
			if err := putCounter(counts, names[j], str); err != nil {
				return nil, err
			}
		}
		if len(counts) > 0 {
			out = append(out, feedbackbot.Rollup{Workspace: workspace, Start: time.Unix(starts[i], 0).UTC(), Counts: counts})
		}
	}
	return out, nil
}

// putCounter parses one counter of an hour's hash into counts, leaving zeros out
// (a counter that went back to zero is as good as absent).
func putCounter(counts map[string]int64, name, v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return fmt.Errorf("redis rollups: counter %q is not a number", name)
	}
	if n != 0 {
		counts[name] = n
	}
	return nil
}

// spansLua defines spans(key, lo, hi, step) for a script: the starts (unix
// seconds) of the steps of step seconds (a day, a week: steps are aligned on the
// unix epoch, as UTC days and weekOf's weeks are) that hold an hour of the bucket
// index key (fb:{ws}:rb) scored in [lo, hi) ("-inf" and "+inf" for open), in
// time order. It jumps from each step found to the next hour after it: one
// ZRANGEBYSCORE a step that has data, so the cost grows with the steps holding
// data, never with the time between them (a workspace with a message dated in the
// year 1 spans some 100,000 weeks).
const spansLua = `
local function spans(key, lo, hi, step)
  local out = {}
  local from = lo
  while true do
    local z = redis.call('ZRANGEBYSCORE', key, from, '(' .. hi, 'WITHSCORES', 'LIMIT', 0, 1)
    if not z[2] then return out end
    local sec = tonumber(z[2])
    local start = sec - sec % step -- (Lua's % floors: the step before the epoch too)
    out[#out + 1] = start
    from = string.format('%.0f', start + step)
  end
end
`

// spansScript returns spans(KEYS[1], ARGV[1], ARGV[2], ARGV[3]): see spansLua.
var spansScript = redis.NewScript(spansLua + `return spans(KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]))`)

// dataSpans returns the starts of the steps (day or weekSeconds) that hold one of
// the workspace's rollup hours in [lo, hi) (unix seconds; nil for open), in time
// order: the days or weeks a read of the workspace can find anything in (every
// applied message counts in its hour). A read with an open bound takes its days
// from it rather than from every day between the first hour and the last, which
// grew with the history (and was refused past 3,700 days).
func (s *Store) dataSpans(ctx context.Context, k wsKeys, lo, hi *int64, step int64) ([]int64, error) {
	bound := func(v *int64, open string) string {
		if v == nil {
			return open
		}
		return strconv.FormatInt(*v, 10)
	}
	vals, err := spansScript.Run(ctx, s.rdb, []string{k.buckets()}, bound(lo, "-inf"), bound(hi, "+inf"), step).Int64Slice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	return vals, nil
}

// Notable reads the notable sets of each UTC day of [from, to), at most NotableKeep
// messages a day, and orders them most extreme first, newer first on ties. A zero
// bound is open: the days are then those of the rollup hours in the period
// (dataSpans, a round trip more), however long the workspace's history, where a
// bounded period reads each of its days (at most maxNotableDays).
func (s *Store) Notable(ctx context.Context, workspace, kind string, from, to time.Time, limit int) ([]store.Stored, error) {
	var short string
	switch kind {
	case store.NotableNegative:
		short = "neg"
	case store.NotablePositive:
		short = "pos"
	default:
		return nil, invalid("notable: unknown kind %q", kind)
	}
	if workspace == "" {
		return nil, invalid("notable: a workspace is required")
	}
	k := s.ws(workspace)
	var dayStarts []time.Time
	if from.IsZero() || to.IsZero() {
		// Open: the days of the hours in the period (a message at t counts in the
		// hour t falls in: at or after from's hour, before to).
		var lo, hi *int64
		if !from.IsZero() {
			lo = new(from.Truncate(feedbackbot.RollupBucket).Unix())
		}
		if !to.IsZero() {
			hi = new(to.Unix())
		}
		starts, err := s.dataSpans(ctx, k, lo, hi, int64(day/time.Second))
		if err != nil {
			return nil, wrapErr("notable", err)
		}
		for _, d := range starts {
			dayStarts = append(dayStarts, time.Unix(d, 0).UTC())
		}
	} else {
		if !to.After(from) {
			return nil, nil
		}
		first, last := from.UTC().Truncate(day), to.Add(-1).UTC().Truncate(day)
		if last.Sub(first)/day >= maxNotableDays {
			return nil, invalid("notable: the period is longer than %d days", maxNotableDays)
		}
		for d := first; !d.After(last); d = d.Add(day) {
			dayStarts = append(dayStarts, d)
		}
	}
	// (a zero bound is open)
	within := func(t time.Time) bool { return !t.Before(from) && (to.IsZero() || t.Before(to)) }
	if limit <= 0 {
		limit = 10
	}
	limit = min(limit, store.MaxQueryLimit)
	// Only the most extreme of each day can be among the period's most extreme: a set
	// holds every message of its day, so read its top (lowest scores for negative,
	// highest for positive), never all of it. A day read on is one whose top so far
	// holds fewer than top messages of the period (the first or last day, where
	// more extreme messages outside the period came first: they hid the period's,
	// a review found), or whose last read score ties with the next (a set orders
	// ties by key, which is not by time: the newest of the tie must be found). Each
	// round reads the next page of every such day at once.
	// (A day's sets keep every customer message with a non-zero score, so deleting
	// the most extreme leaves the next in place. A page of the limit, and the ties
	// read on, is all a day needs: 100 a page, to leave room for ties, read six
	// times what a digest's 15 quotes need.)
	top := int64(limit)
	type daySet struct {
		key          string
		offset, page int64     // read so far; the next page's size, doubling to 1,000
		kept         []float64 // scores of the period's messages read, in order
		done         bool
	}
	days := make([]*daySet, len(dayStarts))
	for i, d := range dayStarts {
		days[i] = &daySet{key: k.notable(short, d), page: top}
	}
	var recs []store.Stored
	seen := map[string]bool{}
	for round := 0; round < notableRounds; round++ {
		var open []*daySet
		for _, ds := range days {
			if !ds.done {
				open = append(open, ds)
			}
		}
		if len(open) == 0 {
			break
		}
		cmds := make([]*redis.ZSliceCmd, len(open))
		_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, ds := range open {
				// one past the page, to see whether the last one ties with it
				if short == "neg" {
					cmds[i] = p.ZRangeWithScores(ctx, ds.key, ds.offset, ds.offset+ds.page)
				} else {
					cmds[i] = p.ZRevRangeWithScores(ctx, ds.key, ds.offset, ds.offset+ds.page)
				}
			}
			return nil
		})
		pages := make([][]redis.Z, len(open))
		var members []string
		for i, c := range cmds {
			zs, err := c.Result()
			if err != nil {
				return nil, wrapErr("notable", err)
			}
			if len(zs) > int(open[i].page) {
				zs = zs[:open[i].page] // (the next page begins with the one past it)
			}
			pages[i] = zs
			for _, z := range zs {
				if m, _ := z.Member.(string); m != bigIndexMember && !seen[m] {
					seen[m] = true
					members = append(members, m)
				}
			}
		}
		got, err := s.records(ctx, k, members)
		if err != nil {
			return nil, err
		}
		inPeriod := make(map[string]bool, len(got))
		for _, st := range got {
			if within(st.Message.Time) {
				inPeriod[st.Message.Key()] = true
			}
		}
		recs = append(recs, got...)
		for i, ds := range open {
			zs := pages[i]
			for _, z := range zs {
				m, _ := z.Member.(string)
				if m == bigIndexMember {
					ds.done = true // the set's end
					break
				}
				if inPeriod[m] {
					ds.kept = append(ds.kept, z.Score)
				}
			}
			ds.offset += int64(len(zs))
			// More to read while there is more, and the period's messages read are
			// fewer than top or the next one ties with the top-th of them.
			if all := cmds[i].Val(); len(all) <= int(ds.page) || (len(ds.kept) >= int(top) && all[ds.page].Score != ds.kept[top-1]) {
				ds.done = true
			}
			ds.page = min(2*ds.page, store.MaxQueryLimit)
		}
	}
	out := recs[:0]
	for _, st := range recs {
		m, sc := st.Message, st.Tags.Sentiment.Score
		if !within(m.Time) || !m.FromCustomer() {
			continue
		}
		if (short == "neg" && sc < 0) || (short == "pos" && sc > 0) {
			out = append(out, st)
		}
	}
	slices.SortFunc(out, func(a, b store.Stored) int {
		sa, sb := a.Tags.Sentiment.Score, b.Tags.Sentiment.Score
		if short == "pos" {
			sa, sb = -sa, -sb
		}
		if c := cmp.Compare(sa, sb); c != 0 {
			return c
		}
		if c := b.Message.Time.Compare(a.Message.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.Message.Key(), b.Message.Key())
	})
	return out[:min(len(out), limit)], nil
}

// Workspaces lists every workspace with an appended event, sorted.
func (s *Store) Workspaces(ctx context.Context) ([]string, error) {
	wss, err := s.rdb.SMembers(ctx, s.workspacesKey()).Result()
	if err != nil {
		return nil, wrapErr("workspaces", err)
	}
	slices.Sort(wss)
	return wss, nil
}

// Accounts lists the accounts of a workspace's applied messages, sorted.
func (s *Store) Accounts(ctx context.Context, workspace string) ([]string, error) {
	if workspace == "" {
		return nil, invalid("accounts: a workspace is required")
	}
	as, err := s.rdb.SMembers(ctx, s.ws(workspace).accounts()).Result()
	if err != nil {
		return nil, wrapErr("accounts", err)
	}
	slices.Sort(as)
	return as, nil
}

// decodeStored decodes a message record's data string: the binary form this
// version writes (store.AppendStoredBinary), or the JSON of a version before
// the nineteenth session of 2026-12-04 (read as it is; an apply of the message again writes it anew). raw
// is a reply go-redis allocated for it and never reuses, so the decoded strings
// share its memory rather than each being copied out of it.
func decodeStored(raw string, st *store.Stored) error {
	if store.IsBinaryStored(raw) {
		return store.DecodeStoredBinaryShared(raw, st)
	}
	return store.DecodeStoredShared(raw, st)
}

// AccountsMessages reads the messages of [from, to) of several accounts of a
// workspace at once, each account's newest first, exactly as Messages with that
// account, those bounds and a limit of store.MaxQueryLimit would read them, in two
// round trips for all of them (account health reads every account's last two weeks
// or so for a digest: two round trips an account through Messages). An account
// with store.MaxQueryLimit or more messages indexed in the period is left out of the
// map (it takes more than one page: read it with Messages). ok is false, and the map
// nil, where the period spans more weeks than one round of Messages reads or the
// workspace's account weeks are not built yet: read each account with Messages.
func (s *Store) AccountsMessages(ctx context.Context, workspace string, accounts []string, from, to time.Time) (map[string][]store.Stored, bool, error) {
	if workspace == "" {
		return nil, false, invalid("accounts messages: a workspace is required")
	}
	if from.IsZero() || to.IsZero() {
		return nil, false, nil
	}
	out := make(map[string][]store.Stored, len(accounts))
	if !to.After(from) {
		for _, a := range accounts {
			out[a] = []store.Stored{}
		}
		return out, true, nil
	}
	last := weekOf(to.Unix())
	n := (last-weekOf(from.Unix()))/weekSeconds + 1
	if n > firstWeekRound {
		return nil, false, nil
	}
	k := s.ws(workspace)
	limit := int64(store.MaxQueryLimit)
	by := &redis.ZRangeBy{Min: strconv.FormatInt(from.UnixMicro(), 10), Max: strconv.FormatInt(to.UnixMicro(), 10), Count: limit}
	var covered *redis.IntCmd
	weeks := make([][]*redis.StringSliceCmd, len(accounts))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		covered = p.Exists(ctx, k.acctWeeks())
		for i, a := range accounts {
			weeks[i] = make([]*redis.StringSliceCmd, n)
			for w := range n {
				weeks[i][w] = p.ZRevRangeByScore(ctx, k.acctWeek(last-w*weekSeconds, a), by)
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, wrapErr("accounts messages", err)
	}
	if covered.Val() == 0 {
		return nil, false, nil
	}
	// Every account's members in one read of their data (an MGET a thousand,
	// pipelined), then split by account again.
	var members []string
	counts := make([]int, len(accounts))
	for i := range accounts {
		start := len(members)
		for _, c := range weeks[i] {
			for _, m := range c.Val() {
				if m != bigIndexMember { // (not a message: see applyScript)
					members = append(members, m)
				}
			}
		}
		counts[i] = len(members) - start
		if int64(counts[i]) >= limit {
			members, counts[i] = members[:start], -1 // more than a page: not read here
		}
	}
	data, err := s.readData(ctx, k, members)
	if err != nil {
		return nil, false, wrapErr("accounts messages", err)
	}
	q := store.Query{From: from, To: to}
	keep := func(st *store.Stored) bool { return inPeriod(q, st.Message.Time) }
	at := 0
	for i, a := range accounts {
		if counts[i] < 0 {
			continue
		}
		end := at + counts[i]
		if out[a], err = appendDecoded([]store.Stored{}, members[at:end], data[at:end], keep); err != nil {
			return nil, false, err
		}
		at = end
	}
	return out, true, nil
}

// ceilMicro is t's microseconds rounded up. A message's score is its time's
// microseconds, rounded down; for a time of whole microseconds t >= from is
// score >= ceilMicro(from), and t < to is score < ceilMicro(to).
func ceilMicro(t time.Time) int64 {
	us := t.UnixMicro()
	if t.Sub(time.UnixMicro(us)) > 0 {
		us++
	}
	return us
}
