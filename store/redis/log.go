package redisstore

import (
	"context"
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

// maxBlock bounds one blocking XREADGROUP so a long wait still notices new workspaces
// and entries to reclaim.
const maxBlock = time.Second

// appendChunk bounds how many events one append script carries, so a large batch
// does not hold Redis for long (the scripts go in one pipeline, not a transaction,
// so other clients' commands run between them): the workers' default batch.
const appendChunk = 500

// Append adds events to their workspaces' logs; see store.Log. Every event is checked
// before anything is written, so an invalid one (EINVALID) appends nothing. Each
// workspace's events are one atomic script per chunk (dedupe checks + XADD), and all
// the scripts go in one pipeline.
func (s *Store) Append(ctx context.Context, events ...feedbackbot.Event) (int, error) {
	return s.appendCount(ctx, events, false)
}

// AppendNew implements store.Filler: Append, but a put of a message the store holds
// in any version (or deleted, or erased) is skipped.
func (s *Store) AppendNew(ctx context.Context, events ...feedbackbot.Event) (int, error) {
	return s.appendCount(ctx, events, true)
}

func (s *Store) appendCount(ctx context.Context, events []feedbackbot.Event, fill bool) (int, error) {
	outs, err := s.appendEvents(ctx, events, "", "", fill)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, v := range outs {
		if _, ok := v.(string); ok {
			n++
		}
	}
	return n, nil
}

// AppendOver implements store.Log: one event, appended by the same script as Append
// with base as its condition.
func (s *Store) AppendOver(ctx context.Context, base, op string, ev feedbackbot.Event) (bool, error) {
	if base == "" || op == "" || len(op) > 128 {
		return false, invalid("append over: the base revision and an op (at most 128 bytes) are required")
	}
	outs, err := s.appendEvents(ctx, []feedbackbot.Event{ev}, base, op, false)
	if err != nil {
		return false, err
	}
	if len(outs) != 1 {
		return false, fmt.Errorf("redis: append over: %d results for one event", len(outs))
	}
	moved, _ := outs[0].(int64)
	return moved != -1, nil
}

// appendEvents appends events, each on condition base ("" for none) as the write
// op (puts only of messages never held when fill), and returns the script's value for each event (in the order of its
// workspace's scripts; those of scripts refused for a stale data key and run again
// come last, and a refused put a later event wrote over has none): its entry id, 0
// (skipped, or its op landed already) or -1 (its base moved on). Every event is checked, normalised and encoded first, so
// that an invalid one (EINVALID) writes nothing at all: no entry, and no data key
// of any author of the batch (see sealed.go).
func (s *Store) appendEvents(ctx context.Context, events []feedbackbot.Event, base, op string, fill bool) ([]any, error) {
	outs, stale, err := s.appendOnce(ctx, events, base, op, fill)
	if err != nil || len(stale) == 0 {
		return outs, err
	}
	// Some puts were sealed under data keys Redis no longer holds as their authors'
	// (see appendScript), and their scripts wrote nothing: appendOnce dropped those
	// keys from the keyring, so the events go again under the keys Redis holds now,
	// or new ones.
	again := make([]feedbackbot.Event, len(stale))
	for i, j := range stale {
		again[i] = events[j]
	}
	more, stale, err := s.appendOnce(ctx, again, base, op, fill)
	if err == nil && len(stale) > 0 {
		// (another process changed those keys meanwhile: the caller tries again)
		err = fmt.Errorf("redis append: %w", withCode(feedbackbot.EUNAVAILABLE, unavailableMsg,
			errors.New("the data keys of authors changed while their events were appended")))
	}
	if err != nil {
		return nil, err
	}
	return append(outs, more...), nil
}

// appendOnce is appendEvents without its second try: it also returns the indexes in
// events of those it did not append because they were sealed under a stale data key
// (their scripts refused them, wrote nothing, and those keys are dropped from the
// keyring), but for puts a later event of the batch wrote over; outs leaves every
// refused event out.
func (s *Store) appendOnce(ctx context.Context, events []feedbackbot.Event, base, op string, fill bool) ([]any, []int, error) {
	if len(events) == 0 {
		return nil, nil, nil
	}
	type checked struct {
		kind    feedbackbot.EventKind
		m       feedbackbot.Message // as Read will return it
		payload []byte              // its event's encoding, not sealed yet
	}
	evs := make([]checked, len(events))
	// The authors of the puts, by workspace: their data keys are read (or made)
	// below, once the whole batch is known to be valid.
	need := map[string][]string{}
	for i, ev := range events {
		m := ev.Message
		switch ev.Kind {
		case feedbackbot.EventPut:
			if err := m.Normalize(); err != nil {
				return nil, nil, fmt.Errorf("append event %d: %w", i, err)
			}
		case feedbackbot.EventDelete:
			if m.Platform == "" || m.Workspace == "" || m.ID == "" {
				return nil, nil, invalid("append event %d: a delete needs the message's platform, workspace and id", i)
			}
			m = feedbackbot.Message{ID: m.ID, Platform: m.Platform, Workspace: m.Workspace}
		default:
			return nil, nil, invalid("append event %d: unknown event kind %q", i, ev.Kind)
		}
		// (Normalize bounds a put's id and workspace; a delete's are bounded alike,
		// as the embedded store bounds both, which keys by them.)
		for _, f := range [...]struct{ what, v string }{{"id", m.ID}, {"workspace", m.Workspace}, {"platform", string(m.Platform)}} {
			if len(f.v) > feedbackbot.MaxIDBytes {
				return nil, nil, invalid("append event %d: its message's %s is longer than %d bytes", i, f.what, feedbackbot.MaxIDBytes)
			}
		}
		payload, err := store.AppendEvent(nil, &feedbackbot.Event{Kind: ev.Kind, Message: m})
		if err != nil {
			return nil, nil, feedbackbot.Errorf(feedbackbot.EINVALID, "append event %d: encode: %v", i, err) // (the event's fault: see bolt's)
		}
		// Key and revision come from the message as Read will return it: JSON
		// replaces invalid UTF-8 in fields Normalize leaves alone, and the entry read
		// back must still match its revision (for Apply) and its redeliveries.
		if !m.ValidUTF8() {
			var canon feedbackbot.Event
			if err := store.DecodeEvent(payload, &canon); err != nil {
				return nil, nil, fmt.Errorf("append event %d: decode: %w", i, err)
			}
			m = canon.Message
		}
		evs[i] = checked{kind: ev.Kind, m: m, payload: payload}
		if a, w := m.Author, m.Workspace; ev.Kind == feedbackbot.EventPut && a != "" && !slices.Contains(need[w], a) {
			need[w] = append(need[w], a)
		}
	}
	// The data keys of the puts' authors, one round trip a workspace for those this
	// process has none of (see sealed.go).
	keys := map[[2]string]sealKey{}
	for w, authors := range need {
		ks, err := s.sealKeys(ctx, w, authors)
		if err != nil {
			return nil, nil, fmt.Errorf("append: %w", err)
		}
		for a, k := range ks {
			keys[[2]string{w, a}] = k
		}
	}
	type wsBatch struct {
		keys    []string
		authors map[string]bool
		args    []any
		count   int
		events  []int // indexes in events
	}
	var calls []evalCall
	var callEvents [][]int // each call's events, indexes in events
	open := map[string]*wsBatch{}
	var order []string // workspaces in first-seen order
	flush := func(w string) {
		b := open[w]
		if b == nil {
			return // flushed when it filled up, nothing since
		}
		calls = append(calls, evalCall{keys: b.keys, args: b.args})
		callEvents = append(callEvents, b.events)
		delete(open, w)
	}
	for i := range evs {
		m, payload := &evs[i].m, evs[i].payload
		kind, rev, author := "del", "", ""
		if evs[i].kind == feedbackbot.EventPut {
			kind, rev, author = "put", m.Revision(), m.Author
			if fill {
				kind = "new"
			}
			if author != "" {
				sk, ok := keys[[2]string{m.Workspace, author}]
				if !ok {
					return nil, nil, fmt.Errorf("redis append event %d: no data key for its author", i)
				}
				payload = seal(sk, m.Workspace, payload)
			}
		}
		k := s.ws(m.Workspace)
		b := open[m.Workspace]
		if b == nil {
			b = &wsBatch{
				keys:    []string{k.latest(), k.log(), k.logEntries(), k.forgotten(), k.peopleIndexed(), k.dataKeyOf()},
				authors: map[string]bool{},
				args:    []any{strconv.FormatInt(s.maxLen, 10)},
			}
			open[m.Workspace] = b
			if !slices.Contains(order, m.Workspace) {
				order = append(order, m.Workspace)
			}
		}
		akey := ""
		if author != "" {
			akey = k.authorKeys(author)
			if !b.authors[akey] {
				b.authors[akey] = true
				b.keys = append(b.keys, akey)
			}
		}
		if base != "" {
			opKey := k.op(op)
			kind += ":" + base + ":" + opKey
			b.keys = append(b.keys, opKey)
		}
		b.args = append(b.args, m.Key(), kind, rev, payload, author, akey)
		b.events = append(b.events, i)
		b.count++
		if b.count == appendChunk {
			flush(m.Workspace)
		}
	}
	for _, w := range order {
		flush(w)
	}
	// A workspace joins the workspace set (Workspaces, and the logs Read reads)
	// before anything is appended to it: one this process has not listed yet is
	// listed in a round trip of its own before the scripts (once a process), the
	// others again in the scripts' pipeline. Listing it after the scripts left a
	// window (a process that died between the two left its entries unread until
	// the next append to that workspace); a cluster serves the set and the log on
	// different nodes, so the same pipeline would not order them. The price: a
	// workspace whose events were all skipped (a delete of a message never held, its
	// put arriving after it) is listed too, and Read makes it an empty log; its
	// first real append still marks its people indexes complete (appendScript
	// knows a log nothing was ever added to).
	var first, again []any
	for _, w := range order {
		if _, ok := s.listed.Load(w); ok {
			again = append(again, w)
		} else {
			first = append(first, w)
		}
	}
	if len(first) > 0 {
		if err := s.rdb.SAdd(ctx, s.workspacesKey(), first...).Err(); err != nil {
			return nil, nil, wrapErr("append", err)
		}
		for _, w := range first {
			s.listed.Store(w, struct{}{})
		}
	}
	var listing redis.Cmder
	cmds, err := s.evalAll(ctx, appendScript, calls, func(p redis.Pipeliner) []redis.Cmder {
		if len(again) == 0 {
			return nil
		}
		// (listed already: again, should the set have been deleted behind our back)
		listing = p.SAdd(ctx, s.workspacesKey(), again...)
		return []redis.Cmder{listing}
	})
	var stale []int
	staleCall := make([]bool, len(cmds))
	if err != nil {
		// A script that refused its events for a stale data key wrote nothing: they
		// go again (appendEvents). Any other error fails the append, which the
		// caller retries whole (appending is idempotent).
		err = nil
		for i, c := range cmds {
			switch cerr := c.Err(); {
			case redis.HasErrorPrefix(cerr, staleKeyError):
				staleCall[i] = true
				stale = append(stale, callEvents[i]...)
				for _, j := range callEvents[i] {
					if a := evs[j].m.Author; evs[j].kind == feedbackbot.EventPut && a != "" {
						s.keys.drop(evs[j].m.Workspace, a)
					}
				}
			case cerr != nil && !errors.Is(cerr, redis.Nil) && err == nil:
				err = cerr
			}
		}
		if err == nil && listing != nil {
			err = listing.Err()
		}
		if err != nil {
			return nil, nil, wrapErr("append", err)
		}
	}
	var outs []any
	for i, c := range cmds {
		if staleCall[i] {
			continue
		}
		vals, _ := c.Val().([]any)
		outs = append(outs, vals...)
	}
	if len(stale) == 0 {
		return outs, nil, nil
	}
	wrote := make([]bool, len(evs)) // events a script took and appended, and deletes
	for i, c := range cmds {
		if staleCall[i] {
			continue
		}
		vals, _ := c.Val().([]any)
		for k, j := range callEvents[i] {
			if k < len(vals) {
				_, appended := vals[k].(string)
				wrote[j] = appended || evs[j].kind == feedbackbot.EventDelete
			}
		}
	}
	// A workspace's events go in chunks of appendChunk, each its own script, and an
	// edit can change a message's author: a later chunk's edit can be appended while
	// the put before it, in a refused chunk, is not. Appended after the edit, the put
	// made the older version the message's newest (a review's find:
	// TestStaleDataKeyKeepsAWorkspacesOrder); left out, the message ends as the batch
	// in order leaves it. A refused delete goes again: its message ends deleted, as
	// in order (a put after a delete is skipped).
	slices.Sort(stale)
	over := map[string]bool{} // messages a later event of the batch wrote
	keep := make([]int, 0, len(stale))
	for i, at := len(evs)-1, len(stale)-1; i >= 0; i-- {
		key := evs[i].m.Key()
		switch {
		case at < 0 || stale[at] != i:
			if wrote[i] {
				over[key] = true
			}
		default:
			at--
			if evs[i].kind != feedbackbot.EventPut || !over[key] {
				keep = append(keep, i)
			}
		}
	}
	slices.Reverse(keep)
	return outs, keep, nil
}

// stream is one workspace log as Read sees it.
type stream struct {
	ws, key string
}

// Read hands out new entries and reclaims entries idle for longer than ClaimIdle; see
// store.Log. With one workspace it blocks in XREADGROUP; with several it polls every
// PollInterval, since a blocking read of several streams is a multi-key command that
// a cluster cannot serve.
func (s *Store) Read(ctx context.Context, consumer string, limit int, wait time.Duration) ([]store.Entry, error) {
	if consumer == "" {
		return nil, invalid("read: consumer name is empty")
	}
	if limit <= 0 {
		limit = store.DefaultReadMax
	}
	deadline := time.Now().Add(wait)
	claimEvery := min(max(s.claimIdle/2, s.poll), 5*time.Second)
	var lastClaim time.Time
	for {
		streams, err := s.streams(ctx)
		if err != nil {
			return nil, err
		}
		var out []store.Entry
		if time.Since(lastClaim) >= claimEvery {
			lastClaim = time.Now()
			if out, err = s.claim(ctx, streams, consumer, limit); err != nil {
				return nil, err
			}
			s.pruneConsumers(ctx, streams)
		}
		if len(out) < limit && len(streams) > 0 {
			var block time.Duration
			if len(out) == 0 && len(streams) == 1 {
				block = min(time.Until(deadline), maxBlock)
			}
			more, err := s.readNew(ctx, streams, consumer, limit-len(out), block)
			out = append(out, more...)
			if err != nil {
				if len(out) == 0 {
					return nil, err
				}
				// The entries claimed (or read) before the failure are this consumer's
				// now: dropping them would leave them pending until the next claim.
				s.log.WarnContext(ctx, "redis store: reading new entries failed; handing out those already taken", "entries", len(out), "error", err)
				return out, nil
			}
		}
		if len(out) > 0 {
			return out, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return []store.Entry{}, nil
		}
		if len(streams) != 1 {
			t := time.NewTimer(min(left, s.poll))
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-t.C:
			}
		} else if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

// streams lists the workspace logs, in a rotating order, and makes sure each has the
// consumer group (created lazily at the start of the log, so nothing appended before
// the first Read is missed).
func (s *Store) streams(ctx context.Context) ([]stream, error) {
	wss, err := s.rdb.SMembers(ctx, s.workspacesKey()).Result()
	if err != nil {
		return nil, wrapErr("read: list workspaces", err)
	}
	slices.Sort(wss)
	out := make([]stream, len(wss))
	var create []stream
	for i, w := range wss {
		out[i] = stream{ws: w, key: s.ws(w).log()}
		if _, ok := s.groups.Load(out[i].key); !ok {
			create = append(create, out[i])
		}
	}
	if len(create) > 0 {
		cmds := make([]*redis.StatusCmd, len(create))
		_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, st := range create {
				cmds[i] = p.XGroupCreateMkStream(ctx, st.key, s.group, "0")
			}
			return nil
		})
		for i, c := range cmds {
			if err := c.Err(); err != nil && !redis.HasErrorPrefix(err, "BUSYGROUP") {
				return nil, wrapErr("read: create consumer group", err)
			}
			s.groups.Store(create[i].key, struct{}{})
		}
	}
	if n := len(out); n > 1 {
		r := int(s.rr.Add(1) % uint64(n))
		out = append(out[r:], out[:r]...)
	}
	return out, nil
}

// noGroup handles a stream whose consumer group vanished (keys deleted behind our
// back): forget it so the next Read creates it again. It reports whether err was that.
func (s *Store) noGroup(st stream, err error) bool {
	if redis.HasErrorPrefix(err, "NOGROUP") {
		s.groups.Delete(st.key)
		return true
	}
	return false
}

// claim takes over up to n entries that have been pending for longer than ClaimIdle,
// in log order per workspace. XPENDING with IDLE finds them with their delivery counts
// without changing anything; XCLAIM with the same min-idle then takes them, so two
// consumers racing for one entry cannot both get it.
func (s *Store) claim(ctx context.Context, streams []stream, consumer string, n int) ([]store.Entry, error) {
	if len(streams) == 0 {
		return nil, nil
	}
	pend := make([]*redis.XPendingExtCmd, len(streams))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, st := range streams {
			pend[i] = p.XPendingExt(ctx, &redis.XPendingExtArgs{
				Stream: st.key, Group: s.group, Idle: s.claimIdle, Start: "-", End: "+", Count: int64(n),
			})
		}
		return nil
	})
	type pick struct {
		st    stream
		ids   []string
		count map[string]int64
	}
	var picks []pick
	left := n
	for i, c := range pend {
		ps, err := c.Result()
		if err != nil {
			if s.noGroup(streams[i], err) {
				continue
			}
			return nil, wrapErr("read: pending entries", err)
		}
		if len(ps) == 0 || left == 0 {
			continue
		}
		pk := pick{st: streams[i], count: map[string]int64{}}
		for _, p := range ps[:min(len(ps), left)] {
			pk.ids = append(pk.ids, p.ID)
			pk.count[p.ID] = p.RetryCount
		}
		left -= len(pk.ids)
		picks = append(picks, pk)
	}
	if len(picks) == 0 {
		return nil, nil
	}
	claims := make([]*redis.XMessageSliceCmd, len(picks))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, pk := range picks {
			claims[i] = p.XClaim(ctx, &redis.XClaimArgs{
				Stream: pk.st.key, Group: s.group, Consumer: consumer, MinIdle: s.claimIdle, Messages: pk.ids,
			})
		}
		return nil
	})
	var out []store.Entry
	for i, c := range claims {
		msgs, err := c.Result()
		if err != nil {
			if s.noGroup(picks[i].st, err) {
				continue
			}
			return nil, wrapErr("read: claim entries", err)
		}
		s.prefetchKeys(ctx, picks[i].st, msgs)
		for _, m := range msgs {
			// XCLAIM counts this delivery; XPENDING's count was from before it.
			if e, ok := s.entry(ctx, picks[i].st, m, picks[i].count[m.ID]+1, true); ok {
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// pruneConsumers deletes, at most every half ConsumerIdle (and every 10 minutes), the
// group's consumers that hold nothing and have been idle for ConsumerIdle: the names of
// processes that are gone. A failure is only logged; the next round tries again.
func (s *Store) pruneConsumers(ctx context.Context, streams []stream) {
	last := s.lastPrune.Load()
	now := time.Now().UnixNano()
	if time.Duration(now-last) < min(s.consIdle/2, 10*time.Minute) || !s.lastPrune.CompareAndSwap(last, now) {
		return
	}
	for _, st := range streams {
		n, err := pruneConsumersScript.Run(ctx, s.rdb, []string{st.key}, s.group, s.consIdle.Milliseconds()).Int64()
		switch {
		case err != nil && !s.noGroup(st, err) && ctx.Err() == nil:
			s.log.Warn("redis: pruning idle consumers", "workspace", st.ws, "err", err)
		case n > 0:
			s.log.Info("redis: deleted idle consumers holding no entries", "workspace", st.ws, "consumers", n)
		}
	}
}

// readNew reads up to n undelivered entries. With one stream and block > 0 it blocks;
// otherwise it reads every stream without blocking, sharing n between them round by
// round so that it never takes (and leaves pending) more than n entries.
func (s *Store) readNew(ctx context.Context, streams []stream, consumer string, n int, block time.Duration) ([]store.Entry, error) {
	if len(streams) == 1 && block >= time.Millisecond {
		st := streams[0]
		res, err := s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: s.group, Consumer: consumer, Streams: []string{st.key, ">"}, Count: int64(n), Block: block,
		}).Result()
		if errors.Is(err, redis.Nil) || s.noGroup(st, err) {
			return nil, nil
		}
		if err != nil {
			return nil, wrapErr("read", err)
		}
		return s.entries(ctx, st, res), nil
	}
	var out []store.Entry
	candidates := streams
	for n > 0 && len(candidates) > 0 {
		share, extra := n/len(candidates), n%len(candidates)
		counts := make([]int, len(candidates))
		for i := range candidates {
			counts[i] = share
			if i < extra {
				counts[i]++
			}
		}
		cmds := make([]*redis.XStreamSliceCmd, len(candidates))
		_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, st := range candidates {
				if counts[i] > 0 {
					cmds[i] = p.XReadGroup(ctx, &redis.XReadGroupArgs{
						Group: s.group, Consumer: consumer, Streams: []string{st.key, ">"}, Count: int64(counts[i]), Block: -1,
					})
				}
			}
			return nil
		})
		var next []stream
		for i, st := range candidates {
			if cmds[i] == nil {
				next = append(next, st) // not asked this round
				continue
			}
			res, err := cmds[i].Result()
			if errors.Is(err, redis.Nil) || s.noGroup(st, err) {
				continue
			}
			if err != nil {
				return out, wrapErr("read", err)
			}
			got := 0
			for _, r := range res {
				got += len(r.Messages)
			}
			out = append(out, s.entries(ctx, st, res)...)
			n -= got
			if got == counts[i] {
				next = append(next, st) // may hold more
			}
		}
		candidates = next
	}
	return out, nil
}

func (s *Store) entries(ctx context.Context, st stream, res []redis.XStream) []store.Entry {
	var out []store.Entry
	for _, r := range res {
		s.prefetchKeys(ctx, st, r.Messages)
	}
	for _, r := range res {
		for _, m := range r.Messages {
			if e, ok := s.entry(ctx, st, m, 1, true); ok {
				out = append(out, e)
			}
		}
	}
	return out
}

// entry decodes one stream entry. An entry that cannot be decoded (written by
// something else, or damaged) would be redelivered forever: it is logged and, when
// it was delivered through the group, acknowledged.
func (s *Store) entry(ctx context.Context, st stream, m redis.XMessage, deliveries int64, delivered bool) (store.Entry, bool) {
	e, ok, err := s.entryOrErr(ctx, st, m, deliveries, delivered)
	if err != nil {
		// Left pending: claimed again once idle, when the key can be read.
		s.log.WarnContext(ctx, "redis store: a log entry cannot be read now; left for later", "workspace", st.ws, "entry", m.ID, "error", err)
	}
	return e, ok
}

// entryOrErr is entry, but an entry whose data key could not be read now (Redis
// failing) is neither skipped for good nor acknowledged: it is the error, for a
// reader that must not leave it out (Replay, an export, retention) to return.
func (s *Store) entryOrErr(ctx context.Context, st stream, m redis.XMessage, deliveries int64, delivered bool) (store.Entry, bool, error) {
	raw, _ := m.Values["e"].(string)
	var ev feedbackbot.Event
	payload, err := s.unseal(ctx, st.ws, raw)
	if errors.Is(err, errKeysUnreadable) {
		return store.Entry{}, false, fmt.Errorf("entry %s: %w", m.ID, err)
	}
	if err == nil {
		err = store.DecodeEvent(payload, &ev)
	}
	if err == nil && ev.Message.Workspace != st.ws {
		err = errors.New("workspace does not match its log")
	}
	if err != nil {
		s.log.WarnContext(ctx, "redis store: skipping unreadable log entry", "workspace", st.ws, "entry", m.ID, "error", err)
		if delivered {
			if aerr := s.rdb.XAck(ctx, st.key, s.group, m.ID).Err(); aerr != nil {
				s.log.WarnContext(ctx, "redis store: cannot acknowledge unreadable entry", "workspace", st.ws, "entry", m.ID, "error", aerr)
			}
		}
		return store.Entry{}, false, nil
	}
	return store.Entry{ID: m.ID, Workspace: st.ws, Event: ev, Deliveries: deliveries}, true, nil
}

// prefetchKeys reads the data keys of a page of entries this process lacks, in one
// round trip (entry would read them one by one). A failure is left to entry, which
// tries again.
func (s *Store) prefetchKeys(ctx context.Context, st stream, msgs []redis.XMessage) {
	raws := make([]string, 0, len(msgs))
	for _, m := range msgs {
		if raw, _ := m.Values["e"].(string); sealed(raw) {
			raws = append(raws, raw)
		}
	}
	_ = s.loadKeys(ctx, st.ws, raws)
}

// Ack acknowledges entries, one XACK per workspace, pipelined. An entry that cannot
// be one of the log's (no workspace, or an id that is not a stream id) is unknown,
// so acking it is a no-op, as store.Log says: the batch's other entries are
// acknowledged (refusing the batch left them pending, to be delivered again).
func (s *Store) Ack(ctx context.Context, entries ...store.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	byWS := map[string][]any{}
	var order []string
	for _, e := range entries {
		if e.Workspace == "" || !validStreamID(e.ID) {
			continue
		}
		if _, ok := byWS[e.Workspace]; !ok {
			order = append(order, e.Workspace)
		}
		byWS[e.Workspace] = append(byWS[e.Workspace], e.ID)
	}
	if len(order) == 0 {
		return nil
	}
	cmds := make([]*redis.IntCmd, len(order))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, w := range order {
			ids := make([]string, len(byWS[w]))
			for j, id := range byWS[w] {
				ids[j] = id.(string)
			}
			cmds[i] = p.XAck(ctx, s.ws(w).log(), s.group, ids...)
		}
		return nil
	})
	for _, c := range cmds {
		if err := c.Err(); err != nil && !redis.HasErrorPrefix(err, "NOGROUP") {
			return wrapErr("ack", err)
		}
	}
	return nil
}

// Backlog sums, over every workspace log, the group's pending entries and its lag
// (entries not yet delivered). A group that has delivered the log's last entry has
// none. Where Redis cannot tell the lag (an entry after the group's cursor deleted)
// the entries after the cursor are counted instead (recountLag, at most once a
// second while entries move). Once Forget or
// Expire has deleted entries from a log (XDEL) and the group read past them, Redis
// 7.0 reports a lag that still counts them (its entries-read misses them): such a
// log's lag is counted once and the group's entries-read set right, after which
// Redis's lag holds until another deletion. (Counted every time, an import's
// progress paged through every undelivered entry ten times a second after one
// forget: 0.6 ms became 543 ms at 100,000 entries, a review found.)
func (s *Store) Backlog(ctx context.Context) (int64, error) {
	wss, err := s.rdb.SMembers(ctx, s.workspacesKey()).Result()
	if err != nil {
		return 0, wrapErr("backlog", err)
	}
	infos := make([]*redis.XInfoGroupsCmd, len(wss))
	lasts := make([]*redis.XMessageSliceCmd, len(wss))
	lens := make([]*redis.IntCmd, len(wss))
	streams := make([]*redis.XInfoStreamCmd, len(wss))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, w := range wss {
			key := s.ws(w).log()
			infos[i] = p.XInfoGroups(ctx, key)
			lasts[i] = p.XRevRangeN(ctx, key, "+", "-", 1)
			lens[i] = p.XLen(ctx, key)
			streams[i] = p.XInfoStream(ctx, key)
		}
		return nil
	})
	var total int64
	for i, w := range wss {
		groups, err := infos[i].Result()
		if err != nil {
			if redis.HasErrorPrefix(err, "no such key") {
				continue
			}
			return 0, wrapErr("backlog", err)
		}
		gi := slices.IndexFunc(groups, func(g redis.XInfoGroup) bool { return g.Name == s.group })
		if gi < 0 {
			n, err := lens[i].Result()
			if err != nil {
				return 0, wrapErr("backlog", err)
			}
			total += n
			continue
		}
		g := groups[gi]
		lag := g.Lag
		last, err := lasts[i].Result()
		if err != nil {
			return 0, wrapErr("backlog", err)
		}
		info, err := streams[i].Result()
		if err != nil {
			return 0, wrapErr("backlog", err)
		}
		key := s.ws(w).log()
		deleted := info.MaxDeletedEntryID != "" && info.MaxDeletedEntryID != "0-0"
		trusted, _ := s.lagTrusted.Load(key)
		switch {
		case len(last) == 0 || compareIDs(last[0].ID, g.LastDeliveredID) <= 0:
			lag = 0 // every entry delivered
		case lag > 0 && (!deleted || trusted == info.MaxDeletedEntryID):
			// Redis's own count, right: no deletion, or entries-read set right since
			// the last one.
		default:
			if lag, err = s.recountLag(ctx, key, g, info, last[0].ID); err != nil {
				return 0, err
			}
		}
		total += g.Pending + lag
	}
	return total, nil
}

// countAfterScript counts, in Redis, up to ARGV[2] entries of a log from ARGV[1]
// (an XRANGE start): a chunk of the count, so that counting a long backlog never
// holds Redis for long (one script over 300,000 entries held every other client
// for 0.39 s, a review found).
//
// KEYS[1] log stream. Returns {entries counted, the next start, "" at the end}.
var countAfterScript = redis.NewScript(`
local n, start, limit = 0, ARGV[1], tonumber(ARGV[2])
while n < limit do
  local want = math.min(500, limit - n)
  local page = redis.call('XRANGE', KEYS[1], start, '+', 'COUNT', want)
  n = n + #page
  if #page < want then return {n, ''} end
  start = '(' .. page[#page][1]
end
return {n, start}
`)

// setLagScript sets a group's entries-read so that Redis's lag is the count taken
// (XGROUP SETID at the same cursor: nothing is delivered again), when nothing
// moved while it was taken (the cursor, the entries added, the last deletion) and
// no deleted entry lies after the cursor.
//
// KEYS[1] log stream. ARGV[1] group, ARGV[2] cursor, ARGV[3] entries added, ARGV[4]
// max-deleted-entry-id, ARGV[5] the count. Returns 1 when set.
var setLagScript = redis.NewScript(`
local function field(flat, name)
  for i = 1, #flat, 2 do
    if flat[i] == name then return flat[i + 1] end
  end
end
local cursor
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  if field(g, 'name') == ARGV[1] then cursor = field(g, 'last-delivered-id') end
end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
if cursor ~= ARGV[2] or tostring(field(info, 'entries-added')) ~= ARGV[3] or field(info, 'max-deleted-entry-id') ~= ARGV[4] then
  return 0
end
local function before_or_at(a, b)
  local a1, a2 = string.match(a, '^(%d+)-(%d+)$')
  local b1, b2 = string.match(b, '^(%d+)-(%d+)$')
  a1, a2, b1, b2 = tonumber(a1), tonumber(a2), tonumber(b1), tonumber(b2)
  return a1 < b1 or (a1 == b1 and a2 <= b2)
end
local added, n = tonumber(ARGV[3]), tonumber(ARGV[5])
if added < n or not before_or_at(ARGV[4], cursor) then return 0 end
redis.call('XGROUP', 'SETID', KEYS[1], ARGV[1], cursor, 'ENTRIESREAD', added - n)
return 1
`)

// lagCount is a log's count of entries after its group's cursor, and what it was
// taken at.
type lagCount struct {
	maxdel, cursor, last string
	n                    int64
	at                   time.Time
}

// recountEvery is how often a log's lag is counted again while Redis cannot tell
// it and entries move: in between, the last count stands (a progress line a second
// behind), unless it was 0.
const recountEvery = time.Second

// recountLag counts the entries of a log after its group's cursor, in Redis in
// chunks (none cross the network), and sets the group's entries-read right where
// it can (setLagScript), remembering the deletion it was set right after. A count
// is kept: asked again with nothing moved, or within recountEvery of a count
// above 0, it is the answer.
func (s *Store) recountLag(ctx context.Context, key string, g redis.XInfoGroup, info *redis.XInfoStream, last string) (int64, error) {
	now := time.Now()
	if v, ok := s.lagCounts.Load(key); ok {
		c := v.(lagCount)
		if c.maxdel == info.MaxDeletedEntryID && c.cursor == g.LastDeliveredID && c.last == last ||
			c.n > 0 && now.Sub(c.at) < recountEvery {
			return c.n, nil
		}
	}
	var n int64
	start := "(" + g.LastDeliveredID
	for start != "" {
		res, err := countAfterScript.Run(ctx, s.rdb, []string{key}, start, 5000).Slice()
		if err == nil && len(res) != 2 {
			err = fmt.Errorf("recount: unexpected reply %v", res)
		}
		if err != nil {
			return 0, wrapErr("backlog", err)
		}
		c, _ := res[0].(int64)
		n += c
		start, _ = res[1].(string)
	}
	s.lagCounts.Store(key, lagCount{maxdel: info.MaxDeletedEntryID, cursor: g.LastDeliveredID, last: last, n: n, at: now})
	if info.MaxDeletedEntryID != "" && info.MaxDeletedEntryID != "0-0" && compareIDs(info.MaxDeletedEntryID, g.LastDeliveredID) <= 0 {
		set, err := setLagScript.Run(ctx, s.rdb, []string{key}, s.group, g.LastDeliveredID, strconv.FormatInt(info.EntriesAdded, 10),
			info.MaxDeletedEntryID, strconv.FormatInt(n, 10)).Int64()
		if err != nil {
			return 0, wrapErr("backlog", err)
		}
		if set == 1 {
			s.lagTrusted.Store(key, info.MaxDeletedEntryID)
		}
	}
	return n, nil
}

// Replay pages through one workspace's log with XRANGE, leaving consumer state alone.
// Entries carry Deliveries 0. fn's error is returned as is.
func (s *Store) Replay(ctx context.Context, workspace string, fn func(store.Entry) error) error {
	if workspace == "" {
		return invalid("replay: workspace is empty")
	}
	st := stream{ws: workspace, key: s.ws(workspace).log()}
	const page = 500
	start := "-"
	for {
		msgs, err := s.rdb.XRangeN(ctx, st.key, start, "+", page).Result()
		if err != nil {
			return wrapErr("replay", err)
		}
		s.prefetchKeys(ctx, st, msgs)
		for _, m := range msgs {
			e, ok, err := s.entryOrErr(ctx, st, m, 0, false)
			if err != nil {
				return wrapErr("replay", err)
			}
			if !ok {
				continue
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(msgs) < page {
			return nil
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
}

// validStreamID reports whether id looks like "<ms>-<seq>".
func validStreamID(id string) bool {
	ms, seq, ok := strings.Cut(id, "-")
	if !ok {
		return false
	}
	_, err1 := strconv.ParseUint(ms, 10, 64)
	_, err2 := strconv.ParseUint(seq, 10, 64)
	return err1 == nil && err2 == nil
}

// compareIDs compares two stream ids numerically; malformed ids compare as 0-0.
func compareIDs(a, b string) int {
	pa, pb := parseID(a), parseID(b)
	if c := compareU(pa[0], pb[0]); c != 0 {
		return c
	}
	return compareU(pa[1], pb[1])
}

func parseID(id string) [2]uint64 {
	ms, seq, _ := strings.Cut(id, "-")
	a, _ := strconv.ParseUint(ms, 10, 64)
	b, _ := strconv.ParseUint(seq, 10, 64)
	return [2]uint64{a, b}
}

func compareU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// newestScript reads what Newest needs in one atomic step: the message's latest
// revision and the event of its newest log entry.
//
// KEYS[1] latest hash, KEYS[2] log-entry index, KEYS[3] log stream. ARGV[1] message key.
// Returns {latest ("" for none)} or {latest, the newest entry's event JSON}.
var newestScript = redis.NewScript(`
local latest = redis.call('HGET', KEYS[1], ARGV[1])
if not latest then return {''} end
local ids = redis.call('HGET', KEYS[2], ARGV[1])
local last
if ids then
  for id in string.gmatch(ids, '%S+') do last = id end
end
if last then
  local e = redis.call('XRANGE', KEYS[3], last, last)
  if e[1] then return {latest, e[1][2][2]} end
end
return {latest}
`)

// Newest implements store.Log: the newest entry of the message, from the log-entry
// index, or, where the log no longer holds it (trimmed), the applied record when
// that is the same version.
func (s *Store) Newest(ctx context.Context, key string) (feedbackbot.Message, bool, error) {
	_, ws, _, err := feedbackbot.ParseKey(key)
	if err != nil {
		return feedbackbot.Message{}, false, err
	}
	k := s.ws(ws)
	res, err := newestScript.Run(ctx, s.rdb, []string{k.latest(), k.logEntries(), k.log()}, key).Slice()
	if err != nil {
		return feedbackbot.Message{}, false, wrapErr("newest", err)
	}
	latest, _ := res[0].(string)
	if latest == "" || latest == tombstone || latest == erased {
		return feedbackbot.Message{}, false, nil
	}
	if len(res) > 1 {
		raw, _ := res[1].(string)
		var ev feedbackbot.Event
		payload, err := s.unseal(ctx, ws, raw)
		if err == nil {
			err = store.DecodeEvent(payload, &ev)
		}
		if err != nil {
			return feedbackbot.Message{}, false, fmt.Errorf("redis: newest %s: decode its log entry: %w", key, err)
		}
		if ev.Kind == feedbackbot.EventPut && ev.Message.Revision() == latest {
			return ev.Message, true, nil
		}
	}
	st, err := s.Message(ctx, key)
	if err != nil && !feedbackbot.IsNotFound(err) {
		return feedbackbot.Message{}, false, err
	}
	if err == nil && st.Message.Revision() == latest {
		return st.Message, true, nil
	}
	return feedbackbot.Message{}, false, feedbackbot.Errorf(feedbackbot.ECONFLICT,
		"newest %s: its latest version is neither in the log (trimmed) nor applied yet", key)
}
