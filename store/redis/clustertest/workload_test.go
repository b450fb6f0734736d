package clustertest_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// The workload of the resharding and failover tests: writers appending events
// (puts, edits, deletes) and retrying while the store is unavailable, as capture
// does; workers reading, applying and acknowledging, retrying as the analysis
// workers do; and readers making the reads a digest makes. Every error the store
// returns on the way must be unavailable (EUNAVAILABLE): anything else would make
// capture drop a message or a worker stop.

// errLog keeps the errors the workload met that were not unavailable.
type errLog struct {
	mu   sync.Mutex
	bad  []string
	n    atomic.Int64 // every error, unavailable or not
	seen map[string]int
}

// check records err, of operation op: a failure of the test unless it is
// unavailable (or the test's own context ended).
func (l *errLog) check(ctx context.Context, op string, err error) {
	if err == nil || ctx.Err() != nil {
		return
	}
	l.n.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string]int{}
	}
	kind := "unavailable"
	if !redisstore.IsUnavailable(err) {
		kind = "NOT unavailable (" + feedbackbot.ErrorCode(err) + ")"
		if len(l.bad) < 10 {
			l.bad = append(l.bad, fmt.Sprintf("%s: %v", op, err))
		}
	}
	l.seen[op+": "+kind]++
}

// report fails t with the errors that were not unavailable, and logs the tally.
func (l *errLog) report(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	t.Logf("errors met by the workload: %v", l.seen)
	for _, b := range l.bad {
		t.Errorf("an error that is not unavailable: %s", b)
	}
}

// backoff sleeps a little before a retry (cut short when ctx ends).
func backoff(ctx context.Context, attempt int) {
	d := min(time.Duration(attempt)*20*time.Millisecond, 200*time.Millisecond)
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// written is one event a writer got acknowledged: when its last (successful)
// attempt started and when it returned.
type written struct {
	ev             feedbackbot.Event
	start, acked   time.Time
	workspace, key string
}

// appendUntil appends evs until the store takes them, retrying every error as
// capture retries an unavailable store (errs records each, and fails the test for
// any other); false when ctx ended first. It returns when the successful attempt
// began and when it returned.
func appendUntil(ctx context.Context, st store.Log, errs *errLog, evs ...feedbackbot.Event) (time.Time, time.Time, bool) {
	for attempt := 1; ; attempt++ {
		start := time.Now()
		actx, cancel := context.WithTimeout(ctx, 2*time.Second) // capture's budget for one try
		_, err := st.Append(actx, evs...)
		cancel()
		if err == nil {
			return start, time.Now(), true
		}
		errs.check(ctx, "append", err)
		if ctx.Err() != nil {
			return start, time.Time{}, false
		}
		backoff(ctx, attempt)
	}
}

// writer appends events of its own messages to workspaces wss in turn until stop is
// closed, then after more events, and records every event acknowledged. Every
// fifth step edits the message before, every seventh deletes the one two steps
// back, and every third sends two events of two workspaces in one call.
type writer struct {
	name string
	// lane, of lanes: message i of the writer is in the hour lane + i*lanes after
	// storetest.Base, so that no two messages share an hour (a delete empties one)
	lane, lanes int
	st          store.Log
	wss         []string
	errs        *errLog
	ops         *atomic.Int64 // events acknowledged, by every writer
	hold        *gate         // holds the writer back between events while paused (nil: never)

	mu   sync.Mutex
	done []written
	live map[string]feedbackbot.Message // message key -> its newest version, not deleted
}

func (w *writer) run(ctx context.Context, stop <-chan struct{}, after int) {
	w.live = map[string]feedbackbot.Message{}
	var order []string // message keys in the order they were put
	left := -1
	// (at most maxEvents messages, and a pause between them, so that a workspace
	// holds fewer than Messages lists at once whatever the machine's speed)
	const maxEvents = 600
	for i := 0; left != 0 && i < maxEvents; i++ {
		if left < 0 {
			select {
			case <-stop:
				left = after
			default:
			}
		} else {
			left--
		}
		if i > 0 {
			time.Sleep(2 * time.Millisecond)
		}
		if w.hold != nil && !w.hold.enter(ctx) {
			return
		}
		ok := w.step(ctx, i, &order)
		if w.hold != nil {
			w.hold.leave()
		}
		if !ok {
			return
		}
	}
}

// step writes the writer's message i, and the edit or delete that goes with it;
// false when ctx ended first.
func (w *writer) step(ctx context.Context, i int, order *[]string) bool {
	ws := w.wss[i%len(w.wss)]
	at := storetest.Base.Add(time.Duration(w.lane+i*max(w.lanes, 1)) * time.Hour)
	// (every third message of no account: the workspace's other messages have one)
	acct := "A1"
	if i%3 == 1 {
		acct = ""
	}
	m := storetest.Msg(ws, fmt.Sprintf("%s-%d", w.name, i), fmt.Sprintf("the export is broken, says %s %d", w.name, i),
		feedbackbot.RoleCustomer, acct, "C1", at)
	evs := []feedbackbot.Event{storetest.Put(m)}
	switch o := *order; {
	case i%5 == 4 && len(o) > 0:
		if prev, ok := w.live[o[len(o)-1]]; ok {
			prev.Text += " (edited)"
			_ = prev.Normalize()
			evs = append(evs, storetest.Put(prev))
		}
	case i%7 == 6 && len(o) > 1:
		if prev, ok := w.live[o[len(o)-2]]; ok {
			evs = append(evs, storetest.Delete(prev))
		}
	}
	if i%3 != 0 || len(evs) == 1 {
		// one call per event: a workspace's script alone in its pipeline
		for _, ev := range evs {
			if !w.put(ctx, ev) {
				return false
			}
		}
	} else {
		// one call for events of two workspaces: their scripts in one pipeline
		start, acked, ok := appendUntil(ctx, w.st, w.errs, evs...)
		if !ok {
			return false
		}
		for _, ev := range evs {
			w.record(ev, start, acked)
		}
	}
	*order = append(*order, m.Key())
	return true
}

func (w *writer) put(ctx context.Context, ev feedbackbot.Event) bool {
	start, acked, ok := appendUntil(ctx, w.st, w.errs, ev)
	if ok {
		w.record(ev, start, acked)
	}
	return ok
}

func (w *writer) record(ev feedbackbot.Event, start, acked time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	key := ev.Message.Key()
	w.done = append(w.done, written{ev: ev, start: start, acked: acked, workspace: ev.Message.Workspace, key: key})
	if ev.Kind == feedbackbot.EventPut {
		w.live[key] = ev.Message
	} else {
		delete(w.live, key)
	}
	w.ops.Add(1)
}

// gate holds the workers back while a test sets a scene up (paused), and counts
// the workers busy with a batch and the Apply calls they made.
type gate struct {
	paused  atomic.Bool
	busy    atomic.Int64
	applies atomic.Int64
}

// pause holds the workers back, and waits until none holds a batch.
func (g *gate) pause(ctx context.Context) {
	g.paused.Store(true)
	for g.busy.Load() > 0 && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
}

// enter waits while the gate is paused, then counts its caller busy until leave;
// false when ctx ended first.
func (g *gate) enter(ctx context.Context) bool {
	for {
		g.busy.Add(1)
		if !g.paused.Load() {
			return true
		}
		g.busy.Add(-1)
		if ctx.Err() != nil {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (g *gate) leave() { g.busy.Add(-1) }

// work reads, applies and acknowledges entries as consumer until done is closed,
// retrying every store error as the analysis workers do.
func work(ctx context.Context, st store.Store, consumer string, done <-chan struct{}, errs *errLog, g *gate) {
	for attempt := 1; ; {
		select {
		case <-done:
			return
		default:
		}
		if ctx.Err() != nil {
			return
		}
		if !g.enter(ctx) {
			return
		}
		workStep(ctx, st, consumer, errs, g, &attempt)
		g.leave()
	}
}

// workStep reads a batch, applies it and acknowledges it.
func workStep(ctx context.Context, st store.Store, consumer string, errs *errLog, g *gate, attempt *int) {
	es, err := st.Read(ctx, consumer, 50, 100*time.Millisecond)
	if err != nil {
		errs.check(ctx, "read", err)
		backoff(ctx, *attempt)
		*attempt++
		return
	}
	*attempt = 1
	if len(es) == 0 {
		return
	}
	items := make([]store.Applied, len(es))
	for i, e := range es {
		items[i].Entry = e
		if e.Event.Kind == feedbackbot.EventPut {
			// negative and positive messages alike: both notable sets of a day
			score := -0.7
			if len(e.Event.Message.Text)%2 == 0 {
				score = 0.6
			}
			items[i].Tags = storetest.Tags(score, "a1", "export")
		}
	}
	for a := 1; ; a++ {
		g.applies.Add(1)
		_, err := st.Apply(ctx, items...)
		if err == nil {
			break
		}
		errs.check(ctx, "apply", err)
		if ctx.Err() != nil {
			return
		}
		backoff(ctx, a)
	}
	for a := 1; ; a++ {
		err := st.Ack(ctx, es...)
		if err == nil {
			break
		}
		errs.check(ctx, "ack", err)
		if ctx.Err() != nil {
			return
		}
		backoff(ctx, a)
	}
}

// readDigests makes the reads a digest makes of every workspace until done is
// closed.
func readDigests(ctx context.Context, st store.Store, wss []string, done <-chan struct{}, errs *errLog) {
	for {
		for _, ws := range wss {
			select {
			case <-done:
				return
			default:
			}
			if ctx.Err() != nil {
				return
			}
			_, err := st.Rollups(ctx, ws, time.Time{}, time.Time{}, feedbackbot.CntMessages, feedbackbot.CntNegative)
			errs.check(ctx, "rollups", err)
			_, err = st.Messages(ctx, store.Query{Workspace: ws, Account: "A1", Limit: 20})
			errs.check(ctx, "messages", err)
			_, err = st.Notable(ctx, ws, store.NotableNegative, time.Time{}, time.Time{}, 5)
			errs.check(ctx, "notable", err)
			_, err = st.AccountDays(ctx, ws, "A1", time.Time{}, time.Time{}, feedbackbot.CntCustomer)
			errs.check(ctx, "account days", err)
			_, err = st.Backlog(ctx)
			errs.check(ctx, "backlog", err)
		}
	}
}

// drain ends a workload: it stops the writers (stop, then waits for writers),
// waits until the workers have applied and acknowledged the whole log, stops the
// workers and the reader (done, then waits for bg), and reports every error they
// met.
func drain(ctx context.Context, t *testing.T, st store.Log, errs *errLog, stop, done chan struct{}, writers, bg *sync.WaitGroup) {
	t.Helper()
	close(stop)
	writers.Wait()
	waitBacklog(ctx, t, st, errs)
	close(done)
	bg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("the workload did not finish in time: %v", ctx.Err())
	}
	errs.report(t)
}

// waitBacklog waits until the store reports no entry unacknowledged.
func waitBacklog(ctx context.Context, t *testing.T, st store.Log, errs *errLog) {
	t.Helper()
	for {
		n, err := st.Backlog(ctx)
		errs.check(ctx, "backlog", err)
		if err == nil && n == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the workers did not drain the log (backlog %d, %v)", n, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// logged counts the log's entries of each event (message key, kind and revision).
func logged(ctx context.Context, t *testing.T, st store.Log, ws string) map[string]int {
	t.Helper()
	out := map[string]int{}
	err := st.Replay(ctx, ws, func(e store.Entry) error {
		out[eventKey(e.Event)]++
		return nil
	})
	if err != nil {
		t.Fatalf("replay %s: %v", ws, err)
	}
	return out
}

func eventKey(ev feedbackbot.Event) string {
	rev := ""
	if ev.Kind == feedbackbot.EventPut {
		rev = ev.Message.Revision()
	}
	return ev.Message.Key() + " " + string(ev.Kind) + " " + rev
}

// checkApplied checks that the derived state of a workspace counts live messages
// (acct of them of account A1), each once: its rollups, its account's days, and
// Messages.
func checkApplied(ctx context.Context, t *testing.T, st store.Derived, ws string, live, acctLive int) {
	t.Helper()
	checkCounts(ctx, t, st, ws, live, acctLive, live)
}

// checkCounts checks that the rollups of a workspace count counted messages, all of
// customers, the days of account A1 acctCounted, and Messages lists listed.
func checkCounts(ctx context.Context, t *testing.T, st store.Derived, ws string, counted, acctCounted, listed int) {
	t.Helper()
	rs, err := st.Rollups(ctx, ws, time.Time{}, time.Time{}, feedbackbot.CntMessages, feedbackbot.CntCustomer)
	if err != nil {
		t.Fatalf("rollups %s: %v", ws, err)
	}
	var n, cust int64
	for _, r := range rs {
		n += r.Counts[feedbackbot.CntMessages]
		cust += r.Counts[feedbackbot.CntCustomer]
	}
	days, err := st.AccountDays(ctx, ws, "A1", time.Time{}, time.Time{}, feedbackbot.CntCustomer)
	if err != nil {
		t.Fatalf("account days %s: %v", ws, err)
	}
	var acct int64
	for _, d := range days {
		acct += d.Counts[feedbackbot.CntCustomer]
	}
	ms, err := st.Messages(ctx, store.Query{Workspace: ws, Limit: 1000})
	if err != nil {
		t.Fatalf("messages %s: %v", ws, err)
	}
	if n != int64(counted) || cust != int64(counted) || acct != int64(acctCounted) || len(ms) != listed {
		t.Errorf("%s: rollups count %d messages (%d customer), the account's days %d, Messages lists %d; want %d, %d and %d",
			ws, n, cust, acct, len(ms), counted, acctCounted, listed)
	}
}

// liveInLog counts the messages of a workspace whose last log entry is a put, and
// those of them of account A1.
func liveInLog(ctx context.Context, t *testing.T, st store.Log, ws string) (int, int) {
	t.Helper()
	last := map[string]feedbackbot.Event{}
	if err := st.Replay(ctx, ws, func(e store.Entry) error {
		last[e.Event.Message.Key()] = e.Event
		return nil
	}); err != nil {
		t.Fatalf("replay %s: %v", ws, err)
	}
	n, acct := 0, 0
	for _, ev := range last {
		if ev.Kind == feedbackbot.EventPut {
			n++
			if ev.Message.Account == "A1" {
				acct++
			}
		}
	}
	return n, acct
}
