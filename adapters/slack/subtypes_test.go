package slackadapter

import (
	"fmt"
	"net/http"
	"testing"
)

// TestOnlyWhatPeopleWroteIsCaptured: Slack's notices of something done carry the
// person who did it (a staff member changing posting permissions, a customer
// starting a huddle); captured, a staff member's counted as the answer to a
// customer's waiting question. Only the subtypes of written messages are kept.
func TestOnlyWhatPeopleWroteIsCaptured(t *testing.T) {
	f := newFixture(t)
	for i, c := range []struct {
		subtype, user string
		kept          bool
	}{
		{"", "XDANA", true},
		{"thread_broadcast", "XDANA", true},
		{"file_share", "XDANA", true},
		{"me_message", "UMARIA", true},
		{"channel_posting_permissions", "UMARIA", false},
		{"channel_convert_to_public", "UMARIA", false},
		{"channel_convert_to_private", "UMARIA", false},
		{"group_archive", "UMARIA", false},
		{"group_unarchive", "UMARIA", false},
		{"huddle_thread", "XDANA", false},
		{"channel_join", "XDANA", false},
		{"a_subtype_slack_adds_next_year", "XDANA", false},
	} {
		ts := fmt.Sprintf("1700000100.%06d", i+1)
		ev := map[string]any{"type": "message", "user": c.user, "channel": "CEXTACME", "ts": ts, "text": "some words"}
		if c.subtype != "" {
			ev["subtype"] = c.subtype
		}
		if c.user[0] == 'X' {
			ev["user_team"] = "TACME"
		}
		if code := f.event(fmt.Sprintf("EvSub%d", i), ev); code != http.StatusOK {
			t.Fatalf("%q: status %d", c.subtype, code)
		}
		if _, ok := f.stored(key("CEXTACME", ts)); ok != c.kept {
			t.Errorf("subtype %q by %s: captured %v, want %v", c.subtype, c.user, ok, c.kept)
		}
	}
}
