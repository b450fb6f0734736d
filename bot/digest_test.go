package bot_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/analysis/emerging"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// TestPeriodMessagesPagesThroughABusyInstant: a digest reads the period's messages a
// page (store.MaxQueryLimit) at a time; messages that share the instant a page ends
// on are all read once, none skipped and none twice, and the read stops at its bound.
func TestPeriodMessagesPagesThroughABusyInstant(t *testing.T) {
	const n = store.MaxQueryLimit + 300
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			var msgs []feedbackbot.Message
			for i := range n {
				at := now.Add(-time.Duration(i+1) * time.Second)
				if i >= store.MaxQueryLimit-10 && i < store.MaxQueryLimit+20 {
					at = now.Add(-time.Duration(store.MaxQueryLimit-9) * time.Second) // 30 messages at one instant across the page's end
				}
				msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C%d:%d", i%7, i), Platform: feedbackbot.PlatformSlack, Workspace: "T1",
					Channel: fmt.Sprintf("C%d", i%7), Author: "U1", Role: feedbackbot.RoleCustomer, Text: texts[i%len(texts)], Time: at})
			}
			captured(t, st, msgs...)
			req := bot.DigestRequest{Workspace: "T1", From: now.Add(-24 * time.Hour), To: now, Now: now}
			for _, tc := range []struct {
				max, want int
				partial   bool
			}{{5000, n, false}, {store.MaxQueryLimit, store.MaxQueryLimit, true}, {store.MaxQueryLimit + 100, store.MaxQueryLimit + 100, true}} {
				rows, partial, err := bot.PeriodMessages(ctx, st, req, tc.max)
				if err != nil {
					t.Fatal(err)
				}
				seen := map[string]bool{}
				for i, r := range rows {
					if seen[r.Message.Key()] {
						t.Fatalf("max %d: %s read twice", tc.max, r.Message.Key())
					}
					seen[r.Message.Key()] = true
					if i > 0 && r.Message.Time.After(rows[i-1].Message.Time) {
						t.Fatalf("max %d: row %d is newer than the one before it", tc.max, i)
					}
				}
				if len(rows) != tc.want || partial != tc.partial {
					t.Errorf("max %d: read %d messages (partial %v), want %d (partial %v)", tc.max, len(rows), partial, tc.want, tc.partial)
				}
			}
		})
	}
}

// TestDigestReadsThePreviousPeriodsCountersOnly: with the configured theme names, a
// digest reads only the counters it compares from the previous period, and its
// comparison is the one a whole read gives, for a theme of the period outside the
// configured names and for one the period no longer has.
func TestDigestReadsThePreviousPeriodsCountersOnly(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	week := 7 * 24 * time.Hour
	type said struct {
		ago  time.Duration
		text string
	}
	said0 := []said{
		{week + 2*time.Hour, "We were charged twice on the last invoice, please refund the duplicate payment."},
		{week + 30*time.Hour, "Do you have a SOC 2 report and can our data stay in the EU region for compliance?"},
		{week + 50*time.Hour, "The export is broken since the release, it crashes every time."},
		{3 * time.Hour, "The export is broken since the release, it crashes every time we run it."},
		{27 * time.Hour, "Our invoice shows the wrong amount again, we were billed for seats we removed."},
		{51 * time.Hour, "Thanks, the new dashboard is great and the team loves it."},
	}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			var msgs []feedbackbot.Message
			for i, s := range said0 {
				msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C1:%d", i), Platform: feedbackbot.PlatformSlack, Workspace: "T1",
					Channel: "C1", Author: "U1", Role: feedbackbot.RoleCustomer, Account: "A1", Text: s.text, Time: now.Add(-s.ago)})
			}
			captured(t, st, msgs...)
			req := bot.DigestRequest{Workspace: "T1", From: now.Add(-week), To: now, Now: now}
			whole, err := bot.BuildDigest(ctx, st, req)
			if err != nil {
				t.Fatal(err)
			}
			gone := ""
			for _, th := range whole.Themes {
				if th.Count == 0 && th.Prev > 0 {
					gone = th.Name
				}
			}
			if gone == "" || whole.PrevCustomerMessages != 3 {
				t.Fatalf("fixture: want a theme of the previous period only, and 3 previous messages; got %+v (%d previous)", whole.Themes, whole.PrevCustomerMessages)
			}
			for _, themes := range [][]string{{gone}, {gone, "billing", "bug", "no-such-theme"}} {
				req.Themes = themes
				got, err := bot.BuildDigest(ctx, st, req)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got.Themes, whole.Themes) || got.PrevCustomerMessages != whole.PrevCustomerMessages ||
					!reflect.DeepEqual(got.PrevSentimentIndex, whole.PrevSentimentIndex) {
					t.Errorf("themes %q: got %+v, %d previous, index %v; a whole read gives %+v, %d, %v", themes,
						got.Themes, got.PrevCustomerMessages, deref(got.PrevSentimentIndex), whole.Themes, whole.PrevCustomerMessages, deref(whole.PrevSentimentIndex))
				}
			}
		})
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestOldestFirstIsAStableSort: the rows response times read are put, in place, in
// the order a stable sort by time gives, whether they arrive newest first (as stores
// return them, many sharing an instant; runs of one to seven) or in any other order.
func TestOldestFirstIsAStableSort(t *testing.T) {
	base := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	newestFirst := make([]store.Stored, 300)
	at := base
	for i := range newestFirst {
		if i > 0 && rng.IntN(3) == 0 {
			at = at.Add(-time.Duration(1+rng.IntN(5)) * time.Minute)
		}
		newestFirst[i].Message = feedbackbot.Message{ID: fmt.Sprint(i), Time: at}
	}
	shuffled := slices.Clone(newestFirst)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for name, rows := range map[string][]store.Stored{"newest first": newestFirst, "shuffled": shuffled, "one": newestFirst[:1:1], "none": nil} {
		want := slices.Clone(rows)
		slices.SortStableFunc(want, func(a, b store.Stored) int { return a.Message.Time.Compare(b.Message.Time) })
		got := slices.Clone(rows)
		bot.OldestFirst(got)
		if len(got) != len(want) {
			t.Fatalf("%s: %d items, want %d", name, len(got), len(want))
		}
		for i := range got {
			if got[i].Message.ID != want[i].Message.ID {
				t.Fatalf("%s: item %d is message %s, a stable sort puts %s there", name, i, got[i].Message.ID, want[i].Message.ID)
			}
		}
	}
}

// TestDigestEmergingLeavesConfiguredThemesOut: the digest's "new this period" leaves
// out the configured taxonomy's words (DigestRequest.Known): with the default
// taxonomy's vocabulary, a burst of messages about the docs is not listed as new and
// one about the query editor is; without it, the docs are listed too.
func TestDigestEmergingLeavesConfiguredThemesOut(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	var msgs []feedbackbot.Message
	add := func(at time.Time, text string) {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C1:%d", len(msgs)), Platform: feedbackbot.PlatformSlack, Workspace: "TE",
			Channel: "C1", Author: fmt.Sprintf("U%d", len(msgs)%5), Role: feedbackbot.RoleCustomer, Account: "A1", Text: text, Time: at})
	}
	for i := range 40 { // four weeks of the usual
		add(end.Add(-8*24*time.Hour-time.Duration(i)*12*time.Hour), fmt.Sprintf("how do I invite teammate number %d to the workspace?", i))
	}
	for i, text := range []string{
		"the docs still show the old screenshot of the settings page",
		"the docs for the webhooks are out of date",
		"where are the docs for the API? the guide is missing",
		"the new query editor autocompletes table names, lovely",
		"is the query editor going to support saved snippets?",
	} {
		add(end.Add(-time.Duration(i+1)*time.Hour), text)
	}
	known := emerging.NewVocabulary(analysis.DefaultTaxonomy())
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			captured(t, st, msgs...)
			phrases := func(known emerging.Vocabulary) []string {
				d, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TE", From: end.Add(-7 * 24 * time.Hour), To: end, Now: end, Known: known})
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, e := range d.Emerging {
					out = append(out, e.Phrases...)
				}
				return out
			}
			got := phrases(known)
			if !slices.Contains(got, "query editor") {
				t.Errorf("the query editor is new, not in %q", got)
			}
			if slices.Contains(got, "docs") {
				t.Errorf("docs is a configured theme's word, in %q", got)
			}
			if got := phrases(emerging.Vocabulary{}); !slices.Contains(got, "docs") {
				t.Errorf("without the taxonomy's vocabulary, docs is new, not in %q", got)
			}
		})
	}
}

// TestDigestNamesAccountsFromTheirMessages: an account no configuration names is
// shown by the name its messages carry, as quotes and account health show it; a
// configured name wins; an account whose messages carry none keeps its id.
func TestDigestNamesAccountsFromTheirMessages(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	var msgs []feedbackbot.Message
	for i, a := range []struct{ id, name string }{{"acme", "Acme Logistics"}, {"acme", "Acme Logistics"}, {"globex", "Globex"}, {"U777", ""}, {"initech", "Initech Inc"}} {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C1:%d.000100", end.Add(-time.Duration(i+1)*time.Hour).Unix()), Platform: feedbackbot.PlatformSlack,
			Workspace: "TN", Channel: "C1", Author: fmt.Sprintf("U%d", i), Role: feedbackbot.RoleCustomer, Account: a.id, AccountName: a.name,
			Text: "the export is broken again", Time: end.Add(-time.Duration(i+1) * time.Hour)})
	}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			captured(t, st, msgs...)
			d, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TN", From: end.Add(-7 * 24 * time.Hour), To: end, Now: end,
				Accounts: map[string]feedbackbot.Account{"initech": {ID: "initech", Name: "Initech (configured)"}}})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, a := range d.Accounts {
				got[a.ID] = a.Name
			}
			want := map[string]string{"acme": "Acme Logistics", "globex": "Globex", "U777": "", "initech": "Initech (configured)"}
			if !maps.Equal(got, want) {
				t.Errorf("account names %v, want %v", got, want)
			}
		})
	}
}

// TestDigestTimesEachAccountAgainstItsTier: the digest's response times used the
// default 4-hour target whatever response_targets said, so an enterprise question
// waiting an hour against its 15 minutes was not "waiting past target" in the
// digest while account health flagged it (a review's find).
func TestDigestTimesEachAccountAgainstItsTier(t *testing.T) {
	end := time.Date(2026, 11, 18, 15, 0, 0, 0, time.UTC)
	ask := func(acct string, ago time.Duration) feedbackbot.Message {
		at := end.Add(-ago)
		return feedbackbot.Message{ID: fmt.Sprintf("C%s:%d.000100", acct, at.Unix()), Platform: feedbackbot.PlatformSlack, Workspace: "TN",
			Channel: "C" + acct, Author: "U" + acct, Role: feedbackbot.RoleCustomer, Account: acct, Text: "how do I export the report to CSV?", Time: at}
	}
	fifteen := health.Targets{Business: 15 * time.Minute, Outside: 15 * time.Minute}
	accounts := map[string]feedbackbot.Account{"acme": {ID: "acme", Tier: "enterprise"}, "globex": {ID: "globex", Tier: "starter"}}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			captured(t, st, ask("acme", time.Hour), ask("globex", time.Hour), ask("initech", 90*time.Minute))
			for _, c := range []struct {
				name  string
				tiers map[string]health.Targets
				want  int
			}{
				{"no tiers: 4 hours for all", nil, 0},
				{"enterprise 15 minutes", map[string]health.Targets{"enterprise": fifteen}, 1},
				{"the default tier 15 minutes, starter 4 hours", map[string]health.Targets{"": fifteen, "starter": {Business: 4 * time.Hour, Outside: 4 * time.Hour}}, 2},
			} {
				d, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TN", From: end.Add(-7 * 24 * time.Hour), To: end, Now: end,
					Accounts: accounts, TierTargets: c.tiers})
				if err != nil {
					t.Fatal(err)
				}
				if d.Responses == nil || d.Responses.Conversations != 3 || d.Responses.WaitingCount != c.want {
					t.Errorf("%s: responses %+v, want 3 conversations, %d waiting past target", c.name, d.Responses, c.want)
				}
			}
		})
	}
}

// TestComplaintConcentrationCountsCustomersAccounts: four accounts with one complaint
// each are spread evenly (Gini 0) however many accounts only staff wrote to; each
// of those added a zero to the index (0.50 with four of them: a review's find).
func TestComplaintConcentrationCountsCustomersAccounts(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	var msgs []feedbackbot.Message
	for i := range 8 {
		role, text, acct := feedbackbot.RoleCustomer, "the export is broken again and we are furious", fmt.Sprintf("A%d", i)
		if i >= 4 {
			role, text = feedbackbot.RoleStaff, "Scheduled maintenance tonight at 22:00 UTC"
		}
		at := end.Add(-time.Duration(i+1) * time.Hour)
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C%d:%d.000100", i, at.Unix()), Platform: feedbackbot.PlatformSlack,
			Workspace: "TN", Channel: fmt.Sprintf("C%d", i), Author: fmt.Sprintf("U%d", i), Role: role, Account: acct, Text: text, Time: at})
	}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			captured(t, st, msgs...)
			d, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TN", From: end.Add(-7 * 24 * time.Hour), To: end, Now: end})
			if err != nil {
				t.Fatal(err)
			}
			if d.Negative != 4 || d.ComplaintAccounts != 4 || d.ComplaintGini > 1e-9 {
				t.Errorf("%d negative messages, Gini %.2f across %d accounts; want 4, 0 across 4", d.Negative, d.ComplaintGini, d.ComplaintAccounts)
			}
		})
	}
}

// TestDigestEmergingComparesFourWeeks: what was talked about two and three weeks
// ago is not "new this period" because the last two days before it were busy: the
// digest compared with the newest 1,000 messages of the four weeks, here all from
// those two days, and reported the query editor as new (a review's find).
func TestDigestEmergingComparesFourWeeks(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	from := end.Add(-7 * 24 * time.Hour)
	var msgs []feedbackbot.Message
	add := func(at time.Time, text string) {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C1:%d", len(msgs)), Platform: feedbackbot.PlatformSlack, Workspace: "TE",
			Channel: "C1", Author: fmt.Sprintf("U%d", len(msgs)%5), Role: feedbackbot.RoleCustomer, Account: "A1", Text: text, Time: at})
	}
	for i := range 40 { // 8 to 21 days before the period
		add(from.Add(-8*24*time.Hour-time.Duration(i)*8*time.Hour), fmt.Sprintf("the query editor loses my draft number %d", i))
	}
	for i := range 1100 { // the two days before it
		add(from.Add(-time.Duration(i+1)*150*time.Second), fmt.Sprintf("how do I invite teammate number %d to the workspace?", i))
	}
	for i := range 60 { // the period: the usual, and the query editor three times
		add(end.Add(-time.Duration(i+10)*time.Hour), fmt.Sprintf("how do I invite teammate number %d to the workspace?", i))
	}
	for i, text := range []string{
		"the new query editor autocompletes table names, lovely",
		"is the query editor going to support saved snippets?",
		"the query editor froze twice today",
	} {
		add(end.Add(-time.Duration(i+1)*time.Hour), text)
	}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			captured(t, st, msgs...)
			d, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TE", From: from, To: end, Now: end})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range d.Emerging {
				if slices.Contains(e.Phrases, "query editor") {
					t.Errorf("the query editor, talked about two and three weeks ago, is new: %+v", e)
				}
			}
		})
	}
}

// TestDigestTitleInTheTeamsZone: a weekly digest at Monday 09:00 in Tokyo covers
// Monday to Monday there; its title named the days in UTC (Sunday 22 Nov for the
// Monday it ends on), a review found.
func TestDigestTitleInTheTeamsZone(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	end := time.Date(2026, 11, 23, 9, 0, 0, 0, tokyo)
	st := backends(t)["bolt"](t)
	d, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TZ", From: end.AddDate(0, 0, -7), To: end, Now: end, Location: tokyo})
	if err != nil {
		t.Fatal(err)
	}
	doc := bot.DigestDocument(d, nil)
	if title := doc.Blocks[0].Text; !strings.Contains(title, "Mon 16 Nov – Mon 23 Nov 2026") {
		t.Errorf("title %q, want the team's days, Mon 16 Nov – Mon 23 Nov 2026", title)
	}
}

// TestDigestEmergingReadsTheWholePeriod: "new this period" read only the period's
// newest 1,000 customer messages, so on a busy week a theme of its first days (30
// messages about the query editor, never mentioned before) was left out (a review's
// find); it reads the newest 5,000, as response times do. Both stores.
func TestDigestEmergingReadsTheWholePeriod(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	from := end.Add(-7 * 24 * time.Hour)
	var msgs []feedbackbot.Message
	add := func(at time.Time, text string) {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C1:%d", len(msgs)), Platform: feedbackbot.PlatformSlack, Workspace: "TE",
			Channel: "C1", Author: fmt.Sprintf("U%d", len(msgs)%5), Role: feedbackbot.RoleCustomer, Account: "A1", Text: text, Time: at})
	}
	for i := range 200 { // the four weeks before
		add(from.Add(-time.Duration(i+1)*3*time.Hour), fmt.Sprintf("how do I invite teammate number %d to the workspace?", i))
	}
	for i := range 30 { // the period's second day
		add(from.Add(24*time.Hour+time.Duration(i)*10*time.Minute), fmt.Sprintf("the query editor crashes when I paste query %d", i))
	}
	for i := range 1200 { // its last day
		add(end.Add(-time.Duration(i+1)*time.Minute), fmt.Sprintf("how do I invite teammate number %d to the workspace?", i))
	}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			captured(t, st, msgs...)
			d, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TE", From: from, To: end, Now: end})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range d.Emerging {
				got = append(got, e.Phrases...)
			}
			if !slices.Contains(got, "query editor") {
				t.Errorf("the query editor (30 messages this period, none before) is not among the new themes %q", got)
			}
		})
	}
}

// TestQuotesNeverPing: a customer's Slack message that mentions @channel or a person,
// or carries a link, is quoted in the digest (posted to the internal channel) as
// plain text: "<!channel>" reached the channel as a live mention (a review's find).
// A pasted code block cannot leave a fence open either. (Alert evidence:
// TestEvidenceQuotesArePlain in analysis/health.)
func TestQuotesNeverPing(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	st := backends(t)["bolt"](t)
	raw := "<!channel> <@U024BE7LH> the export failed again, reset it here <https://evil.example/login|Slack SSO> &amp; fast ```at Worker.run(Worker.java:42)"
	captured(t, st, feedbackbot.Message{ID: "C1:1763715600.000100", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
		Author: "XDANA", Role: feedbackbot.RoleCustomer, Account: "acme", Text: raw, Time: end.Add(-2 * time.Hour)})
	d, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "T1", From: end.Add(-7 * 24 * time.Hour), To: end, Now: end})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, b := range bot.DigestDocument(d, nil).Blocks {
		texts = append(texts, b.Text)
	}
	all := strings.Join(texts, "\n")
	if !strings.Contains(all, "@channel @U024BE7LH the export failed") || !strings.Contains(all, "Slack SSO (https://evil.example/login)") {
		t.Fatalf("the complaint is not quoted as plain text:\n%s", all)
	}
	for _, live := range []string{"<!channel>", "<@U024BE7LH>", "<https://evil", "```"} {
		if strings.Contains(all, live) {
			t.Errorf("the digest quotes %q as written:\n%s", live, all)
		}
	}
}
