package main

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// cmdRequests prints what customers asked for over a period: their feature
// requests grouped by what they ask for, with who asked, the accounts' value and
// what Kano surveys found.
func (m *Main) cmdRequests(ctx context.Context, args []string) error {
	fs, cfgPath := m.flags("requests")
	ws := fs.String("workspace", "", "the workspace `ID`; default: the only one stored")
	period := 30 * 24 * time.Hour
	fs.Var(durationFlag{d: &period}, "period", "read the customer messages of the last `PERIOD`, such as 90d (1h..92d)")
	at := fs.String("as-of", "", "read messages up to this moment, RFC 3339 `TIME` or a date (default now)")
	top := fs.Int("top", 10, "list at most `N` requests (1..100), the most accounts first")
	asJSON := fs.Bool("json", false, "print JSON for machines")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *top < 1 || *top > 100 {
		return usagef("--top %d is out of range 1..100", *top)
	}
	now, cfg, st, w, err := m.readSession(ctx, *cfgPath, *at, *ws)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := m.auditOnce(ctx, st, w, "requests", "last "+strconv.Itoa(int(period.Hours()/24))+" days as of "+now.Format(time.RFC3339)); err != nil {
		return err
	}
	rep, err := bot.ReadRequests(ctx, st, w, now.Add(-period), now.Add(time.Nanosecond), accountMap(cfg.Accounts), *top, bot.MaxRequestScan)
	if err != nil {
		return err
	}
	rep.To = now
	for i := range rep.Requests {
		rep.Requests[i].Quote.Text = feedbackbot.PlainQuote(rep.Requests[i].Quote.Text)
	}
	if *asJSON {
		if rep.Requests == nil {
			rep.Requests = []feedbackbot.FeatureRequest{}
		}
		return printJSON(m.Stdout, rep)
	}
	fmt.Fprintf(m.Stdout, "What customers asked for, %s to %s (workspace %s; %d messages read)\n\n",
		rep.From.Format("2006-01-02 15:04"), now.Format("2006-01-02 15:04 MST"), w, rep.Messages)
	if rep.Partial {
		fmt.Fprintf(m.Stdout, "The period holds more than %d messages: the newest %d were read.\n\n", bot.MaxRequestScan, rep.Messages)
	}
	if len(rep.Requests) == 0 {
		fmt.Fprintln(m.Stdout, "No feature requests from customers in this period.")
		return nil
	}
	rows := [][]string{{"REQUEST", "ACCOUNTS", "ASKED BY", "REQUESTS", "VALUE/YR", "KANO"}}
	for _, r := range rep.Requests {
		var names []string
		for _, a := range r.Accounts {
			names = append(names, cmp.Or(a.Name, a.ID))
		}
		if r.People > 0 {
			names = append(names, strconv.Itoa(r.People)+" of no account")
		}
		value := "—"
		if r.Value > 0 {
			value = bot.Money(r.Value)
		}
		kano := "not asked"
		if r.Kano != nil {
			kano = cmp.Or(r.Kano.Category, "asked, no complete answers") + " (" + bot.ShortText(r.Kano.Name, 32) + ")"
		}
		rows = append(rows, []string{bot.ShortText(r.Label, 32), strconv.Itoa(len(r.Accounts)), bot.ShortText(strings.Join(names, ", "), 40),
			strconv.Itoa(r.Requests), value, kano})
	}
	writeColumns(m.Stdout, rows)
	fmt.Fprintln(m.Stdout)
	for _, r := range rep.Requests {
		fmt.Fprintf(m.Stdout, "%s: “%s” (%s, %s)\n", r.Label, bot.ShortText(r.Quote.Text, 140), r.Quote.Account, r.Quote.Time.Format("2006-01-02"))
	}
	fmt.Fprintln(m.Stdout, "\n"+wrapProse("Requests are customers' messages whose intent or theme is feature_request, grouped by the words they share"+
		" (a thread's count once). To learn what one would be to customers, ask an account that asked:"+
		" /feedback survey kano ACCOUNT FEATURE in its channel; the KANO column then shows what the answers found.", proseWidth))
	return nil
}
