package discordadapter

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// unreadable is a store whose reads of a message's newest version fail as
// unavailable while fail is set (a Redis that refuses them); its other calls
// (catch-up's listing, the capture queue's writes) are the store's.
type unreadable struct {
	store.Store
	fail atomic.Bool
	hang atomic.Bool // (reads wait for their context instead: a Redis that does not answer)
	// failList fails the listing of stored messages too (purge's, catch-up's)
	failList atomic.Bool
}

func (u *unreadable) Messages(ctx context.Context, q store.Query) ([]store.Stored, error) {
	if u.failList.Load() {
		return nil, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "redis messages: connection refused")
	}
	return u.Store.Messages(ctx, q)
}

func (u *unreadable) Newest(ctx context.Context, key string) (feedbackbot.Message, bool, error) {
	if u.hang.Load() {
		<-ctx.Done()
		return feedbackbot.Message{}, false, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "redis newest: %v", ctx.Err())
	}
	if u.fail.Load() {
		return feedbackbot.Message{}, false, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "redis newest: connection refused")
	}
	return u.Store.(interface {
		Newest(ctx context.Context, key string) (feedbackbot.Message, bool, error)
	}).Newest(ctx, key)
}

// overUnreadable captures msg (alice's, in #general) and analyses it (catch-up
// lists it), then starts a new adapter (a restart: it remembers no message) over
// the same store behind unreadable. stop stops it (once; at the test's end too).
func overUnreadable(t *testing.T, msg map[string]any) (f *fixture, a *Adapter, sink *unreadable, stop func()) {
	t.Helper()
	f, a, sink, stop, _ = overUnreadableLogged(t, msg)
	return f, a, sink, stop
}

// overUnreadableLogged is overUnreadable, with the adapter's logs kept in logs
// too, and returns once the new session's catch-up is done.
func overUnreadableLogged(t *testing.T, msg map[string]any) (f *fixture, a *Adapter, sink *unreadable, stop func(), logs *lockedBuffer) {
	t.Helper()
	logs = &lockedBuffer{}
	f = newFixture(t, testConfig(), nil)
	f.fake.Dispatch("MESSAGE_CREATE", msg)
	f.eventually("the message captured", func() bool { return len(f.logged()) == 1 })
	f.stop()
	an, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&bot.Worker{Store: f.st, Analyzer: an, Consumer: "t"}).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	sink = &unreadable{Store: f.st}
	cfg := testConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(testWriter{t}, logs), nil))
	a, err = New(cfg, sink, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	f.eventually("guild in state", func() bool { _, err := a.s.State.Guild(guild); return err == nil })
	return f, a, sink, stop, logs
}

// freshSession ends the adapter's gateway session (a close of its own: Discord
// forgets the session), so that the next one is fresh and caught up, and waits
// until the store holds text for key: what catch-up takes from Discord.
func freshSession(t *testing.T, f *fixture, a *Adapter, key, text string) {
	t.Helper()
	if err := a.s.Close(); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if m, _, err := f.st.Newest(context.Background(), key); err == nil && m.Text == text {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("the fresh session's catch-up did not queue Discord's copy %q", text)
		}
	}
}

// settled waits until nothing waits for the store, and stops the adapter (its
// queue drained).
func settled(t *testing.T, a *Adapter, stop func()) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); a.reactionsWaiting.Load() != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%d messages' changes still wait for the store", a.reactionsWaiting.Load())
		}
	}
	stop()
}

// TestWaitingReactionNotCountedAgainOverCatchUpsCopy: while the store cannot be
// read, a member's 👍 to a message this process does not remember waits. The
// gateway session ends and a fresh one begins, and the message was edited
// meanwhile: catch-up queues Discord's copy, whose counts hold the 👍 (1). Once
// the store answers, the waiting 👍 is not counted again over the copy (it was:
// 👍 2, for one reaction).
func TestWaitingReactionNotCountedAgainOverCatchUpsCopy(t *testing.T) {
	msg := message(chGeneral, userAlice, []string{roleMember}, "the export fails")
	f, a, sink, stop := overUnreadable(t, msg)
	id := msg["id"].(string)
	key := "discord/" + guild + "/" + id

	sink.fail.Store(true)
	f.fake.Dispatch("MESSAGE_REACTION_ADD", map[string]any{"user_id": userBob, "message_id": id, "channel_id": chGeneral, "guild_id": guild,
		"emoji": map[string]any{"name": "👍"}, "member": map[string]any{"user": map[string]any{"id": userBob}, "roles": []string{roleMember}}})
	f.eventually("the reaction waiting", func() bool { return a.reactionsWaiting.Load() == 1 })
	copied := editedTo(msg, "the export fails for CSV", time.Now())
	copied["reactions"] = []map[string]any{{"emoji": map[string]any{"name": "👍"}, "count": 1}}
	f.fake.Offline("MESSAGE_UPDATE", copied)
	freshSession(t, f, a, key, "the export fails for CSV")

	sink.fail.Store(false)
	settled(t, a, stop)
	got, _, err := f.st.Newest(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "the export fails for CSV" || !maps.Equal(got.Reactions, map[string]int{"👍": 1}) {
		t.Errorf("a 👍 waiting for the store, then Discord's copy counting it: stored %q with %v, want the copy's text with 👍 1", got.Text, got.Reactions)
	}
}

// TestWaitingEditDoesNotUndoCatchUpsCopy: while the store cannot be read, an edit
// of a message this process does not remember waits for it (keepCaptured). The
// gateway session ends and a fresh one begins, and the message was edited again
// meanwhile: catch-up queues Discord's copy. Once the store answers, the older
// edit does not replace the copy's newer text.
func TestWaitingEditDoesNotUndoCatchUpsCopy(t *testing.T) {
	msg := message(chGeneral, userAlice, []string{roleMember}, "the import fails")
	f, a, sink, stop := overUnreadable(t, msg)
	key := "discord/" + guild + "/" + msg["id"].(string)

	sink.fail.Store(true)
	f.fake.Dispatch("MESSAGE_UPDATE", editedTo(msg, "the import fails since Monday", time.Now()))
	f.eventually("the edit waiting (or, before, queued)", func() bool {
		m, _, err := f.st.Newest(context.Background(), key)
		return a.reactionsWaiting.Load() == 1 || err == nil && m.Text == "the import fails since Monday"
	})
	f.fake.Offline("MESSAGE_UPDATE", editedTo(msg, "the import fails since Monday, CSV only", time.Now().Add(time.Second)))
	freshSession(t, f, a, key, "the import fails since Monday, CSV only")

	sink.fail.Store(false)
	settled(t, a, stop)
	got, _, err := f.st.Newest(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "the import fails since Monday, CSV only" {
		t.Errorf("an edit waiting for the store, then Discord's copy of a later edit: stored %q, want the later edit's text", got.Text)
	}
}

// editedTo is m edited to text at at.
func editedTo(m map[string]any, text string, at time.Time) map[string]any {
	e := maps.Clone(m)
	e["content"] = text
	e["edited_timestamp"] = at.UTC().Format(time.RFC3339Nano)
	return e
}

// lateReads is a store whose reads of a message's newest version wait until
// release is closed (a Redis answering late), saying on held that one waits, and
// which counts what the capture queue gives up on (as bot.Capture does).
type lateReads struct {
	store.Store
	held, release chan struct{}
	gaveUp        atomic.Int64
}

func (l *lateReads) Newest(ctx context.Context, key string) (feedbackbot.Message, bool, error) {
	select {
	case l.held <- struct{}{}:
	default:
	}
	select {
	case <-l.release:
	case <-ctx.Done():
		return feedbackbot.Message{}, false, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "redis newest: %v", ctx.Err())
	}
	return l.Store.(interface {
		Newest(ctx context.Context, key string) (feedbackbot.Message, bool, error)
	}).Newest(ctx, key)
}

func (l *lateReads) AppendQueued(ctx context.Context, _ bool, events ...feedbackbot.Event) (int, error) {
	return l.Store.Append(ctx, events...)
}

func (l *lateReads) QueueGaveUp(events int) { l.gaveUp.Add(int64(events)) }

// TestCaptureAfterShutdownIsCounted: a reaction's handler, on the gateway's
// reader, waits for a slow store as the bot stops (its read has 10 s; the
// shutdown waits for no handler); the store answers once the capture queue has
// closed. The reaction is lost, and counted as the queue's give-ups are (it was
// only logged: capture_failures_total said nothing).
func TestCaptureAfterShutdownIsCounted(t *testing.T) {
	msg := message(chGeneral, userAlice, []string{roleMember}, "the export fails")
	f := newFixture(t, testConfig(), nil)
	f.fake.Dispatch("MESSAGE_CREATE", msg)
	f.eventually("the message captured", func() bool { return len(f.logged()) == 1 })
	f.stop()
	sink := &lateReads{Store: f.st, held: make(chan struct{}, 1), release: make(chan struct{})}
	released := false
	defer func() {
		if !released {
			close(sink.release)
		}
	}()
	cfg := testConfig()
	logs := &lockedBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	a, err := New(cfg, sink, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		if t.Failed() {
			t.Log(logs.String())
		}
	}()
	waitFor(t, "the session's catch-up", 20*time.Second, func() bool {
		return strings.Contains(logs.String(), "discord catch-up after a fresh gateway session")
	})

	f.fake.Dispatch("MESSAGE_REACTION_ADD", map[string]any{"user_id": userBob, "message_id": msg["id"], "channel_id": chGeneral, "guild_id": guild,
		"emoji": map[string]any{"name": "👍"}, "member": map[string]any{"user": map[string]any{"id": userBob}, "roles": []string{roleMember}}})
	select {
	case <-sink.held:
	case <-time.After(20 * time.Second):
		t.Fatal("the reaction never read the store")
	}
	cancel()
	select {
	case <-done: // the capture queue is closed
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return")
	}
	released = true
	close(sink.release)
	f.eventually("the lost reaction counted", func() bool { return sink.gaveUp.Load() == 1 })
}
