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

// peoplePage is how many messages AuthorMessages loads per round trip, and how many
// log entries or records the people-index back-fill handles per pipeline.
const peoplePage = 256

// forgetBatch is how many messages Forget erases per pipeline (one script each).
const forgetBatch = 100

func personArgs(workspace, author string) error {
	if workspace == "" || author == "" {
		return invalid("a person is a workspace and an author id; both are required")
	}
	return nil
}

// AuthorMessages streams the author's applied messages oldest first from the author's
// index; see store.People. Pages are read by score from the last one seen, so messages
// applied or removed meanwhile do not make it skip others.
func (s *Store) AuthorMessages(ctx context.Context, workspace, author string, fn func(store.Stored) error) error {
	if err := personArgs(workspace, author); err != nil {
		return err
	}
	if err := s.indexPeople(ctx, workspace); err != nil {
		return err
	}
	k := s.ws(workspace)
	idx := k.authorIndex(author)
	from := "-inf"
	seen := map[string]bool{} // members already passed at score from
	for {
		zs, err := s.rdb.ZRangeByScoreWithScores(ctx, idx, &redis.ZRangeBy{
			Min: from, Max: "+inf", Count: int64(peoplePage + len(seen)),
		}).Result()
		if err != nil {
			return wrapErr("author messages", err)
		}
		var members []string
		for _, z := range zs {
			if m, ok := z.Member.(string); ok && !seen[m] {
				members = append(members, m)
			}
		}
		if len(members) == 0 {
			return nil
		}
		recs, err := s.records(ctx, k, members)
		if err != nil {
			return err
		}
		for _, st := range recs {
			if err := fn(st); err != nil {
				return err
			}
		}
		last := zs[len(zs)-1].Score
		if next := strconv.FormatFloat(last, 'f', -1, 64); next != from {
			from, seen = next, map[string]bool{}
		}
		for _, z := range zs {
			if z.Score == last {
				seen[z.Member.(string)] = true
			}
		}
	}
}

// Forget erases the author's messages from the workspace; see store.People. The author
// is remembered first, so nothing of theirs is appended while the erasure runs; then
// each message is erased by one atomic script (pipelined, forgetBatch at a time).
func (s *Store) Forget(ctx context.Context, workspace, author string) (int, error) {
	if err := personArgs(workspace, author); err != nil {
		return 0, err
	}
	k := s.ws(workspace)
	at := time.Now().UTC().Format(time.RFC3339)
	if err := s.rdb.HSetNX(ctx, k.forgotten(), author, at).Err(); err != nil {
		return 0, wrapErr("forget", err)
	}
	if err := s.indexPeople(ctx, workspace); err != nil {
		return 0, err
	}
	var putKeys *redis.StringSliceCmd
	var applied *redis.StringSliceCmd
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		putKeys = p.SMembers(ctx, k.authorKeys(author))
		applied = p.ZRange(ctx, k.authorIndex(author), 0, -1)
		return nil
	})
	var keys []string
	for _, c := range []*redis.StringSliceCmd{putKeys, applied} {
		ks, err := c.Result()
		if err != nil {
			return 0, wrapErr("forget", err)
		}
		keys = append(keys, ks...)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	n := 0
	for len(keys) > 0 {
		batch := keys[:min(forgetBatch, len(keys))]
		keys = keys[len(batch):]
		got, err := s.forgetBatch(ctx, k, author, batch)
		n += got
		if err != nil {
			return n, err
		}
	}
	if err := s.rdb.Del(ctx, k.authorKeys(author), k.authorIndex(author)).Err(); err != nil {
		return n, wrapErr("forget", err)
	}
	return n, nil
}

// forgetBatch erases a batch of messages. It declares each record's index keys as read
// just before; a record changed meanwhile makes the script name the keys it lacks, and
// that message is tried again with them, as Apply does.
func (s *Store) forgetBatch(ctx context.Context, k wsKeys, author string, members []string) (int, error) {
	specs := make([]*redis.StringCmd, len(members))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range members {
			specs[i] = p.HGet(ctx, k.rec(m), "k")
		}
		return nil
	})
	calls := make([]evalCall, len(members))
	for i, m := range members {
		keys := []string{k.latest(), k.log(), k.logEntries(), k.buckets(), k.rec(m), k.authorKeys(author)}
		raw, err := specs[i].Result()
		switch {
		case errors.Is(err, redis.Nil):
		case err != nil:
			return 0, wrapErr("forget", err)
		default:
			var spec [][2]string
			if err := json.Unmarshal([]byte(raw), &spec); err != nil {
				return 0, fmt.Errorf("redis forget: message %s: decode index spec: %w", m, err)
			}
			for _, e := range spec {
				if !slices.Contains(keys, e[0]) {
					keys = append(keys, e[0])
				}
			}
		}
		calls[i] = evalCall{keys: keys, args: []any{m, s.group}}
	}
	return s.evalRetrying(ctx, "forget", forgetScript, calls)
}

// indexPeople makes sure the workspace's author and log-entry indexes are complete.
// Append marks a log it creates, whose indexes it keeps from the first entry; a log
// written before those indexes existed is indexed here once, from the log and the
// applied records, before the first export or erasure in its workspace. It is
// idempotent and safe to run while capture and workers go on: the scripts skip what is
// already indexed and records replaced meanwhile (those are indexed by Apply).
func (s *Store) indexPeople(ctx context.Context, workspace string) error {
	k := s.ws(workspace)
	done, err := s.rdb.Exists(ctx, k.peopleIndexed()).Result()
	if err != nil {
		return wrapErr("people index", err)
	}
	if done == 1 {
		return nil
	}
	// No log yet: Append marks the log it creates and indexes it from the first entry.
	if n, err := s.rdb.Exists(ctx, k.log()).Result(); err != nil || n == 0 {
		return wrapErr("people index", err)
	}
	s.log.InfoContext(ctx, "redis store: building the author indexes of a workspace captured before they existed", "workspace", workspace)
	st := stream{ws: workspace, key: k.log()}
	start := "-"
	for {
		msgs, err := s.rdb.XRangeN(ctx, st.key, start, "+", peoplePage).Result()
		if err != nil {
			return wrapErr("people index", err)
		}
		var calls []evalCall
		for _, m := range msgs {
			e, ok := s.entry(ctx, st, m, 0, false)
			if !ok {
				continue
			}
			msg := &e.Event.Message
			author := ""
			if e.Event.Kind == feedbackbot.EventPut {
				author = msg.Author
			}
			calls = append(calls, evalCall{
				keys: []string{k.logEntries(), k.authorKeys(author)},
				args: []any{msg.Key(), e.ID, author},
			})
		}
		if len(calls) > 0 {
			if _, err := s.evalAll(ctx, indexEntryScript, calls, nil); err != nil {
				return wrapErr("people index", err)
			}
		}
		if len(msgs) < peoplePage {
			break
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
	// ZSCAN returns every member present for the whole scan, whatever changes meanwhile.
	var cursor uint64
	for {
		kv, next, err := s.rdb.ZScan(ctx, k.timeAll(), cursor, "", peoplePage).Result()
		if err != nil {
			return wrapErr("people index", err)
		}
		if err := s.indexRecords(ctx, k, kv); err != nil {
			return err
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	return wrapErr("people index", s.rdb.Set(ctx, k.peopleIndexed(), "1", 0).Err())
}

// indexRecords adds applied records (ZSCAN output: member, score, ...) to their
// authors' indexes.
func (s *Store) indexRecords(ctx context.Context, k wsKeys, kv []string) error {
	var members []string
	for i := 0; i+1 < len(kv); i += 2 {
		members = append(members, kv[i])
	}
	if len(members) == 0 {
		return nil
	}
	recs := make([]*redis.SliceCmd, len(members))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range members {
			recs[i] = p.HMGet(ctx, k.rec(m), "s", "d")
		}
		return nil
	})
	var calls []evalCall
	for i, m := range members {
		v, err := recs[i].Result()
		if err != nil {
			return wrapErr("people index", err)
		}
		stamp, _ := v[0].(string)
		raw, _ := v[1].(string)
		if stamp == "" || raw == "" {
			continue // deleted meanwhile
		}
		var st store.Stored
		if err := decodeStored(raw, &st); err != nil {
			return fmt.Errorf("redis people index: message %s: decode: %w", m, err)
		}
		if st.Message.Author == "" {
			continue
		}
		calls = append(calls, evalCall{
			keys: []string{k.rec(m), k.authorIndex(st.Message.Author)},
			args: []any{m, stamp, strconv.FormatInt(st.Message.Time.UnixMicro(), 10)},
		})
	}
	if len(calls) == 0 {
		return nil
	}
	_, err := s.evalAll(ctx, indexRecordScript, calls, nil)
	return wrapErr("people index", err)
}

// Interface guard.
var _ store.People = (*Store)(nil)
