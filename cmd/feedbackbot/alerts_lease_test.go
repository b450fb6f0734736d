package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/config"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
)

// TestAlertsLeaseReleasedAtShutdown: the replica evaluating alerts gives up its
// lease when it stops, so another takes the alerts at its next tick rather than
// after the lease's 10 minutes.
func TestAlertsLeaseReleasedAtShutdown(t *testing.T) {
	st, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, stop := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		runAlerts(ctx, st, &bot.Alerter{Store: st}, config.Default(), slog.New(slog.DiscardHandler), replicaID())
	}()
	// runAlerts takes the lease at once (then waits five minutes for its next
	// tick); a probe after a second finds it held. Probing sooner could take the
	// lease first, and runAlerts would not try again within the test.
	time.Sleep(time.Second)
	if got, err := st.AcquireLease(t.Context(), "alerts", "other:1", time.Minute); err != nil || got {
		t.Fatalf("while runAlerts runs, another replica took the alerts lease: %v, %v", got, err)
	}
	stop()
	<-done
	if got, err := st.AcquireLease(t.Context(), "alerts", "other:1", time.Minute); err != nil || !got {
		t.Errorf("after the stop, another replica could not take the alerts lease: %v, %v", got, err)
	}
}
