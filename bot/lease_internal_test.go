package bot

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// releaseFails is a real store whose lease releases fail while failing is set
// (Redis gone for a moment as a change finished).
type releaseFails struct {
	*redisstore.Store
	failing atomic.Bool
}

func (s *releaseFails) ReleaseLease(ctx context.Context, name, holder string) error {
	if s.failing.Load() {
		return errors.New("redis: connection refused")
	}
	return s.Store.ReleaseLease(ctx, name, holder)
}

// TestLeaseLeftByAFailedReleaseIsTakenAgainAtOnce: a change whose lease could
// not be released (the store away as it finished) leaves the lease held until
// its TTL; the process's next change of the same thing takes it at once as its
// holder, rather than waiting out the TTL of a lease it left itself, and
// releases it. Another holder still waits for it meanwhile.
func TestLeaseLeftByAFailedReleaseIsTakenAgainAtOnce(t *testing.T) {
	ctx := t.Context()
	client, prefix := redistest.Client(t)
	st := &releaseFails{Store: redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle})}
	name := "alert:T1:" + prefix // (unique to the test: the left leases are the process's)
	st.failing.Store(true)
	if err := withLease(ctx, st, name, "alert x", func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	st.failing.Store(false)
	if got, err := st.AcquireLease(ctx, name, "another replica", alertLeaseTTL); err != nil || got {
		t.Fatalf("another holder took the lease left unreleased: %v, %v; want it held until its TTL", got, err)
	}
	// (well within the 10 s TTL the process would otherwise wait out)
	soon, cancel := context.WithTimeout(ctx, alertLeaseTTL/2)
	defer cancel()
	ran := false
	err := withLease(soon, st, name, "alert x", func() error {
		ran = true
		if got, err := st.AcquireLease(ctx, name, "another replica", alertLeaseTTL); err != nil || got {
			t.Errorf("another holder took the lease while the change held it: %v, %v", got, err)
		}
		return nil
	})
	if err != nil || !ran {
		t.Fatalf("the next change of the same alert: %v (ran %v); want it to take the lease it left at once", err, ran)
	}
	if got, err := st.AcquireLease(ctx, name, "another replica", alertLeaseTTL); err != nil || !got {
		t.Errorf("the lease after the change: %v, %v; want it released", got, err)
	}
	if _, left := unreleased.Load(name); left {
		t.Errorf("the lease is still listed as left unreleased")
	}
}
