package bot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// TestPeriodMessagesPagesThroughABusyInstant: a digest reads the period's messages a
// page (store.MaxQueryLimit) at a time; messages that share the instant a page ends
// on are all read once, none skipped and none twice, and the read stops at its bound.
func TestPeriodMessagesPagesThroughABusyInstant(t *testing.T) {
	const n = store.MaxQueryLimit + 300
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			var msgs []feedbackbot.Message
			for i := range n {
				at := now.Add(-time.Duration(i+1) * time.Second)
				if i >= store.MaxQueryLimit-10 && i < store.MaxQueryLimit+20 {
					at = now.Add(-time.Duration(store.MaxQueryLimit-9) * time.Second) // 30 messages at one instant across the page's end
				}
				msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C%d:%d", i%7, i), Platform: feedbackbot.PlatformSlack, Workspace: "T1",
					Channel: fmt.Sprintf("C%d", i%7), Author: "U1", Role: feedbackbot.RoleCustomer, Text: texts[i%len(texts)], Time: at})
			}
			captured(t, st, msgs...)
			req := bot.DigestRequest{Workspace: "T1", From: now.Add(-24 * time.Hour), To: now, Now: now}
			for _, tc := range []struct {
				max, want int
				partial   bool
			}{{5000, n, false}, {store.MaxQueryLimit, store.MaxQueryLimit, true}} {
				rows, partial, err := bot.PeriodMessages(ctx, st, req, tc.max)
				if err != nil {
					t.Fatal(err)
				}
				seen := map[string]bool{}
				for i, r := range rows {
					if seen[r.Message.Key()] {
						t.Fatalf("max %d: %s read twice", tc.max, r.Message.Key())
					}
					seen[r.Message.Key()] = true
					if i > 0 && r.Message.Time.After(rows[i-1].Message.Time) {
						t.Fatalf("max %d: row %d is newer than the one before it", tc.max, i)
					}
				}
				if len(rows) != tc.want || partial != tc.partial {
					t.Errorf("max %d: read %d messages (partial %v), want %d (partial %v)", tc.max, len(rows), partial, tc.want, tc.partial)
				}
			}
		})
	}
}
