package bot

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestFinishContext: a batch's finishing context outlives the service's for the
// grace period only after the service's ends; while the service runs, a store that
// stays down longer than the grace is waited for (a 30-second outage used to end the
// worker, and with it the replica).
func TestFinishContext(t *testing.T) {
	ctx, stopService := context.WithCancel(context.Background())
	defer stopService()
	stopped := make(chan struct{})
	finish, cancel := finishContext(ctx, 50*time.Millisecond, func() { close(stopped) })
	defer cancel()
	select {
	case <-finish.Done():
		t.Fatal("the finishing context ended while the service runs")
	case <-time.After(200 * time.Millisecond): // four times the grace
	}
	start := time.Now()
	stopService()
	<-stopped
	select {
	case <-finish.Done():
		if took := time.Since(start); took < 50*time.Millisecond {
			t.Errorf("ended %v after the service, before the grace", took)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the finishing context outlived the grace")
	}
	// Released early, it ends at once.
	f2, cancel2 := finishContext(context.Background(), time.Hour, func() {})
	cancel2()
	if f2.Err() == nil {
		t.Error("cancel did not end the finishing context")
	}
}

// TestFinishContextReleaseWaitsForOnStop: where the service ended while a batch
// finished, the release waits for onStop (the worker's "finishing the batch in
// flight" log line) to end, so nothing of the batch outlives it: the line was
// written after the import command had gone on to write to the same output, a
// race CI's -race run found (TestImportInterruptedSaysWhatItDid).
func TestFinishContextReleaseWaitsForOnStop(t *testing.T) {
	ctx, stopService := context.WithCancel(context.Background())
	started, release := make(chan struct{}), make(chan struct{})
	var ended atomic.Bool
	_, cancel := finishContext(ctx, time.Hour, func() {
		close(started)
		<-release
		ended.Store(true)
	})
	stopService()
	<-started
	time.AfterFunc(50*time.Millisecond, func() { close(release) })
	cancel()
	if !ended.Load() {
		t.Error("released while onStop still ran")
	}
}
