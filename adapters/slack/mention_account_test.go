package slackadapter

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
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

// TestMentionLookupLeavesTheWriteItsBudget: the author's users.info took 1.6 s,
// and the lookup of the user their message mentions ran to the ack's deadline:
// the store's write had no time left, and a staff message Slack delivered once
// was refused (500). The lookups leave the write its reserve.
func TestMentionLookupLeavesTheWriteItsBudget(t *testing.T) {
	slow := func(c slacktest.Customize) {
		c.Handle("/users.info", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(1600 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
			usersJSON(w, r)
		})
	}
	f := newFixture(t, slow)
	start := time.Now()
	code := f.event("E1", map[string]any{"type": "message", "user": "UMARIA", "channel": "C1", "ts": "1700000000.000100",
		"text": "<@XDANA> the export is fixed"})
	if code != http.StatusOK {
		t.Fatalf("a staff message that mentions a customer, with users.info slow: status %d after %s, want 200", code, time.Since(start).Round(time.Millisecond))
	}
	if _, ok := f.stored(key("C1", "1700000000.000100")); !ok {
		t.Error("the staff message was not captured")
	}
}

// TestImportedStaffMentionOfABotIsNoCustomer: an export's users.json marks a
// partner's bot (is_bot); a staff message that mentions it counts for the last
// customer, as live capture has it, not for the bot's team.
func TestImportedStaffMentionOfABotIsNoCustomer(t *testing.T) {
	j := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	files := map[string]string{
		"users.json": j([]map[string]any{
			{"id": "UMARIA", "team_id": "THOME", "name": "maria"},
			{"id": "UDANA", "team_id": "TACME", "name": "dana"},
			{"id": "UBETABOT", "team_id": "TBETA", "name": "beta-jira", "is_bot": true},
		}),
		"channels.json": j([]map[string]any{{"id": "CSHAREDX", "name": "community"}}),
		"community/2026-11-03.json": j([]map[string]any{
			{"type": "message", "user": "UDANA", "text": "the CSV export is broken", "ts": "1793693200.000100"},
			{"type": "message", "user": "UMARIA", "text": "<@UBETABOT> file this for dana please", "ts": "1793693300.000100"},
		}),
	}
	st := openStore(t)
	if sum, err := ImportExport(context.Background(), writeZip(t, files), ImportOptions{HomeTeam: "THOME"}, st); err != nil || sum.Appended != 2 {
		t.Fatalf("ImportExport: %+v, %v", sum, err)
	}
	var got feedbackbot.Message
	if err := st.Replay(context.Background(), "THOME", func(e store.Entry) error {
		if e.Event.Message.Author == "UMARIA" {
			got = e.Event.Message
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got.Role != feedbackbot.RoleStaff || got.Account != "TACME" {
		t.Errorf("the imported staff message that mentions a bot: %s for %q, want staff for the last customer's TACME", got.Role, got.Account)
	}
}
