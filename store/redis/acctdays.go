package redisstore

import (
	"context"
	"encoding/json"
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

// maxAccountDays bounds the period AccountDays reads (one hash per day).
const maxAccountDays = 3700

// dayCeil is the start of the first UTC day that starts at or after t.
func dayCeil(t time.Time) time.Time {
	d := store.DayStart(t)
	if d.Before(t) {
		d = d.Add(day)
	}
	return d
}

// AccountDays implements store.Derived: AccountsDays of the one account.
func (s *Store) AccountDays(ctx context.Context, workspace, account string, from, to time.Time, counters ...string) ([]feedbackbot.Rollup, error) {
	byAcct, err := s.AccountsDays(ctx, workspace, []string{account}, from, to, counters...)
	if err != nil {
		return nil, err
	}
	return byAcct[account], nil
}

// AccountsDays is AccountDays of several accounts of a workspace at once, by
// account (every account given has an entry, empty where it has no counter in the
// period): one HMGET per day of the period, of every account's counters in the
// workspace's day (fb:{ws}:ac:<day>), in one pipeline with the check that the
// workspace days are complete. Account health reads all accounts' days with it
// where it read each account's: 41 commands a digest instead of 8,200 at 200
// accounts. A zero bound is open: the days are then those that hold a rollup hour
// (dataSpans, a round trip more), so the cost grows with the days that have data,
// however long the workspace's history, where a bounded period reads each of its
// days (at most maxAccountDays).
func (s *Store) AccountsDays(ctx context.Context, workspace string, accounts []string, from, to time.Time, counters ...string) (map[string][]feedbackbot.Rollup, error) {
	if workspace == "" {
		return nil, invalid("account days: a workspace is required")
	}
	k := s.ws(workspace)
	var days []time.Time
	if from.IsZero() || to.IsZero() {
		// The days whose start is in [from, to) that hold an hour: a day starts
		// at or after from where it starts at or after from's next day start, and
		// before to where it starts before to's (hours in between, by day).
		var lo, hi *int64
		if !from.IsZero() {
			lo = new(dayCeil(from).Unix())
		}
		if !to.IsZero() {
			hi = new(dayCeil(to).Unix())
		}
		starts, err := s.dataSpans(ctx, k, lo, hi, int64(day/time.Second))
		if err != nil {
			return nil, wrapErr("account days", err)
		}
		for _, d := range starts {
			days = append(days, time.Unix(d, 0).UTC())
		}
	} else {
		for d := dayCeil(from); d.Before(to); d = d.Add(day) {
			if len(days) == maxAccountDays {
				return nil, invalid("account days: the period is longer than %d days", maxAccountDays)
			}
			days = append(days, d)
		}
	}
	if len(counters) == 0 {
		counters = feedbackbot.AccountCounterNames()
	}
	out := make(map[string][]feedbackbot.Rollup, len(accounts))
	fields := make([]string, 0, len(accounts)*len(counters))
	uniq := accounts[:0:0]
	for _, a := range accounts {
		if _, dup := out[a]; dup {
			continue // (each account's days once, however often it is asked for)
		}
		uniq = append(uniq, a)
		out[a] = []feedbackbot.Rollup{}
		ak := store.AccountKey(a)
		for _, c := range counters {
			fields = append(fields, ak+"|"+c)
		}
	}
	if len(fields) == 0 {
		return out, nil
	}
	// A plain pipeline: with a Lua script of HGETALLs the day counters cost a 1M
	// account lookup 0.51 ms on this server, with the pipeline 0.08 ms (go run
	// ./bench digest -decompose). The marker is read first, so a day read after the
	// back-fill completed is never taken for a missing one.
	var complete, applied *redis.IntCmd
	// Each HMGET is read straight into strings, a missing field as "" (the
	// client's HMGet boxed every value of 41 days of every account in an interface).
	picks := make([]*redis.StringSliceCmd, len(days))
	args := make([]any, 2+len(fields))
	args[0] = "hmget"
	for i, f := range fields {
		args[2+i] = f
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		complete, applied = p.Exists(ctx, k.acctCountersBuilt()), p.Exists(ctx, k.buckets())
		for i, d := range days {
			a := slices.Clone(args)
			a[1] = k.acctCounters(d.Unix())
			picks[i] = redis.NewStringSliceCmd(ctx, a...)
			_ = p.Process(ctx, picks[i])
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr("account days", err)
	}
	switch {
	case complete.Val() == 1:
	case applied.Val() == 0:
		return out, nil // nothing applied yet
	default:
		return nil, store.ErrAccountDaysMissing
	}
	for i, c := range picks {
		vals := c.Val()
		for j, a := range uniq {
			var ru *feedbackbot.Rollup
			for n, name := range counters {
				s := vals[j*len(counters)+n]
				if s == "" {
					continue // missing
				}
				if x, err := strconv.ParseInt(s, 10, 64); err == nil && x != 0 {
					if ru == nil {
						ru = &feedbackbot.Rollup{Workspace: workspace, Start: days[i], Counts: make(map[string]int64, len(counters))}
					}
					ru.Counts[name] = x
				}
			}
			if ru != nil {
				out[a] = append(out[a], *ru)
			}
		}
	}
	return out, nil
}

// addAccountDayScript moves an applied message that is not in its workspace day
// (one applied before 2026-12-04, or before account days existed) into it, if the
// record still holds the stamp and index spec the caller read: the back-fill of
// BuildAccountDays. Its account counters are added to the workspace day as
// <account>|<counter>, and an account's own day its spec names (role "a", the layout
// before 2026-12-04) loses them, so that what such a day still holds once every
// message is moved is what no record names any more (messages retention removed),
// for mergeOwnDayScript; the spec then names the workspace day (role "d") instead.
// Later edits and deletes subtract the message from its workspace day. The caller
// decodes the record and builds the new spec: the script only checks and writes
// (decoding them in Lua cost Redis 58 s of CPU for a million messages).
//
// KEYS[1] record, KEYS[2] workspace day, KEYS[3] the account's own day its spec
// names (none when it names none). ARGV[1] stamp, ARGV[2] the index spec as read,
// ARGV[3] the new spec, then per account counter its field in the workspace day,
// its name in the own day and its value. Returns 1 when moved.
var addAccountDayScript = redis.NewScript(readRecordLua + `
local rec = readrec(KEYS[1])
if rec[1] ~= ARGV[1] or rec[3] ~= ARGV[2] or not rec[2] then return 0 end
for i = 4, #ARGV, 3 do
  if redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 2]) == 0 then redis.call('HDEL', KEYS[2], ARGV[i]) end
  if KEYS[3] and redis.call('HINCRBY', KEYS[3], ARGV[i + 1], string.format('%d', -tonumber(ARGV[i + 2]))) == 0 then
    redis.call('HDEL', KEYS[3], ARGV[i + 1])
  end
end
if redis.call('HEXISTS', KEYS[1], 'm') == 1 then
  redis.call('HSET', KEYS[1], 'm', '` + strings.TrimSuffix(metaVersion, "\n") + `\n' .. rec[1] .. '\n' .. rec[4] .. '\n' .. ARGV[3] .. '\n' .. rec[2])
else
  redis.call('HSET', KEYS[1], 'k', ARGV[3])
end
return 1
`)

// mergeOwnDayScript adds what an account's own day (the layout before 2026-12-04)
// still holds after the back-fill moved every message that names it, the counts of
// messages retention removed, to the workspace day, and deletes it.
//
// KEYS[1] the account's own day, KEYS[2] its workspace day. ARGV[1] the account as
// counter names spell it. Returns 1 when there was something to merge.
var mergeOwnDayScript = redis.NewScript(`
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return 0 end
for i = 1, #h, 2 do
  local f = ARGV[1] .. '|' .. h[i]
  if redis.call('HINCRBY', KEYS[2], f, h[i + 1]) == 0 then redis.call('HDEL', KEYS[2], f) end
end
redis.call('DEL', KEYS[1])
return 1
`)

// buildChunk is how many records BuildAccountDays reads per round trip.
const buildChunk = 500

// BuildAccountDays implements store.AccountDaysBuilder: the one-off back-fill of a
// workspace applied before account days existed, of one applied before account
// weeks (the per-account, per-7-day time indexes Messages reads a recent window of
// one account from) existed, and of one whose records kept their stored JSON in
// their hash (before 2026-12-04; see readData), which it moves to their data
// strings. One walk over the applied messages (the time index), in
// chunks, adds each message that is not in its account day (week) yet, atomically
// per message, then marks the workspace covered; progress counts the messages
// walked. It is safe beside running workers (what they apply now is counted and
// indexed already) and idempotent. Messages removed by retention before it ran are in
// their hours' rollups but not in their account days.
//
// The next chunk is read while the current one's scripts run (one goroutine, one
// chunk ahead), so Redis and this process work at the same time: what is read only
// decides which scripts to send, and each script checks its record again, so a
// chunk read early is as safe as one read just before (a message re-applied
// meanwhile has another stamp and is left to the worker that applied it, which
// counted it in its day).
func (s *Store) BuildAccountDays(ctx context.Context, workspace string, progress func(done, total int)) error {
	k := s.ws(workspace)
	var days, weeks, data *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		days, weeks, data = p.Exists(ctx, k.acctCountersBuilt()), p.Exists(ctx, k.acctWeeks()), p.Exists(ctx, k.recDataBuilt())
		return nil
	})
	if err != nil {
		return wrapErr("build account days", err)
	}
	type walk struct {
		what   string
		marker string
		calls  func(wsKeys, acctDayChunk, []chunkRecord) ([]evalCall, error)
		script *redis.Script
	}
	var walks []walk
	if days.Val() == 0 {
		walks = append(walks, walk{"account days", k.acctCountersBuilt(), accountDayCalls, addAccountDayScript})
	}
	if weeks.Val() == 0 {
		walks = append(walks, walk{"account weeks", k.acctWeeks(), accountWeekCalls, indexRecordScript})
	}
	if data.Val() == 0 {
		walks = append(walks, walk{"data strings", k.recDataBuilt(), dataStringCalls, moveDataScript})
	}
	if len(walks) == 0 {
		return nil
	}
	done, total := 0, int64(0)
	if progress != nil {
		n, err := s.rdb.ZCard(ctx, k.timeAll()).Result()
		if err != nil {
			return wrapErr("build account days", err)
		}
		total = n
		progress(0, int(total))
	}
	// One walk serves every build: each chunk is read once, and each build's scripts
	// check and change the record as they find it.
	err = s.walkApplied(ctx, k, func(ch acctDayChunk) error {
		recs, err := ch.records() // decoded once for every build
		if err != nil {
			return fmt.Errorf("redis build account days: %w", err)
		}
		for _, w := range walks {
			calls, err := w.calls(k, ch, recs)
			if err != nil {
				return fmt.Errorf("redis build %s: %w", w.what, err)
			}
			if len(calls) > 0 {
				if _, err := s.evalAll(ctx, w.script, calls, nil); err != nil {
					return wrapErr("build "+w.what, err)
				}
			}
		}
		if done += len(ch.members); progress != nil {
			progress(done, int(max(total, int64(done))))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if days.Val() == 0 {
		if err := s.mergeOwnDays(ctx, k); err != nil {
			return err
		}
	}
	for _, w := range walks {
		if err := s.rdb.Set(ctx, w.marker, "1", 0).Err(); err != nil {
			return wrapErr("build "+w.what, err)
		}
	}
	return nil
}

// ownDaysChunk is how many accounts' own days mergeOwnDays asks about a round trip.
const ownDaysChunk = 5000

// mergeOwnDays ends the move from accounts' own days (the layout before
// 2026-12-04) to workspace days, once every record is moved: an own day that still
// holds counts holds those of messages retention removed (the walk took out every
// message a record names), which its workspace day takes (mergeOwnDayScript);
// then the old marker goes. Any workspace of an older version can have such days,
// its marker set or not (that version's workers wrote them before its back-fill
// ended, too: a review's find). The own days are found by their names (each day of
// the rollup hours, each account of the workspace): an EXISTS each, in chunks,
// rather than a SCAN of the keyspace (of every master, on a cluster); it runs once,
// with the walk (200,200 names at a million messages over 1,000 days and 200
// accounts).
func (s *Store) mergeOwnDays(ctx context.Context, k wsKeys) error {
	fail := func(err error) error { return wrapErr("build account days: merge the old layout's days", err) }
	var first, last *redis.ZSliceCmd
	var accts *redis.StringSliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		first, last = p.ZRangeWithScores(ctx, k.buckets(), 0, 0), p.ZRangeWithScores(ctx, k.buckets(), -1, -1)
		accts = p.SMembers(ctx, k.accounts())
		return nil
	})
	if err != nil {
		return fail(err)
	}
	if len(first.Val()) == 0 || len(last.Val()) == 0 {
		return nil // no rollup hour: nothing was ever applied
	}
	from := store.DayStart(time.Unix(int64(first.Val()[0].Score), 0))
	to := time.Unix(int64(last.Val()[0].Score), 0)
	type own struct{ key, ws, acct string }
	var batch []own
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		exists := make([]*redis.IntCmd, len(batch))
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, o := range batch {
				exists[i] = p.Exists(ctx, o.key)
			}
			return nil
		})
		if err != nil {
			return fail(err)
		}
		var calls []evalCall
		for i, o := range batch {
			if exists[i].Val() == 1 {
				calls = append(calls, evalCall{keys: []string{o.key, o.ws}, args: []any{o.acct}})
			}
		}
		batch = batch[:0]
		if len(calls) > 0 {
			if _, err := s.evalAll(ctx, mergeOwnDayScript, calls, nil); err != nil {
				return fail(err)
			}
		}
		return nil
	}
	for d := from; !d.After(to); d = d.Add(day) {
		for _, a := range accts.Val() {
			ak := store.AccountKey(a)
			batch = append(batch, own{k.acctDay(d.Unix(), ak), k.acctCounters(d.Unix()), ak})
			if len(batch) == ownDaysChunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return fail(s.rdb.Del(ctx, k.acctDays()).Err())
}

// walkApplied calls fn with each chunk of the workspace's applied messages, oldest
// first, reading the next chunk meanwhile.
func (s *Store) walkApplied(ctx context.Context, k wsKeys, fn func(acctDayChunk) error) error {
	rctx, cancel := context.WithCancel(ctx)
	chunks := make(chan acctDayChunk, 1)
	var reader sync.WaitGroup
	reader.Go(func() { s.readAccountDayChunks(rctx, k, chunks) })
	defer func() { cancel(); reader.Wait() }()
	for ch := range chunks {
		if ch.err != nil {
			return wrapErr("build account days", ch.err)
		}
		if err := fn(ch); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// acctDayChunk is one page of a workspace's time index and the record fields
// BuildAccountDays needs of each message in it (or the error reading them).
type acctDayChunk struct {
	members []string
	scores  []float64 // the time index's scores (unix microseconds)
	recs    []record
	err     error
}

// readAccountDayChunks sends the time index's pages, in order, with their records,
// and closes out after the last (or after an error, or when ctx ends).
func (s *Store) readAccountDayChunks(ctx context.Context, k wsKeys, out chan<- acctDayChunk) {
	defer close(out)
	send := func(ch acctDayChunk) bool {
		select {
		case out <- ch:
			return true
		case <-ctx.Done():
			return false
		}
	}
	// Paged by score: a page ends with every member of its last score (read again
	// whole where the page cut it), and the next starts after that score, so deletes
	// while it runs cannot make it skip a message. (It skipped the members of the
	// last score it had read by an offset: a member of them deleted before the next
	// page made that page skip one it had not read, a review's find; the walk then
	// marked the workspace done without it.)
	min := "-inf"
	for {
		zs, err := s.rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: k.timeAll(), Start: min, Stop: "+inf",
			ByScore: true, Count: buildChunk}).Result()
		if err != nil {
			send(acctDayChunk{err: err})
			return
		}
		if len(zs) == 0 {
			return
		}
		full := len(zs) == buildChunk
		last := strconv.FormatFloat(zs[len(zs)-1].Score, 'f', -1, 64)
		if full {
			same, err := s.rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: k.timeAll(), Start: last, Stop: last, ByScore: true}).Result()
			if err != nil {
				send(acctDayChunk{err: err})
				return
			}
			read := map[any]bool{}
			for i := len(zs) - 1; i >= 0 && zs[i].Score == zs[len(zs)-1].Score; i-- {
				read[zs[i].Member] = true
			}
			for _, z := range same {
				if !read[z.Member] {
					zs = append(zs, z)
				}
			}
		}
		min = "(" + last
		ch := acctDayChunk{members: make([]string, len(zs)), scores: make([]float64, len(zs))}
		for i, z := range zs {
			ch.members[i], _ = z.Member.(string)
			ch.scores[i] = z.Score
		}
		if ch.recs, err = s.getRecords(ctx, k, ch.members, false); err != nil {
			send(acctDayChunk{err: err})
			return
		}
		if !send(ch) || !full {
			return
		}
	}
}

// chunkRecord is one record of a chunk as read: its stamp,
// contributions, bucket and decoded index spec; applied is false for one with no
// stamp or index spec (not applied, or deleted since the page was read).
type chunkRecord struct {
	applied                bool
	stamp, contrib, bucket string
	spec                   [][2]string
}

// records decodes the chunk's records, in the order of its members.
func (ch acctDayChunk) records() ([]chunkRecord, error) {
	out := make([]chunkRecord, len(ch.recs))
	for i, c := range ch.recs {
		r := &out[i]
		r.stamp, r.contrib, r.bucket = c.stamp, c.contrib, c.bucket
		spec := c.spec
		if r.stamp == "" || spec == "" {
			continue
		}
		if err := json.Unmarshal([]byte(spec), &r.spec); err != nil {
			return nil, fmt.Errorf("message %s: decode index spec: %w", ch.members[i], err)
		}
		r.applied = true
	}
	return out, nil
}

// accountDayCalls returns the addAccountDayScript calls for a chunk's messages that
// are not in their workspace day yet (as read).
func accountDayCalls(k wsKeys, ch acctDayChunk, recs []chunkRecord) ([]evalCall, error) {
	var calls []evalCall
	for i, r := range recs {
		if !r.applied || r.contrib == "" || slices.ContainsFunc(r.spec, func(e [2]string) bool { return e[1] == "d" }) {
			continue // not applied, or counted already
		}
		cs := make(map[string]int64, 32)
		if err := store.DecodeCounters([]byte(r.contrib), cs); err != nil {
			return nil, fmt.Errorf("message %s: decode contributions: %w", ch.members[i], err)
		}
		acct, ac := store.AccountCounters(cs)
		hour, err := strconv.ParseInt(r.bucket, 10, 64)
		if ac == nil || err != nil {
			continue
		}
		wsDay := k.acctCounters(store.DayStart(time.Unix(hour, 0)).Unix())
		keys := []string{k.rec(ch.members[i]), wsDay}
		spec := make([][2]string, 0, len(r.spec))
		for _, e := range r.spec {
			if e[1] == "a" {
				if len(keys) == 3 {
					return nil, fmt.Errorf("message %s: its index spec names two account days", ch.members[i])
				}
				keys = append(keys, e[0]) // its account's own day (before 2026-12-04)
				continue
			}
			spec = append(spec, e)
		}
		spec = append(spec, [2]string{wsDay, "d"})
		args := []any{r.stamp, ch.recs[i].spec, string(appendSpec(nil, spec))}
		for _, c := range slices.Sorted(maps.Keys(ac)) {
			if v := ac[c]; v != 0 {
				args = append(args, acct+"|"+c, c, strconv.FormatInt(v, 10))
			}
		}
		calls = append(calls, evalCall{keys: keys, args: args})
	}
	return calls, nil
}

// accountWeekCalls returns the indexRecordScript calls that add a chunk's messages
// with an account to their account week, for those not in it yet (as read): the
// account is the one of the record's account index (fb:{ws}:ta:<account>).
func accountWeekCalls(k wsKeys, ch acctDayChunk, recs []chunkRecord) ([]evalCall, error) {
	var calls []evalCall
	acctPrefix, weekPrefix := k.timeAccount(""), string(k)+":aw:"
	for i, r := range recs {
		if !r.applied {
			continue
		}
		acct, indexed := "", false
		for _, e := range r.spec {
			if a, ok := strings.CutPrefix(e[0], acctPrefix); ok && e[1] == "t" {
				acct = a
			}
			indexed = indexed || strings.HasPrefix(e[0], weekPrefix)
		}
		if acct == "" || indexed {
			continue
		}
		micros := int64(ch.scores[i])
		sec := micros / 1e6
		if micros < 0 && micros%1e6 != 0 {
			sec--
		}
		calls = append(calls, evalCall{keys: []string{k.rec(ch.members[i]), k.acctWeek(weekOf(sec), acct)},
			args: []any{ch.members[i], r.stamp, strconv.FormatInt(micros, 10)}})
	}
	return calls, nil
}

// dataStringCalls are a chunk's moveDataScript calls: one for every applied
// message, as what a record's hash holds beyond its m is not read with the chunk
// (its stored JSON, a kilobyte, is what the move is for).
func dataStringCalls(k wsKeys, ch acctDayChunk, recs []chunkRecord) ([]evalCall, error) {
	var calls []evalCall
	for i, r := range recs {
		if r.applied {
			m := ch.members[i]
			calls = append(calls, evalCall{keys: []string{k.rec(m), k.recData(m)}})
		}
	}
	return calls, nil
}

// moveDataScript moves a record's stored JSON out of its hash (field d, where
// versions before 2026-12-04 kept it) into its data string. A record applied since
// has none there, and its string is left as it is. Where both are there, the
// string wins (this version wrote it, after any d) and d is dropped: a staged
// hash an older version left behind when its script failed could hold another
// message's d, which an apply of this version then moved into place with its m (a
// review's find).
//
// KEYS[1] record, KEYS[2] its data string. Returns 1 when moved.
var moveDataScript = redis.NewScript(`
local d = redis.call('HGET', KEYS[1], 'd')
if not d then return 0 end
redis.call('HDEL', KEYS[1], 'd')
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[2], d)
return 1
`)

var _ store.AccountDaysBuilder = (*Store)(nil)
