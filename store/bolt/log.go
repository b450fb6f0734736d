package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	"go.etcd.io/bbolt"
)

// Buckets inside each workspace bucket.
var (
	bLog      = []byte("log")
	bPend     = []byte("pend")
	bLatest   = []byte("latest")
	bMsg      = []byte("msg")
	bRoll     = []byte("roll")
	bTime     = []byte("t")
	bAcct     = []byte("acct")
	bChan     = []byte("ch")
	bNeg      = []byte("neg")
	bPos      = []byte("pos")
	bAccounts = []byte("accounts")
	bAuthor   = []byte("au")
	bAuthKeys = []byte("ak")
	bLogKeys  = []byte("le")
	// bAuthQueue holds the author index's newest entries (see queueAuthorKey).
	bAuthQueue = []byte("aq")
	// bAcctDay holds account-day counters: account key, 0, day start (hourKey).
	bAcctDay = []byte("ad")
	kCursor  = []byte("cursor")
	kGone    = []byte("gone")

	wsBuckets = [][]byte{bLog, bPend, bLatest, bMsg, bRoll, bTime, bAcct, bChan, bNeg, bPos, bAccounts, bAuthor, bAuthKeys, bLogKeys, bAcctDay, bAuthQueue}

	// appendOnly are the buckets whose new keys come after all the others: the log, its
	// consumer state and the author queue by sequence, the time index and the rollup
	// hours by time (and so is every per-account and per-channel time index). byRun are
	// those whose new keys come at the end of one of many runs: messages' revisions
	// and log entries by message key (a channel's ids grow in time), account days by
	// account then day; bigByRun the messages, whose runs are the same but whose
	// values are some 800 bytes, five a page.
	appendOnly = [][]byte{bLog, bPend, bTime, bRoll, bAuthQueue}
	byRun      = [][]byte{bLatest, bLogKeys, bAcctDay}
	bigByRun   = [][]byte{bMsg}
)

// How full bbolt packs a page it splits (its default is half), by how new keys
// arrive (see packInOrder).
const (
	fillAppend = 0.95
	fillRun    = 0.7
	fillBigRun = 0.9
)

// packInOrder sets how full a write transaction packs the pages it splits in the
// in-order buckets of one workspace (bbolt keeps a transaction's bucket objects, so
// it holds for the rest of the transaction). A page split half full at the end of an
// append-only bucket is never written again, so bbolt's default left the log and the
// time indexes half empty and every commit wrote twice the pages their data needed;
// they are packed full. Where keys arrive at the ends of many runs, one a channel or
// an account, a page split full next to another run is split again by that run's next
// key, leaving a sliver (live traffic, a key a channel per transaction, left those
// buckets a third full packed at 0.95): they are packed part way. Only the notable
// indexes, ordered by how extreme a message is within its hour, take keys anywhere,
// and keep the default.
//
// The messages are packed fuller than the other runs: bbolt splits a node so that
// at least two keys go right and the left takes at most all but three of them, so a
// page of five records that takes a sixth, as live traffic adds them, keeps three
// (58% full) however full it may be packed; an import's runs, many records a
// transaction, fill pages to the fill given (77% at 0.9, five records a page would
// be 96%: the fill is the left page's limit, not its size).

func packInOrder(b *bbolt.Bucket) *bbolt.Bucket {
	if b == nil || !b.Tx().Writable() {
		return b
	}
	for _, set := range []struct {
		names [][]byte
		fill  float64
	}{{appendOnly, fillAppend}, {byRun, fillRun}, {bigByRun, fillBigRun}} {
		for _, name := range set.names {
			if sub := b.Bucket(name); sub != nil {
				sub.FillPercent = set.fill
			}
		}
	}
	return b
}

// Latest-revision markers in the capture dedupe index.
const (
	markPut    = 'p'
	markDelete = 'd'
	// markForgotten: the message was erased by Forget; no later event of it is stored
	// and no entry of it read before the erasure is applied.
	markForgotten = 'f'
)

// readBatchMax caps Read's max (store.DefaultReadMax is its default).
const readBatchMax = 10_000

// workspace returns the bucket of ws, creating it (and its sub-buckets) if create.
func workspace(tx *bbolt.Tx, ws string, create bool) (*bbolt.Bucket, error) {
	root := tx.Bucket(bWS)
	if b := root.Bucket([]byte(ws)); b != nil || !create {
		return packInOrder(b), nil
	}
	b, err := root.CreateBucket([]byte(ws))
	if err != nil {
		return nil, fmt.Errorf("create workspace bucket: %w", err)
	}
	for _, name := range wsBuckets {
		if _, err := b.CreateBucket(name); err != nil {
			return nil, fmt.Errorf("create workspace bucket: %w", err)
		}
	}
	return packInOrder(b), nil
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// validateEvent checks an event can be keyed and stored; puts are normalised.
func validateEvent(i int, ev *feedbackbot.Event) error {
	m := &ev.Message
	switch ev.Kind {
	case feedbackbot.EventPut:
		if err := m.Normalize(); err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
	case feedbackbot.EventDelete:
	default:
		return feedbackbot.Errorf(feedbackbot.EINVALID, "event %d has unknown kind %q", i, ev.Kind)
	}
	sanitize(m)
	for _, f := range []struct{ what, v string }{
		{"message id", m.ID}, {"platform", string(m.Platform)}, {"workspace", m.Workspace},
	} {
		if err := checkIdent(f.what, f.v); err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
	}
	if ev.Kind == feedbackbot.EventPut {
		for _, f := range []struct{ what, v string }{{"channel", m.Channel}, {"account", m.Account}, {"author", m.Author}} {
			if len(f.v) > maxIdent {
				return feedbackbot.Errorf(feedbackbot.EINVALID, "event %d: %s is longer than %d bytes", i, f.what, maxIdent)
			}
		}
	}
	return nil
}

// Append implements store.Log. The whole batch is one transaction: either every new
// event is durable when it returns, or none is.
func (s *Store) Append(ctx context.Context, events ...feedbackbot.Event) (int, error) {
	n, _, err := s.appendEvents(ctx, events, "", false)
	return n, err
}

// AppendNew implements store.Filler: Append, but a put of a message the file holds
// in any version (or deleted, or erased) is skipped.
func (s *Store) AppendNew(ctx context.Context, events ...feedbackbot.Event) (int, error) {
	n, _, err := s.appendEvents(ctx, events, "", true)
	return n, err
}

// AppendOver implements store.Log: one event, appended as Append appends it, in the
// same transaction as the check of its base.
func (s *Store) AppendOver(ctx context.Context, base, op string, ev feedbackbot.Event) (bool, error) {
	if base == "" || op == "" {
		return false, feedbackbot.Errorf(feedbackbot.EINVALID, "bolt: append over: the base revision and the op are required")
	}
	// Calls of one op take turns: a redelivery arriving while the first delivery
	// waits for the writer saw the op not landed yet, then found its base moved by
	// that very delivery and reported a conflict (Redis checks the op in the script).
	mu := &s.opTurns[opStripe(op)]
	mu.Lock()
	defer mu.Unlock()
	if s.ops.landed(op) {
		return true, nil // a retry, or a redelivery, of a change that landed
	}
	_, moved, err := s.appendEvents(ctx, []feedbackbot.Event{ev}, base, false)
	if err == nil && !moved {
		s.ops.remember(op, s.now())
	}
	return !moved, err
}

// opStripe picks the lock of op among Store.opTurns.
func opStripe(op string) int {
	return int(maphash.String(opSeed, op) % opStripes)
}

// opSeed seeds opStripe's hash (any seed spreads the ops alike).
var opSeed = maphash.MakeSeed()

// opStripes is how many locks AppendOver's ops are spread over.
const opStripes = 64

// opTTL is how long a store remembers the op of a write over a base, for the
// retries of that write.
const opTTL = 10 * time.Minute

// opMemory is the ops of recent writes over a base. The file has one process at a
// time, so memory is enough: a write whose call returned an error did not commit,
// and a retry comes from the same process.
type opMemory struct {
	mu     sync.Mutex
	at     map[string]time.Time
	pruned time.Time
}

func (o *opMemory) landed(op string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, ok := o.at[op]
	return ok
}

func (o *opMemory) remember(op string, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.at == nil {
		o.at = map[string]time.Time{}
	}
	if now.Sub(o.pruned) > opTTL/10 {
		o.pruned = now
		for k, t := range o.at {
			if now.Sub(t) > opTTL {
				delete(o.at, k)
			}
		}
	}
	o.at[op] = now
}

// appendEvents appends events, each only while its message's latest revision is
// base (when base is not ""). It returns how many it appended, and whether one was
// left out because its base had moved on.
func (s *Store) appendEvents(ctx context.Context, events []feedbackbot.Event, base string, fill bool) (int, bool, error) {
	if len(events) == 0 {
		return 0, false, ctx.Err()
	}
	evs := make([]feedbackbot.Event, len(events))
	enc := make([][]byte, len(events))
	revs := make([]string, len(events)) // worked out before the write transaction
	for i := range events {
		evs[i] = events[i]
		if err := validateEvent(i, &evs[i]); err != nil {
			return 0, false, fmt.Errorf("bolt: append: %w", err)
		}
		if evs[i].Kind == feedbackbot.EventPut {
			revs[i] = evs[i].Message.Revision()
		}
		b, err := store.AppendEvent(nil, &evs[i])
		if err != nil {
			// (what the store cannot write is the event's fault: EINVALID, so a caller
			// writes the others alone rather than retry them all for ever)
			return 0, false, feedbackbot.Errorf(feedbackbot.EINVALID, "bolt: append: encode event %d: %v", i, err)
		}
		enc[i] = b
	}
	var n int
	var moved bool
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		n, moved = 0, false
		for i := range evs {
			m := &evs[i].Message
			b, err := workspace(tx, m.Workspace, true)
			if err != nil {
				return err
			}
			latest := b.Bucket(bLatest)
			key := []byte(m.Key())
			cur := latest.Get(key)
			if base != "" && (len(cur) == 0 || cur[0] != markPut || string(cur[1:]) != base) {
				moved = true // another version came first: the caller reads the newest again
				continue
			}
			if len(cur) > 0 && cur[0] == markForgotten {
				continue // erased by Forget: never stored again
			}
			put := evs[i].Kind == feedbackbot.EventPut
			if put && forgotten(tx, m.Workspace, m.Author) {
				continue
			}
			var mark []byte
			if put && fill && cur != nil {
				continue // AppendNew: the message is held (in some version), deleted or erased
			}
			if put {
				if len(cur) > 0 && cur[0] == markDelete {
					continue // deleted: platforms never bring a message back, so this is a replay
				}
				mark = append([]byte{markPut}, revs[i]...)
				if string(cur) == string(mark) {
					continue // a redelivery of the latest version
				}
			} else {
				if cur == nil {
					// never held: a tombstone alone (no entry), so that its put arriving
					// later (a redelivery of a first delivery that failed) does not bring it back
					if err := latest.Put(key, []byte{markDelete}); err != nil {
						return err
					}
					continue
				}
				if cur[0] == markDelete {
					continue // already deleted
				}
				mark = []byte{markDelete}
			}
			if err := latest.Put(key, mark); err != nil {
				return err
			}
			log := b.Bucket(bLog)
			seq, err := log.NextSequence()
			if err != nil {
				return err
			}
			if err := log.Put(u64(seq), enc[i]); err != nil {
				return err
			}
			if err := indexLogEntry(b, key, m.Author, put, seq, s.authorFold); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("bolt: append: %w", err)
	}
	if n > 0 {
		s.signal()
	}
	return n, moved, nil
}

// pending is the consumer state of one delivered, unacknowledged entry.
type pending struct {
	at       time.Time
	count    int64
	consumer string
}

func (p pending) encode() []byte {
	b := make([]byte, 16, 16+len(p.consumer))
	binary.BigEndian.PutUint64(b, uint64(p.at.UnixNano()))
	binary.BigEndian.PutUint64(b[8:], uint64(p.count))
	return append(b, p.consumer...)
}

func decodePending(v []byte) pending {
	if len(v) < 16 {
		return pending{}
	}
	return pending{
		at:       time.Unix(0, int64(binary.BigEndian.Uint64(v))),
		count:    int64(binary.BigEndian.Uint64(v[8:])),
		consumer: string(v[16:]),
	}
}

// Read implements store.Log. Reclaimable entries (delivered longer than ClaimIdle ago
// and not acknowledged) come first, then new ones; workspaces take turns being first.
func (s *Store) Read(ctx context.Context, consumer string, limit int, wait time.Duration) ([]store.Entry, error) {
	if limit <= 0 {
		limit = store.DefaultReadMax
	}
	limit = min(limit, readBatchMax)
	deadline := time.Now().Add(wait)
	for {
		wake := s.waitChan() // before reading, so an append after the read wakes us
		es, next, err := s.readOnce(ctx, consumer, limit)
		if err != nil || len(es) > 0 {
			return es, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return []store.Entry{}, nil
		}
		if !next.IsZero() {
			// Something pending becomes reclaimable before the wait is over.
			left = min(left, max(next.Sub(s.now()), time.Millisecond))
		}
		t := time.NewTimer(left)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-s.closed:
			t.Stop()
			return nil, errClosed
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// readOnce delivers what is available now. next is when the earliest entry still
// pending with another consumer becomes reclaimable (zero if none).
func (s *Store) readOnce(ctx context.Context, consumer string, limit int) (out []store.Entry, next time.Time, err error) {
	s.rrMu.Lock()
	s.rr++
	rr := s.rr
	s.rrMu.Unlock()
	var raws []rawEntry
	err = s.updateAlone(ctx, func(tx *bbolt.Tx) error {
		raws, next = raws[:0], time.Time{}
		now := s.now()
		var names []string
		root := tx.Bucket(bWS)
		if err := root.ForEachBucket(func(k []byte) error { names = append(names, string(k)); return nil }); err != nil {
			return err
		}
		if len(names) == 0 {
			return errRollback
		}
		order := make([]string, 0, len(names))
		for i := range names {
			order = append(order, names[(i+rr)%len(names)])
		}
		// Reclaim first: a crashed worker's entries are the oldest work.
		for _, ws := range order {
			if len(raws) >= limit {
				break
			}
			b := root.Bucket([]byte(ws))
			pend, log := b.Bucket(bPend), b.Bucket(bLog)
			type claim struct {
				k []byte
				p pending
			}
			var claims []claim
			err := pend.ForEach(func(k, v []byte) error {
				p := decodePending(v)
				due := p.at.Add(s.claimIdle)
				if now.Before(due) {
					if next.IsZero() || due.Before(next) {
						next = due
					}
					return nil
				}
				if len(raws)+len(claims) < limit {
					claims = append(claims, claim{append([]byte(nil), k...), p})
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, c := range claims {
				v := log.Get(c.k)
				if v == nil {
					return fmt.Errorf("log entry %s/%d is pending but missing", ws, binary.BigEndian.Uint64(c.k))
				}
				c.p = pending{at: now, count: c.p.count + 1, consumer: consumer}
				if err := pend.Put(c.k, c.p.encode()); err != nil {
					return err
				}
				raws = append(raws, rawEntry{ws: ws, k: c.k, v: bytes.Clone(v), deliveries: c.p.count})
			}
		}
		// Then entries never delivered, in log order.
		for _, ws := range order {
			if len(raws) >= limit {
				break
			}
			b := root.Bucket([]byte(ws))
			pend, log := b.Bucket(bPend), b.Bucket(bLog)
			var cursor uint64
			if v := b.Get(kCursor); len(v) == 8 {
				cursor = binary.BigEndian.Uint64(v)
			}
			if cursor >= log.Sequence() {
				continue
			}
			var seqs []uint64
			c := log.Cursor()
			for k, v := c.Seek(u64(cursor + 1)); k != nil && len(raws) < limit; k, v = c.Next() {
				raws = append(raws, rawEntry{ws: ws, k: bytes.Clone(k), v: bytes.Clone(v), deliveries: 1})
				seqs = append(seqs, binary.BigEndian.Uint64(k))
			}
			if len(seqs) == 0 {
				continue
			}
			for _, seq := range seqs {
				if err := pend.Put(u64(seq), pending{at: now, count: 1, consumer: consumer}.encode()); err != nil {
					return err
				}
			}
			// Entries Forget removed before delivery leave holes the cursor now passes.
			last := seqs[len(seqs)-1]
			if holes := last - cursor - uint64(len(seqs)); holes > 0 {
				if err := b.Put(kGone, u64(gone(b)-min(holes, gone(b)))); err != nil {
					return err
				}
			}
			if err := b.Put(kCursor, u64(last)); err != nil {
				return err
			}
		}
		if len(raws) == 0 {
			return errRollback
		}
		return nil
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("bolt: read: %w", err)
	}
	// Decoded after the commit: the store has one writer, and decoding a batch's
	// events inside its transaction held every Append, Apply and Ack back (a
	// 200,000-message import spent 0.30 of the writer's 7.4 CPU seconds there). An
	// entry that cannot be decoded (a damaged file) would be redelivered for ever,
	// and each time fail the Read of the good entries taken with it: it is logged,
	// acknowledged and skipped, as the Redis store does.
	out = make([]store.Entry, 0, len(raws))
	var bad []store.Entry
	for _, r := range raws {
		e, err := decodeEntry(r.ws, r.k, r.v)
		if err != nil {
			id := "?"
			if len(r.k) == 8 {
				id = strconv.FormatUint(binary.BigEndian.Uint64(r.k), 10)
			}
			s.log.WarnContext(ctx, "bolt store: skipping unreadable log entry", "workspace", r.ws, "entry", id, "error", err)
			bad = append(bad, store.Entry{ID: id, Workspace: r.ws})
			continue
		}
		e.Deliveries = r.deliveries
		out = append(out, e)
	}
	if len(bad) > 0 {
		if err := s.Ack(ctx, bad...); err != nil {
			s.log.WarnContext(ctx, "bolt store: cannot acknowledge unreadable entries", "entries", len(bad), "error", err)
		}
	}
	return out, next, nil
}

// rawEntry is a log entry as Read's transaction copied it out, to decode after it.
type rawEntry struct {
	ws         string
	k, v       []byte
	deliveries int64
}

func decodeEntry(ws string, k, v []byte) (store.Entry, error) {
	e := store.Entry{ID: strconv.FormatUint(binary.BigEndian.Uint64(k), 10), Workspace: ws}
	if err := store.DecodeEvent(v, &e.Event); err != nil {
		return store.Entry{}, fmt.Errorf("decode log entry %s/%s: %w", ws, e.ID, err)
	}
	return e, nil
}

// Ack implements store.Log.
func (s *Store) Ack(ctx context.Context, entries ...store.Entry) error {
	if len(entries) == 0 {
		return ctx.Err()
	}
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		for _, e := range entries {
			seq, err := strconv.ParseUint(e.ID, 10, 64)
			if err != nil {
				continue // not one of ours: unknown, so a no-op
			}
			b, err := workspace(tx, e.Workspace, false)
			if err != nil || b == nil {
				continue
			}
			if err := b.Bucket(bPend).Delete(u64(seq)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bolt: ack: %w", err)
	}
	return nil
}

// Backlog implements store.Log.
func (s *Store) Backlog(ctx context.Context) (int64, error) {
	var n int64
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		root := tx.Bucket(bWS)
		return root.ForEachBucket(func(k []byte) error {
			b := root.Bucket(k)
			var cursor uint64
			if v := b.Get(kCursor); len(v) == 8 {
				cursor = binary.BigEndian.Uint64(v)
			}
			n += int64(b.Bucket(bLog).Sequence() - cursor - gone(b))
			n += int64(b.Bucket(bPend).Stats().KeyN)
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("bolt: backlog: %w", err)
	}
	return n, nil
}

// replayChunk is how many entries Replay reads per read transaction; fn runs outside
// any transaction, so it may call the store (Apply) without deadlocking bbolt.
const replayChunk = 256

// Replay implements store.Log.
func (s *Store) Replay(ctx context.Context, workspace string, fn func(store.Entry) error) error {
	var after uint64
	for {
		var chunk []store.Entry
		err := s.view(ctx, func(tx *bbolt.Tx) error {
			b := tx.Bucket(bWS).Bucket([]byte(workspace))
			if b == nil {
				return nil
			}
			c := b.Bucket(bLog).Cursor()
			for k, v := c.Seek(u64(after + 1)); k != nil && len(chunk) < replayChunk; k, v = c.Next() {
				e, err := decodeEntry(workspace, k, v)
				if err != nil {
					return err
				}
				chunk = append(chunk, e)
				after = binary.BigEndian.Uint64(k)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("bolt: replay %s: %w", workspace, err)
		}
		for _, e := range chunk {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(chunk) < replayChunk {
			return nil
		}
	}
}

// sanitize replaces invalid UTF-8 in the string fields Normalize leaves alone. Events
// are stored as JSON, which would replace it on the way back anyway; doing it before
// the key and revision are computed keeps the stored event, its dedupe entry and what
// Read hands out identical, so such a message can still be applied and deduplicated.
func sanitize(m *feedbackbot.Message) {
	for _, p := range []*string{&m.ID, &m.Workspace, &m.Channel, &m.ChannelName, &m.Thread,
		&m.ReplyTo, &m.Author, &m.AuthorName, &m.Account, &m.AccountName, &m.Text, &m.Permalink} {
		*p = strings.ToValidUTF8(*p, "\uFFFD")
	}
	m.Platform = feedbackbot.Platform(strings.ToValidUTF8(string(m.Platform), "\uFFFD"))
	for k := range m.Reactions {
		if utf8.ValidString(k) {
			continue
		}
		// A new map: the caller's event shares the old one.
		r := make(map[string]int, len(m.Reactions))
		for k, v := range m.Reactions {
			r[strings.ToValidUTF8(k, "\uFFFD")] += v
		}
		m.Reactions = r
		return
	}
}

// Newest implements store.Log: the message's newest log entry (from the log-entry
// index), or, where the log no longer holds it, the applied record when that is the
// same version.
func (s *Store) Newest(ctx context.Context, key string) (feedbackbot.Message, bool, error) {
	_, ws, _, err := feedbackbot.ParseKey(key)
	if err != nil {
		return feedbackbot.Message{}, false, fmt.Errorf("bolt: newest: %w", err)
	}
	var (
		m     feedbackbot.Message
		found bool
	)
	err = s.view(ctx, func(tx *bbolt.Tx) error {
		b, err := workspace(tx, ws, false)
		if err != nil || b == nil {
			return err
		}
		cur := b.Bucket(bLatest).Get([]byte(key))
		if len(cur) == 0 || cur[0] != markPut {
			return nil // never put, deleted or erased
		}
		rev := string(cur[1:])
		if seqs := b.Bucket(bLogKeys).Get([]byte(key)); len(seqs) >= 8 {
			if raw := b.Bucket(bLog).Get(seqs[len(seqs)-8:]); raw != nil {
				var ev feedbackbot.Event
				if err := store.DecodeEvent(raw, &ev); err != nil {
					return fmt.Errorf("decode its log entry: %w", err)
				}
				if ev.Kind == feedbackbot.EventPut && ev.Message.Revision() == rev {
					m, found = ev.Message, true
					return nil
				}
			}
		}
		if v := b.Bucket(bMsg).Get([]byte(key)); v != nil {
			st, err := decodeStored([]byte(key), v)
			if err != nil {
				return err
			}
			if st.Message.Revision() == rev {
				m, found = st.Message, true
				return nil
			}
		}
		return feedbackbot.Errorf(feedbackbot.ECONFLICT, "its latest version is neither in the log nor applied yet")
	})
	if err != nil {
		return feedbackbot.Message{}, false, fmt.Errorf("bolt: newest %s: %w", key, err)
	}
	return m, found, nil
}
