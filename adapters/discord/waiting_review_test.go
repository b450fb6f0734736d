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
