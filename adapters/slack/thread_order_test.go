package slackadapter

import (
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"

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
