package bolt

import (
	"testing"

	"github.com/feedbackbot/feedbackbot/store"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

func openTest(t *testing.T, dir string, opts Options) *Store {
	t.Helper()
	if opts.ClaimIdle == 0 {
		opts.ClaimIdle = storetest.ClaimIdle
	}
	s, err := Open(t.Context(), dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t, t.TempDir(), Options{}) })
}
