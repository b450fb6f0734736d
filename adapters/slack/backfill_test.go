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

// TestBackfillFindsOlderThreadsAnsweredInThePeriod: conversations.history lists a
// thread under its first message only, so a customer's reply of the period to a
// thread started before it was never fetched. With ThreadLookback the run then pages
// the time before Since and fetches the period's replies of the threads answered
// since (not the old parent, not the old replies, nor threads quiet since); a run
// stopped in that step resumes there, without paging the period again.
func TestBackfillFindsOlderThreadsAnsweredInThePeriod(t *testing.T) {
	since, now := time.Unix(1700000000, 0), time.Unix(1700100000, 0)
	var mu sync.Mutex
	var asked []url.Values
	var failReplies atomic.Bool
	failReplies.Store(true)
	f := newFixture(t, func(c slacktest.Customize) {
		c.Handle("/conversations.history", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			mu.Lock()
			asked = append(asked, r.Form)
			mu.Unlock()
			var msgs []map[string]any
			if r.Form.Get("oldest") == slackTS(since) { // the period itself
				msgs = []map[string]any{{"type": "message", "user": "XDANA", "user_team": "TACME", "text": "new question", "ts": "1700050000.000100"}}
			} else { // the lookback: newest first
				msgs = []map[string]any{
					{"type": "message", "user": "XDANA", "user_team": "TACME", "text": "quiet thread", "ts": "1699900000.000100", "thread_ts": "1699900000.000100",
						"reply_count": 1, "latest_reply": "1699900100.000100"},
					{"type": "message", "user": "XDANA", "user_team": "TACME", "text": "old thread", "ts": "1699800000.000100", "thread_ts": "1699800000.000100",
						"reply_count": 2, "latest_reply": "1700060000.000100"},
				}
			}
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "messages": msgs, "has_more": false})
		})
		c.Handle("/conversations.replies", func(w http.ResponseWriter, r *http.Request) {
			if failReplies.Load() {
				json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "internal_error"})
				return
			}
			r.ParseForm()
			if r.Form.Get("ts") != "1699800000.000100" {
				t.Errorf("replies asked of %s, a thread with no reply in the period", r.Form.Get("ts"))
			}
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "has_more": false, "messages": []map[string]any{
				{"type": "message", "user": "XDANA", "user_team": "TACME", "text": "old thread", "ts": "1699800000.000100", "thread_ts": "1699800000.000100"},
				{"type": "message", "user": "UMARIA", "user_team": home, "text": "old answer", "ts": "1699800100.000100", "thread_ts": "1699800000.000100"},
				{"type": "message", "user": "XDANA", "user_team": "TACME", "text": "this broke again", "ts": "1700060000.000100", "thread_ts": "1699800000.000100"},
			}})
		})
	})
	ctx := context.Background()
	opts := BackfillOptions{Channel: "CACME", Since: since, Now: now, Cursors: f.st, ThreadLookback: 30 * 24 * time.Hour}
	if _, err := f.a.Backfill(ctx, opts); err == nil || !strings.Contains(err.Error(), "run again to resume") {
		t.Fatalf("a failing replies call: %v", err)
	}
	mu.Lock()
	periodPages := len(asked)
	mu.Unlock()
	failReplies.Store(false)
	sum, err := f.a.Backfill(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Resumed || sum.OlderThreads != 1 || sum.Appended != 1 {
		t.Errorf("resumed run: %+v; want it resumed in the lookback, one older thread, its one reply of the period new", sum)
	}
	mu.Lock()
	for _, q := range asked[periodPages:] {
		if q.Get("oldest") == slackTS(since) {
			t.Errorf("the resumed run paged the period again: %v", q)
		}
	}
	mu.Unlock()
	if s, ok := f.stored(key("CACME", "1700060000.000100")); !ok || s.Message.Thread != "CACME:1699800000.000100" || s.Message.Account != "TACME" {
		t.Errorf("the period's reply to an older thread: %+v, %v", s.Message, ok)
	}
	if _, ok := f.stored(key("CACME", "1700050000.000100")); !ok {
		t.Error("the period's own message is missing")
	}
	for _, ts := range []string{"1699800000.000100", "1699800100.000100", "1699900000.000100"} {
		if _, ok := f.stored(key("CACME", ts)); ok {
			t.Errorf("%s, from before the period, was captured", ts)
		}
	}
}
