package main

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/feedbackbot/feedbackbot/bot"
)

// cmdKano prints what the features asked about in Kano surveys (/feedback survey
// kano) are to the customers who answered, over a period.
func (m *Main) cmdKano(ctx context.Context, args []string) error {
	fs, cfgPath := m.flags("kano")
	ws := fs.String("workspace", "", "the workspace `ID`; default: the only one stored")
	period := 90 * 24 * time.Hour
	fs.Var(durationFlag{d: &period}, "period", "count the answers of the last `PERIOD`, such as 30d (1h..92d)")
	at := fs.String("as-of", "", "count answers up to this moment, RFC 3339 `TIME` or a date (default now)")
	asJSON := fs.Bool("json", false, "print JSON for machines")
	if err := parse(fs, args); err != nil {
		return err
	}
	now, _, st, w, err := m.readSession(ctx, *cfgPath, *at, *ws)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := m.auditOnce(ctx, st, w, "kano", "last "+strconv.Itoa(int(period.Hours()/24))+" days as of "+now.Format(time.RFC3339)); err != nil {
		return err
	}
	rs, err := bot.ReadKano(ctx, st, w, now.Add(-period), now.Add(time.Nanosecond))
	if err != nil {
		return err
	}
	if *asJSON {
		out := struct {
			Workspace string                  `json:"workspace"`
			From      time.Time               `json:"from"`
			To        time.Time               `json:"to"`
			Features  []bot.KanoFeatureResult `json:"features"`
		}{w, now.Add(-period), now, rs}
		return printJSON(m.Stdout, out)
	}
	fmt.Fprintf(m.Stdout, "Kano answers from %s to %s (workspace %s)\n\n", now.Add(-period).Format("2006-01-02 15:04"), now.Format("2006-01-02 15:04 MST"), w)
	if len(rs) == 0 {
		fmt.Fprintln(m.Stdout, "No Kano answers in this period. Staff ask with /feedback survey kano ACCOUNT FEATURE in the account's channel.")
		return nil
	}
	rows := [][]string{{"FEATURE", "CATEGORY", "CUSTOMERS", "ACCOUNTS", "M", "O", "A", "I", "R", "Q", "BETTER", "WORSE", "ONE ANSWER ONLY"}}
	for _, r := range rs {
		t := r.Tally
		rows = append(rows, []string{bot.ShortText(r.Name, 48), cmp.Or(string(r.Category), "—"), strconv.Itoa(t.Total()), strconv.Itoa(r.Accounts),
			strconv.Itoa(t.MustBe), strconv.Itoa(t.OneDimensional), strconv.Itoa(t.Attractive), strconv.Itoa(t.Indifferent),
			strconv.Itoa(t.Reverse), strconv.Itoa(t.Questionable), coefficient(r.Better), coefficient(r.Worse), strconv.Itoa(r.Incomplete)})
	}
	writeColumns(m.Stdout, rows)
	fmt.Fprintln(m.Stdout, "\n"+wrapProse("Each customer's latest answers to both questions classify the feature for them: M must-be (expected, missed when absent),"+
		" O one-dimensional (the more the better), A attractive (delights, not missed), I indifferent, R reverse, Q questionable."+
		" The category is the most frequent; better (A+O)/(A+O+M+I) is how much having it pleases, worse −(O+M)/(A+O+M+I) how much lacking it displeases.", proseWidth))
	return nil
}

// coefficient prints a Kano coefficient, "—" when there is none.
func coefficient(c *float64) string {
	if c == nil {
		return "—"
	}
	return fmt.Sprintf("%+.2f", *c)
}
