package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	"go.etcd.io/bbolt"
)

// expireChunk is how many messages (time index) or log entries (log walk) one Expire
// transaction handles, so memory and the time a transaction holds the writer stay small.
const expireChunk = 1024

// Expire implements store.Retention in two walks, each in chunked transactions: the
// time index finds applied messages older than before; the log finds the rest (messages
// deleted before they expired, entries never applied). Both stop at entries not yet
// delivered or still pending.
func (s *Store) Expire(ctx context.Context, workspace string, before time.Time) (int, error) {
	if err := checkIdent("workspace", workspace); err != nil {
		return 0, fmt.Errorf("bolt: expire: %w", err)
	}
	limit := timeKey(before)
	total := 0
	// Walk 1: applied messages, oldest first, up to before.
	var after []byte
	for {
		var n int
		var last []byte
		done := false
		err := s.update(ctx, func(tx *bbolt.Tx) error {
			n, last, done = 0, nil, false
			b := tx.Bucket(bWS).Bucket([]byte(workspace))
			if b == nil {
				done = true
				return nil
			}
			if err := foldAuthorQueue(b); err != nil { // expireMessage removes keys from ak
				return err
			}
			var keys [][]byte
			c := b.Bucket(bTime).Cursor()
			k, _ := c.First()
			if after != nil {
				k, _ = c.Seek(after)
				if k != nil && bytes.Equal(k, after) {
					k, _ = c.Next()
				}
			}
			for ; k != nil && len(keys) < expireChunk; k, _ = c.Next() {
				if bytes.Compare(k[:len(limit)], limit) >= 0 {
					break
				}
				keys = append(keys, slices.Clone(k[len(limit):]))
				last = slices.Clone(k)
			}
			done = len(keys) < expireChunk
			safe := safeSeq(b)
			for _, key := range keys {
				ok, err := expireMessage(b, key, safe)
				if err != nil {
					return err
				}
				if ok {
					n++
				}
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("bolt: expire: %w", err)
		}
		total += n
		if done {
			break
		}
		after = last
	}
	// Walk 2: the log, up to the first entry not yet acknowledged.
	var from uint64 = 1
	for {
		var n int
		var next uint64
		done := false
		err := s.update(ctx, func(tx *bbolt.Tx) error {
			n, next, done = 0, 0, false
			b := tx.Bucket(bWS).Bucket([]byte(workspace))
			if b == nil {
				done = true
				return nil
			}
			if err := foldAuthorQueue(b); err != nil { // expireMessage removes keys from ak
				return err
			}
			safe := safeSeq(b)
			var keys [][]byte
			seen := map[string]bool{}
			c := b.Bucket(bLog).Cursor()
			scanned := 0
			k, v := c.Seek(u64(from))
			for ; k != nil && scanned < expireChunk; k, v = c.Next() {
				seq := binary.BigEndian.Uint64(k)
				if seq >= safe {
					done = true
					break
				}
				scanned++
				next = seq + 1
				e, err := decodeEntry(workspace, k, v)
				if err != nil {
					return err
				}
				m := &e.Event.Message
				if e.Event.Kind != feedbackbot.EventPut || !m.Time.Before(before) || seen[m.Key()] {
					continue
				}
				seen[m.Key()] = true
				keys = append(keys, []byte(m.Key()))
			}
			if k == nil {
				done = true
			}
			for _, key := range keys {
				if b.Bucket(bMsg).Get(key) != nil {
					// Still applied: its current time, which the first walk judged,
					// decides (an old version's time erased a message edited to a
					// recent one, a review found).
					continue
				}
				ok, err := expireMessage(b, key, safe)
				if err != nil {
					return err
				}
				if ok {
					n++
				}
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("bolt: expire: %w", err)
		}
		total += n
		if done || next == 0 {
			break
		}
		from = next
	}
	return total, nil
}

// safeSeq is the first log entry of the workspace that is not yet delivered or is
// still pending: every entry below it has been acknowledged.
func safeSeq(b *bbolt.Bucket) uint64 {
	var cursor uint64
	if v := b.Get(kCursor); len(v) == 8 {
		cursor = binary.BigEndian.Uint64(v)
	}
	safe := cursor + 1
	if k, _ := b.Bucket(bPend).Cursor().First(); len(k) == 8 {
		safe = min(safe, binary.BigEndian.Uint64(k))
	}
	return safe
}

// expireMessage erases one message as Forget does but keeps its rollup contributions.
// A message with a log entry at or after safe is left for a later call.
func expireMessage(b *bbolt.Bucket, key []byte, safe uint64) (bool, error) {
	seqs := b.Bucket(bLogKeys).Get(key)
	authors := map[string]bool{}
	log := b.Bucket(bLog)
	for i := 0; i+8 <= len(seqs); i += 8 {
		if binary.BigEndian.Uint64(seqs[i:]) >= safe {
			return false, nil
		}
		v := log.Get(seqs[i : i+8])
		if v == nil {
			continue
		}
		var ev feedbackbot.Event
		if err := store.DecodeEvent(v, &ev); err != nil {
			return false, fmt.Errorf("decode log entry %d: %w", binary.BigEndian.Uint64(seqs[i:]), err)
		}
		if ev.Kind == feedbackbot.EventPut && ev.Message.Author != "" {
			authors[ev.Message.Author] = true
		}
	}
	erased, _, err := forgetMessage(b, nil, key)
	if err != nil {
		return false, err
	}
	for a := range authors {
		if ak := b.Bucket(bAuthKeys).Bucket([]byte(a)); ak != nil {
			if err := ak.Delete(key); err != nil {
				return false, err
			}
			if err := dropIfEmpty(b.Bucket(bAuthKeys), []byte(a)); err != nil {
				return false, err
			}
		}
	}
	return erased, nil
}

// Interface guard.
var _ store.Retention = (*Store)(nil)
