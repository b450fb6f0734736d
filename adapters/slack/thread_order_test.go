package slackadapter

import (
	"testing"

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
