package bolt

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// forgotten reports whether Forget erased author in ws.
func forgotten(tx *bbolt.Tx, ws, author string) bool {
	if author == "" {
		return false
	}
	b := tx.Bucket(bForgotten).Bucket([]byte(ws))
	return b != nil && b.Get([]byte(author)) != nil
}

// gone is how many log entries of the workspace Forget removed before their delivery.
func gone(b *bbolt.Bucket) uint64 {
	if v := b.Get(kGone); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// indexLogEntry records log entry seq under its message key (le) and, for a put, the
// key under its author (queued for ak), so Forget finds every entry of an author's
// messages without reading the log.
func indexLogEntry(b *bbolt.Bucket, key []byte, author string, put bool, seq, foldAt uint64) error {
	le := b.Bucket(bLogKeys)
	old := le.Get(key)
	for i := 0; i+8 <= len(old); i += 8 {
		if binary.BigEndian.Uint64(old[i:]) == seq {
			return nil // already indexed (a re-run of indexPeople)
		}
	}
	v := make([]byte, 0, len(old)+8)
	v = append(append(v, old...), u64(seq)...)
	if err := le.Put(key, v); err != nil {
		return err
	}
	if !put || author == "" {
		return nil
	}
	return queueAuthorKey(b, seq, author, key, foldAt)
}

// authorQueueFold is how many entries the author queue (aq) takes before the write
// that reaches it folds them into the author index (ak) (Options.authorFold in tests).
const authorQueueFold = 20_000

// queueAuthorKey adds a message key to its author's index by way of the author queue:
// an append at the end of one bucket, where a put into ak dirties a page of every
// author a transaction touches (an import's commit touched hundreds, one or two keys
// each, a third of every page it wrote). When the queue reaches foldAt entries it is
// folded into ak in one pass, each author's keys in order; readers of ak read the
// queue too (authorMessageKeys), and the writers that remove from ak fold it first.
func queueAuthorKey(b *bbolt.Bucket, seq uint64, author string, key []byte, foldAt uint64) error {
	q := b.Bucket(bAuthQueue)
	if q == nil { // a file from before the queue
		var err error
		if q, err = newAuthorQueue(b); err != nil {
			return err
		}
	}
	v := make([]byte, 0, binary.MaxVarintLen64+len(author)+len(key))
	v = binary.AppendUvarint(v, uint64(len(author)))
	v = append(append(v, author...), key...)
	if err := q.Put(u64(seq), v); err != nil {
		return err
	}
	n := q.Sequence() + 1 // the queue's length (at most: a re-run of indexPeople counts twice)
	if n >= foldAt {
		return foldAuthorQueue(b)
	}
	return q.SetSequence(n)
}

// queued decodes an author queue entry: the author and the message key (aliasing v).
func queued(v []byte) (author, key []byte, err error) {
	n, w := binary.Uvarint(v)
	if w <= 0 || n > uint64(len(v)-w) {
		return nil, nil, fmt.Errorf("malformed author queue entry %q", v)
	}
	return v[w : w+int(n)], v[w+int(n):], nil
}

// foldAuthorQueues folds the author queue of every workspace and reports whether any
// held entries.
func foldAuthorQueues(tx *bbolt.Tx) (folded bool, err error) {
	root := tx.Bucket(bWS)
	var names [][]byte
	if err := root.ForEachBucket(func(k []byte) error { names = append(names, slices.Clone(k)); return nil }); err != nil {
		return false, err
	}
	for _, name := range names {
		b := packInOrder(root.Bucket(name))
		if q := b.Bucket(bAuthQueue); q != nil {
			if k, _ := q.Cursor().First(); k != nil {
				folded = true
			}
		}
		if err := foldAuthorQueue(b); err != nil {
			return folded, fmt.Errorf("workspace %s: fold the author queue: %w", name, err)
		}
	}
	return folded, nil
}

// foldAuthorQueue moves every entry of the author queue into the author index, author
// by author, each one's keys in order, and empties the queue.
func foldAuthorQueue(b *bbolt.Bucket) error {
	q := b.Bucket(bAuthQueue)
	if q == nil {
		return nil
	}
	if k, _ := q.Cursor().First(); k == nil {
		if q.Sequence() == 0 {
			return nil // nothing queued: nothing written
		}
		return q.SetSequence(0)
	}
	byAuthor := map[string][]string{}
	err := q.ForEach(func(_, v []byte) error {
		author, key, err := queued(v)
		if err != nil {
			return err
		}
		byAuthor[string(author)] = append(byAuthor[string(author)], string(key))
		return nil
	})
	if err != nil {
		return err
	}
	for _, author := range slices.Sorted(maps.Keys(byAuthor)) {
		ak, err := b.Bucket(bAuthKeys).CreateBucketIfNotExists([]byte(author))
		if err != nil {
			return err
		}
		ak.FillPercent = fillRun
		keys := byAuthor[author]
		slices.Sort(keys)
		for _, k := range keys {
			if err := ak.Put([]byte(k), nil); err != nil {
				return err
			}
		}
	}
	if err := b.DeleteBucket(bAuthQueue); err != nil {
		return err
	}
	_, err = newAuthorQueue(b)
	return err
}

// newAuthorQueue creates workspace bucket b's author queue, packed as it only appends.
func newAuthorQueue(b *bbolt.Bucket) (*bbolt.Bucket, error) {
	q, err := b.CreateBucket(bAuthQueue)
	if err != nil {
		return nil, err
	}
	q.FillPercent = fillAppend
	return q, nil
}

// peopleIndexed says what indexPeople did.
type peopleIndexed struct{ workspaces, entries, messages int }

// indexPeople builds the author and log-entry indexes of every workspace from the log
// and the applied messages, for a file written before they existed. It is idempotent.
func indexPeople(tx *bbolt.Tx) (peopleIndexed, error) {
	var res peopleIndexed
	root := tx.Bucket(bWS)
	var names [][]byte
	if err := root.ForEachBucket(func(k []byte) error { names = append(names, slices.Clone(k)); return nil }); err != nil {
		return res, err
	}
	for _, name := range names {
		res.workspaces++
		b := root.Bucket(name)
		for _, sub := range wsBuckets {
			if _, err := b.CreateBucketIfNotExists(sub); err != nil {
				return res, err
			}
		}
		err := b.Bucket(bLog).ForEach(func(k, v []byte) error {
			e, err := decodeEntry(string(name), k, v)
			if err != nil {
				return err
			}
			m := &e.Event.Message
			res.entries++
			return indexLogEntry(b, []byte(m.Key()), m.Author, e.Event.Kind == feedbackbot.EventPut, binary.BigEndian.Uint64(k), authorQueueFold)
		})
		if err == nil {
			err = foldAuthorQueue(b)
		}
		if err != nil {
			return res, fmt.Errorf("workspace %s: %w", name, err)
		}
		err = b.Bucket(bMsg).ForEach(func(k, v []byte) error {
			var rec record
			if err := decodeRecord(v, &rec); err != nil {
				return fmt.Errorf("decode message %s: %w", k, err)
			}
			if rec.Message.Author == "" {
				return nil
			}
			res.messages++
			sub, err := b.Bucket(bAuthor).CreateBucketIfNotExists([]byte(rec.Message.Author))
			if err != nil {
				return err
			}
			return sub.Put(append(timeKey(rec.Message.Time), k...), nil)
		})
		if err != nil {
			return res, fmt.Errorf("workspace %s: %w", name, err)
		}
	}
	return res, nil
}

func checkPerson(workspace, author string) error {
	if err := checkIdent("workspace", workspace); err != nil {
		return err
	}
	return checkIdent("author", author)
}

// authorChunk is how many messages AuthorMessages (entries AuthorEntries) reads per
// read transaction (inChunks); fn runs outside any transaction.
const authorChunk = 256

// AuthorMessages implements store.People: the author's applied messages oldest first.
// Their keys are those Append put under the author (ak) and, in files of versions
// before 2026-12-02, those of the author's index of applied messages (au); a first
// read transaction orders the applied ones by time, then they are read a chunk at a
// time (records removed meanwhile are skipped), so the walk holds keys and times, not
// messages.
func (s *Store) AuthorMessages(ctx context.Context, workspace, author string, fn func(store.Stored) error) error {
	if err := checkPerson(workspace, author); err != nil {
		return fmt.Errorf("bolt: author messages: %w", err)
	}
	type timed struct {
		at  time.Time
		key string
	}
	var keys []timed
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bWS).Bucket([]byte(workspace))
		if b == nil {
			return nil
		}
		all, err := authorMessageKeys(b, author)
		if err != nil {
			return err
		}
		msgs := b.Bucket(bMsg)
		for _, k := range all {
			v := msgs.Get([]byte(k))
			if v == nil {
				continue // not applied (yet, or any more)
			}
			st, err := decodeStored([]byte(k), v)
			if err != nil {
				return err
			}
			if st.Message.Author == author {
				keys = append(keys, timed{st.Message.Time, k})
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bolt: author messages: %w", err)
	}
	slices.SortFunc(keys, func(a, b timed) int { return cmp.Or(a.at.Compare(b.at), strings.Compare(a.key, b.key)) })
	return inChunks(ctx, s, workspace, "author messages", keys, func(b *bbolt.Bucket, t timed) (st store.Stored, ok bool, err error) {
		v := b.Bucket(bMsg).Get([]byte(t.key))
		if v == nil {
			return st, false, nil // removed meanwhile
		}
		if st, err = decodeStored([]byte(t.key), v); err != nil {
			return st, false, err
		}
		return st, st.Message.Author == author, nil
	}, fn)
}

// inChunks reads items in chunks of authorChunk, one read transaction each on the
// workspace's bucket: read returns what item gives and whether to keep it (false for
// one removed meanwhile, or another author's); fn then gets each kept one in order,
// outside any transaction. The walk holds one chunk of values at a time.
func inChunks[T, V any](ctx context.Context, s *Store, workspace, op string, items []T,
	read func(b *bbolt.Bucket, item T) (V, bool, error), fn func(V) error) error {
	for chunk := range slices.Chunk(items, authorChunk) {
		var out []V
		err := s.view(ctx, func(tx *bbolt.Tx) error {
			out = out[:0]
			b := tx.Bucket(bWS).Bucket([]byte(workspace))
			if b == nil {
				return nil
			}
			for _, it := range chunk {
				v, ok, err := read(b, it)
				if err != nil {
					return err
				}
				if ok {
					out = append(out, v)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("bolt: %s: %w", op, err)
		}
		for _, v := range out {
			if err := fn(v); err != nil {
				return err
			}
		}
	}
	return nil
}

// authorMessageKeys returns, sorted and once each, the keys of every message the
// author put in the log of workspace bucket b (ak and the queue not yet folded into
// it, aq) and, in files of versions before 2026-12-02, of every applied one in the
// author's index of applied messages (au: an applied message is in the log too,
// unless its entries were trimmed).
func authorMessageKeys(b *bbolt.Bucket, author string) ([]string, error) {
	keys := map[string]bool{}
	if ak := b.Bucket(bAuthKeys).Bucket([]byte(author)); ak != nil {
		if err := ak.ForEach(func(k, _ []byte) error { keys[string(k)] = true; return nil }); err != nil {
			return nil, err
		}
	}
	if q := b.Bucket(bAuthQueue); q != nil {
		err := q.ForEach(func(_, v []byte) error {
			a, k, err := queued(v)
			if err == nil && string(a) == author {
				keys[string(k)] = true
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	if au := b.Bucket(bAuthor).Bucket([]byte(author)); au != nil {
		if err := au.ForEach(func(k, _ []byte) error { keys[string(k[12:])] = true; return nil }); err != nil {
			return nil, err
		}
	}
	return slices.Sorted(maps.Keys(keys)), nil
}

// AuthorKeys implements store.People: of the author's keys (authorMessageKeys, whose
// queue part is bounded by authorQueueFold, not by the log), those that still have a
// record or a log entry (a key erased by another author's Forget, a shared key, has
// neither), read in one transaction.
func (s *Store) AuthorKeys(ctx context.Context, workspace, author string) ([]string, error) {
	if err := checkPerson(workspace, author); err != nil {
		return nil, fmt.Errorf("bolt: author keys: %w", err)
	}
	var out []string
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		out = nil
		b := tx.Bucket(bWS).Bucket([]byte(workspace))
		if b == nil {
			return nil
		}
		keys, err := authorMessageKeys(b, author)
		if err != nil {
			return err
		}
		msgs, le, log := b.Bucket(bMsg), b.Bucket(bLogKeys), b.Bucket(bLog)
		for _, k := range keys {
			key := []byte(k)
			held := msgs.Get(key) != nil
			seqs := le.Get(key)
			for i := 0; !held && i+8 <= len(seqs); i += 8 {
				held = log.Get(seqs[i:i+8]) != nil
			}
			if held {
				out = append(out, k)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: author keys: %w", err)
	}
	return out, nil
}

// AuthorEntries implements store.People: the log entries of the author's messages in
// log order. A first read transaction gathers the sequence numbers the log-entry
// index (le) lists for the author's keys (authorMessageKeys) and sorts them; the
// entries are then read by sequence a chunk at a time (entries removed meanwhile are
// skipped), so the walk holds numbers, not entries, and reads nothing of the log but
// the author's entries. Puts by another author of a shared key are left out.
func (s *Store) AuthorEntries(ctx context.Context, workspace, author string, fn func(store.Entry) error) error {
	if err := checkPerson(workspace, author); err != nil {
		return fmt.Errorf("bolt: author entries: %w", err)
	}
	var seqs []uint64
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		seqs = nil
		b := tx.Bucket(bWS).Bucket([]byte(workspace))
		if b == nil {
			return nil
		}
		keys, err := authorMessageKeys(b, author)
		if err != nil {
			return err
		}
		le := b.Bucket(bLogKeys)
		for _, k := range keys {
			v := le.Get([]byte(k))
			for i := 0; i+8 <= len(v); i += 8 {
				seqs = append(seqs, binary.BigEndian.Uint64(v[i:]))
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bolt: author entries: %w", err)
	}
	slices.Sort(seqs)
	seqs = slices.Compact(seqs)
	return inChunks(ctx, s, workspace, "author entries", seqs, func(b *bbolt.Bucket, seq uint64) (e store.Entry, ok bool, err error) {
		k := u64(seq)
		v := b.Bucket(bLog).Get(k)
		if v == nil {
			return e, false, nil // removed meanwhile
		}
		if e, err = decodeEntry(workspace, k, v); err != nil {
			return e, false, err
		}
		return e, e.Event.Kind != feedbackbot.EventPut || e.Event.Message.Author == author, nil
	}, fn)
}

// Forget implements store.People. The whole erasure is one transaction.
func (s *Store) Forget(ctx context.Context, workspace, author string) (int, error) {
	if err := checkPerson(workspace, author); err != nil {
		return 0, fmt.Errorf("bolt: forget: %w", err)
	}
	var n int
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		n = 0
		fb, err := tx.Bucket(bForgotten).CreateBucketIfNotExists([]byte(workspace))
		if err != nil {
			return err
		}
		if fb.Get([]byte(author)) == nil {
			at, err := s.now().UTC().MarshalText()
			if err != nil {
				return err
			}
			if err := fb.Put([]byte(author), at); err != nil {
				return err
			}
		}
		b := tx.Bucket(bWS).Bucket([]byte(workspace))
		if b == nil {
			return nil
		}
		if err := foldAuthorQueue(b); err != nil { // ak is deleted below
			return err
		}
		keys, err := authorMessageKeys(b, author)
		if err != nil {
			return err
		}
		rs := rollups{}
		lost := gone(b)
		for _, key := range keys {
			erased, removedUndelivered, err := forgetMessage(b, rs, []byte(key))
			if err != nil {
				return err
			}
			lost += removedUndelivered
			if erased {
				n++
			}
		}
		for _, idx := range [][]byte{bAuthKeys, bAuthor} {
			if err := b.Bucket(idx).DeleteBucket([]byte(author)); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
				return err
			}
		}
		// A person who was their own account (a community member) leaves no
		// account named by them once nothing of it is left (Accounts listed them).
		if ab := b.Bucket(bAcct).Bucket([]byte(author)); ab == nil || isEmpty(ab) {
			if ab != nil {
				if err := b.Bucket(bAcct).DeleteBucket([]byte(author)); err != nil {
					return err
				}
			}
			if err := b.Bucket(bAccounts).Delete([]byte(author)); err != nil {
				return err
			}
		}
		if lost != gone(b) {
			if err := b.Put(kGone, u64(lost)); err != nil {
				return err
			}
		}
		return rs.flush(s.jsonRecords)
	})
	if err != nil {
		return 0, fmt.Errorf("bolt: forget: %w", err)
	}
	return n, nil
}

// isEmpty reports whether a bucket holds no key (its Stats read the pages, not
// what this transaction changed).
func isEmpty(b *bbolt.Bucket) bool {
	k, _ := b.Cursor().First()
	return k == nil
}

// forgetMessage erases one message: its derived state (as a delete would), every log
// entry of it with its consumer state, and marks it forgotten so that neither Append nor
// Apply brings it back. undelivered counts removed entries Read had not handed out yet.
func forgetMessage(b *bbolt.Bucket, rs rollups, key []byte) (erased bool, undelivered uint64, err error) {
	if err := b.Bucket(bLatest).Put(key, []byte{markForgotten}); err != nil {
		return false, 0, err
	}
	msgs := b.Bucket(bMsg)
	if v := msgs.Get(key); v != nil {
		var rec record
		if err := decodeRecord(v, &rec); err != nil {
			return false, 0, fmt.Errorf("decode message %s: %w", key, err)
		}
		if err := unindex(b, rs, &rec); err != nil {
			return false, 0, err
		}
		if err := msgs.Delete(key); err != nil {
			return false, 0, err
		}
		erased = true
	}
	le := b.Bucket(bLogKeys)
	seqs := slices.Clone(le.Get(key))
	if seqs == nil {
		return erased, 0, nil
	}
	log, pend := b.Bucket(bLog), b.Bucket(bPend)
	var cursor uint64
	if v := b.Get(kCursor); len(v) == 8 {
		cursor = binary.BigEndian.Uint64(v)
	}
	for i := 0; i+8 <= len(seqs); i += 8 {
		k := seqs[i : i+8]
		if log.Get(k) == nil {
			continue
		}
		if err := log.Delete(k); err != nil {
			return false, 0, err
		}
		erased = true
		switch {
		case pend.Get(k) != nil:
			if err := pend.Delete(k); err != nil {
				return false, 0, err
			}
		case binary.BigEndian.Uint64(k) > cursor:
			undelivered++
		}
	}
	return erased, undelivered, le.Delete(key)
}

// Interface guard.
var _ store.People = (*Store)(nil)
