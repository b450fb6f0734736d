package discordadapter

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// hangingReads is a store whose reads hang (Redis accepting, never answering) while
// hang is set, then fail as unavailable when the read's deadline passes.
type hangingReads struct {
	store.Store
	hang atomic.Bool
}

func (h *hangingReads) Newest(ctx context.Context, key string) (feedbackbot.Message, bool, error) {
	if h.hang.Load() {
		<-ctx.Done()
		return feedbackbot.Message{}, false, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "redis newest: %v", ctx.Err())
	}
	return feedbackbot.Message{}, false, nil
}

// TestWaitingReactionDoesNotHoldTheGatewayReader: a reaction waiting for a store
// that hangs reads it without holding captureMu, so a new message's handler
// (enqueue, on the gateway's reader) is not held for the read's 10 s on each retry
// (it was, for the whole outage: a review's find).
func TestWaitingReactionDoesNotHoldTheGatewayReader(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	f.stop()
	sink := &hangingReads{Store: f.st}
	cfg := testConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
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
	defer func() { cancel(); <-done }()
	f.eventually("guild in state", func() bool { _, err := a.s.State.Guild(guild); return err == nil })

	sink.hang.Store(true)
	f.fake.Dispatch("MESSAGE_REACTION_ADD", map[string]any{"user_id": userAlice, "message_id": "1299999999999999999", "channel_id": chGeneral, "guild_id": guild,
		"emoji": map[string]any{"name": "👍"}, "member": map[string]any{"user": map[string]any{"id": userAlice}, "roles": []string{roleMember}}})
	// the reaction's own event holds the reader for its first read (10 s); then it waits on its goroutine
	for end := time.Now().Add(20 * time.Second); a.reactionsWaiting.Load() != 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the reaction never waited")
		}
	}
	time.Sleep(500 * time.Millisecond)
	m := message(chGeneral, userAlice, []string{roleMember}, "the export fails again")
	sent := time.Now()
	f.fake.Dispatch("MESSAGE_CREATE", m)
	for a.recent.Len() == 0 && time.Since(sent) < 15*time.Second {
		time.Sleep(10 * time.Millisecond)
	}
	if took := time.Since(sent); took > 2*time.Second {
		t.Fatalf("a new message, sent while one reaction waits (on its own goroutine) for a hanging store, was queued after %s: the gateway reader was held", took.Round(100*time.Millisecond))
	}
}
