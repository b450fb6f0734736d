package bot_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/feedbackbot/feedbackbot/bot"
)

// TestLearnSecret: a workspace's learn secret is made once (also by two learns at
// once), read back the same, kept per workspace, and not made by a read.
func TestLearnSecret(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			if s, err := bot.LearnSecret(ctx, st, "T1", false); err != nil || s != nil {
				t.Fatalf("read before any learn: %x, %v; want none", s, err)
			}
			var wg sync.WaitGroup
			got := make([][]byte, 4)
			errs := make([]error, 4)
			for i := range got {
				wg.Go(func() { got[i], errs[i] = bot.LearnSecret(ctx, st, "T1", true) })
			}
			wg.Wait()
			for i := range got {
				if errs[i] != nil || len(got[i]) != 32 || !bytes.Equal(got[i], got[0]) {
					t.Fatalf("learn %d: %x, %v; want the one secret of 32 bytes", i, got[i], errs[i])
				}
			}
			if s, err := bot.LearnSecret(ctx, st, "T1", false); err != nil || !bytes.Equal(s, got[0]) {
				t.Errorf("read back: %x, %v", s, err)
			}
			if s, err := bot.LearnSecret(ctx, st, "T2", true); err != nil || bytes.Equal(s, got[0]) {
				t.Errorf("another workspace's: %x, %v; want its own", s, err)
			}
			if err := st.PutDoc(ctx, "T3", bot.DocLearnSecret, "hmac-sha256", []byte("not hex")); err != nil {
				t.Fatal(err)
			}
			if _, err := bot.LearnSecret(ctx, st, "T3", true); err == nil {
				t.Errorf("a damaged secret was read (or replaced)")
			}
		})
	}
}
