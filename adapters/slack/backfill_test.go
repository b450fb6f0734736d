package slackadapter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"
)

// history serves three pages of a channel, answers one thread's replies, and rate
// limits the very first call.
func history(cursors *[]string, mu *sync.Mutex, calls *atomic.Int64) slacktest.Binder {
	page := func(n int, msgs ...map[string]any) map[string]any {
		next := ""
		if n < 3 {
			next = fmt.Sprintf("p%d", n+1)
		}
		return map[string]any{"ok": true, "messages": msgs, "has_more": next != "", "response_metadata": map[string]any{"next_cursor": next}}
	}
	pages := map[string]map[string]any{
		"": page(1,
			map[string]any{"type": "message", "user": "XDANA", "user_team": "TACME", "text": "export broken", "ts": "1700000300.000100", "reply_count": 1, "thread_ts": "1700000300.000100"},
			map[string]any{"type": "message", "user": "UMARIA", "user_team": home, "text": "hi team", "ts": "1700000200.000100"}),
		"p2": page(2, map[string]any{"type": "message", "subtype": "channel_join", "user": "UNEW", "text": "joined", "ts": "1700000150.000100"},
			map[string]any{"type": "message", "user": "XMARCO", "user_team": "TACME", "text": "any update?", "ts": "1700000100.000100"}),
		"p3": page(3, map[string]any{"type": "message", "user": "XDANA", "user_team": "TACME", "text": "first message", "ts": "1700000000.000100"}),
	}
	return func(c slacktest.Customize) {
		c.Handle("/conversations.history", func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			r.ParseForm()
			mu.Lock()
			*cursors = append(*cursors, r.Form.Get("cursor"))
			mu.Unlock()
			json.NewEncoder(w).Encode(pages[r.Form.Get("cursor")])
		})
		c.Handle("/conversations.replies", func(w http.ResponseWriter, r *http.Request) {
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "has_more": false, "messages": []map[string]any{
				{"type": "message", "user": "XDANA", "user_team": "TACME", "text": "export broken", "ts": "1700000300.000100", "thread_ts": "1700000300.000100"},
				{"type": "message", "user": "UMARIA", "user_team": home, "text": "fix is rolling out", "ts": "1700000400.000100", "thread_ts": "1700000300.000100"},
			}})
		})
	}
}

func TestBackfillPagesThreadsRateLimitAndResume(t *testing.T) {
	var cursors []string
	var mu sync.Mutex
	var calls atomic.Int64
	f := newFixture(t, history(&cursors, &mu, &calls))
	ctx := context.Background()
	since, now := time.Unix(1699990000, 0), time.Unix(1700010000, 0)
	var out bytes.Buffer
	sum, err := f.a.Backfill(ctx, BackfillOptions{Channel: "CACME", Since: since, Now: now, Progress: &out, Cursors: f.st, PageSize: 2, CallsPerMinute: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Pages != 3 || sum.Messages != 5 || sum.Threads != 1 || sum.Appended != 5 {
		t.Fatalf("summary %+v", sum)
	}
	if !strings.Contains(out.String(), "about") || !strings.Contains(out.String(), "per 1,000 messages") || !strings.Contains(out.String(), "Done") {
		t.Fatalf("no estimate or progress: %q", out.String())
	}
	reply, ok := f.stored(key("CACME", "1700000400.000100"))
	if !ok || reply.Message.Thread != "CACME:1700000300.000100" || reply.Message.Account != "TACME" {
		t.Fatalf("thread reply: %+v", reply.Message)
	}
	// Interrupted after page 1: the next run resumes from the saved cursor.
	raw, _ := json.Marshal(backfillCursor{Since: since, Cursor: "p2"})
	f.st.PutDoc(ctx, home, docBackfill, "CACME", raw)
	mu.Lock()
	cursors = nil
	mu.Unlock()
	again, err := f.a.Backfill(ctx, BackfillOptions{Channel: "CACME", Since: since, Now: now, Cursors: f.st, PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Resumed || again.Pages != 2 || again.Appended != 0 || cursors[0] != "p2" {
		t.Fatalf("resume: %+v cursors %v", again, cursors)
	}
}

// TestBackfillKeepsStaffAccounts: in a channel shared with two organisations, a
// back-fill files a staff answer under the customer it answered (pages come newest
// first: it took the customer who wrote next), and one captured live keeps the
// account it was captured with (a review saw TACME's answer become TOTHER's).
func TestBackfillKeepsStaffAccounts(t *testing.T) {
	page := []map[string]any{ // newest first, as Slack lists them
		{"type": "message", "user": "OLIN", "user_team": "TOTHER", "text": "same question here", "ts": "1700000300.000100"},
		{"type": "message", "user": "UMARIA", "user_team": home, "text": "Settings, then Export", "ts": "1700000200.000100"},
		{"type": "message", "user": "XDANA", "user_team": "TACME", "text": "how do I export?", "ts": "1700000100.000100"},
	}
	f := newFixture(t, func(c slacktest.Customize) {
		c.Handle("/conversations.history", func(w http.ResponseWriter, r *http.Request) {
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "messages": page, "has_more": false})
		})
	})
	ctx := context.Background()
	since, now := time.Unix(1699990000, 0), time.Unix(1700010000, 0)
	// C1 was captured live, CNEW never.
	for i, m := range slices.Backward(page) {
		ev := maps.Clone(m)
		ev["channel"] = "C1"
		f.event(fmt.Sprintf("E%d", i), ev)
	}
	b := f.replica()
	for _, ch := range []string{"C1", "CNEW"} {
		if _, err := b.a.Backfill(ctx, BackfillOptions{Channel: ch, Since: since, Now: now}); err != nil {
			t.Fatal(err)
		}
		if s, ok := f.stored(key(ch, "1700000200.000100")); !ok || s.Message.Account != "TACME" {
			t.Errorf("%s: the staff answer counts for %q after the back-fill, want TACME", ch, s.Message.Account)
		}
	}
}

// TestBackfillResumesTheLastRunsPeriod: the command asks for "the last 30 days" as
// of each run, so a second run's Since is a little later than the first's; it
// matched the stored position exactly or not at all, and every run of the command
// started again from the first page (a review's find). A run that reaches further
// back than the stored one starts afresh.
func TestBackfillResumesTheLastRunsPeriod(t *testing.T) {
	for _, c := range []struct {
		name   string
		since  time.Duration // before the second run
		resume bool
	}{{"the same 30 days, 90 s later", 30 * 24 * time.Hour, true}, {"60 days: further back", 60 * 24 * time.Hour, false}} {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			var asked []url.Values
			f := newFixture(t, func(cz slacktest.Customize) {
				cz.Handle("/conversations.history", func(w http.ResponseWriter, r *http.Request) {
					r.ParseForm()
					mu.Lock()
					asked = append(asked, r.Form)
					mu.Unlock()
					json.NewEncoder(w).Encode(map[string]any{"ok": true, "messages": []any{}, "has_more": false})
				})
			})
			ctx := context.Background()
			run1 := time.Unix(1700010000, 0)
			raw, _ := json.Marshal(backfillCursor{Since: run1.Add(-30 * 24 * time.Hour), Until: run1, Cursor: "p2"})
			if err := f.st.PutDoc(ctx, home, docBackfill, "CACME", raw); err != nil {
				t.Fatal(err)
			}
			run2 := run1.Add(90 * time.Second)
			sum, err := f.a.Backfill(ctx, BackfillOptions{Channel: "CACME", Since: run2.Add(-c.since), Now: run2, Cursors: f.st})
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(asked) == 0 {
				t.Fatal("no history asked")
			}
			first := asked[0]
			if c.resume {
				if !sum.Resumed || first.Get("cursor") != "p2" || first.Get("oldest") != slackTS(run1.Add(-30*24*time.Hour)) || first.Get("latest") != slackTS(run1) {
					t.Errorf("resumed %v, first page asked %v; want the first run's cursor, oldest and latest", sum.Resumed, first)
				}
			} else if sum.Resumed || first.Get("cursor") != "" {
				t.Errorf("resumed %v, first page asked %v; want a fresh start", sum.Resumed, first)
			}
			// Either way the period asked for is covered up to its end: a resumed run
			// then asks for what was written since the stored run's end (it did not).
			last := asked[len(asked)-1]
			if last.Get("latest") != slackTS(run2) || last.Get("cursor") != "" {
				t.Errorf("the last page asked %v; want the time up to the second run's end, from its first page", last)
			}
		})
	}
}
