package slackadapter

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/feedbackbot/feedbackbot"
)

// TestThreadRepliesAfterALateParentCountForIt: Slack delivers a staff reply in a
// customer's thread before the question it answers; that reply can only count for
// the channel's last customer, and the thread was remembered as having no customer,
// so its later replies, after the question arrived and another organisation's
// customer wrote, counted for that other customer too. They count for the
// question's customer now.
func TestThreadRepliesAfterALateParentCountForIt(t *testing.T) {
	f := newFixture(t)
	const parent = "1700000000.000200"
	f.event("E1", map[string]any{"type": "message", "user": "OBEN", "user_team": "TOTHER", "channel": "C1", "ts": "1700000000.000100", "text": "is the API down?"})
	f.event("E3", map[string]any{"type": "message", "user": "UMARIA", "channel": "C1", "ts": "1700000000.000300", "thread_ts": parent, "text": "Settings, then Export"})
	f.event("E2", map[string]any{"type": "message", "user": "XDANA", "user_team": "TACME", "channel": "C1", "ts": parent, "text": "how do I export to CSV?"})
	f.event("E4", map[string]any{"type": "message", "user": "OBEN", "user_team": "TOTHER", "channel": "C1", "ts": "1700000000.000400", "text": "still down here"})
	f.event("E5", map[string]any{"type": "message", "user": "UMARIA", "channel": "C1", "ts": "1700000000.000500", "thread_ts": parent, "text": "Did that work?"})
	if m, found, err := f.st.Newest(t.Context(), key("C1", "1700000000.000500")); err != nil || !found || m.Role != feedbackbot.RoleStaff || m.Account != "TACME" {
		t.Errorf("the thread's reply after its question arrived: role %q, account %q (found %v, %v); want staff, TACME", m.Role, m.Account, found, err)
	}
}

// TestStaffReplyBeforeItsThreadCountsForTheParentsCustomer: Slack delivers a staff
// reply in a customer's thread before the question it answers (not stored yet),
// while another organisation's customer wrote last in the channel. The adapter
// asks Slack for the thread's parent (conversations.replies) and files the reply
// under the parent's customer's organisation; a parent staff wrote leaves it to
// the channel's last customer, as does a parent Slack will not give (a rate
// limit), which is asked again at the thread's next reply. The reply counted for
// the channel's last customer, whose health then said the question's customer
// still waited (left as found until 2026-12-07).
func TestStaffReplyBeforeItsThreadCountsForTheParentsCustomer(t *testing.T) {
	const parent = "1700000000.000200"
	for _, tc := range []struct {
		name   string
		status int            // conversations.replies' HTTP status
		msg    map[string]any // the parent it gives
		want   string
	}{
		{"a customer's question", http.StatusOK, map[string]any{"type": "message", "user": "XDANA", "team": "TACME", "ts": parent, "text": "how do I export to CSV?"}, "TACME"},
		{"a customer's question, no team given", http.StatusOK, map[string]any{"type": "message", "user": "XDANA", "ts": parent, "text": "how do I export to CSV?"}, "TACME"},
		{"staff's announcement", http.StatusOK, map[string]any{"type": "message", "user": "UMARIA", "team": home, "ts": parent, "text": "v2 is out"}, "TOTHER"},
		{"rate limited", http.StatusTooManyRequests, nil, "TOTHER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var asked atomic.Int64
			f := newFixture(t, func(c slacktest.Customize) {
				c.Handle("/conversations.replies", func(w http.ResponseWriter, r *http.Request) {
					asked.Add(1)
					r.ParseForm()
					if tc.status != http.StatusOK {
						w.Header().Set("Retry-After", "30")
						w.WriteHeader(tc.status)
						return
					}
					if r.Form.Get("channel") != "C1" || r.Form.Get("ts") != parent {
						t.Errorf("conversations.replies asked for %s/%s", r.Form.Get("channel"), r.Form.Get("ts"))
					}
					json.NewEncoder(w).Encode(map[string]any{"ok": true, "has_more": false, "messages": []map[string]any{tc.msg}})
				})
			})
			f.event("E1", map[string]any{"type": "message", "user": "OBEN", "user_team": "TOTHER", "channel": "C1", "ts": "1700000000.000100", "text": "is the API down?"})
			f.event("E3", map[string]any{"type": "message", "user": "UMARIA", "channel": "C1", "ts": "1700000000.000300", "thread_ts": parent, "text": "Settings, then Export"})
			m, found, err := f.st.Newest(t.Context(), key("C1", "1700000000.000300"))
			if err != nil || !found || m.Role != feedbackbot.RoleStaff || m.Account != tc.want {
				t.Errorf("the reply before its question: role %q, account %q (found %v, %v); want staff, %s", m.Role, m.Account, found, err, tc.want)
			}
			if asked.Load() == 0 {
				t.Fatal("Slack was not asked for the parent")
			}
			// The thread's next reply: asked again only where Slack would not tell.
			before := asked.Load()
			f.event("E4", map[string]any{"type": "message", "user": "UMARIA", "channel": "C1", "ts": "1700000000.000400", "thread_ts": parent, "text": "Did that work?"})
			if again := asked.Load() > before; again != (tc.status != http.StatusOK) {
				t.Errorf("asked Slack again at the next reply: %v", again)
			}
		})
	}
}

// TestBackfillDoesNotAskSlackForAParentItJustRead: a back-fill reads a thread's
// question itself, just before its replies (stored together, after both): the
// staff reply does not ask Slack for it again, an unpaced call of a rate-limited
// method (a review's find).
func TestBackfillDoesNotAskSlackForAParentItJustRead(t *testing.T) {
	var replies atomic.Int64
	f := newFixture(t, func(c slacktest.Customize) {
		c.Handle("/conversations.history", func(w http.ResponseWriter, r *http.Request) {
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "has_more": false, "messages": []map[string]any{
				{"type": "message", "user": "XDANA", "user_team": "TACME", "team": "TACME", "text": "export broken", "ts": "1700000300.000100", "reply_count": 1, "thread_ts": "1700000300.000100"},
			}})
		})
		c.Handle("/conversations.replies", func(w http.ResponseWriter, r *http.Request) {
			replies.Add(1)
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "has_more": false, "messages": []map[string]any{
				{"type": "message", "user": "XDANA", "team": "TACME", "text": "export broken", "ts": "1700000300.000100", "thread_ts": "1700000300.000100"},
				{"type": "message", "user": "UMARIA", "team": home, "text": "fix is rolling out", "ts": "1700000400.000100", "thread_ts": "1700000300.000100"},
			}})
		})
	})
	_, err := f.a.Backfill(context.Background(), BackfillOptions{Channel: "CACME", Since: time.Unix(1699990000, 0), Now: time.Unix(1700010000, 0), CallsPerMinute: 6000})
	if err != nil {
		t.Fatal(err)
	}
	if n := replies.Load(); n != 1 {
		t.Errorf("conversations.replies called %d times for one thread, want 1 (Tier 3, unpaced by CallsPerMinute)", n)
	}
}

// TestIgnoredParentAuthorGivesTheAnswerNoAccount: a question whose author
// slack.ignore_users names is never captured, and the staff answer to it does not
// count for that author's organisation (no question of it is stored): it counts
// for the channel's last customer, as before parents were asked of Slack (a
// review's find).
func TestIgnoredParentAuthorGivesTheAnswerNoAccount(t *testing.T) {
	const parent = "1700000000.000200"
	f := newFixture(t, func(c slacktest.Customize) {
		c.Handle("/conversations.replies", func(w http.ResponseWriter, r *http.Request) {
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "messages": []map[string]any{
				{"type": "message", "user": "XTEST", "team": "TACME", "ts": parent, "text": "synthetic check"}}})
		})
	})
	f.a.cfg.IgnoreUsers = []string{"XTEST"}
	f.event("E1", map[string]any{"type": "message", "user": "OBEN", "user_team": "TOTHER", "channel": "C1", "ts": "1700000000.000100", "text": "is the API down?"})
	f.event("E2", map[string]any{"type": "message", "user": "XTEST", "user_team": "TACME", "channel": "C1", "ts": parent, "text": "synthetic check"})
	f.event("E3", map[string]any{"type": "message", "user": "UMARIA", "channel": "C1", "ts": "1700000000.000300", "thread_ts": parent, "text": "ack"})
	m, _, _ := f.st.Newest(t.Context(), key("C1", "1700000000.000300"))
	if _, ok := f.stored(key("C1", parent)); ok {
		t.Fatal("ignored parent captured")
	}
	if m.Role != feedbackbot.RoleStaff || m.Account != "TOTHER" {
		t.Errorf("staff answer to an ignored user's message: account %q, want TOTHER (TACME has no question stored)", m.Account)
	}
}

// TestParentAndMentionLookupsLeaveTheWriteItsBudget: a staff reply whose thread's
// parent Slack is slow to give, and whose mention is slow to look up, is still
// captured within the event's deadline, the store's write keeping its reserve.
func TestParentAndMentionLookupsLeaveTheWriteItsBudget(t *testing.T) {
	slow := func(path string) func(w http.ResponseWriter, r *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(1600 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
			if path == "/users.info" {
				usersJSON(w, r)
				return
			}
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "messages": []map[string]any{{"type": "message", "user": "XDANA", "ts": "1700000000.000200"}}})
		}
	}
	f := newFixture(t, func(c slacktest.Customize) {
		c.Handle("/users.info", slow("/users.info"))
		c.Handle("/conversations.replies", slow("/conversations.replies"))
	})
	f.a.cfg.StaffUsers = []string{"UMARIA"}
	start := time.Now()
	code := f.event("E1", map[string]any{"type": "message", "user": "UMARIA", "channel": "C1", "ts": "1700000000.000300", "thread_ts": "1700000000.000200", "text": "<@XDANA> fixed"})
	if code != http.StatusOK {
		t.Fatalf("status %d after %s, want 200", code, time.Since(start).Round(time.Millisecond))
	}
	if _, ok := f.stored(key("C1", "1700000000.000300")); !ok {
		t.Error("the staff reply was not captured")
	}
}
