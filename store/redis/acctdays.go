package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
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

// AccountDays implements store.Derived: one HGETALL (with counters named, HMGET) per
// day of the period, in one pipeline with the check that the workspace's account
// days are complete.
func (s *Store) AccountDays(ctx context.Context, workspace, account string, from, to time.Time, counters ...string) ([]feedbackbot.Rollup, error) {
	if workspace == "" {
		return nil, invalid("account days: a workspace is required")
	}
	start := store.DayStart(from)
	if start.Before(from) {
		start = start.Add(day)
	}
	var days []time.Time
	for d := start; d.Before(to); d = d.Add(day) {
		if len(days) == maxAccountDays {
			return nil, invalid("account days: the period is longer than %d days", maxAccountDays)
		}
		days = append(days, d)
	}
	k := s.ws(workspace)
	acct := store.AccountKey(account)
	// A plain pipeline: with a Lua script of HGETALLs the day counters cost a 1M
	// account lookup 0.51 ms on this server, with the pipeline 0.08 ms (go run
	// ./bench digest -decompose). The marker is read first, so a day read after the
	// back-fill completed is never taken for a missing one.
	var complete, applied *redis.IntCmd
	cmds := make([]*redis.MapStringStringCmd, len(days))
	picks := make([]*redis.SliceCmd, len(days))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		complete, applied = p.Exists(ctx, k.acctDays()), p.Exists(ctx, k.buckets())
		for i, d := range days {
			if len(counters) > 0 {
				picks[i] = p.HMGet(ctx, k.acctDay(d.Unix(), acct), counters...)
			} else {
				cmds[i] = p.HGetAll(ctx, k.acctDay(d.Unix(), acct))
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr("account days", err)
	}
	switch {
	case complete.Val() == 1:
	case applied.Val() == 0:
		return []feedbackbot.Rollup{}, nil // nothing applied yet
	default:
		return nil, store.ErrAccountDaysMissing
	}
	out := []feedbackbot.Rollup{}
	if len(counters) > 0 {
		for i, c := range picks {
			var ru *feedbackbot.Rollup
			for j, v := range c.Val() {
				s, ok := v.(string)
				if !ok {
					continue // missing
				}
				if x, err := strconv.ParseInt(s, 10, 64); err == nil && x != 0 {
					if ru == nil {
						ru = &feedbackbot.Rollup{Workspace: workspace, Start: days[i], Counts: make(map[string]int64, len(counters))}
					}
					ru.Counts[counters[j]] = x
				}
			}
			if ru != nil {
				out = append(out, *ru)
			}
		}
		return out, nil
	}
	for i, c := range cmds {
		h := c.Val()
		if len(h) == 0 {
			continue
		}
		ru := feedbackbot.Rollup{Workspace: workspace, Start: days[i], Counts: make(map[string]int64, len(h))}
		for name, v := range h {
			if x, err := strconv.ParseInt(v, 10, 64); err == nil {
				ru.Counts[name] = x
			}
		}
		out = append(out, ru)
	}
	return out, nil
}

// addAccountDayScript adds an applied message that has no account day in its index
// spec (one applied before account days existed) to its account day, and the day to
// its spec, if the record still holds the stamp the caller read: the back-fill of
// BuildAccountDays. Later edits and deletes then subtract it from the day.
//
// KEYS[1] record, KEYS[2] account day. ARGV[1] stamp, ARGV[2] JSON {counter: value}.
// Returns 1 when added.
var addAccountDayScript = redis.NewScript(`
-- (a record with field m is this version's, whose spec names its account day already)
if redis.call('HEXISTS', KEYS[1], 'm') == 1 then return 0 end
local rec = redis.call('HMGET', KEYS[1], 's', 'k')
if rec[1] ~= ARGV[1] or not rec[2] then return 0 end
local spec = cjson.decode(rec[2])
for _, e in ipairs(spec) do
  if e[2] == 'a' then return 0 end
end
for c, v in pairs(cjson.decode(ARGV[2])) do
  if redis.call('HINCRBY', KEYS[2], c, string.format('%d', v)) == 0 then
    redis.call('HDEL', KEYS[2], c)
  end
end
table.insert(spec, {KEYS[2], 'a'})
redis.call('HSET', KEYS[1], 'k', cjson.encode(spec))
return 1
`)

// buildChunk is how many records BuildAccountDays reads per round trip.
const buildChunk = 500

// BuildAccountDays implements store.AccountDaysBuilder: the one-off back-fill of a
// workspace applied before account days existed, and of one applied before account
// weeks (the per-account, per-7-day time indexes Messages reads a recent window of
// one account from) existed. One walk over the applied messages (the time index), in
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
	var days, weeks *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		days, weeks = p.Exists(ctx, k.acctDays()), p.Exists(ctx, k.acctWeeks())
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
		walks = append(walks, walk{"account days", k.acctDays(), accountDayCalls, addAccountDayScript})
	}
	if weeks.Val() == 0 {
		walks = append(walks, walk{"account weeks", k.acctWeeks(), accountWeekCalls, indexRecordScript})
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
	// One walk serves both: each chunk is read once, and each build's scripts check
	// and extend the record's spec as they find it.
	err = s.walkApplied(ctx, k, func(ch acctDayChunk) error {
		recs, err := ch.records() // decoded once for both builds
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
	for _, w := range walks {
		if err := s.rdb.Set(ctx, w.marker, "1", 0).Err(); err != nil {
			return wrapErr("build "+w.what, err)
		}
	}
	return nil
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
	// Paged by score (from the last one read, skipping the members of that score
	// already read), so deletes while it runs cannot make it skip a message.
	min, skip := "-inf", int64(0)
	for {
		zs, err := s.rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: k.timeAll(), Start: min, Stop: "+inf",
			ByScore: true, Offset: skip, Count: buildChunk}).Result()
		if err != nil {
			send(acctDayChunk{err: err})
			return
		}
		if len(zs) == 0 {
			return
		}
		ch := acctDayChunk{members: make([]string, len(zs)), scores: make([]float64, len(zs))}
		for i, z := range zs {
			ch.members[i], _ = z.Member.(string)
			ch.scores[i] = z.Score
		}
		last := zs[len(zs)-1].Score
		if next := strconv.FormatFloat(last, 'f', -1, 64); next != min {
			min, skip = next, 0
		}
		for _, z := range zs {
			if z.Score == last {
				skip++
			}
		}
		if ch.recs, err = s.getRecords(ctx, k, ch.members, false); err != nil {
			send(acctDayChunk{err: err})
			return
		}
		if !send(ch) || len(zs) < buildChunk {
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
// are not in their account day yet (as read).
func accountDayCalls(k wsKeys, ch acctDayChunk, recs []chunkRecord) ([]evalCall, error) {
	var calls []evalCall
	for i, r := range recs {
		if !r.applied || r.contrib == "" || slices.ContainsFunc(r.spec, func(e [2]string) bool { return e[1] == "a" }) {
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
		d := store.DayStart(time.Unix(hour, 0)).Unix()
		calls = append(calls, evalCall{keys: []string{k.rec(ch.members[i]), k.acctDay(d, acct)},
			args: []any{r.stamp, appendCounters(nil, ac)}})
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

var _ store.AccountDaysBuilder = (*Store)(nil)
