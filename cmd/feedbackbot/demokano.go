package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/stats"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// demoKanoID marks a demo store whose Kano surveys were asked and answered.
const demoKanoID = "kano-answered"

// demoKanoSurveys are the demo's two Kano surveys: a feature, and for each account
// asked the answers (functional, dysfunctional) its customer gives.
var demoKanoSurveys = []struct {
	feature string
	answers map[string][2]int
}{
	{"SAML single sign-on", map[string][2]int{
		"acme": {stats.KanoExpect, stats.KanoDislike}, "cobalt": {stats.KanoExpect, stats.KanoDislike},
		"blueharbor": {stats.KanoNeutral, stats.KanoDislike}, "kestrel": {stats.KanoLike, stats.KanoDislike},
		"orchid": {stats.KanoNeutral, stats.KanoLiveWith}}},
	{"AI summaries of dashboards", map[string][2]int{
		"tandem": {stats.KanoLike, stats.KanoNeutral}, "gridline": {stats.KanoLike, stats.KanoLiveWith},
		"orchid": {stats.KanoLike, stats.KanoNeutral}, "kestrel": {stats.KanoNeutral, stats.KanoNeutral}}},
}

// demoKano asks the demo's Kano surveys through the bot's own /feedback survey
// kano, five days before now (so the digest's week holds the answers), and has
// each account's first customer answer both questions with the buttons a few
// hours later. Once a --dir.
func demoKano(ctx context.Context, st store.Store, msgs []feedbackbot.Message, accts map[string]feedbackbot.Account, now time.Time) error {
	switch _, err := st.GetDoc(ctx, DemoWorkspace, demoDocKind, demoKanoID); {
	case err == nil:
	case !feedbackbot.IsNotFound(err):
		return fmt.Errorf("demo: %w", err)
	default:
		customer := map[string]string{} // account -> its first customer
		for _, m := range msgs {
			if _, ok := customer[m.Account]; !ok && m.Role == feedbackbot.RoleCustomer {
				customer[m.Account] = m.Author
			}
		}
		asked := now.Add(-5 * 24 * time.Hour)
		for _, s := range demoKanoSurveys {
			ids := make([]string, 0, len(s.answers))
			for id := range s.answers {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			for i, id := range ids {
				at := asked.Add(time.Duration(i) * time.Hour)
				b := &bot.Bot{Store: st, Accounts: accts, Now: func() time.Time { return at }}
				doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: DemoWorkspace, User: "maria", Staff: true,
					Text: "survey kano " + id + " " + s.feature})
				if err != nil {
					return fmt.Errorf("demo: survey kano %s: %w", id, err)
				}
				var rows [][]feedbackbot.Button
				for _, bl := range doc.Blocks {
					if bl.Kind == feedbackbot.BlockActions {
						rows = append(rows, bl.Buttons)
					}
				}
				if len(rows) != 2 || customer[id] == "" {
					continue // asked already (a run that stopped part-way), or nobody to answer
				}
				at = at.Add(3 * time.Hour)
				for q, answer := range s.answers[id] {
					press := feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: DemoWorkspace, User: customer[id], Button: true,
						Text: "survey.answer " + rows[q][answer-1].Value}
					if _, err := b.HandleCommand(ctx, press); err != nil {
						return fmt.Errorf("demo: answer the Kano survey of %s: %w", id, err)
					}
				}
			}
		}
		if err := st.PutDoc(ctx, DemoWorkspace, demoDocKind, demoKanoID, []byte(now.UTC().Format(time.RFC3339))); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

// demoRequestsPeriod is how far back the demo's step 6 reads feature requests.
const demoRequestsPeriod = 28 * 24 * time.Hour

// printDemoKano prints what customers asked for over the demo's four weeks, as
// /feedback requests does, and what the demo's Kano surveys say the features are
// to the customers who answered, as /feedback kano does.
func printDemoKano(ctx context.Context, out io.Writer, st store.Store, accounts map[string]feedbackbot.Account, now time.Time) error {
	rep, err := bot.ReadRequests(ctx, st, DemoWorkspace, now.Add(-demoRequestsPeriod), now.Add(time.Nanosecond), accounts, 10, bot.MaxRequestScan)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	rs, err := bot.ReadKano(ctx, st, DemoWorkspace, now.Add(-feedbackbot.KanoWindow), now.Add(time.Nanosecond))
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintf(out, "6. What customers asked for in the last %d days (/feedback requests), and what two features would be to them, from the Kano surveys staff sent (/feedback survey kano ACCOUNT FEATURE; /feedback kano):\n\n", int(demoRequestsPeriod.Hours()/24))
	for _, r := range rep.Requests {
		fmt.Fprintln(out, "   • "+strings.ReplaceAll(strings.TrimSpace(bot.RequestLine(r)), "\n", "\n  "))
	}
	fmt.Fprintln(out)
	for _, r := range rs {
		fmt.Fprintln(out, "   • "+strings.TrimSpace(bot.KanoLine(r)))
	}
	return nil
}
