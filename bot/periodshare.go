package bot

import (
	"context"
	"sync"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// periodShare hands a digest's read of its period's messages what the at-risk pass
// beside it (DigestWithRisk) read already. That pass reads every account's messages
// of the last two weeks or so, which on a workspace whose messages all have an
// account are the digest's period's messages too: read again, a page at a time,
// they were about a fifth of a Redis digest's time and a third of what it
// allocated (go run ./bench digest). The digest then reads only the period's keys
// (store.Derived.PeriodKeys, its index alone) and takes each message from what the
// pass read; where one is missing (a message of no account, one applied
// meanwhile, an account whose read was cut short) it reads the period as before.
type periodShare struct {
	from, to time.Time // the digest's period, [from, to)

	mu sync.Mutex
	// parts are the pass's reads, one an account: messages is what finds the
	// period's among them, once (a map by key built as the accounts came took a
	// digest's at-risk pass 4% of its CPU in growing it and building each key).
	parts [][]store.Stored
	ok    bool          // every account's read covered the period
	done  chan struct{} // closed when the pass has ended
	// usable is false where the pass failed or the period ends after its now:
	// nothing it read is used then.
	usable bool
	// waits are the channels where the customers of an account whose health finds
	// a conversation waiting wrote: where the digest's waits from before its
	// period are looked for.
	waits map[string]bool
	// whole is the latest of the times from which each account's read holds every
	// message of it: a conversation that began before it may miss messages (a
	// busy account's read is its newest 10,000), and is not judged.
	whole time.Time
}

// newPeriodShare is a share for the period [from, to).
func newPeriodShare(from, to time.Time) *periodShare {
	return &periodShare{from: from, to: to, ok: true, usable: true, done: make(chan struct{})}
}

// add takes one account's messages, which hold every message of it from complete
// (zero: cut short) up to now. rows must not change afterwards.
func (s *periodShare) add(rows []store.Stored, complete, now time.Time) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.to.After(now.Add(time.Nanosecond)) {
		s.ok, s.usable = false, false
	}
	if complete.IsZero() || complete.After(s.from) {
		s.ok = false
	}
	whole := complete
	if whole.IsZero() { // cut short: whole after its oldest message read (others of that instant may be left)
		for i := range rows {
			if t := rows[i].Message.Time.Add(time.Nanosecond); whole.IsZero() || t.Before(whole) {
				whole = t
			}
		}
	}
	if whole.After(s.whole) {
		s.whole = whole
	}
	if s.usable && len(rows) > 0 {
		s.parts = append(s.parts, rows)
	}
}

// waiting notes the channels of rows' customer messages: an account's whose
// health finds a conversation waiting for a reply. rows must not change afterwards.
func (s *periodShare) waiting(rows []store.Stored) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.waits == nil {
		s.waits = map[string]bool{}
	}
	for i := range rows {
		if m := &rows[i].Message; m.Role == feedbackbot.RoleCustomer {
			s.waits[m.Channel] = true
		}
	}
}

// finish ends the pass; what it read is usable only if it succeeded.
func (s *periodShare) finish(succeeded bool) {
	s.mu.Lock()
	s.ok = s.ok && succeeded
	s.usable = s.usable && succeeded
	if !s.usable {
		s.parts = nil
	}
	s.mu.Unlock()
	close(s.done)
}

// reads returns what the pass read, once it has ended: every account's messages
// of its last two weeks or so up to now, one slice an account (newest first),
// the channels where an account's health found a conversation waiting, and the
// time after which every account's read is whole (nothing where the pass
// failed).
func (s *periodShare) reads(ctx context.Context) (parts [][]store.Stored, channels map[string]bool, whole time.Time, err error) {
	select {
	case <-s.done:
	case <-ctx.Done():
		return nil, nil, time.Time{}, ctx.Err()
	}
	if !s.usable {
		return nil, nil, time.Time{}, nil
	}
	return s.parts, s.waits, s.whole, nil
}

// periodKeyer lists the keys of a period's messages (store.Derived.PeriodKeys).
type periodKeyer interface {
	PeriodKeys(ctx context.Context, workspace string, from, to time.Time, limit int) ([]string, error)
}

// keySlack is how many keys past max a shared read asks for: a message whose time
// has a finer part than the microsecond, within a bound's microsecond, may be
// listed on the wrong side of it on Redis, and is then left out by its exact time.
const keySlack = 16

// messages returns the period's newest max messages, newest first, and whether
// there are more, as periodMessages reads them, from what the pass read, once it
// has ended; ok is false where the pass did not read them all (the caller reads
// them itself).
func (s *periodShare) messages(ctx context.Context, st periodKeyer, workspace string, max int) (rows []store.Stored, partial, ok bool, err error) {
	select {
	case <-s.done:
	case <-ctx.Done():
		return nil, false, false, ctx.Err()
	}
	if !s.ok || max+1+keySlack > store.MaxPeriodKeys {
		return nil, false, false, nil
	}
	keys, err := st.PeriodKeys(ctx, workspace, s.from, s.to, max+1+keySlack)
	if err != nil {
		return nil, false, false, err
	}
	// Each key's message among the pass's reads: the keys (the store's strings)
	// are indexed, and each message of the period looked up by its key built in
	// one buffer, so no key is built as a string of its own.
	at := make(map[string]int, len(keys))
	for i, k := range keys {
		at[k] = i
	}
	found := make([]*store.Stored, len(keys))
	var buf []byte
	for _, part := range s.parts {
		for i := range part {
			m := &part[i].Message
			if m.Time.Before(s.from) || !m.Time.Before(s.to) {
				continue
			}
			buf = m.AppendKey(buf[:0])
			if j, ok := at[string(buf)]; ok {
				found[j] = &part[i]
			}
		}
	}
	rows = make([]store.Stored, 0, min(len(keys), max))
	n := 0 // messages of the period, up to max+1
	for j := range keys {
		r := found[j]
		if r == nil {
			return nil, false, false, nil // not read by the pass
		}
		if t := r.Message.Time; t.Before(s.from) || !t.Before(s.to) {
			continue
		}
		if n++; n > max {
			return rows, true, true, nil
		}
		rows = append(rows, *r)
	}
	if len(keys) == max+1+keySlack {
		return nil, false, false, nil // (more left out by their exact times than the slack)
	}
	return rows, false, true, nil
}
