package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	"go.etcd.io/bbolt"
)

// record is a message as derived state holds it, with what it added to its rollup so
// exactly that is subtracted when it is replaced or deleted.
type record struct {
	Message feedbackbot.Message `json:"message"`
	Tags    feedbackbot.Tags    `json:"tags"`
	// Stamp is revision@analyzer: applying the same stamp again is a no-op.
	Stamp   string           `json:"stamp"`
	Contrib map[string]int64 `json:"contrib"`
}

const signBit = 1 << 63

// timeKey encodes an instant so that byte order is time order (12 bytes).
func timeKey(t time.Time) []byte {
	b := make([]byte, 12, 12+64)
	binary.BigEndian.PutUint64(b, uint64(t.Unix())^signBit)
	binary.BigEndian.PutUint32(b[8:], uint32(t.Nanosecond()))
	return b
}

func decodeTimeKey(b []byte) time.Time {
	return time.Unix(int64(binary.BigEndian.Uint64(b)^signBit), int64(binary.BigEndian.Uint32(b[8:]))).UTC()
}

// hourKey encodes a bucket start (8 bytes, ordered).
func hourKey(t time.Time) []byte { return u64(uint64(t.Unix()) ^ signBit) }

func decodeHourKey(b []byte) time.Time {
	return time.Unix(int64(binary.BigEndian.Uint64(b)^signBit), 0).UTC()
}

// floatKey encodes x so that byte order is numeric order.
func floatKey(x float64) []byte {
	if x == 0 || math.IsNaN(x) {
		x = 0 // one zero, no NaN
	}
	bits := math.Float64bits(x)
	if bits&signBit == 0 {
		bits |= signBit
	} else {
		bits = ^bits
	}
	return u64(bits)
}

// notableKey places a customer message in the neg or pos index of its hour: most
// extreme first, then newest first, then by key. ok is false when it belongs in neither.
func notableKey(m *feedbackbot.Message, t *feedbackbot.Tags) (bucket, key []byte, ok bool) {
	score := t.Sentiment.Score
	if !m.FromCustomer() || math.IsNaN(score) || score == 0 {
		return nil, nil, false
	}
	bucket, ext := bNeg, score
	if score > 0 {
		bucket, ext = bPos, -score
	}
	k := append(hourKey(feedbackbot.BucketStart(m.Time)), floatKey(ext)...)
	for _, c := range timeKey(m.Time) {
		k = append(k, ^c)
	}
	return bucket, append(k, m.Key()...), true
}

const notablePrefix = 8 + 8 + 12 // hour, extremity, inverted time

// rollups caches the rollup buckets one transaction touches, so a batch of messages
// in the same hour decodes and encodes the bucket once.
type rollups map[string]*rollup

type rollup struct {
	b      *bbolt.Bucket
	k      []byte
	counts map[string]int64
}

// add adds c (the contributions of a message at t) to the hour's rollup, and its
// account counters to the account's day, times sign.
func (r rollups) add(ws string, b *bbolt.Bucket, t time.Time, c map[string]int64, sign int64) error {
	return contribTargets(t, c, func(tag byte, k []byte, counts map[string]int64) error {
		ru, err := r.get(ws, tag, b.Bucket(rollupBucket(tag)), k)
		if err != nil {
			return err
		}
		for name, v := range counts {
			ru.counts[name] += sign * v
		}
		return nil
	})
}

// contribTargets calls fn with each set of counters that c, the contributions of a
// message at t, adds to: all of them to the hour's rollup (tag 'r'), its account
// counters, without their dimension, to the account's day (tag 'a').
func contribTargets(t time.Time, c map[string]int64, fn func(tag byte, k []byte, counts map[string]int64) error) error {
	if err := fn('r', hourKey(feedbackbot.BucketStart(t)), c); err != nil {
		return err
	}
	acct, ac := store.AccountCounters(c)
	if ac == nil {
		return nil
	}
	return fn('a', acctDayKey(acct, store.DayStart(t)), ac)
}

// rollupID keys a rollup of one workspace in rollups and batchTotals.
func rollupID(ws string, tag byte, k []byte) string { return ws + "\x00" + string(tag) + string(k) }

// rollupBucket is the bucket of a rollup tag: hours or account days.
func rollupBucket(tag byte) []byte {
	if tag == 'a' {
		return bAcctDay
	}
	return bRoll
}

// batchTotals are a batch's puts' contributions summed by rollup hour and account
// day before its write transaction, so that the store's one writer adds a few
// hundred totals an hour instead of every message's dozens of counters one by one;
// the puts the transaction skips (redeliveries, stale revisions) are taken out of
// them again there. Keyed as rollups are.
type batchTotals map[string]*batchTotal

type batchTotal struct {
	ws     string
	tag    byte
	k      []byte
	counts map[string]int64
}

// add counts one put's contributions.
func (bt batchTotals) add(rec *record) {
	ws := rec.Message.Workspace
	_ = contribTargets(rec.Message.Time, rec.Contrib, func(tag byte, k []byte, counts map[string]int64) error {
		id := rollupID(ws, tag, k)
		t := bt[id]
		if t == nil {
			t = &batchTotal{ws: ws, tag: tag, k: k, counts: make(map[string]int64, len(counts))}
			bt[id] = t
		}
		for name, v := range counts {
			t.counts[name] += v
		}
		return nil
	})
}

// addTo adds the totals to a transaction's rollups.
func (bt batchTotals) addTo(tx *bbolt.Tx, rs rollups) error {
	for _, t := range bt {
		b, err := workspace(tx, t.ws, true)
		if err != nil {
			return err
		}
		ru, err := rs.get(t.ws, t.tag, b.Bucket(rollupBucket(t.tag)), t.k)
		if err != nil {
			return err
		}
		for name, v := range t.counts {
			ru.counts[name] += v
		}
	}
	return nil
}

// acctDayKey is an account-day's key in bAcctDay: the account as counters spell it,
// a zero byte, the day's start.
func acctDayKey(acct string, day time.Time) []byte {
	return append(append([]byte(acct), 0), hourKey(day)...)
}

// get returns the cached counters of key k in bucket b (tag names the bucket).
func (r rollups) get(ws string, tag byte, b *bbolt.Bucket, k []byte) (*rollup, error) {
	id := rollupID(ws, tag, k)
	ru := r[id]
	if ru == nil {
		ru = &rollup{b: b, k: k, counts: map[string]int64{}}
		if v := b.Get(k); v != nil {
			if err := decodeCounters(v, ru.counts); err != nil {
				return nil, fmt.Errorf("decode counters %s %x: %w", ws, k, err)
			}
		}
		r[id] = ru
	}
	return ru, nil
}

// flush writes the counters back: in binary, or as JSON where jsonForm asks it
// (Options.jsonRecords).
func (r rollups) flush(jsonForm bool) error {
	enc := encodeCounters
	if jsonForm {
		enc = func(c map[string]int64) []byte { return store.AppendCounters(nil, c) }
	}
	for _, ru := range r {
		for name, v := range ru.counts {
			if v == 0 {
				delete(ru.counts, name)
			}
		}
		if len(ru.counts) == 0 {
			if err := ru.b.Delete(ru.k); err != nil {
				return err
			}
			continue
		}
		if err := ru.b.Put(ru.k, enc(ru.counts)); err != nil {
			return err
		}
	}
	return nil
}

// Apply implements store.Derived. A batch is one transaction.
func (s *Store) Apply(ctx context.Context, items ...store.Applied) (int, error) {
	if len(items) == 0 {
		return 0, ctx.Err()
	}
	its := make([]store.Applied, len(items))
	preps := make([]prepared, len(items))
	totals := batchTotals{}
	for i := range items {
		its[i] = items[i]
		if err := validateEvent(i, &its[i].Entry.Event); err != nil {
			return 0, fmt.Errorf("bolt: apply: %w", err)
		}
		if err := preps[i].prepare(&its[i], s.jsonRecords); err != nil {
			return 0, fmt.Errorf("bolt: apply: %w", err)
		}
		if preps[i].rec != nil {
			totals.add(preps[i].rec)
		}
	}
	var n int
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		n = 0
		rs := rollups{}
		for i := range its {
			changed, err := applyOne(tx, rs, &its[i], &preps[i])
			if err != nil {
				return err
			}
			if changed {
				n++
			}
		}
		if err := totals.addTo(tx, rs); err != nil {
			return err
		}
		return rs.flush(s.jsonRecords)
	})
	if err != nil {
		return 0, fmt.Errorf("bolt: apply: %w", err)
	}
	return n, nil
}

// prepared is what applying a put needs that does not depend on the store: worked
// out before the write transaction, so the single writer does only the writing.
type prepared struct {
	rev string
	rec *record
	enc []byte // rec as stored
}

func (p *prepared) prepare(it *store.Applied, jsonForm bool) error {
	if it.Entry.Event.Kind != feedbackbot.EventPut {
		return nil
	}
	m := &it.Entry.Event.Message
	p.rev = m.Revision()
	tags := it.Tags
	tags.Sentiment.Score = store.FiniteScore(tags.Sentiment.Score) // (as the Redis store keeps it)
	p.rec = &record{Message: *m, Tags: tags, Stamp: p.rev + "@" + tags.Analyzer, Contrib: feedbackbot.Contributions(m, &tags)}
	encode := encodeRecord
	if jsonForm {
		encode = encodeRecordJSON
	}
	var err error
	if p.enc, err = encode(p.rec); err != nil {
		return fmt.Errorf("encode message %s: %w", m.Key(), err)
	}
	return nil
}

// encodeRecordJSON writes rec as json.Marshal would, without its reflection: a Stored
// with the stamp and contributions after the tags, as versions before 2026-12-05
// wrote records (Options.jsonRecords).
func encodeRecordJSON(rec *record) ([]byte, error) {
	st := store.Stored{Message: rec.Message, Tags: rec.Tags}
	b, err := store.AppendStored(make([]byte, 0, 512+len(rec.Message.Text)+40*len(rec.Contrib)), &st)
	if err != nil {
		return nil, err
	}
	b = append(b[:len(b)-1], `,"stamp":`...) // reopen the object
	b = store.AppendString(b, rec.Stamp)
	b = append(b, `,"contrib":`...)
	b = store.AppendCounters(b, rec.Contrib)
	return append(b, '}'), nil
}

// decodeRecordJSON reads a record as json.Unmarshal would, without its reflection.
func decodeRecordJSON(v []byte, rec *record) error {
	st := store.Stored{Message: rec.Message, Tags: rec.Tags}
	err := store.DecodeStoredWith(v, &st, func(name, raw []byte) error {
		switch {
		case bytes.EqualFold(name, []byte("stamp")):
			return store.DecodeString(raw, &rec.Stamp)
		case bytes.EqualFold(name, []byte("contrib")):
			if string(raw) == "null" {
				rec.Contrib = nil
				return nil
			}
			if rec.Contrib == nil {
				rec.Contrib = make(map[string]int64, 16)
			}
			return store.DecodeCounters(raw, rec.Contrib)
		}
		return nil
	})
	rec.Message, rec.Tags = st.Message, st.Tags
	return err
}

func applyOne(tx *bbolt.Tx, rs rollups, it *store.Applied, p *prepared) (bool, error) {
	m := &it.Entry.Event.Message
	b, err := workspace(tx, m.Workspace, true)
	if err != nil {
		return false, err
	}
	key := []byte(m.Key())
	latest := b.Bucket(bLatest).Get(key)
	msgs := b.Bucket(bMsg)
	var old *record
	if v := msgs.Get(key); v != nil {
		old = new(record)
		if err := decodeRecord(v, old); err != nil {
			return false, fmt.Errorf("decode message %s: %w", key, err)
		}
	}
	if it.Entry.Event.Kind == feedbackbot.EventDelete {
		if (latest != nil && latest[0] != markDelete) || old == nil {
			return false, nil // put again since, or nothing to remove
		}
		if err := unindex(b, rs, old); err != nil {
			return false, err
		}
		return true, msgs.Delete(key)
	}
	// A put's contributions are in the batch's totals already: one that changes
	// nothing takes them out again.
	skip := func() (bool, error) { return false, rs.add(m.Workspace, b, m.Time, p.rec.Contrib, -1) }
	if latest != nil && (latest[0] != markPut || string(latest[1:]) != p.rev) {
		return skip() // an edit or a delete came after this entry
	}
	if old != nil {
		if old.Stamp == p.rec.Stamp {
			return skip() // a redelivery
		}
		if err := unindex(b, rs, old); err != nil {
			return false, err
		}
	}
	if err := index(b, p.rec, accountCopy(p.enc)); err != nil {
		return false, err
	}
	return true, msgs.Put(key, p.enc)
}

// dims returns the per-dimension index buckets a message belongs to (account and
// channel). There is no author index on apply: export and Forget take an author's
// message keys from the ak bucket Append keeps (see AuthorMessages). Files of versions
// before 2026-12-02 also index applied messages by author (au); unindex still removes
// them from there.
func dims(m *feedbackbot.Message) [][2][]byte {
	var out [][2][]byte
	if m.Account != "" {
		out = append(out, [2][]byte{bAcct, []byte(m.Account)})
	}
	if m.Channel != "" {
		out = append(out, [2][]byte{bChan, []byte(m.Channel)})
	}
	return out
}

// index adds a record to every index; its rollup contributions are counted by the
// batch's totals (see batchTotals). The account index's entry holds acct, the
// record as an account's read decodes it (accountCopy; nil for a JSON record).
func index(b *bbolt.Bucket, rec *record, acct []byte) error {
	m := &rec.Message
	tk := append(timeKey(m.Time), m.Key()...)
	if err := b.Bucket(bTime).Put(tk, nil); err != nil {
		return err
	}
	for _, d := range dims(m) {
		sub, err := b.Bucket(d[0]).CreateBucketIfNotExists(d[1])
		if err != nil {
			return err
		}
		sub.FillPercent = fillAppend
		var v []byte
		if bytes.Equal(d[0], bAcct) {
			v = acct
		}
		if err := sub.Put(tk, v); err != nil {
			return err
		}
	}
	if m.Account != "" {
		if err := b.Bucket(bAccounts).Put([]byte(m.Account), nil); err != nil {
			return err
		}
	}
	if nb, nk, ok := notableKey(m, &rec.Tags); ok {
		return b.Bucket(nb).Put(nk, nil)
	}
	return nil
}

// accountCopy is what the account index keeps of a record encoded as enc: the
// message and its tags (store.StoredBinaryLen), without the stamp and
// contributions, so that an account's messages are read in one walk of its
// index. A digest reads every account's last fifteen days, and looking each
// record up in the msg bucket, where an account's records lie among its
// channel's others and a million messages' records fill over a hundred
// thousand pages, was a page (a cache miss, often a page fault) a record: at a
// million messages the at-risk pass took twice its time at ten thousand for a
// half more records. nil for a record in JSON (Options.jsonRecords): the read
// looks that one up.
func accountCopy(enc []byte) []byte {
	if !store.IsBinaryStored(unsafeString(enc)) {
		return nil
	}
	n, err := store.StoredBinaryLen(unsafeString(enc))
	if err != nil {
		return nil
	}
	return enc[:n:n]
}

// unindex removes a record from every index; with rs nil (retention) its rollup
// contributions stay where they are.
func unindex(b *bbolt.Bucket, rs rollups, rec *record) error {
	m := &rec.Message
	if rs != nil {
		if err := rs.add(m.Workspace, b, m.Time, rec.Contrib, -1); err != nil {
			return err
		}
	}
	tk := append(timeKey(m.Time), m.Key()...)
	if err := b.Bucket(bTime).Delete(tk); err != nil {
		return err
	}
	legacy := [2][]byte{bAuthor, []byte(m.Author)} // an author index of an older version
	for _, d := range append(dims(m), legacy) {
		if sub := b.Bucket(d[0]).Bucket(d[1]); sub != nil {
			if err := sub.Delete(tk); err != nil {
				return err
			}
		}
	}
	if err := dropIfEmpty(b.Bucket(bAuthor), legacy[1]); err != nil { // (a person's id kept as a name)
		return err
	}
	if nb, nk, ok := notableKey(m, &rec.Tags); ok {
		return b.Bucket(nb).Delete(nk)
	}
	return nil
}

// Message implements store.Derived.
func (s *Store) Message(ctx context.Context, key string) (store.Stored, error) {
	_, ws, _, err := feedbackbot.ParseKey(key)
	if err != nil {
		return store.Stored{}, fmt.Errorf("bolt: message: %w", err)
	}
	var out store.Stored
	found := false
	err = s.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bWS).Bucket([]byte(ws))
		if b == nil {
			return nil
		}
		v := b.Bucket(bMsg).Get([]byte(key))
		if v == nil {
			return nil
		}
		found = true
		out, err = decodeStored([]byte(key), v)
		return err
	})
	if err != nil {
		return store.Stored{}, fmt.Errorf("bolt: message: %w", err)
	}
	if !found {
		return store.Stored{}, feedbackbot.Errorf(feedbackbot.ENOTFOUND, "message %s not found", key)
	}
	return out, nil
}

// newestFirst walks a time index's entries of [from, to) (either bound open when
// zero), newest first, handing fn each message key until it returns false.
func newestFirst(idx *bbolt.Bucket, from, to time.Time, fn func(key, v []byte) bool) {
	c := idx.Cursor()
	var k, v []byte
	if to.IsZero() {
		k, v = c.Last()
	} else if k, _ = c.Seek(timeKey(to)); k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	var fromKey []byte
	if !from.IsZero() {
		fromKey = timeKey(from)
	}
	for ; k != nil; k, v = c.Prev() {
		if fromKey != nil && bytes.Compare(k[:12], fromKey) < 0 || !fn(k[12:], v) {
			return
		}
	}
}

// backwardReader looks records up by key through one cursor, for keys that come
// mostly in descending order of neighbouring keys: a channel's messages read
// newest first are its ids (Slack's channel:ts, Discord's snowflakes) in
// descending order, so the key read next is usually just before the last found,
// a step or a few back (an account's messages in a channel it shares with
// others: every fifth record of the channel, where five accounts write in it),
// on the same page or the one before, rather than a search from the root
// (Bucket.Get), which at a million messages costs a cache miss a level. A key
// that is not within backwardSteps before the last found is searched for as Get
// does.
type backwardReader struct {
	c    *bbolt.Cursor
	last []byte // the key the cursor is at, when it is at the last key found
}

// backwardSteps is how many records back from the last key found backwardReader
// looks for the next before it searches from the root: a step is a comparison on
// a page already in the cache, a search a binary search a level (three or four at
// a million records, each page a likely cache miss).
const backwardSteps = 16

// get returns key's value, nil when it has none.
func (r *backwardReader) get(key []byte) []byte {
	if r.last != nil && bytes.Compare(key, r.last) < 0 {
		for range backwardSteps {
			k, v := r.c.Prev()
			if k == nil {
				break
			}
			switch c := bytes.Compare(k, key); {
			case c == 0:
				r.last = k
				return v
			case c < 0: // stepped past where key would be: there is none
				r.last = k
				return nil
			}
		}
	}
	k, v := r.c.Seek(key)
	r.last = nil
	if k == nil || !bytes.Equal(k, key) {
		return nil
	}
	r.last = k
	return v
}

// PeriodKeys implements store.Derived: the workspace's time index walked newest
// first, exact to the nanosecond.
func (s *Store) PeriodKeys(ctx context.Context, workspace string, from, to time.Time, limit int) ([]string, error) {
	if workspace == "" {
		return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "period keys: a workspace is required")
	}
	if limit < 1 || limit > store.MaxPeriodKeys {
		return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "period keys: limit %d is not in 1..%d", limit, store.MaxPeriodKeys)
	}
	out := []string{}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return out, nil
	}
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bWS).Bucket([]byte(workspace))
		if b == nil {
			return nil
		}
		newestFirst(b.Bucket(bTime), from, to, func(key, _ []byte) bool {
			out = append(out, string(key))
			return len(out) < limit
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: period keys: %w", err)
	}
	return out, nil
}

// Messages implements store.Derived: a walk backwards over one time index.
func (s *Store) Messages(ctx context.Context, q store.Query) ([]store.Stored, error) {
	if q.Workspace == "" {
		return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "a message query needs a workspace")
	}
	if q.Account != "" && q.Channel != "" {
		return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "a message query takes an account or a channel, not both")
	}
	limit := store.ClampLimit(q.Limit)
	out := []store.Stored{}
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bWS).Bucket([]byte(q.Workspace))
		if b == nil {
			return nil
		}
		idx := b.Bucket(bTime)
		switch {
		case q.Account != "":
			idx = b.Bucket(bAcct).Bucket([]byte(q.Account))
		case q.Channel != "":
			idx = b.Bucket(bChan).Bucket([]byte(q.Channel))
		}
		if idx == nil {
			return nil
		}
		// The records are found first and decoded after into a slice of their
		// number: appending each decoded record regrew the slice, copying the
		// records already there (a sixth of an account read's time).
		type found struct{ key, v []byte }
		var recs []found
		msgs := backwardReader{c: b.Bucket(bMsg).Cursor()}
		var err error
		newestFirst(idx, q.From, q.To, func(key, v []byte) bool {
			if len(v) == 0 { // (an index without the records: channel, time, an older file's)
				v = msgs.get(key)
			}
			if v == nil {
				err = fmt.Errorf("index entry without a message: %s", key)
				return false
			}
			recs = append(recs, found{key, v})
			return len(recs) < limit
		})
		if err != nil {
			return err
		}
		out = make([]store.Stored, len(recs))
		for i, r := range recs {
			if err := decodeStoredInto(r.key, r.v, &out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: messages: %w", err)
	}
	return out, nil
}

// Rollups implements store.Derived: a cursor over the workspace's hours from the
// first of the period (the first there is, from a zero from) to its end (the last
// there is, to a zero to).
func (s *Store) Rollups(ctx context.Context, workspace string, from, to time.Time, counters ...string) ([]feedbackbot.Rollup, error) {
	start := feedbackbot.BucketStart(from)
	if start.Before(from) {
		start = start.Add(feedbackbot.RollupBucket)
	}
	out := []feedbackbot.Rollup{}
	pick := newPicker(counters)
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bWS).Bucket([]byte(workspace))
		if b == nil {
			return nil
		}
		c := b.Bucket(bRoll).Cursor()
		for k, v := c.Seek(hourKey(start)); k != nil; k, v = c.Next() {
			at := decodeHourKey(k)
			if !to.IsZero() && !at.Before(to) {
				break
			}
			counts, err := pick.decode(v, len(v)/24)
			if err != nil {
				return fmt.Errorf("decode rollup %s %s: %w", workspace, at.Format(time.RFC3339), err)
			}
			if counts != nil {
				out = append(out, feedbackbot.Rollup{Workspace: workspace, Start: at, Counts: counts})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: rollups: %w", err)
	}
	return out, nil
}

// Notable implements store.Derived. Each hour's index is ordered most extreme first,
// so it reads at most limit entries per non-empty hour of the period (from the
// first hour there is, for a zero from, to the last, for a zero to).
func (s *Store) Notable(ctx context.Context, workspace, kind string, from, to time.Time, limit int) ([]store.Stored, error) {
	var bucket []byte
	switch kind {
	case store.NotableNegative:
		bucket = bNeg
	case store.NotablePositive:
		bucket = bPos
	default:
		return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "unknown notable kind %q", kind)
	}
	limit = store.ClampLimit(limit)
	out := []store.Stored{}
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bWS).Bucket([]byte(workspace))
		if b == nil {
			return nil
		}
		var cands [][]byte
		c := b.Bucket(bucket).Cursor()
		k, _ := c.Seek(hourKey(feedbackbot.BucketStart(from)))
		for k != nil {
			hour := decodeHourKey(k)
			if !to.IsZero() && !hour.Before(to) {
				break
			}
			taken := 0
			for ; k != nil && bytes.Equal(k[:8], hourKey(hour)) && taken < limit; k, _ = c.Next() {
				var tk [12]byte
				for i, x := range k[16:notablePrefix] {
					tk[i] = ^x
				}
				if at := decodeTimeKey(tk[:]); at.Before(from) || !to.IsZero() && !at.Before(to) {
					continue
				}
				cands = append(cands, k)
				taken++
			}
			k, _ = c.Seek(hourKey(hour.Add(feedbackbot.RollupBucket)))
		}
		slices.SortFunc(cands, func(x, y []byte) int { return bytes.Compare(x[8:], y[8:]) })
		msgs := b.Bucket(bMsg)
		for _, k := range cands[:min(limit, len(cands))] {
			key := k[notablePrefix:]
			v := msgs.Get(key)
			if v == nil {
				return fmt.Errorf("notable entry without a message: %s", key)
			}
			st, err := decodeStored(key, v)
			if err != nil {
				return err
			}
			out = append(out, st)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: notable: %w", err)
	}
	return out, nil
}

// Workspaces implements store.Derived.
func (s *Store) Workspaces(ctx context.Context) ([]string, error) {
	out := []string{}
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		ws := tx.Bucket(bWS)
		return ws.ForEachBucket(func(k []byte) error {
			// Only a workspace an event was ever appended to (the log's sequence
			// survives Expire, Forget and Compact): a skipped delete of a message
			// never stored, or a document alone, makes none (as in Redis).
			if lg := ws.Bucket(k).Bucket(bLog); lg != nil && lg.Sequence() > 0 {
				out = append(out, string(k))
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: workspaces: %w", err)
	}
	return out, nil
}

// Accounts implements store.Derived.
func (s *Store) Accounts(ctx context.Context, workspace string) ([]string, error) {
	out := []string{}
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bWS).Bucket([]byte(workspace))
		if b == nil {
			return nil
		}
		return b.Bucket(bAccounts).ForEach(func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: accounts: %w", err)
	}
	return out, nil
}

// AccountDays implements store.Derived: a cursor over the account's days, each
// decoded whole or, when counters are named, for those alone.
func (s *Store) AccountDays(ctx context.Context, workspace, account string, from, to time.Time, counters ...string) ([]feedbackbot.Rollup, error) {
	out := []feedbackbot.Rollup{}
	pick := newPicker(counters)
	err := s.accountDays(ctx, workspace, account, from, to, func(at time.Time, v []byte) error {
		counts, err := pick.decode(v, 8)
		if err != nil {
			return err
		}
		if counts != nil {
			out = append(out, feedbackbot.Rollup{Workspace: workspace, Start: at, Counts: counts})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: account days: %w", err)
	}
	return out, nil
}

// AccountDayCounts is AccountDays of the named counters (one at least), each
// day's values in their order rather than in a map of its own: account health
// reads two counters of each of an account's 41 baseline days, every account
// a digest, and a map a day was two thirds of that read's time.
func (s *Store) AccountDayCounts(ctx context.Context, workspace, account string, from, to time.Time, counters ...string) ([]store.DayCounts, error) {
	if len(counters) == 0 {
		return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "account day counts: name the counters")
	}
	var out []store.DayCounts
	var vals []int64 // every day's values, a day's taken from it
	err := s.accountDays(ctx, workspace, account, from, to, func(at time.Time, v []byte) error {
		if len(vals) < len(counters) {
			vals = make([]int64, 64*len(counters))
		}
		day := vals[:len(counters):len(counters)]
		if err := decodeCountersTo(v, counters, day); err != nil {
			return err
		}
		for _, n := range day {
			if n != 0 { // (a day without any of them is left out, as AccountDays does)
				out = append(out, store.DayCounts{Start: at, Counts: day})
				vals = vals[len(counters):]
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: account days: %w", err)
	}
	return out, nil
}

// accountDays calls fn with each of an account's days whose start is in [from,
// to) (either bound open when zero) that has counters, in time order, and their
// encoded counters.
func (s *Store) accountDays(ctx context.Context, workspace, account string, from, to time.Time, fn func(at time.Time, v []byte) error) error {
	start := store.DayStart(from)
	if start.Before(from) {
		start = start.Add(24 * time.Hour)
	}
	acct := store.AccountKey(account)
	prefix := append([]byte(acct), 0)
	return s.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bWS).Bucket([]byte(workspace))
		if b == nil {
			return nil
		}
		c := b.Bucket(bAcctDay).Cursor()
		for k, v := c.Seek(acctDayKey(acct, start)); k != nil && len(k) == len(prefix)+8 && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			at := decodeHourKey(k[len(prefix):])
			if !to.IsZero() && !at.Before(to) {
				break
			}
			if err := fn(at, v); err != nil {
				return fmt.Errorf("decode account day %s %s %s: %w", workspace, account, at.Format(time.DateOnly), err)
			}
		}
		return nil
	})
}

// acctDaysBuilt counts what buildAccountDays did: workspaces, hourly rollups read
// and account days written.
type acctDaysBuilt struct{ workspaces, hours, days int }

// buildAccountDays fills every workspace's account-day counters from its hourly
// rollups (their account counters summed by day): the one-off migration of a file
// written before they existed, run by Open in the transaction that marks it done.
func buildAccountDays(tx *bbolt.Tx) (acctDaysBuilt, error) {
	var res acctDaysBuilt
	err := tx.Bucket(bWS).ForEachBucket(func(name []byte) error {
		res.workspaces++
		b := tx.Bucket(bWS).Bucket(name)
		if b.Bucket(bAcctDay) != nil {
			if err := b.DeleteBucket(bAcctDay); err != nil {
				return err
			}
		}
		days, err := b.CreateBucket(bAcctDay)
		if err != nil {
			return err
		}
		// The days are summed in time order but kept by account then day, so they
		// are put in key order at the end: bbolt splits a transaction's new nodes
		// only when it commits, so 200,000 puts in random order into a new bucket
		// cost two minutes of memory moves (a million messages, 200 accounts, 1,000
		// days), and in key order a fraction of a second. Memory: the encoded days
		// with their keys, under 200 bytes each.
		type dayCounters struct{ k, v []byte }
		var out []dayCounters
		sums := map[string]map[string]int64{}
		flush := func() {
			for k, counts := range sums {
				for n, v := range counts {
					if v == 0 {
						delete(counts, n)
					}
				}
				if len(counts) > 0 {
					out = append(out, dayCounters{[]byte(k), encodeCounters(counts)})
				}
			}
			clear(sums)
		}
		c := b.Bucket(bRoll).Cursor()
		var day time.Time
		for k, v := c.First(); k != nil; k, v = c.Next() {
			res.hours++
			at := store.DayStart(decodeHourKey(k))
			if !at.Equal(day) {
				flush()
				day = at
			}
			counts := map[string]int64{}
			if err := decodeCounters(v, counts); err != nil {
				return fmt.Errorf("decode rollup %s %s: %w", name, at.Format(time.RFC3339), err)
			}
			for n, v := range counts {
				dim, key, cnt, ok := feedbackbot.SplitCounter(n)
				if !ok || dim != feedbackbot.DimAccount {
					continue
				}
				dk := string(acctDayKey(key, day))
				if sums[dk] == nil {
					sums[dk] = map[string]int64{}
				}
				sums[dk][cnt] += v
			}
		}
		flush()
		slices.SortFunc(out, func(a, b dayCounters) int { return bytes.Compare(a.k, b.k) })
		for _, d := range out {
			if err := days.Put(d.k, d.v); err != nil {
				return err
			}
		}
		res.days += len(out)
		return nil
	})
	return res, err
}

// picker decodes records of counters: all of them when none is named; otherwise
// the named ones that are not zero, nil when none is (the others are skipped, not
// decoded into a map). A record without any of them costs no allocation.
type picker struct {
	counters []string
	scratch  map[string]int64
}

func newPicker(counters []string) *picker {
	return &picker{counters: counters, scratch: make(map[string]int64, len(counters))}
}

// decode decodes v; size is the map's expected size when all are kept.
func (p *picker) decode(v []byte, size int) (map[string]int64, error) {
	if len(p.counters) == 0 {
		all := make(map[string]int64, size)
		return all, decodeCounters(v, all)
	}
	clear(p.scratch)
	if err := decodeCountersOf(v, p.counters, p.scratch); err != nil {
		return nil, err
	}
	var picked map[string]int64
	for name, n := range p.scratch {
		if n != 0 {
			if picked == nil {
				picked = make(map[string]int64, len(p.counters))
			}
			picked[name] = n
		}
	}
	return picked, nil
}

// dropIfEmpty deletes parent's sub-bucket name once it holds nothing: an index
// named by a person's id must not outlive their messages.
func dropIfEmpty(parent *bbolt.Bucket, name []byte) error {
	if parent == nil {
		return nil
	}
	if sub := parent.Bucket(name); sub != nil {
		if k, _ := sub.Cursor().First(); k == nil {
			return parent.DeleteBucket(name)
		}
	}
	return nil
}
