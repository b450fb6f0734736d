package slackadapter

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/feedbackbot/feedbackbot"
)

// oneCallPerWait rate limits h as a busy workspace does: every other call is
// answered 429 (Retry-After 0, so the adapter waits its 100ms floor), so that each
// call goes through once it has waited. Past 40 calls it answers an error, so that
// code that pages from the start again after every 429 fails instead of hanging.
func oneCallPerWait(calls *atomic.Int64, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch n := calls.Add(1); {
		case n > 40:
			w.Write([]byte(`{"ok":false,"error":"too_many_calls_in_this_test"}`))
		case n%2 == 1:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			h(w, r)
		}
	}
}

// TestBackfillRepliesPageThroughRateLimits: a thread of more replies than a page,
// under a limit that lets one call through per wait, is back-filled whole; the
// rate-limited call keeps its cursor instead of starting again from page 1.
func TestBackfillRepliesPageThroughRateLimits(t *testing.T) {
	var calls atomic.Int64
	var mu sync.Mutex
	var served []string // the cursors of the replies pages served
	reply := func(ts string) map[string]any {
		return map[string]any{"type": "message", "user": "XDANA", "user_team": "TACME", "text": "reply " + ts, "ts": ts, "thread_ts": "1700000300.000100"}
	}
	thread := func(c slacktest.Customize) {
		c.Handle("/conversations.history", func(w http.ResponseWriter, r *http.Request) {
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "has_more": false, "messages": []map[string]any{
				{"type": "message", "user": "XDANA", "user_team": "TACME", "text": "export broken", "ts": "1700000300.000100", "reply_count": 4, "thread_ts": "1700000300.000100"}}})
		})
		c.Handle("/conversations.replies", oneCallPerWait(&calls, func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			cursor := r.Form.Get("cursor")
			mu.Lock()
			served = append(served, cursor)
			mu.Unlock()
			page := map[string]any{"ok": true, "has_more": true, "response_metadata": map[string]any{"next_cursor": "r2"}, "messages": []map[string]any{
				{"type": "message", "user": "XDANA", "user_team": "TACME", "text": "export broken", "ts": "1700000300.000100", "thread_ts": "1700000300.000100"},
				reply("1700000400.000100"), reply("1700000500.000100")}}
			if cursor == "r2" {
				page = map[string]any{"ok": true, "has_more": false, "messages": []map[string]any{reply("1700000600.000100"), reply("1700000700.000100")}}
			}
			json.NewEncoder(w).Encode(page)
		}))
	}
	f := newFixture(t, thread)
	sum, err := f.a.Backfill(context.Background(), BackfillOptions{Channel: "CACME", Since: time.Unix(1699990000, 0), Now: time.Unix(1700010000, 0)})
	if err != nil {
		t.Fatalf("back-fill: %v (replies pages served for cursors %q)", err, served)
	}
	if sum.Threads != 1 || sum.Appended != 5 {
		t.Fatalf("summary %+v; want the root and its 4 replies", sum)
	}
	if !slices.Equal(served, []string{"", "r2"}) {
		t.Errorf("replies pages served for cursors %q; want each page once", served)
	}
	for _, ts := range []string{"1700000400.000100", "1700000700.000100"} {
		if _, ok := f.stored(key("CACME", ts)); !ok {
			t.Errorf("reply %s not stored", ts)
		}
	}
}

// TestDestinationMembersPageThroughRateLimits: conversations.members of a channel
// of more members than a page, under a limit that lets one call through per wait, is
// read to its last page, where the guest that makes the channel unfit is.
func TestDestinationMembersPageThroughRateLimits(t *testing.T) {
	var calls atomic.Int64
	limited := func(c slacktest.Customize) {
		c.Handle("/conversations.members", oneCallPerWait(&calls, membersJSON))
	}
	f := newFixture(t, limited, conversationsInfo(nil))
	f.a.cfg.InternalChannels = append(f.a.cfg.InternalChannels, "CPAGED")
	err := f.a.CheckDestination(context.Background(), "CPAGED")
	if feedbackbot.ErrorCode(err) != feedbackbot.EUNAUTHORIZED || !strings.Contains(err.Error(), "RGUEST, a guest") {
		t.Fatalf("CheckDestination(CPAGED) = %v; want the guest on the second page found", err)
	}
	if n := calls.Load(); n != 4 {
		t.Errorf("%d conversations.members calls; want 4 (two pages, each after one 429)", n)
	}
}

// TestLookupsWaitOutRateLimits: users.info and usergroups.users.list are retried
// after a 429 like every other Web API call, so one rate limit neither fails a post's
// member check, nor a capture, nor tells staff they are not staff.
func TestLookupsWaitOutRateLimits(t *testing.T) {
	tests := []struct {
		name string
		// lookup is the limited call the case makes: users.info or usergroups.users.list.
		lookup string
		run    func(t *testing.T, f *fixture)
	}{
		{"post's member check", "users.info", func(t *testing.T, f *fixture) {
			if err := f.a.CheckDestination(context.Background(), "CINTERNAL"); err != nil {
				t.Fatalf("CheckDestination(CINTERNAL) = %v; want the staff channel accepted", err)
			}
		}},
		{"capture", "users.info", func(t *testing.T, f *fixture) {
			// No user_team: users.info says which team the author is of.
			if code := f.event("EvRL", map[string]any{"type": "message", "user": "XDANA", "channel": "C1", "ts": "1700000000.000100", "text": "hi"}); code != http.StatusOK {
				t.Fatalf("event status %d; want 200", code)
			}
			if s, ok := f.stored(key("C1", "1700000000.000100")); !ok || s.Message.Account != "TACME" {
				t.Fatalf("stored %+v (%v); want the customer's message of TACME", s.Message, ok)
			}
		}},
		{"staff command", "usergroups.users.list", func(t *testing.T, f *fixture) {
			f.a.cfg.StaffUserGroups = []string{"SCS"}
			// UMARIA was looked up a moment ago: only her staff group is asked.
			f.a.mu.Lock()
			f.a.userTeams["UMARIA"] = userInfo{team: home, name: "maria", at: time.Now()}
			f.a.mu.Unlock()
			_, body := f.post("/slack/commands", slash("UMARIA", home, "risk", "https://hooks.example/x"), "application/x-www-form-urlencoded", nil)
			if !strings.Contains(body, "ok: risk") {
				t.Fatalf("a member of the staff group was refused: %s", body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var users, groups atomic.Int64
			limited := func(c slacktest.Customize) {
				c.Handle("/users.info", oneCallPerWait(&users, usersJSON))
				c.Handle("/usergroups.users.list", oneCallPerWait(&groups, func(w http.ResponseWriter, r *http.Request) {
					w.Write([]byte(`{"ok":true,"users":["UMARIA"]}`))
				}))
			}
			f := newFixture(t, limited, conversationsInfo(nil))
			tt.run(t, f)
			calls := map[string]int64{"users.info": users.Load(), "usergroups.users.list": groups.Load()}
			if calls[tt.lookup] == 0 {
				t.Fatalf("%s was not called: the test checks nothing", tt.lookup)
			}
			for name, n := range calls {
				if n%2 != 0 {
					t.Errorf("%d %s calls; want each 429 followed by its retry", n, name)
				}
			}
		})
	}
}
