package slackadapter

import (
	"reflect"
	"testing"

	"github.com/feedbackbot/feedbackbot"
)

// TestStaffMessageCountsForTheCustomerItMentions: in a channel two customer
// organisations share, a top-level staff message that mentions a customer counts
// for that customer's organisation, not for whichever customer wrote last (it did:
// "<@dana> the export is fixed" after ben of another organisation wrote counted
// for ben's, and dana's question stayed unanswered in her account's health). A
// customer never seen by this replica is looked up; mentions of customers of two
// organisations, of colleagues alone, or of someone who cannot be looked up leave
// the channel's last customer; a thread keeps its own customer.
func TestStaffMessageCountsForTheCustomerItMentions(t *testing.T) {
	a := newFixture(t)
	a.event("E1", map[string]any{"type": "message", "user": "XDANA", "user_team": "TACME", "channel": "C1", "ts": "1700000000.000100", "text": "the CSV export is broken"})
	a.event("E2", map[string]any{"type": "message", "user": "OBEN", "user_team": "TOTHER", "channel": "C1", "ts": "1700000000.000200", "text": "is the API down?"})
	staff := func(f *fixture, id, ts, text string, extra ...string) {
		ev := map[string]any{"type": "message", "user": "UMARIA", "channel": "C1", "ts": ts, "text": text}
		if len(extra) == 1 {
			ev["thread_ts"] = extra[0]
		}
		f.event(id, ev)
	}
	staff(a, "E3", "1700000000.000300", "<@XDANA> the export is fixed, sorry about that")
	staff(a, "E4", "1700000000.000400", "<@XDANA|dana> and <@OBEN>: both fixed now")
	staff(a, "E5", "1700000000.000500", "<@UTOM> can you look at the API?")
	staff(a, "E6", "1700000000.000600", "<@NOBODY> hello")
	staff(a, "E7", "1700000000.000700", "<@XDANA> thanks for waiting", "1700000000.000200") // (in ben's thread)
	b := a.replica()                                                                        // (has seen no customer: XZED is looked up)
	staff(b, "E8", "1700000000.000800", "<@XZED> your invoice is sorted")
	for _, c := range []struct{ ts, want, why string }{
		{"1700000000.000300", "TACME", "mentions dana"},
		{"1700000000.000400", "TOTHER", "mentions customers of two organisations: the last customer's"},
		{"1700000000.000500", "TOTHER", "mentions a colleague alone"},
		{"1700000000.000600", "TOTHER", "mentions someone users.info does not know"},
		{"1700000000.000700", "TOTHER", "in ben's thread"},
		{"1700000000.000800", "TACME", "mentions a customer another replica saw, looked up"},
	} {
		if m, found, err := a.st.Newest(t.Context(), key("C1", c.ts)); err != nil || !found || m.Role != feedbackbot.RoleStaff || m.Account != c.want {
			t.Errorf("staff message %s (%s): role %q, account %q (found %v, %v); want staff, %s", c.ts, c.why, m.Role, m.Account, found, err, c.want)
		}
	}
}

func TestMentionedUsers(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"<@U1> and <@U2|ben> and <@U1> again", []string{"U1", "U2"}},
		{"no mention, <!here> and <#C1|general>", nil},
		{"<@lowercase> <@U3", nil},
		{"<@> <@U4>", []string{"U4"}},
		{"<@A1><@A2><@A3><@A4><@A5><@A6><@A7><@A8><@A9>", []string{"A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8"}},
	} {
		if got := mentionedUsers(c.text); !reflect.DeepEqual(got, c.want) {
			t.Errorf("mentionedUsers(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}
