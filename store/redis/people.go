package redisstore

import (
	"cmp"
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

// indexedAuthorKeys checks the arguments, indexes an old log first (indexPeople)
// and returns the workspace's keys and the author's message keys
// (authorMessageKeys): how AuthorMessages, AuthorKeys and AuthorEntries begin.
func (s *Store) indexedAuthorKeys(ctx context.Context, workspace, author, op string) (wsKeys, []string, error) {
	if err := personArgs(workspace, author); err != nil {
		return "", nil, err
	}
	if err := s.indexPeople(ctx, workspace); err != nil {
		return "", nil, err
	}
	k := s.ws(workspace)
	keys, err := s.authorMessageKeys(ctx, k, author, op)
	return k, keys, err
}

// AuthorMessages streams the author's applied messages oldest first; see
// store.People. The author's messages are the keys Append put in the author's set
// (and, for records applied before 2026-12-02, the author's time index); their times
// are their scores in the workspace's time index, read pipelined, a page at a time,
// so the walk holds keys and times, not messages. Messages not applied (yet, or any
// more) have no time there and are left out; records removed meanwhile are skipped.
func (s *Store) AuthorMessages(ctx context.Context, workspace, author string, fn func(store.Stored) error) error {
	k, keys, err := s.indexedAuthorKeys(ctx, workspace, author, "author messages")
	if err != nil {
		return err
	}
	type timed struct {
		key string
		at  float64
	}
	var msgs []timed
	for chunk := range slices.Chunk(keys, peoplePage) {
		scores := make([]*redis.FloatCmd, len(chunk))
		_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, m := range chunk {
				scores[i] = p.ZScore(ctx, k.timeAll(), m)
			}
			return nil
		})
		for i, c := range scores {
			at, err := c.Result()
			switch {
			case errors.Is(err, redis.Nil): // not applied
			case err != nil:
				return wrapErr("author messages", err)
			default:
				msgs = append(msgs, timed{chunk[i], at})
			}
		}
	}
	slices.SortFunc(msgs, func(a, b timed) int {
		return cmp.Or(cmp.Compare(a.at, b.at), strings.Compare(a.key, b.key))
	})
	for chunk := range slices.Chunk(msgs, peoplePage) {
		members := make([]string, len(chunk))
		for i, m := range chunk {
			members[i] = m.key
		}
		recs, err := s.records(ctx, k, members)
		if err != nil {
			return err
		}
		for _, st := range recs {
			if st.Message.Author != author {
				continue // the key was put again by someone else
			}
			if err := fn(st); err != nil {
				return err
			}
		}
	}
	return nil
}

// authorMessageKeys returns every message key the author put (the author's set, read
// with SSCAN) and every key in the author's time index, which records applied before
// 2026-12-02 were added to, sorted and without duplicates.
func (s *Store) authorMessageKeys(ctx context.Context, k wsKeys, author, op string) ([]string, error) {
	var keys []string
	iter := s.rdb.SScan(ctx, k.authorKeys(author), 0, "", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return nil, wrapErr(op, err)
	}
	old, err := s.rdb.ZRange(ctx, k.authorIndex(author), 0, -1).Result()
	if err != nil {
		return nil, wrapErr(op, err)
	}
	keys = append(keys, old...)
	slices.Sort(keys)
	return slices.Compact(keys), nil
}

// AuthorKeys lists the messages of the author the store still holds; see
// store.People. The candidates are the author's keys (authorMessageKeys); each is
// checked, pipelined a page at a time, for a record (applied) or log entries left:
// a key erased by another author's Forget (a shared key) has neither, and one whose
// newest entry is older than the log's first was trimmed away (MaxLen) and, not
// applied, holds nothing Forget would erase.
func (s *Store) AuthorKeys(ctx context.Context, workspace, author string) ([]string, error) {
	k, keys, err := s.indexedAuthorKeys(ctx, workspace, author, "author keys")
	if err != nil || len(keys) == 0 {
		return nil, err
	}
	head, err := s.rdb.XRangeN(ctx, k.log(), "-", "+", 1).Result()
	if err != nil {
		return nil, wrapErr("author keys", err)
	}
	var out []string
	for chunk := range slices.Chunk(keys, peoplePage) {
		recs := make([]*redis.IntCmd, len(chunk))
		ents := make([]*redis.StringCmd, len(chunk))
		_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, m := range chunk {
				recs[i] = p.Exists(ctx, k.rec(m))
				ents[i] = p.HGet(ctx, k.logEntries(), m)
			}
			return nil
		})
		for i, m := range chunk {
			for _, c := range []redis.Cmder{recs[i], ents[i]} {
				if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
					return nil, wrapErr("author keys", err)
				}
			}
			ids := strings.Fields(ents[i].Val())
			if recs[i].Val() == 1 || (len(head) > 0 && len(ids) > 0 && !idBefore(ids[len(ids)-1], head[0].ID)) {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// AuthorEntries streams the log entries of the author's messages in log order; see
// store.People. The candidates are the entry ids fb:{ws}:le lists for the author's
// keys (authorMessageKeys), read pipelined a page at a time and sorted; each is then
// read by id (XRANGE id id, pipelined a page at a time), so the walk holds ids, not
// entries, and reads nothing of the log but the author's entries. An id whose entry
// is gone (trimmed by MaxLen, removed meanwhile) gives nothing; puts by another
// author of a shared key are left out.
func (s *Store) AuthorEntries(ctx context.Context, workspace, author string, fn func(store.Entry) error) error {
	k, keys, err := s.indexedAuthorKeys(ctx, workspace, author, "author entries")
	if err != nil {
		return err
	}
	var ids []string
	for chunk := range slices.Chunk(keys, peoplePage) {
		ents := make([]*redis.StringCmd, len(chunk))
		_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, m := range chunk {
				ents[i] = p.HGet(ctx, k.logEntries(), m)
			}
			return nil
		})
		for _, c := range ents {
			v, err := c.Result()
			if err != nil && !errors.Is(err, redis.Nil) {
				return wrapErr("author entries", err)
			}
			for _, id := range strings.Fields(v) {
				if validStreamID(id) {
					ids = append(ids, id)
				}
			}
		}
	}
	slices.SortFunc(ids, compareIDs)
	ids = slices.Compact(ids)
	st := stream{ws: workspace, key: k.log()}
	for chunk := range slices.Chunk(ids, peoplePage) {
		got := make([]*redis.XMessageSliceCmd, len(chunk))
		_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range chunk {
				got[i] = p.XRange(ctx, st.key, id, id)
			}
			return nil
		})
		var out []store.Entry
		for _, c := range got {
			msgs, err := c.Result()
			if err != nil && !errors.Is(err, redis.Nil) {
				return wrapErr("author entries", err)
			}
			for _, m := range msgs {
				e, ok, err := s.entryOrErr(ctx, st, m, 0, false)
				if err != nil {
					return wrapErr("author entries", err)
				}
				if ok && (e.Event.Kind != feedbackbot.EventPut || e.Event.Message.Author == author) {
					out = append(out, e)
				}
			}
		}
		for _, e := range out {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// idBefore reports whether stream entry id a comes before b; an id that is not
// "<ms>-<seq>" is taken as not before, so its message is kept (compareIDs would read
// it as 0-0, the oldest).
func idBefore(a, b string) bool {
	return validStreamID(a) && validStreamID(b) && compareIDs(a, b) < 0
}

// Forget erases the author's messages from the workspace; see store.People. The author
// is remembered first, so nothing of theirs is appended while the erasure runs; then
// each message is erased by one atomic script (pipelined, forgetBatch at a time).
func (s *Store) Forget(ctx context.Context, workspace, author string) (int, error) {
	if err := personArgs(workspace, author); err != nil {
		return 0, err
	}
	k := s.ws(workspace)
	at := s.now().UTC().Format(time.RFC3339)
	if err := s.rdb.HSetNX(ctx, k.forgotten(), author, at).Err(); err != nil {
		return 0, wrapErr("forget", err)
	}
	// Their data key first: what of their log entries a deletion leaves in the
	// stream's nodes is noise from now on, even if the erasure stops half-way.
	if err := s.dropDataKey(ctx, workspace, author); err != nil {
		return 0, err
	}
	if err := s.indexPeople(ctx, workspace); err != nil {
		return 0, err
	}
	keys, err := s.authorMessageKeys(ctx, k, author, "forget")
	if err != nil {
		return 0, err
	}
	n := 0
	for len(keys) > 0 {
		batch := keys[:min(forgetBatch, len(keys))]
		keys = keys[len(batch):]
		got, err := s.forgetBatch(ctx, workspace, k, author, batch)
		n += got
		if err != nil {
			return n, err
		}
	}
	if err := s.rdb.Del(ctx, k.authorKeys(author), k.authorIndex(author)).Err(); err != nil {
		return n, wrapErr("forget", err)
	}
	// A person who was their own account (a community member) leaves no account
	// named by them once nothing of it is left (Accounts listed them).
	if err := s.unlistEmptyAccount(ctx, k, author); err != nil {
		return n, wrapErr("forget", err)
	}
	return n, nil
}

// unlistEmptyAccount takes an account out of the workspace's list when no applied
// message of it is left: its time indexes, which erasure and deletes remove once
// empty, are all gone. Those are its account weeks (fb:{ws}:aw:<week>:<acct>), of
// the weeks that hold a rollup hour of the workspace (every applied message counts
// in its hour: dataSpans), and its whole-history index (fb:{ws}:ta:<acct>), which
// Apply keeps only where account weeks do not cover the workspace yet (data of an
// older version). Looking at the whole-history index alone unlisted an account
// that still had messages wherever the weeks cover the workspace (a review's find:
// a staff reply filed under a forgotten member's account); naming every week from
// the first rollup hour to the last sent a script some 100,000 keys where one
// message was dated in the year 1 (another find), so only the weeks with hours are
// named.
func (s *Store) unlistEmptyAccount(ctx context.Context, k wsKeys, account string) error {
	for range applyRounds {
		weeks, err := s.dataSpans(ctx, k, nil, nil, weekSeconds)
		if err != nil {
			return err
		}
		keys := make([]string, 0, 3+len(weeks))
		keys = append(keys, k.accounts(), k.buckets(), k.timeAccount(account))
		args := make([]any, 0, 1+len(weeks))
		args = append(args, account)
		for _, w := range weeks {
			keys = append(keys, k.acctWeek(w, account))
			args = append(args, w)
		}
		res, err := unlistEmptyAccountScript.Run(ctx, s.rdb, keys, args...).Int64()
		if err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		if res != -1 {
			return nil
		}
		// (an apply or a delete meanwhile changed the weeks with hours: read them again)
	}
	return fmt.Errorf("unlist account: the workspace's rollup hours kept moving")
}

// unlistEmptyAccountScript takes an account out of the workspace's accounts when
// none of its time indexes the caller names exists, and the weeks with rollup
// hours are still those it named.
//
// KEYS[1] the accounts set, KEYS[2] the bucket index, KEYS[3..] the account's time
// indexes: its whole-history one, then its week of each week ARGV[2..] names (unix
// seconds, in order: the weeks that held a rollup hour as the caller read them).
// ARGV[1] the account. Returns 1 when it was unlisted, 0 when it was kept, -1 when
// the weeks with hours are others now (the caller names them again).
var unlistEmptyAccountScript = redis.NewScript(spansLua + `
local weeks = spans(KEYS[2], '-inf', '+inf', ` + strconv.Itoa(weekSeconds) + `)
if #weeks ~= #ARGV - 1 then return -1 end
for i, w in ipairs(weeks) do
  if string.format('%.0f', w) ~= ARGV[i + 1] then return -1 end
end
for i = 3, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end
end
redis.call('SREM', KEYS[1], ARGV[1])
return 1
`)

// forgetBatch erases a batch of messages. It declares each record's index keys as read
// just before; a record changed meanwhile makes the script name the keys it lacks, and
// that message is tried again with them, as Apply does. Each message leaves the set
// of message keys of every author it has (erasureRead: an edit by another author
// put it in theirs too), as Expire's; one whose log entries changed after they
// were read (an edit appended meanwhile) is read again.
func (s *Store) forgetBatch(ctx context.Context, workspace string, k wsKeys, author string, members []string) (int, error) {
	calls := make([]evalCall, len(members))
	prepare := func(calls []evalCall, idx []int) error {
		ms := make([]string, len(idx))
		for j, i := range idx {
			ms[j] = members[i]
		}
		er, err := s.erasureRead(ctx, workspace, k, ms, "forget")
		if err != nil {
			return err
		}
		for j, i := range idx {
			m := ms[j]
			var others []string
			for _, a := range er.authors[j] {
				if a != author {
					others = append(others, a)
				}
			}
			keys := []string{k.latest(), k.log(), k.logEntries(), k.buckets(), k.rec(m), k.authorKeys(author), k.recData(m)}
			for _, a := range others {
				keys = append(keys, k.authorKeys(a))
			}
			if raw := er.recs[j].spec; raw != "" {
				var spec [][2]string
				if err := json.Unmarshal([]byte(raw), &spec); err != nil {
					return fmt.Errorf("redis forget: message %s: decode index spec: %w", m, err)
				}
				for _, e := range spec {
					if !slices.Contains(keys, e[0]) {
						keys = append(keys, e[0])
					}
				}
			}
			calls[i] = evalCall{keys: keys, args: []any{m, s.group, er.ids[j], len(others)}}
		}
		return nil
	}
	all := make([]int, len(members))
	for i := range all {
		all[i] = i
	}
	if err := prepare(calls, all); err != nil {
		return 0, err
	}
	return s.evalRetrying(ctx, "forget", k, forgetScript, calls, prepare)
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
			e, ok, err := s.entryOrErr(ctx, st, m, 0, false)
			if err != nil {
				return wrapErr("people index", err)
			}
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
// authors' sets of message keys: a record whose log entry was trimmed away is found
// only there.
func (s *Store) indexRecords(ctx context.Context, k wsKeys, kv []string) error {
	var members []string
	for i := 0; i+1 < len(kv); i += 2 {
		members = append(members, kv[i])
	}
	if len(members) == 0 {
		return nil
	}
	recs, err := s.readData(ctx, k, members)
	if err != nil {
		return wrapErr("people index", err)
	}
	byAuthor := map[string][]any{}
	for i, m := range members {
		raw := recs[i]
		if raw == "" {
			continue // deleted meanwhile
		}
		var st store.Stored
		if err := decodeStored(raw, &st); err != nil {
			return fmt.Errorf("redis people index: message %s: decode: %w", m, err)
		}
		if a := st.Message.Author; a != "" {
			byAuthor[a] = append(byAuthor[a], m)
		}
	}
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for a, ms := range byAuthor {
			p.SAdd(ctx, k.authorKeys(a), ms...)
		}
		return nil
	})
	return wrapErr("people index", err)
}

// Interface guard.
var _ store.People = (*Store)(nil)
