package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/config"
	"github.com/feedbackbot/feedbackbot/store"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// failingAlertSaves is a store whose writes of alerts fail while failing is
// set (the store away for a moment), counting them.
type failingAlertSaves struct {
	store.Store
	failing atomic.Bool
	failed  atomic.Int64
}

func (s *failingAlertSaves) PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error {
	if kind == bot.DocAlert && s.failing.Load() {
		s.failed.Add(1)
		return errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")
	}
	return s.Store.PutDoc(ctx, workspace, kind, id, data)
}

// TestAlertsPostedButNotSavedAreSavedAtShutdown: a replica's pass posts an alert
// whose save fails (the store away), and the replica is stopped (SIGTERM)
// before its next pass, five minutes on, would save it. runAlerts saves it as
// it stops: kept only in memory, it would go with the process, and another
// replica's pass would post the alert again beside this message.
func TestAlertsPostedButNotSavedAreSavedAtShutdown(t *testing.T) {
	st0, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{ClaimIdle: storetest.ClaimIdle})
	if err != nil {
		t.Fatal(err)
	}
	defer st0.Close()
	leaving31(t, st0, time.Now().UTC(), map[string][]string{"T1": {"acme"}})
	st := &failingAlertSaves{Store: st0}
	st.failing.Store(true)
	p := &handingPoster31{}
	cfg := config.Default()
	al := newAlerter(st, p, "CALERTS", cfg, nil)
	ctx, stop := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		runAlerts(ctx, st, al, cfg, slog.New(slog.DiscardHandler), "replica-a")
	}()
	for deadline := time.Now().Add(20 * time.Second); len(p.sent()) == 0 || st.failed.Load() == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("the pass posted %d alerts and failed %d saves; want a post whose save failed", len(p.sent()), st.failed.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	st.failing.Store(false) // the store is back; the next pass is five minutes away
	stop()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("runAlerts did not return once stopped")
	}
	docs, err := st0.ListDocs(context.Background(), "T1", bot.DocAlert)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 {
		t.Fatalf("%d alerts stored after the shutdown, want 1: the one posted", len(docs))
	}
	for _, raw := range docs {
		var a feedbackbot.Alert
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatal(err)
		}
		if len(a.Posts) != 1 || a.Posts[0].ID != "1" || a.NotifiedAt.IsZero() {
			t.Errorf("the stored alert names %+v, told at %v; want the message posted (1), told", a.Posts, a.NotifiedAt)
		}
	}
	if got := p.sent(); len(got) != 1 {
		t.Errorf("%d posts, want 1", len(got))
	}
}
