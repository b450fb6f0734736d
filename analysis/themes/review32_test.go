package themes

import (
	"slices"
	"strings"
	"testing"

	"github.com/feedbackbot/feedbackbot/analysis/text"
)

// matchChat is match with clauses as the analyzer finds them (a word after ",",
// ".", ";", ":", "!" or "?" starts one), for the object rules that stop at a clause.
func matchChat(t testing.TB, m *Matcher, s string) []string {
	clean := text.Clean(strings.ToLower(s))
	low := text.Tokens(clean, nil)
	fields := strings.Fields(clean)
	var clauses uint64
	if len(fields) == len(low) {
		for i := 1; i < len(fields) && i < 64; i++ {
			if strings.ContainsAny(fields[i-1][len(fields[i-1])-1:], ",.;:!?") {
				clauses |= 1 << i
			}
		}
	}
	return m.MatchClauses(low, m.Stems(low, nil), clauses)
}

// themeCases checks that each message has theme (want) or has not (!want).
func themeCases(t *testing.T, theme string, want bool, msgs ...string) {
	t.Helper()
	m, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range msgs {
		for _, got := range [][]string{matchChat(t, m, s), match(t, m, s)} {
			if slices.Contains(got, theme) != want {
				t.Errorf("%q: themes %v; want %s: %v", s, got, theme, want)
				break
			}
		}
	}
}

// TestCancellingAJobIsNoChurn: "cancel" is leaving when it cancels the account, the
// plan, the subscription or the contract, or nothing named; a move is leaving when
// it goes to another vendor, tool or provider, or to a name.
func TestCancellingAJobIsNoChurn(t *testing.T) {
	themeCases(t, "cancellation", false,
		"please cancel the export job, I started the wrong one",
		"I accidentally started the sync, how do I cancel it?",
		"can we cancel the meeting tomorrow? something came up",
		"I'll cancel the placeholder I had in that slot",
		"please cancel my order from yesterday",
		"cancel the extra charge, we never agreed to it",
		"depot leads meeting got cancelled this week",
		"is the xp weekend still happening or was it cancelled?",
		"my flight was cancelled and the app still shows it",
		"cancelled appointments are still sending reminders",
		"the echo cancellation profile was not re-run",
		"filled 9 cancellations this week from the waitlist",
		"what happens to my points if I cancel the booking?",
		"we're moving to a new office next week, so expect slow replies",
		"we're moving to SSO next quarter",
		"we're moving to Postgres 16 next month, anything to watch out for?",
		"can we switch to annual billing mid-term?",
		"switch to automatic and it corrects itself",
		"switched to authenticator, much better",
		"the standup moved to 3pm",
		"Marcus moved to a different team last week",
		"the app logs me out every time I switch to another app",
		"the app logs me out every time I switch to my authenticator",
		"I'm on leave for two weeks",
		"we might move to the enterprise plan next quarter",
		"we don't want to cancel, just asking about the terms",
	)
	themeCases(t, "cancellation", true,
		"we want to cancel our subscription",
		"we want to cancel",
		"please cancel our account at the end of the month",
		"how do I cancel my plan?",
		"cancel the analytics add-on please, nobody uses it",
		"cancelling today.",
		"I'm cancelling after this month",
		"we'll cancel if this isn't fixed by friday",
		"our subscription was cancelled without notice",
		"we were charged after we cancelled",
		"please confirm you received our subscription cancellation",
		"what's the cancellation fee?",
		"we're switching to Zendesk",
		"we're switching to zendesk next month",
		"we're moving to a competitor next quarter",
		"we're switching to another tool",
		"we'll be moving to a different provider in January",
		"we're leaving for a cheaper vendor",
		"we're leaving for pgvector, the price doesn't work for us",
		"I'm moving to another app, the lessons changed too much",
		"moving to Looker next quarter",
	)
}

// TestDownAsAFigureIsNoOutage: "down" as less ("down to zero", "down 40%", "down a
// lot") or in a phrasal verb ("wrote down", "track it down", "let us down") is no
// outage; "is down", "went down", "down 6 hours" are.
func TestDownAsAFigureIsNoOutage(t *testing.T) {
	themeCases(t, "reliability", false,
		"we cut our build time down to 2 minutes",
		"latency is down 40% since the upgrade, great work",
		"our error rate is down to zero since the fix",
		"support tickets are down a lot this month",
		"I wrote down the steps we took",
		"let me write it down",
		"we're down to 3 seats now after the reorg",
		"costs are down by half",
		"we're down from 15 manual corrections to 2",
		"thanks for tracking it down so fast",
		"five years and support has never let us down",
		"grading time is way down",
		"usage is down slightly this quarter",
		"MAPE down about 6 points across our top SKUs",
		"they shut down the premium features",
		"the chart legend is upside down",
		"can we get usage broken down by API key?",
	)
	themeCases(t, "reliability", true,
		"the site is down",
		"is SSO down?",
		"the API went down again",
		"we were down 6 hours on saturday",
		"the site has been down a lot this week",
		"servers down again??",
		"is the dashboard down for everyone?",
		"the quick fix took down checkout for an hour",
		"error rates are elevated on the EU cluster",
	)
}

// TestFeatureRequestPhrasesNeedAFeature: adding a person, wishing for a reply, a
// regression ("used to be able to") and plans for the holidays ask for no feature.
func TestFeatureRequestPhrasesNeedAFeature(t *testing.T) {
	themeCases(t, "feature_request", false,
		"please add my colleague to our workspace",
		"please add jane@acme.com as an admin",
		"can you add me to the shared channel?",
		"could you add our new hire to the team",
		"please add Sam to this thread",
		"we used to be able to export to pdf, now the button is gone",
		"would be nice to get a reply this week",
		"would be great to hear back before friday",
		"would be nice if someone replied",
		"any plans for the holidays?",
		"any plans for the weekend, team?",
	)
	themeCases(t, "feature_request", true,
		"please add dark mode",
		"can you add a column for VAT?",
		"please please please add keyboard shortcuts to the board view",
		"would be nice to have an export to pdf",
		"any plans for a mobile app?",
		"it would be great to be able to export to pdf",
		"would be nice if the chart had a legend",
	)
	themeCases(t, "bug", true, "we used to be able to export to pdf, now the button is gone")
}

// TestBillingAndAccessWordings: a declined card, money back, what something costs,
// an overcharge; getting in, being let in, admins, magic and invite links, removing
// a user.
func TestBillingAndAccessWordings(t *testing.T) {
	themeCases(t, "billing", true,
		"we need our money back",
		"you took the money twice from our account",
		"my card was declined when upgrading",
		"our card keeps getting declined",
		"payment declined on the renewal",
		"how much does it cost to add five more users?",
		"how much does the pro plan cost?",
		"we were overbilled last month",
		"we got double billed",
	)
	themeCases(t, "billing", false,
		"my colleague declined the meeting invite",
		"how much data can we store?",
		"the cost of this outage to us is huge",
	)
	themeCases(t, "access", true,
		"I can't get into my account",
		"can't get back into the workspace since the update",
		"it won't let me into the workspace",
		"please let me in, I'm locked",
		"how do I make someone an admin?",
		"can you make my colleague an admin",
		"the magic link expired before I could use it",
		"my new teammate never received the invitation",
		"the invite link expired",
		"how do I remove a user?",
		"please remove him from our workspace",
	)
	themeCases(t, "access", false,
		"let's get into the details on the call",
		"make the chart bigger please",
		"remove the duplicate rows",
	)
}

// TestHardAndEasyNeedAnObject: "hard" and "easy" are usability when they say using
// the product is ("hard to find", "easy to set up"), not a "hard deadline", "take it
// easy", "hard to say" or an "easy fix".
func TestHardAndEasyNeedAnObject(t *testing.T) {
	themeCases(t, "usability", false,
		"it's hard to say when we'll roll it out internally",
		"we had a hard week with the audit, not your fault",
		"take it easy this weekend everyone!",
		"we have a hard deadline on friday for the migration",
		"easy fix, it was a typo in our config",
		"the hard part is getting budget approval",
		"hard refresh fixed it",
		"that's a hard sell to finance",
		"no hard feelings at all",
	)
	themeCases(t, "usability", true,
		"it's hard to find the export button",
		"the new editor is easy to use",
		"the menu is hard to navigate",
		"really easy to set up",
		"the settings are harder to find now",
		"the toggle is easy to miss",
		"the new layout is not intuitive at all",
		"clients keep telling me how easy it is",
	)
}

// TestPatternWords: "a|b", "*" and "#" in phrases and excludes; a longer phrase holds
// its own against a shorter exclude inside it; bad patterns and object verbs are
// refused.
func TestPatternWords(t *testing.T) {
	m, err := New(Taxonomy{
		{Name: "pay", Phrases: []string{"card * declined", "refund|chargeback please"}},
		{Name: "outage", Keywords: []string{"down"}, Phrases: []string{"been down a lot", "down # hours"},
			Exclude: []string{"down #", "down a lot", "write|wrote down"}},
		{Name: "ask", Phrases: []string{"please add"}, Exclude: []string{"add my|# users"}},
		{Name: "leave", Keywords: []string{"cancel"}, Phrases: []string{"switch to"},
			Objects: []Object{{Verb: "cancel", Nouns: []string{"plan"}, Bare: true}, {Verb: "switch to", Nouns: []string{"vendor"}, Names: true}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		s    string
		want []string
	}{
		{"my card was declined", []string{"pay"}},
		{"my card declined", nil},
		{"chargeback please", []string{"pay"}},
		{"refund please", []string{"pay"}},
		{"down 40% this month", nil},
		{"down 6 hours", []string{"outage"}},
		{"it's been down a lot", []string{"outage"}},
		{"tickets are down a lot", nil},
		{"I wrote down the steps", nil},
		{"it's down", []string{"outage"}},
		{"cancel the plan", []string{"leave"}},
		{"cancel the job", nil},
		{"we'll cancel", []string{"leave"}},
		{"switching to a new vendor", []string{"leave"}},
		{"switching to acme", []string{"leave"}},
		{"switched to acme", nil},
		{"switching to a new office", nil},
		{"please add dark mode", []string{"ask"}},
		{"please add 5 users", nil},
		{"please add my users", nil},
	} {
		if got := match(t, m, tt.s); !equalSets(got, tt.want) {
			t.Errorf("%q: %v, want %v", tt.s, got, tt.want)
		}
	}
	for _, bad := range []Taxonomy{
		{{Name: "x", Phrases: []string{"* declined"}}},
		{{Name: "x", Phrases: []string{"# hours"}}},
		{{Name: "x", Phrases: []string{"|a b"}}},
		{{Name: "x", Phrases: []string{"a|# b"}}},
		{{Name: "x", Keywords: []string{"a"}, Exclude: []string{"* #"}}},
		{{Name: "x", Keywords: []string{"a"}, Exclude: []string{"a|# *"}}},
		{{Name: "x", Keywords: []string{"cancel"}, Objects: []Object{{Verb: "terminate"}}}},
		{{Name: "x", Keywords: []string{"cancel"}, Objects: []Object{{Verb: "cancel", Nouns: []string{"two words"}}}}},
	} {
		if errs := bad.Validate(); len(errs) == 0 {
			t.Errorf("%+v: no error", bad)
		}
	}
}
