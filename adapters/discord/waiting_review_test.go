package discordadapter

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// TestWaitingEditQueuedWhenTheBotStops: while the store cannot be read, an edit
// of a message this process does not remember waits for it. The bot stops before
// the store answers a read (its writes go through): the edit is queued with what
// it lists, as one that cannot wait is, and the shutdown's drain writes it (it
// was given up and lost: the stored message kept the text the member had
// replaced, where before edits waited it was queued).
func TestWaitingEditQueuedWhenTheBotStops(t *testing.T) {
	msg := message(chGeneral, userAlice, []string{roleMember}, "the import fails")
	f, a, sink, stop, logs := overUnreadableLogged(t, msg)
	key := "discord/" + guild + "/" + msg["id"].(string)
	waitFor(t, "the session's catch-up", 20*time.Second, func() bool {
		return strings.Contains(logs.String(), "discord catch-up after a fresh gateway session")
	})

	sink.fail.Store(true)
	f.fake.Dispatch("MESSAGE_UPDATE", editedTo(msg, "the import fails since Monday", time.Now()))
	f.eventually("the edit waiting", func() bool { return a.reactionsWaiting.Load() == 1 })
	stop()
	got, _, err := f.st.Newest(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "the import fails since Monday" {
		t.Errorf("an edit waiting for the store as the bot stopped: stored %q, want the edit's text", got.Text)
	}
}

// TestStaffEditHoldsTheGatewayNoLongerThanItsCapture: Redis stops answering (a
// read waits out its context). A staff member edits an answer captured before
// this process started: capture reads its captured version for the account
// (staffAccount), within the capture's bound (captureTimeout). The edit's read
// of that version for the counts (react) is within the same bound, as it was
// under keepCaptured: with a fresh 10 s of its own it held the gateway's reader,
// and every event behind it (a customer's message here), that much longer.
func TestStaffEditHoldsTheGatewayNoLongerThanItsCapture(t *testing.T) {
	old := captureTimeout
	captureTimeout = time.Second
	t.Cleanup(func() { captureTimeout = old })
	answer := message(chGeneral, userStaff, []string{roleStaff}, "we are looking at the export")
	f, a, sink, stop, logs := overUnreadableLogged(t, answer)
	waitFor(t, "the session's catch-up", 20*time.Second, func() bool {
		return strings.Contains(logs.String(), "discord catch-up after a fresh gateway session")
	})

	sink.hang.Store(true)
	start := time.Now()
	f.fake.Dispatch("MESSAGE_UPDATE", editedTo(answer, "we are looking at the CSV export", time.Now()))
	next := message(chGeneral, userAlice, []string{roleMember}, "any news?")
	f.fake.Dispatch("MESSAGE_CREATE", next)
	nextKey := "discord/" + guild + "/" + next["id"].(string)
	// (the edit's capture takes its 1 s; the edit's own read took 10 s more, past
	// the fake gateway's heartbeats: discordgo reconnected, and the message behind
	// the edit was lost with the session)
	for end := start.Add(6 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, found, err := f.st.Newest(context.Background(), nextKey); err == nil && found {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the message behind a staff edit not captured in %v with Redis not answering: the edit held the gateway's reader past its capture's %v",
				time.Since(start).Round(time.Second), captureTimeout)
		}
	}
	sink.hang.Store(false)
	settled(t, a, stop)
	key := "discord/" + guild + "/" + answer["id"].(string)
	if got, _, err := f.st.Newest(context.Background(), key); err != nil || got.Text != "we are looking at the CSV export" {
		t.Errorf("the edit: stored %q (%v), want the edit's text (it waits for the store)", got.Text, err)
	}
}

// TestDeletedChannelTakesTheMessageItsWaitingEditCaptures: Redis is away. A
// member edits a message this process never captured (sent while it was down):
// the edit waits for the store, and would capture it for the first time. Then the
// channel is deleted: its messages wait for the store too (purge). Once Redis is
// back, the message the edit captured is deleted with its channel (it stayed,
// quotable: purge read the messages queued here before the edit was, and the
// store's listing, which holds no message not analysed yet; before edits waited,
// the edit was queued at once, and purge found it).
func TestDeletedChannelTakesTheMessageItsWaitingEditCaptures(t *testing.T) {
	stored := message(chGeneral, userAlice, []string{roleMember}, "the export fails")
	f, a, sink, stop, logs := overUnreadableLogged(t, stored)
	waitFor(t, "the session's catch-up", 20*time.Second, func() bool {
		return strings.Contains(logs.String(), "discord catch-up after a fresh gateway session")
	})
	sink.fail.Store(true)
	sink.failList.Store(true)
	unseen := message(chGeneral, userAlice, []string{roleMember}, "my card ending 4242 was charged twice")
	f.fake.Dispatch("MESSAGE_UPDATE", editedTo(unseen, "my card ending 4242 was charged twice in May", time.Now()))
	f.eventually("the edit waiting", func() bool { return a.reactionsWaiting.Load() == 1 })
	f.fake.Dispatch("CHANNEL_DELETE", map[string]any{"id": chGeneral, "guild_id": guild, "type": 0})
	waitFor(t, "the purge waiting", 20*time.Second, func() bool {
		return strings.Contains(logs.String(), "the messages of a deleted channel wait for the store")
	})

	sink.failList.Store(false)
	sink.fail.Store(false)
	waitFor(t, "the purge done", 30*time.Second, func() bool {
		return strings.Contains(logs.String(), "deleted the messages of a deleted channel")
	})
	settled(t, a, stop)
	for _, m := range []map[string]any{stored, unseen} {
		key := "discord/" + guild + "/" + m["id"].(string)
		if got, found, err := f.st.Newest(context.Background(), key); err != nil || found {
			t.Errorf("a message of the deleted channel: stored %v %q (%v), want it deleted", found, got.Text, err)
		}
	}
}

// heldReads is a store whose listings wait until listing is closed (catch-up's
// start), saying on listed that one waits, and whose first read of a message's newest version once hold is set
// waits until release is closed, saying on held that it waits.
type heldReads struct {
	store.Store
	listing, held, release chan struct{}
	listed                 chan struct{} // said on when a listing waits
	hold                   atomic.Bool
}

func (h *heldReads) Messages(ctx context.Context, q store.Query) ([]store.Stored, error) {
	select {
	case h.listed <- struct{}{}:
	default:
	}
	select {
	case <-h.listing:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return h.Store.Messages(ctx, q)
}

func (h *heldReads) Newest(ctx context.Context, key string) (feedbackbot.Message, bool, error) {
	if h.hold.CompareAndSwap(true, false) {
		select {
		case h.held <- struct{}{}:
		default:
		}
		select {
		case <-h.release:
		case <-ctx.Done():
			return feedbackbot.Message{}, false, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "redis newest: %v", ctx.Err())
		}
	}
	return h.Store.(interface {
		Newest(ctx context.Context, key string) (feedbackbot.Message, bool, error)
	}).Newest(ctx, key)
}

// TestReactionBeingReadNotCountedAgainOverCatchUpsCopy: a member's 👍 to a
// message this process does not remember reads the message's captured version
// from a slow store; catch-up meanwhile reads Discord's copy of the message
// (edited while the bot was down), whose counts hold the 👍, and queues it. The
// 👍 is not counted again over the copy (it was: 👍 2, for one reaction; only a
// reaction waiting for the store after a failed read was left out).
func TestReactionBeingReadNotCountedAgainOverCatchUpsCopy(t *testing.T) {
	msg := message(chGeneral, userAlice, []string{roleMember}, "the export fails")
	id := msg["id"].(string)
	key := "discord/" + guild + "/" + id
	f := newFixture(t, testConfig(), nil)
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
	copied := editedTo(msg, "the export fails for CSV", time.Now())
	copied["reactions"] = []map[string]any{{"emoji": map[string]any{"name": "👍"}, "count": 1}}
	f.fake.Offline("MESSAGE_UPDATE", copied)

	sink := &heldReads{Store: f.st, listing: make(chan struct{}), listed: make(chan struct{}, 1), held: make(chan struct{}, 1), release: make(chan struct{})}
	sink.hold.Store(true)
	var once sync.Once
	free := func() {
		once.Do(func() {
			close(sink.release)
			select {
			case <-sink.listing:
			default:
				close(sink.listing)
			}
		})
	}
	t.Cleanup(free)
	logs := &lockedBuffer{}
	cfg := testConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(testWriter{t}, logs), nil))
	a, err := New(cfg, sink, nil)
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
	stop := sync.OnceFunc(func() { free(); cancel(); <-done })
	t.Cleanup(stop)
	select {
	case <-sink.listed: // catch-up started: it reads the page after what comes now
	case <-time.After(20 * time.Second):
		t.Fatal("catch-up never listed the stored messages")
	}

	f.fake.Dispatch("MESSAGE_REACTION_ADD", map[string]any{"user_id": userBob, "message_id": id, "channel_id": chGeneral, "guild_id": guild,
		"emoji": map[string]any{"name": "👍"}, "member": map[string]any{"user": map[string]any{"id": userBob}, "roles": []string{roleMember}}})
	select {
	case <-sink.held:
	case <-time.After(20 * time.Second):
		t.Fatal("the reaction never read the store")
	}
	close(sink.listing) // catch-up goes on: it reads Discord's copy, with the 👍
	waitFor(t, "the session's catch-up", 20*time.Second, func() bool {
		return strings.Contains(logs.String(), "discord catch-up after a fresh gateway session")
	})
	free()
	settled(t, a, stop)
	got, _, err := f.st.Newest(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "the export fails for CSV" || !maps.Equal(got.Reactions, map[string]int{"👍": 1}) {
		t.Errorf("a 👍 being read, then Discord's copy counting it: stored %q with %v, want the copy's text with 👍 1", got.Text, got.Reactions)
	}
}

// refusedReads is a sink whose reads of a message fail as unavailable (a Redis
// that refuses them), and that lists no messages.
type refusedReads struct{}

func (refusedReads) Append(context.Context, ...feedbackbot.Event) (int, error) { return 0, nil }
func (refusedReads) Message(context.Context, string) (store.Stored, error) {
	return store.Stored{}, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "redis message: connection refused")
}

// TestPurgeTakesTheEditGivenUpWhileItLooks: the store cannot be read and the bot
// is stopping: an edit of a message this process does not remember is given up
// at once, queued with what it lists, and the capture queue is full (the
// outage). Its channel's purge runs after it stopped waiting but before it is
// queued: the message it captures must still be deleted (purge read neither the
// waiting edits, where it no longer was, nor the messages queued, where it was
// not yet).
func TestPurgeTakesTheEditGivenUpWhileItLooks(t *testing.T) {
	cfg := testConfig()
	cfg.CaptureQueue = 1
	a, err := New(cfg, refusedReads{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.stopBase() // stopping: the edit cannot wait
	a.queue <- feedbackbot.Event{Kind: feedbackbot.EventPut, Message: feedbackbot.Message{ID: "1", Platform: feedbackbot.PlatformDiscord, Workspace: guild, Channel: chGeneral}}
	edit := feedbackbot.Message{ID: "1200000000000000777", Platform: feedbackbot.PlatformDiscord, Workspace: guild, Channel: chGeneral,
		Text: "my card ending 4242 was charged twice in May", Time: time.Now(), EditedAt: time.Now()}
	edited := make(chan struct{})
	go func() {
		defer close(edited)
		a.changed(context.Background(), edit.Key(), edit.ID, waitingChange{edit: &edit})
	}()
	waitFor(t, "the edit given up, its queueing waiting for room", 5*time.Second, func() bool {
		a.waitMu.Lock()
		gone := a.changeSeq.Load() == 1 && a.waiting[edit.Key()] == nil
		a.waitMu.Unlock()
		if !gone || a.captureMu.TryRLock() && func() bool { a.captureMu.RUnlock(); return true }() {
			return false
		}
		return true
	})
	purged := make(chan int, 1)
	go func() {
		n, _ := a.purge(context.Background(), "channel", guild, chGeneral, time.Time{}, func(m feedbackbot.Message) bool { return m.Channel == chGeneral })
		purged <- n
	}()
	select { // (a purge that does not wait for the edit's queueing is done by then)
	case <-purged:
	case <-time.After(300 * time.Millisecond):
	}
	var events []feedbackbot.Event
	for done := false; !done; {
		select {
		case ev := <-a.queue:
			events = append(events, ev)
		case <-time.After(time.Second):
			done = true
		}
	}
	<-edited
	deleted := false
	for _, ev := range events {
		if ev.Kind == feedbackbot.EventDelete && ev.Message.ID == edit.ID {
			deleted = true
		}
	}
	if !deleted {
		t.Errorf("the channel's purge ran while an edit given up waited to be queued: events %d, none deletes the message it captures (it stays stored, quotable)", len(events))
	}
}

// slowRead is a sink whose first read of a message waits until release is
// closed (saying on held that it waits), and which holds one message, with a 👍.
type slowRead struct {
	msg           feedbackbot.Message
	held, release chan struct{}
	once          sync.Once
	refuse        atomic.Bool // (reads fail as unavailable while set)
}

func (s *slowRead) Append(context.Context, ...feedbackbot.Event) (int, error) { return 0, nil }
func (s *slowRead) Message(ctx context.Context, key string) (store.Stored, error) {
	s.once.Do(func() { close(s.held); <-s.release })
	if s.refuse.Load() {
		return store.Stored{}, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "redis message: connection refused")
	}
	if key != s.msg.Key() {
		return store.Stored{}, feedbackbot.Errorf(feedbackbot.ENOTFOUND, "no message %s", key)
	}
	return store.Stored{Message: s.msg}, nil
}

// TestReactionDuringAFirstTryIsApplied: a reaction's first read of the message
// is slow (the gateway's reader is held by it: a session reopened meanwhile has a
// reader of its own). Another reaction to the message arrives then, and waits
// behind it. The first read answers: both are applied (the second was forgotten
// with the entry the first try held, neither applied nor counted as given up).
func TestReactionDuringAFirstTryIsApplied(t *testing.T) {
	sink := &slowRead{msg: feedbackbot.Message{ID: "1200000000000000778", Platform: feedbackbot.PlatformDiscord, Workspace: guild,
		Channel: chGeneral, Text: "the export fails", Time: time.Now(), Reactions: map[string]int{"👍": 1}},
		held: make(chan struct{}), release: make(chan struct{})}
	a, err := New(testConfig(), sink, nil)
	if err != nil {
		t.Fatal(err)
	}
	add := func(name string) func(map[string]int) { return func(c map[string]int) { c[name]++ } }
	first := make(chan struct{})
	go func() {
		defer close(first)
		a.reactions(guild, sink.msg.ID, add("✅"))
	}()
	<-sink.held
	a.reactions(guild, sink.msg.ID, add("👀")) // (waits behind the first)
	close(sink.release)
	<-first
	want := map[string]int{"👍": 1, "✅": 1, "👀": 1}
	var got map[string]int
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		a.captureMu.RLock()
		m, _, _ := a.recent.Get(sink.msg.Key())
		a.captureMu.RUnlock()
		if got = m.Reactions; maps.Equal(got, want) || time.Now().After(end) {
			break
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("a reaction that arrived during another's first try: reactions %v, want %v", got, want)
	}
	a.stopBase()
	a.wg.Wait()
}

// TestChangesDuringAFailedFirstTryKeepTheirOrder: a reaction's first read is
// slow, and fails (the store is away); a moderator removes all the message's
// reactions meanwhile (another reader's event), which waits behind it. Once the
// store is back, they apply in Discord's order: none is left (the failed first
// change waited behind the later one, and the 👀 removed came back).
func TestChangesDuringAFailedFirstTryKeepTheirOrder(t *testing.T) {
	sink := &slowRead{msg: feedbackbot.Message{ID: "1200000000000000779", Platform: feedbackbot.PlatformDiscord, Workspace: guild,
		Channel: chGeneral, Text: "the export fails", Time: time.Now(), Reactions: map[string]int{"👍": 1}},
		held: make(chan struct{}), release: make(chan struct{})}
	sink.refuse.Store(true)
	a, err := New(testConfig(), sink, nil)
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan struct{})
	go func() {
		defer close(first)
		a.reactions(guild, sink.msg.ID, func(c map[string]int) { c["👀"]++ })
	}()
	<-sink.held
	a.reactions(guild, sink.msg.ID, func(c map[string]int) { clear(c) })
	close(sink.release)
	<-first
	sink.refuse.Store(false)
	waitFor(t, "the changes applied", 5*time.Second, func() bool { return a.reactionsWaiting.Load() == 0 })
	a.captureMu.RLock()
	m, ok, _ := a.recent.Get(sink.msg.Key())
	a.captureMu.RUnlock()
	if !ok || len(m.Reactions) != 0 {
		t.Errorf("a reaction, then a removal of all while its first read failed: found %v, reactions %v, want none", ok, m.Reactions)
	}
	a.stopBase()
	a.wg.Wait()
}
