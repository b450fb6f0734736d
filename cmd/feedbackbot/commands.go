package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/width"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/analysis/emerging"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/config"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
)

// asOf parses --as-of: RFC 3339, a date (midnight UTC), or empty for now.
func asOf(s string) (time.Time, error) { return asOfIn(s, time.UTC) }

// asOfIn is asOf with a date or a time without a zone read on loc's wall clock:
// digest --as-of 2026-12-05 --tz America/New_York ends at midnight in New York (it
// ended at midnight UTC, under a header of New York's days).
func asOfIn(s string, loc *time.Location) (time.Time, error) {
	if s == "" || s == "now" {
		return time.Now().UTC(), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	// without a zone: read in loc (seconds were refused, a review's find)
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usagef("--as-of %q: want RFC 3339 (2026-11-22T09:00:00Z), a time without a zone (2026-11-22T09:00, read in --tz or UTC) or a date (2026-11-22)", s)
}

// riskWindow is how far back risk looks for an account's messages (its 8 weeks).
const riskWindow = 56 * 24 * time.Hour

// warnFuture says when an --as-of lies more than a day ahead (a mistyped year read
// "No messages were captured in this period", a review's find): the command still
// runs, as a period to come is a question one may ask.
func (m *Main) warnFuture(now time.Time) {
	if ahead := time.Until(now); ahead > 24*time.Hour {
		when := health.Ago(ahead)
		// (a time.Duration ends at 292 years: 9999-12-31 read "106752 days")
		if years := float64(now.Unix()-time.Now().Unix()) / (365.2425 * 86400); years >= 2 {
			when = fmt.Sprintf("%.0f years", math.Floor(years))
		}
		fmt.Fprintf(m.Stderr, "warning: --as-of %s is %s from now: nothing has been captured that late yet (a mistyped year?)\n",
			now.Format(time.RFC3339), when)
	}
}

// durationFlag is a duration flag of 1h..92d, or of [min, max] when max is set
// (min 0 then allows "0").
type durationFlag struct {
	d        *time.Duration
	min, max time.Duration
}

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return config.FormatDuration(*f.d)
}

func (f durationFlag) Set(s string) error {
	lo, hi := time.Hour, 92*24*time.Hour
	if f.max > 0 {
		lo, hi = f.min, f.max
	}
	d, err := config.ParseDuration(s)
	switch {
	case errors.Is(err, config.ErrNotDuration):
		// (it offered 90s and 1y, which a flag of 1h..92d then refused)
		return fmt.Errorf("%q is not a duration (e.g. %s)", strings.TrimSpace(s), durationExamples(lo, hi))
	case err != nil: // more than ten years: out of any flag's range
		return fmt.Errorf("%s is out of range %s..%s", strings.TrimSpace(s), config.FormatDuration(lo), config.FormatDuration(hi))
	case d < lo || d > hi:
		return fmt.Errorf("%s is out of range %s..%s", s, config.FormatDuration(lo), config.FormatDuration(hi))
	}
	*f.d = d
	return nil
}

// durationExamples lists durations as people type them, one of each form that
// lies in lo..hi, for a message about a duration that is none: "12h, 7d, 2w,
// 30d" for 1h..92d.
func durationExamples(lo, hi time.Duration) string {
	var in []string
	for _, e := range []string{"90s", "15m", "12h", "7d", "2w", "30d", "1y"} {
		if d, err := config.ParseDuration(e); err == nil && d >= lo && d <= hi {
			in = append(in, e)
		}
	}
	if len(in) == 0 {
		in = []string{config.FormatDuration(lo), config.FormatDuration(hi)}
	}
	return strings.Join(in, ", ")
}

func (m *Main) cmdAnalyze(ctx context.Context, args []string) error {
	fs, cfgPath := m.flags("analyze")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "analysis goroutines, `N` of 1..256 (output order is kept)")
	mode := fs.String("mode", "chat", "the `MODE`: chat (support chat: the rules, then the layer fitted on chat, as the bot tags what it captures) or text (other text, such as reviews and social posts: the rules alone)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *workers < 1 || *workers > 256 {
		return usagef("--workers %d is out of range 1..256", *workers)
	}
	if *mode != "chat" && *mode != "text" {
		return usagef("--mode %q: use chat (support chat, the default) or text (other text, the rules alone)", *mode)
	}
	cfg, err := m.load(*cfgPath)
	if err != nil {
		return err
	}
	a, err := newAnalyzer(cfg)
	if err != nil {
		return err
	}
	if *mode == "text" {
		a = a.RulesOnly()
	}
	if isTerminal(m.Stdin) && !isDevNull(m.Stdin) {
		// Someone typing: answer each line at once instead of batching until the end.
		fmt.Fprintln(m.Stderr, "Type a message and press Enter to see its tags; Ctrl-D ends. (Or pipe JSON Lines in: feedbackbot analyze < in.jsonl)")
		return analyzeLines(ctx, m.Stdin, m.Stdout, a)
	}
	lines, failed, err := analyzeStream(ctx, m.Stdin, m.Stdout, a, *workers)
	if err != nil || failed == 0 {
		return err
	}
	if failed == lines {
		// (every line failed and it exited 0, saying nothing: a wrong file looked analysed)
		if lines == 1 {
			return fmt.Errorf(`analyze: the 1 line could not be analysed: it has {"line": N, "error": "..."} in the output; want {"text": "..."} or a line of plain text`)
		}
		return fmt.Errorf(`analyze: none of the %d lines could be analysed: each has {"line": N, "error": "..."} in the output; want {"text": "..."} or a line of plain text`, lines)
	}
	// (failed < lines here, so lines is 2 or more)
	fmt.Fprintf(m.Stderr, "analyze: %d of %d lines could not be analysed; each has {\"line\": N, \"error\": \"...\"} in the output.\n", failed, lines)
	return nil
}

// analyzeLines answers line by line, for input typed at a terminal: the same output
// as runAnalyze, written as soon as each line ends. Interrupting ends it at once, even
// while it waits for a line.
func analyzeLines(ctx context.Context, in io.Reader, out io.Writer, a *analysis.Analyzer) error {
	type result struct {
		buf []byte
		err error
	}
	results := make(chan result)
	go func() {
		defer close(results)
		br := bufio.NewReader(in)
		var b bytes.Buffer
		for n := 1; ; n++ {
			line, tooLong, err := readLine(br)
			if err == io.EOF && line == nil {
				return
			}
			if err != nil && err != io.EOF {
				results <- result{err: fmt.Errorf("read input: %w", err)}
				return
			}
			if tooLong {
				line = nil // appendResult's mark for a line over maxLineBytes
			} else if line == nil {
				line = []byte{}
			}
			b.Reset()
			appendResult(&b, a, n, line)
			select {
			case results <- result{buf: bytes.Clone(b.Bytes())}:
			case <-ctx.Done():
				return
			}
			if err == io.EOF {
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case r, ok := <-results:
			if !ok {
				return nil
			}
			if r.err != nil {
				return r.err
			}
			if _, err := out.Write(r.buf); err != nil {
				return fmt.Errorf("write output: %w", err)
			}
		}
	}
}

func (m *Main) cmdDigest(ctx context.Context, args []string) error {
	fs, cfgPath := m.flags("digest")
	ws := fs.String("workspace", "", "the workspace `ID` (Slack team or Discord guild id); default: the only one stored")
	period := 7 * 24 * time.Hour
	fs.Var(durationFlag{d: &period}, "period", "how far back the digest looks, a `PERIOD` such as 7d or 12h (1h..92d)")
	at := fs.String("as-of", "", "end of the period, RFC 3339 `TIME` or a date (default now; a date or a time without a zone is read in --tz)")
	tz := fs.String("tz", "UTC", "time `ZONE` of the digest's days (its header, the chart's day boundaries) and of an --as-of without one, such as Europe/Paris")
	asJSON := fs.Bool("json", false, "print JSON for machines")
	chart := fs.String("chart", "", "also write the chart as a PNG image to `FILE` (its name ending in .png)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *chart != "" {
		// Checked before the digest is built: it was written last, and a directory
		// or a missing one failed there in Go's words.
		if err := checkOutPath("digest", "chart", *chart, "digest.png"); err != nil {
			return err
		}
		if ext := filepath.Ext(*chart); !strings.EqualFold(ext, ".png") {
			return usagef("--chart %s: the chart is a PNG image: give a file name ending in .png, such as %s", *chart, strings.TrimSuffix(*chart, ext)+".png")
		}
	}
	defer bot.SetCollector(m.Getenv, bot.GCPercent)()
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return usagef("digest: --tz %q is not a known time zone%s: use an IANA name, such as Europe/Paris or America/New_York",
			*tz, didYouMean("", config.SuggestZone(*tz)))
	}
	now, err := asOfIn(*at, loc)
	if err != nil {
		return err
	}
	m.warnFuture(now)
	cfg, st, _, err := m.session(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer st.Close()
	w, err := pickWorkspace(ctx, st, *ws)
	if err != nil {
		return err
	}
	m.warnStale(ctx, st, cfg, w, bot.PeriodFrom(now, period, loc), now)
	if err := m.auditOnce(ctx, st, w, "digest", "period "+config.FormatDuration(period)+" to "+now.Format(time.RFC3339)); err != nil {
		return err
	}
	d, png, err := buildDigest(ctx, st, cfg, w, now, period, loc, *chart != "")
	if err != nil {
		return err
	}
	if *chart != "" {
		if err := os.WriteFile(*chart, png, 0o644); err != nil {
			return fmt.Errorf("write chart: %w", err)
		}
	}
	if *asJSON {
		return printJSON(m.Stdout, d.Plain().Complete()) // quotes as plain text, not chat markup; every list there
	}
	fmt.Fprint(m.Stdout, bot.RenderText(bot.DigestDocument(d, png)))
	if *chart != "" {
		fmt.Fprintf(m.Stdout, "Chart written to %s\n", *chart)
	}
	return nil
}

// buildDigest computes the at-risk list and the digest, and the chart when asked.
func buildDigest(ctx context.Context, st store.Store, cfg config.Config, ws string, now time.Time, period time.Duration, loc *time.Location, withChart bool) (feedbackbot.Digest, []byte, error) {
	accts := accountMap(cfg.Accounts)
	// (the period before is counted on the same calendar: a New York week across a
	// clock change was compared with 169 hours from 23:00, a review found)
	from := bot.PeriodFrom(now, period, loc)
	d, err := bot.DigestWithRisk(ctx, st, riskRequest(cfg, ws, now), bot.DigestRequest{Workspace: ws, From: from, PrevFrom: bot.PeriodFrom(from, period, loc), To: now, Now: now,
		Location: loc, Accounts: accts, Params: cfg.HealthParams(), TierTargets: cfg.TierTargets(), Themes: cfg.ThemeNames(),
		Known: emerging.NewVocabulary(cfg.Taxonomy())})
	if err != nil {
		return d, nil, err
	}
	if !withChart {
		return d, nil, nil
	}
	png, err := bot.DigestChart(d)
	return d, png, err
}

// printJSON writes v as indented JSON for machines, "R&D" as it is, not
// "R\u0026D": the output goes to no HTML page. (digest, risk, kano and requests
// --json)
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func (m *Main) cmdRisk(ctx context.Context, args []string) error {
	fs, cfgPath := m.flags("risk")
	ws := fs.String("workspace", "", "the workspace `ID`; default: the only one stored")
	only := fs.String("account", "", "one `ACCOUNT` (its id, its name as configured or as stored with its messages, or part of either), with every reason its score rests on and the evidence, or why there is nothing to assess (default: every account with a customer message in 8 weeks or a recent survey answer, one line each)")
	at := fs.String("as-of", "", "assess as of this moment, RFC 3339 `TIME` or a date (default now)")
	asJSON := fs.Bool("json", false, "print JSON for machines")
	if err := parse(fs, args); err != nil {
		return err
	}
	defer bot.SetCollector(m.Getenv, bot.GCPercent)()
	now, cfg, st, w, err := m.readSession(ctx, *cfgPath, *at, *ws)
	if err != nil {
		return err
	}
	defer st.Close()
	m.warnStale(ctx, st, cfg, w, now.Add(-riskWindow), now)
	req, target := riskRequest(cfg, w, now), "all accounts"
	var acct feedbackbot.Account
	if *only != "" {
		accts, err := st.Accounts(ctx, w)
		if err != nil {
			return fmt.Errorf("list accounts: %w", err)
		}
		// An id, a configured name, a name stored with its messages, or part of one,
		// as /feedback account takes them.
		acct, err = bot.ResolveAccount(ctx, listedAccounts{st, accts}, req.Accounts, w, *only)
		switch {
		case feedbackbot.IsNotFound(err):
			return unknownAccount(ctx, st, *only, w, accts, req.Accounts, "")
		case feedbackbot.ErrorCode(err) == feedbackbot.EINVALID:
			return usagef("--account %s: %s", *only, feedbackbot.UnescapeMarkup(feedbackbot.ErrorMessage(err))) // (names are escaped for chat)
		case err != nil:
			return err
		case !slices.Contains(accts, acct.ID):
			return unknownAccount(ctx, st, *only, w, accts, req.Accounts, acct.ID)
		}
		req.Only, target = acct.ID, "account "+acct.ID
	}
	if err := m.auditOnce(ctx, st, w, "risk", target+" as of "+now.Format(time.RFC3339)); err != nil {
		return err
	}
	// Accounts with nothing to assess are left out of the listing, and one asked for
	// by name is said to have nothing to assess (it showed as healthy, 100).
	req.SkipSilent = true
	hs, err := bot.Risk(ctx, st, req)
	if err != nil {
		return err
	}
	note := ""
	if *only != "" && len(hs) == 0 {
		if note, err = nothingToAssess(ctx, st, w, acct, now, req.Params); err != nil {
			return err
		}
	}
	if *asJSON {
		type row struct {
			ID      string               `json:"id"`
			Name    string               `json:"name"`
			Score   int                  `json:"score"`
			AtRisk  bool                 `json:"at_risk"`
			Reasons []feedbackbot.Reason `json:"reasons"`
			// The recent window's customer messages, and those of each clear emotion.
			RecentMessages int                     `json:"recent_messages"`
			Emotions       []feedbackbot.CountStat `json:"emotions,omitempty"`
			// The recent window's survey answers; the newest customer and staff
			// messages health read.
			RecentRatings  int       `json:"recent_ratings"`
			LastCustomerAt time.Time `json:"last_customer_at,omitzero"`
			LastStaffAt    time.Time `json:"last_staff_at,omitzero"`
			// The whole window's customer messages, and the account's RFM standing
			// among the others (absent for --account, or fewer than five accounts).
			WindowMessages int                     `json:"window_messages"`
			Engagement     *feedbackbot.Engagement `json:"engagement,omitempty"`
		}
		out := struct {
			Workspace string    `json:"workspace"`
			AsOf      time.Time `json:"as_of"`
			Accounts  []row     `json:"accounts"`
			Note      string    `json:"note,omitempty"` // why an account asked for is not listed
		}{Workspace: w, AsOf: now, Accounts: []row{}, Note: note}
		for _, h := range hs {
			out.Accounts = append(out.Accounts, row{h.Account.ID, h.Account.Name, h.Score, h.AtRisk, feedbackbot.PlainReasons(h.Reasons),
				h.RecentMessages, h.Emotions, h.RecentRatings, h.LastCustomerAt, h.LastStaffAt, h.WindowMessages, h.Engagement})
		}
		return printJSON(m.Stdout, out)
	}
	switch {
	case note != "":
		fmt.Fprintln(m.Stdout, note)
	case *only != "":
		printAccountHealth(m, hs[0], now, req.Params.WithDefaults().Recent)
	default:
		printRisk(m.Stdout, hs, now, req.Params.WithDefaults().Baseline)
	}
	return nil
}

// nothingToAssess says why an account asked for has no health score: no message in
// the windows health reads and no survey answer, and whether the store holds older
// messages of it or none any more.
func nothingToAssess(ctx context.Context, st store.Store, ws string, a feedbackbot.Account, now time.Time, p health.Params) (string, error) {
	rows, err := st.Messages(ctx, store.Query{Workspace: ws, Account: a.ID, To: now.Add(time.Nanosecond), Limit: 1})
	if err != nil {
		return "", fmt.Errorf("messages of account %s: %w", a.ID, err)
	}
	var newest *store.Stored
	if len(rows) > 0 {
		newest = &rows[0]
		a.Name = cmp.Or(a.Name, newest.Message.AccountName)
	}
	later, err := bot.MessageAfter(ctx, st, ws, a.ID, rows, now)
	if err != nil {
		return "", err
	}
	if later != nil {
		a.Name = cmp.Or(a.Name, later.Message.AccountName)
	}
	// (the chat's /feedback account says the same: one wording, bot.NothingToAssess)
	return fmt.Sprintf("%s: nothing to assess %s", accountName(a), bot.NothingToAssess(now, p, newest, later)), nil
}

// listedAccounts answers Accounts with a list already read, so resolving an
// --account does not read it again.
type listedAccounts struct {
	store.Store
	ids []string
}

func (l listedAccounts) Accounts(context.Context, string) ([]string, error) { return l.ids, nil }

// unknownAccount is the error for an --account that matches no account the
// workspace has messages of (or, with configured set, names a configured account
// without any): it names up to ten that it has, with their names, closest in
// spelling to an id or a name first.
func unknownAccount(ctx context.Context, st store.Store, want, ws string, accts []string, configuredAccts map[string]feedbackbot.Account, configured string) error {
	what := "no account in workspace " + ws + " matches it by id or name"
	if configured != "" {
		what = "account " + accountName(configuredAccts[configured]) + " is configured, but workspace " + ws + " has no messages from it"
	}
	if len(accts) == 0 {
		return usagef("--account %s: %s (it has no messages from any account yet)", want, what)
	}
	var names map[string]string
	if len(accts) <= bot.MaxNameScan { // (suggestions by id and configured name only, past it)
		var err error
		if names, err = bot.StoredAccountNames(ctx, st, ws, accts); err != nil {
			return err
		}
	}
	choices := make([]feedbackbot.Account, len(accts))
	dist := make(map[string]int, len(accts))
	lw := strings.ToLower(want)
	for i, id := range accts {
		a := configuredAccts[id]
		a.ID, a.Name = id, cmp.Or(a.Name, names[id])
		choices[i] = a
		dist[id] = config.EditDistance(lw, strings.ToLower(id))
		if a.Name != "" {
			dist[id] = min(dist[id], config.EditDistance(lw, strings.ToLower(a.Name)))
		}
	}
	slices.SortStableFunc(choices, func(a, b feedbackbot.Account) int {
		return cmp.Or(cmp.Compare(dist[a.ID], dist[b.ID]), cmp.Compare(a.ID, b.ID))
	})
	more := ""
	if len(choices) > 10 {
		choices, more = choices[:10], fmt.Sprintf(" and %d more", len(choices)-10)
	}
	list := make([]string, len(choices))
	for i, a := range choices {
		list[i] = accountName(a)
	}
	return usagef("--account %s: %s (its accounts, closest first: %s%s)", want, what, strings.Join(list, ", "), more)
}

// accountName is how the terminal names an account: "Name (id)", or the id alone.
func accountName(a feedbackbot.Account) string {
	if a.Name == "" {
		return a.ID
	}
	return a.Name + " (" + a.ID + ")"
}

// printAccountHealth prints one account's health: every reason with its points and
// evidence (quotes with their time and link, figures), and the next step when at risk.
func printAccountHealth(m *Main, h feedbackbot.Health, now time.Time, recent time.Duration) {
	name := accountName(h.Account)
	state := "not at risk"
	if h.AtRisk {
		state = "AT RISK"
	}
	fmt.Fprintf(m.Stdout, "%s: health %d/100, %s, as of %s\n", name, h.Score, state, now.Format("2006-01-02 15:04 MST"))
	var facts []string
	if h.Account.Tier != "" {
		facts = append(facts, "tier "+h.Account.Tier)
	}
	if h.Account.Value > 0 {
		facts = append(facts, "value "+bot.Money(h.Account.Value)+"/yr")
	}
	if h.Account.Owner != "" {
		facts = append(facts, "owner "+h.Account.Owner)
	}
	if len(facts) > 0 {
		fmt.Fprintf(m.Stdout, "%s\n", strings.Join(facts, " · "))
	}
	if t := bot.EmotionsLine(h, recent); t != "" {
		fmt.Fprintf(m.Stdout, "How they felt %s\n", t)
	}
	if len(h.Reasons) == 0 {
		fmt.Fprintln(m.Stdout, "\nNothing lowers its score.")
		return
	}
	fmt.Fprintln(m.Stdout, "\nWhat the score rests on:")
	for _, r := range h.Reasons {
		fmt.Fprintf(m.Stdout, "  %+4.0f  %s\n", r.Impact, r.Text)
		for _, e := range r.Evidence {
			switch {
			case e.Quote != "":
				at := e.Time.Format("Jan 2 15:04")
				if e.Permalink != "" {
					at += " " + e.Permalink
				}
				fmt.Fprintf(m.Stdout, "        > “%s” — %s\n", bot.ShortText(feedbackbot.UnescapeMarkup(e.Quote), 160), at)
			case e.Figure != "":
				fmt.Fprintf(m.Stdout, "        %s\n", e.Figure)
			}
		}
	}
	if h.AtRisk {
		fmt.Fprintf(m.Stdout, "\nSuggested next step: %s\n", bot.AlertFor("", h, now).NextStep)
	}
}

// printRisk lists hs, assessed as of now over health windows of window (the
// baseline, for engagement's frequency).
func printRisk(w io.Writer, hs []feedbackbot.Health, now time.Time, window time.Duration) {
	if len(hs) == 0 {
		// (a header over no rows said nothing of why: a review's find)
		fmt.Fprintf(w, "Account health as of %s: no account has a message in the 8 weeks before it or a recent survey answer, so there is nothing to assess.\n",
			now.Format("2006-01-02 15:04 MST"))
		return
	}
	fmt.Fprintf(w, "Account health as of %s (lowest first; at risk below the threshold)\n\n", now.Format("2006-01-02 15:04 MST"))
	rows := [][]string{{"ACCOUNT", "HEALTH", "AT RISK", "ENGAGEMENT", "MAIN REASON"}}
	for _, h := range hs {
		reason := "—"
		if len(h.Reasons) > 0 && h.Reasons[0].Impact < 0 {
			reason = h.Reasons[0].Text
		}
		risk := ""
		if h.AtRisk {
			risk = "yes"
		}
		rows = append(rows, []string{bot.ShortText(accountName(h.Account), 48), strconv.Itoa(h.Score), risk, cmp.Or(bot.EngagementLabel(h.Engagement), "—"), bot.ShortText(reason, 90)})
	}
	writeColumns(w, rows)
	if slices.ContainsFunc(hs, func(h feedbackbot.Health) bool { return h.Engagement != nil }) {
		fmt.Fprintf(w, "\n%s\n", wrapProse(fmt.Sprintf("Engagement ranks the accounts against each other (RFM): R how recently their customers wrote, F how much they wrote in the last %d days, V the value configured; 5 is the top fifth of the accounts, 1 the bottom.",
			int(window.Hours()/24)), proseWidth))
	}
}

// writeColumns writes rows as columns two spaces apart, padded by the width a
// terminal gives each character (tabwriter counts runes: a Japanese or emoji
// account name, two columns a character, pushed the rest of its row out of line).
func writeColumns(w io.Writer, rows [][]string) {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// displayWidth is how many terminal columns s takes: two for the characters
// Unicode's East Asian Width calls wide or full-width (CJK, most emoji) and for
// one that a variation selector 16 asks to be drawn as an emoji (❤️), none for
// combining marks, format characters, Hangul's conjoining vowels and finals, and
// a character joined to the one before by a zero-width joiner (👨‍👩‍👧 is one
// emoji), one for the rest.
func displayWidth(s string) int {
	n, last := 0, 0 // last: the width the previous character added
	joined := false
	for _, r := range s {
		w := 1
		switch {
		case r == 0xFE0F: // emoji presentation: the character before is drawn wide
			if last == 1 {
				n, last = n+1, 2
			}
			continue
		case r == 0x200D:
			joined = true
			continue
		case joined:
			w = 0
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf), r >= 0x1160 && r <= 0x11FF:
			w = 0
		default:
			if k := width.LookupRune(r).Kind(); k == width.EastAsianWide || k == width.EastAsianFullwidth {
				w = 2
			}
		}
		joined = false
		n += w
		if w > 0 {
			last = w
		}
	}
	return n
}

func (m *Main) cmdReanalyze(ctx context.Context, args []string) error {
	fs, cfgPath := m.flags("reanalyze")
	ws := fs.String("workspace", "", "only the workspace `ID` (default all)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := m.load(*cfgPath)
	if err != nil {
		return err
	}
	a, err := newAnalyzer(cfg)
	if err != nil {
		return err
	}
	st, where, err := m.openExistingStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	wss, err := selectWorkspaces(ctx, st, *ws)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "Re-analysing %s in the %s with analyzer %s\n", feedbackbot.CountNoun(len(wss), "workspace", "workspaces"), where, a.Version())
	for _, w := range wss {
		au, err := m.startAudit(ctx, st, w, "reanalyze", "analyzer "+a.Version())
		if err != nil {
			return err
		}
		// Data applied before account-day counters existed gets them first, and
		// an older version's record layout is upgraded (a no-op once done), so
		// account health reads counters, not old messages.
		if err := printAccountDays(m.Stderr, "  "+w).build(ctx, st, w); err != nil {
			return au.finish(ctx, 0, fmt.Errorf("upgrade older data (account-day counters, record layout): %w", err))
		}
		if n, err := bot.MoveSurveyAnswers(ctx, st, w); err != nil {
			return au.finish(ctx, 0, err)
		} else if n > 0 {
			fmt.Fprintf(m.Stderr, "  %s: moved %s into their weeks (once, for data from an older version)\n", w, feedbackbot.CountNoun(n, "survey answer", "survey answers"))
		}
		if n, err := bot.IndexSurveyWeeks(ctx, st, w); err != nil {
			return au.finish(ctx, 0, err)
		} else if n > 0 {
			fmt.Fprintf(m.Stderr, "  %s: indexed %s of survey answers by account (once, for data from an older version)\n", w, feedbackbot.CountNoun(n, "week", "weeks"))
		}
		// Channels mapped to an account (channel_accounts) since their messages were
		// captured: a new version of each, with the account, which the re-analysis
		// below applies.
		moved, err := bot.Reattribute(ctx, st, attribution(cfg), w)
		if err != nil {
			return au.finish(ctx, 0, err)
		}
		if moved.Moved > 0 {
			fmt.Fprintf(m.Stderr, "  %s: %s of mapped channels moved to their channel's account (channel_accounts)\n", w, feedbackbot.CountNoun(moved.Moved, "message", "messages"))
		}
		res, err := bot.Reanalyze(ctx, st, a, w, 500, progressTo(m.Stderr, "  "+w))
		if err != nil {
			// (it said "T0: 29000 entries, done", then the error of an interrupted run)
			fmt.Fprintf(m.Stderr, "%s  %s: stopped after %s read, %d re-tagged; running reanalyze again is safe (what is re-tagged already is left alone)\n",
				overwrite(isTerminal(m.Stderr)), w, feedbackbot.CountNoun(res.Read, "log entry", "log entries"), res.Applied)
		}
		if err = au.finish(ctx, res.Applied, err); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s: %d log entries read, %d messages re-tagged (the rest already had current tags or were superseded), %d moved to their channel's account\n", w, res.Read, res.Applied, moved.Moved)
		if res.Corrected > 0 {
			fmt.Fprintf(m.Stdout, "%s: %s staff's correction over the new analysis\n", w, feedbackbot.CountNoun(res.Corrected, "message keeps", "messages keep"))
		}
		if res.Uncorrected > 0 {
			if res.Uncorrected == 1 {
				fmt.Fprintf(m.Stderr, "warning: %s: 1 correction could not be read (a damaged document): its message has analysis's tags; correct it again\n", w)
			} else {
				fmt.Fprintf(m.Stderr, "warning: %s: %d corrections could not be read (damaged documents): their messages have analysis's tags; correct them again\n", w, res.Uncorrected)
			}
		}
	}
	return nil
}

// progressTo prints "label: N entries" on one terminal line rewritten in place, at
// most a few times a second, and "label: N entries, done" when n < 0. The final line
// is never shorter than the ones it overwrites, so no digits of an earlier count
// remain. Into a file or a pipe only the final line is written.
func progressTo(w io.Writer, label string) func(n int) {
	tty := isTerminal(w)
	last, seen := time.Time{}, 0
	return func(n int) {
		if n < 0 {
			fmt.Fprintf(w, "%s%s: %d entries, done\n", overwrite(tty), label, seen)
			return
		}
		seen = n
		if !tty || time.Since(last) < ttyRefresh {
			return
		}
		last = time.Now()
		fmt.Fprintf(w, "\r%s: %d entries", label, n)
	}
}

// ttyRefresh is how often a count rewritten in place on a terminal is redrawn.
const ttyRefresh = 200 * time.Millisecond

// overwrite is what begins a line that replaces a count drawn in place: a carriage
// return on a terminal, nothing in a file (where no count was drawn).
func overwrite(tty bool) string {
	if tty {
		return "\r"
	}
	return ""
}

// isTerminal reports whether w is a terminal (a character device), not a file or pipe.
func isTerminal(w any) bool {
	if t, ok := w.(*terminalSafe); ok {
		w = t.w
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// isDevNull says whether r is the null device (a character device, as a terminal
// is: analyze </dev/null printed the prompt for a person typing).
func isDevNull(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err == nil && os.SameFile(fi, null)
}

func (m *Main) cmdConfig(ctx context.Context, args []string) error {
	fs, cfgPath := m.flags("config check")
	switch {
	case len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help"):
		return parse(fs, []string{"--help"})
	case len(args) == 0 || args[0] != "check":
		return usagef("config: the only subcommand is 'check' (feedbackbot config check [--config FILE])")
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	// Every problem is reported at once (README, operator guide): those of the
	// file and the environment, and those of the checks that do not depend on them
	// (Redis, the analyzer's layer file, each platform whose own settings are
	// fine). A file problem stopped the check there, and the rest were found one
	// try at a time (a review's find). A file that cannot be read as a
	// configuration at all (not YAML, a --config that is not there) still stops it.
	cfg, err := loadConfig(*cfgPath, m.Getenv)
	var problems []error
	var loaded config.Problems // (the file read: the report names it)
	if err != nil {
		var p *config.Problems
		if !errors.As(err, &p) {
			return err
		}
		problems = append(problems, p.Errs...)
		loaded = *p
	}
	// REDIS_URL is read as the store will read it, so a URL that cannot work is
	// reported here and not at the first start (the message never shows its password).
	if !cfg.Store.RedisURL.Empty() {
		if _, err := redisstore.ParseURL(cfg.Store.RedisURL.Value()); err != nil {
			problems = append(problems, errors.New("REDIS_URL: "+strings.TrimPrefix(err.Error(), "Redis URL: ")))
		} else if err := m.checkRedisStore(ctx, cfg); err != nil {
			problems = append(problems, err)
		}
	}
	// Destinations are checked against the platforms themselves: a channel that is
	// shared with customers (or a DM) is refused here, not only at post time. A
	// platform whose token is already reported as malformed is not asked (the
	// secret or app-level token for receiving events is not used by the check).
	for _, dc := range destinationChecks {
		if config.WithoutReceiving(&config.Problems{Errs: cfg.SectionProblems(dc.platform)}) == nil {
			problems = append(problems, dc.check(ctx, cfg)...)
		}
	}
	// The analyzer is built as run builds it: a layer file that exists but cannot
	// be used (another version's, not a layer) passed, and run then failed. A
	// layer or taxonomy already reported is not reported twice.
	var analyzer *analysis.Analyzer
	if len(cfg.SectionProblems("analyzer")) == 0 {
		if a, err := newAnalyzer(cfg); err != nil {
			problems = append(problems, err)
		} else {
			analyzer = a
		}
	}
	if len(problems) > 0 {
		// (the file read names the report when only the checks after loading
		// found something too: the layer, a destination; a review's find)
		if loaded.File == "" {
			switch {
			case *cfgPath != "":
				loaded.File = *cfgPath
			case fileExists(config.DefaultFile):
				loaded.File, loaded.Implicit = config.DefaultFile, true
			}
		}
		return &config.Problems{Errs: problems, File: loaded.File, Implicit: loaded.Implicit}
	}
	fmt.Fprintf(m.Stdout, "Configuration OK: %s\n", configSource(*cfgPath))
	storeDesc := "embedded store in " + cfg.Store.DataDir
	if !cfg.Store.RedisURL.Empty() {
		storeDesc = "Redis at " + redisstore.RedactURL(cfg.Store.RedisURL.Value())
	}
	fmt.Fprintf(m.Stdout, "  store:     %s\n", storeDesc)
	fmt.Fprintf(m.Stdout, "  http:      %s\n", cfg.Server.Addr)
	slack := "off (no SLACK_BOT_TOKEN)"
	if cfg.Slack.Enabled() {
		slack = fmt.Sprintf("%s mode, bot token %s, %s", cfg.Slack.Mode, cfg.Slack.BotToken, feedbackbot.CountNoun(len(cfg.Slack.InternalChannels), "internal channel", "internal channels"))
	}
	discord := "off (no DISCORD_TOKEN)"
	if cfg.Discord.Enabled() {
		discord = fmt.Sprintf("token %s, %s, %s", cfg.Discord.Token, feedbackbot.CountNoun(len(cfg.Discord.StaffRoles), "staff role", "staff roles"), feedbackbot.CountNoun(len(cfg.Discord.InternalChannels), "internal channel", "internal channels"))
	}
	fmt.Fprintf(m.Stdout, "  slack:     %s\n  discord:   %s\n", slack, discord)
	fmt.Fprintf(m.Stdout, "  themes:    %d (%s)\n", len(cfg.Taxonomy()), themeNames(cfg))
	layerDesc := "the shipped layer"
	if cfg.Analysis.Layer != "" {
		layerDesc = "learned, " + cfg.Analysis.Layer
	}
	fmt.Fprintf(m.Stdout, "  analyzer:  %s (%s)\n", analyzer.Version(), layerDesc)
	fmt.Fprintf(m.Stdout, "  accounts:  %d configured\n  digests:   %d scheduled\n", len(cfg.Accounts), len(cfg.Digests))
	fmt.Fprintf(m.Stdout, "  alerts:    %s\n", alertsSummary(cfg.Alerts))
	if r := cfg.Retention.Messages.D(); r > 0 {
		fmt.Fprintf(m.Stdout, "  retention: messages older than %s deleted daily (hourly totals kept)\n", config.FormatDuration(r))
	} else {
		fmt.Fprintln(m.Stdout, "  retention: off, messages are kept until deleted or forgotten (retention.messages)")
	}
	connected := map[feedbackbot.Platform]bool{}
	if cfg.Slack.Enabled() {
		connected[feedbackbot.PlatformSlack] = true
	}
	if cfg.Discord.Enabled() {
		connected[feedbackbot.PlatformDiscord] = true
	}
	for _, w := range unpostable(cfg, connected) {
		fmt.Fprintf(m.Stdout, "warning: %s\n", w)
	}
	return nil
}

// checkRedisStore opens the configured Redis store as every other command does (Open
// pings it) and closes it again: an unreachable or refusing Redis passed the check as
// "Configuration OK", and every command after it failed with "cannot reach Redis" (a
// review's find). The error names the address, never the password. The embedded
// store is not opened here: opening it would create its directory.
func (m *Main) checkRedisStore(ctx context.Context, cfg config.Config) error {
	st, _, err := m.openStore(ctx, cfg)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	if err := st.Close(); err != nil {
		m.log().Warn("config check: closing the Redis store", "err", err)
	}
	return nil
}

// alertsSummary describes where at-risk alerts go and which are posted, for config
// check: "slack channel C1, ..." or "off (no alerts.channel)".
func alertsSummary(a config.Alerts) string {
	if a.Channel == "" {
		return "off (no alerts.channel)"
	}
	posted := "warning and critical alerts posted"
	if a.MinSeverity == "critical" {
		posted = "critical alerts posted (warnings only in digests)"
	}
	return fmt.Sprintf("%s channel %s, accounts scoring below %d, %s, an unchanged alert repeated after %s at the soonest",
		a.Platform, a.Channel, a.Threshold, posted, a.RepeatInterval)
}

// configSource says where the configuration came from, for people.
func configSource(path string) string {
	switch {
	case path != "":
		return path + " and the environment"
	case fileExists(config.DefaultFile):
		return config.DefaultFile + " and the environment"
	}
	return "no " + config.DefaultFile + " here: defaults and the environment"
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// destinationChecks are filled by adapters' wiring files: each checks the configured
// destinations of its platform online and returns every problem.
var destinationChecks []destinationCheck

// destinationCheck is one platform's online check; platform names its part of the
// configuration (config.SectionProblems).
type destinationCheck struct {
	platform string
	check    func(ctx context.Context, cfg config.Config) []error
}

func themeNames(cfg config.Config) string {
	var names []string
	for _, t := range cfg.Taxonomy() {
		names = append(names, t.Name)
	}
	return strings.Join(names, ", ")
}
