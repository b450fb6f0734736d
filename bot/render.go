package bot

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
)

// DigestDocument renders a digest as a platform-neutral document. chart, when not
// nil, is attached as the digest's image.
func DigestDocument(d feedbackbot.Digest, chart []byte) feedbackbot.Document {
	return digestDocument(d, chart, chart != nil)
}

// digestDocument is DigestDocument; charted with no chart keeps the chart's block
// without its bytes, for an edit of a posted digest whose chart stays attached
// (see rerenderDigests).
func digestDocument(d feedbackbot.Digest, chart []byte, charted bool) feedbackbot.Document {
	var doc feedbackbot.Document
	title := fmt.Sprintf("Customer feedback digest · %s", periodLabel(d))
	doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockHeader, Text: title})
	if d.Messages == 0 {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: "No messages were captured in this period."})
		doc.Fallback = title + ": no messages in this period."
		fs := surveyFields(d) // (survey answers are button presses, not messages)
		if len(fs) > 0 {
			doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockFields, Fields: fs})
		}
		if b, ok := atRiskBlock(d.AtRisk); ok { // at risk as of now, quiet period or not
			doc.Blocks = append(doc.Blocks, b)
			doc.Fallback = fmt.Sprintf("%s: no messages in this period, %s at risk.", title, feedbackbot.Plural(len(d.AtRisk), "account"))
			doc.Color = "warning"
		}
		if len(fs) > 0 {
			var said []string
			for _, f := range fs {
				said = append(said, f.Label+" "+f.Value)
			}
			doc.Fallback += " Survey answers: " + strings.Join(said, "; ") + "."
		}
		if b, ok := driftingBlock(d.Drifting, d.To); ok {
			doc.Blocks = append(doc.Blocks, b)
		}
		if len(d.WaitingBefore) > 0 { // (asked before the period, waiting still)
			doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: responseText(nil, d.WaitingBefore, d.To)})
			doc.Fallback += fmt.Sprintf(" Customers of %s asked before it and still wait.", feedbackbot.Plural(len(d.WaitingBefore), "account"))
		}
		if b, ok := kanoBlock(d.Kano); ok { // (answers are button presses, not messages)
			doc.Blocks = append(doc.Blocks, b)
		}
		if f := d.FollowUp; f != nil { // (so is what became of the alerts)
			doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: followUpText(f, d.To)})
		}
		return doc
	}
	// With no customer message in the period before (a store that began in this
	// period, say), every count would read "(new)" and every theme a mover: the
	// comparison is left out and the footer says why.
	compared := d.PrevCustomerMessages > 0
	delta := func(cur, prev int64) string {
		if !compared {
			return ""
		}
		return deltaCount(cur, prev)
	}
	sat := "n/a"
	if d.SentimentIndex != nil {
		sat = strings.TrimSpace(signedFixed(*d.SentimentIndex, 2) + " " + deltaIndex(d.SentimentIndex, d.PrevSentimentIndex))
	}
	doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockFields, Fields: []feedbackbot.Field{
		{Label: "Customer messages", Value: strings.TrimSpace(fmt.Sprintf("%d %s", d.CustomerMessages, delta(d.CustomerMessages, d.PrevCustomerMessages)))},
		{Label: "Sentiment index (-1..+1)", Value: sat},
		{Label: "Positive · neutral · negative", Value: shares(d.CustomerMessages, d.Positive, d.Neutral, d.Negative)},
		{Label: "Staff replies", Value: fmt.Sprintf("%d", d.StaffMessages)},
		{Label: "Asked or reported something", Value: fmt.Sprintf("%d", d.NeedsReply)},
		{Label: "Accounts heard from", Value: fmt.Sprintf("%d", len(d.Accounts))},
	}})
	if fs := surveyFields(d); len(fs) > 0 {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockFields, Fields: fs})
	}
	if b, ok := kanoBlock(d.Kano); ok {
		doc.Blocks = append(doc.Blocks, b)
	}
	if b, ok := atRiskBlock(d.AtRisk); ok {
		doc.Blocks = append(doc.Blocks, b)
	}
	if b, ok := driftingBlock(d.Drifting, d.To); ok {
		doc.Blocks = append(doc.Blocks, b)
	}
	if d.Responses != nil || len(d.WaitingBefore) > 0 {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: responseText(d.Responses, d.WaitingBefore, d.To)})
	}
	if f := d.FollowUp; f != nil {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: followUpText(f, d.To)})
	}
	if c := d.Corrections; c != nil {
		var set []string
		for _, f := range []struct {
			n    int
			what string
		}{{c.Sentiment, "sentiment"}, {c.Intent, "intent"}, {c.Themes, "themes"}, {c.Reply, "waiting for a reply"}} {
			if f.n > 0 {
				set = append(set, fmt.Sprintf("%s %d", f.what, f.n))
			}
		}
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: fmt.Sprintf(
			"*Staff corrections*\n• %s corrected this period (%s): digests and health count them as staff said", feedbackbot.Plural(c.Messages, "message"), strings.Join(set, ", "))})
	}
	if len(d.Themes) > 0 {
		var b strings.Builder
		b.WriteString("*Top themes*\n")
		for i, t := range d.Themes {
			if t.Count == 0 {
				break
			}
			if i == TopThemes {
				fmt.Fprintf(&b, "• and %s\n", more(d.Themes[i:], func(t feedbackbot.ThemeStat) bool { return t.Count > 0 }, "theme"))
				break
			}
			fmt.Fprintf(&b, "• %s: %d", themeLabel(t.Name), t.Count)
			if c := delta(t.Count, t.Prev); c != "" {
				b.WriteString(" " + c)
			}
			if t.Negative > 0 {
				fmt.Fprintf(&b, ", %s negative", pct(t.Negative, t.Count))
			}
			b.WriteString("\n")
		}
		if movers := themeMovers(d.Themes); movers != "" && compared {
			b.WriteString("*Biggest movers:* " + movers)
		}
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: strings.TrimSpace(b.String())})
	}
	if t := emotionText(d); t != "" {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: t})
	}
	for _, q := range []struct {
		title  string
		quotes []feedbackbot.Quote
	}{{"What customers complained about", d.Complaints}, {"What customers praised", d.Praise}} {
		if len(q.quotes) == 0 {
			continue
		}
		var b strings.Builder
		b.WriteString("*" + q.title + "*\n")
		for _, x := range q.quotes {
			b.WriteString(quoteLine(x) + "\n")
		}
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: strings.TrimSpace(b.String())})
	}
	if len(d.Segments) > 1 {
		var b strings.Builder
		b.WriteString("*Segments*\n")
		for _, sg := range d.Segments {
			fmt.Fprintf(&b, "• %s (%d): %s\n", feedbackbot.EscapeMarkup(sg.Name), len(sg.Accounts), feedbackbot.EscapeMarkup(strings.Join(sg.Accounts, ", ")))
		}
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: strings.TrimSpace(b.String())})
	}
	if sig := significanceLine(d); sig != "" {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: sig})
	}
	if len(d.Emerging) > 0 {
		var b strings.Builder
		b.WriteString("*New this period* (themes nobody configured)\n")
		for _, e := range d.Emerging {
			who := quoteWho(e.Quote)
			if who != "" {
				who = " (" + who + ")" // (a quote of no account and no author said "()", a review found)
			}
			if e.Quote.Text == "" { // (its quote erased since it was posted)
				fmt.Fprintf(&b, "• *%s* — %s\n", strings.Join(e.Phrases, ", "), feedbackbot.Plural(e.Size, "message"))
				continue
			}
			fmt.Fprintf(&b, "• *%s* — %s, e.g. “%s”%s\n", strings.Join(e.Phrases, ", "), feedbackbot.Plural(e.Size, "message"), quoteMarkup(ShortText(e.Quote.Text, 140)), who)
		}
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: strings.TrimSpace(b.String())})
	}
	if len(d.Requests) > 0 {
		var b strings.Builder
		b.WriteString("*What customers asked for* (feature requests, grouped)\n")
		for _, r := range d.Requests {
			b.WriteString("• " + RequestLine(r) + "\n")
		}
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: strings.TrimSpace(b.String())})
	}
	if len(d.Accounts) > 0 {
		var b strings.Builder
		b.WriteString("*Most active accounts*\n")
		for i, a := range d.Accounts {
			if i == TopAccounts {
				fmt.Fprintf(&b, "• and %s\n", more(d.Accounts[i:], func(feedbackbot.GroupStat) bool { return true }, "account"))
				break
			}
			idx := "n/a"
			if a.Index != nil {
				idx = signedFixed(*a.Index, 2)
			}
			fmt.Fprintf(&b, "• %s: %s, sentiment %s, %d negative", feedbackbot.EscapeMarkup(cmp.Or(a.Name, a.ID)), feedbackbot.Plural(a.Count, "message"), idx, a.Negative)
			if a.SatisfactionFrom == "csat" && a.Satisfaction != nil {
				fmt.Fprintf(&b, "; satisfaction %s from %s", signedFixed(*a.Satisfaction, 2), csatAnswersOf(a))
			}
			b.WriteString("\n")
		}
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: strings.TrimSpace(b.String())})
	}
	if charted {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockImage, Image: &feedbackbot.Image{
			Filename: "feedback-digest.png", Title: "Sentiment and volume, " + periodLabel(d), Data: chart}})
	}
	// The period in the zone its days are counted in (its title's), so that the
	// two agree: "--tz America/New_York" read "Fri 4 Dec" over "2026-12-04 05:00 to
	// 2026-12-05 05:00 (UTC)".
	from, to, zone := d.From, d.To, d.From.Location().String()
	if zone == "" || zone == "Local" || zone == "UTC" {
		from, to, zone = from.UTC(), to.UTC(), "UTC"
	}
	against := fmt.Sprintf("compared with the %s before", periodWords(from, to))
	if !compared {
		against = fmt.Sprintf("not compared: the %s before held no customer message", periodWords(from, to))
	}
	doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockContext, Text: fmt.Sprintf(
		"%s from %s to %s (%s), %s. Generated %s.",
		feedbackbot.Plural(d.Messages, "message"), from.Format("2006-01-02 15:04"), to.In(from.Location()).Format("2006-01-02 15:04"), zone, against,
		d.GeneratedAt.In(from.Location()).Format("2006-01-02 15:04 MST"))}) // (one zone in the line)
	doc.Fallback = fmt.Sprintf("%s: %s, sentiment %s, %s at risk.", title, feedbackbot.Plural(d.CustomerMessages, "customer message"), sat, feedbackbot.Plural(len(d.AtRisk), "account"))
	if d.Negative*3 > d.CustomerMessages || len(d.AtRisk) > 0 {
		doc.Color = "warning"
	}
	return doc
}

// csatAnswersOf says what an account's "csat" satisfaction was taken from: its
// count of CSAT answers ("4 CSAT answers"), or, in a digest recorded before the
// count was kept (re-rendered once a quote in it is erased), "CSAT answers" as
// it said then: that version took one answer, and a constant "3+" claimed three
// of an account rated once.
func csatAnswersOf(a feedbackbot.GroupStat) string {
	if a.CSATAnswers <= 0 {
		return "CSAT answers"
	}
	return feedbackbot.Plural(a.CSATAnswers, "CSAT answer")
}

// FewSurveyAnswers is how many answers a CSAT or NPS figure needs before the
// digest shows it without a caution. Below ten, one answer more or less moves NPS
// by over ten points and the share of satisfied answers by over ten percentage
// points (NPS +100 from two answers has a 95% margin of about ±140 points): the
// figure is a few people's answers, to be read as such, not as a trend.
const FewSurveyAnswers = 10

// tooFew is the caution a figure of n survey answers carries next to it, "" when
// there are enough.
func tooFew(n int) string {
	if n >= FewSurveyAnswers {
		return ""
	}
	return " — too few to read as a trend"
}

// surveyFields are a digest's CSAT and NPS figures, each with its count of
// answers (NPS: of respondents) and, when they are few, a caution; none when the
// period holds no answer.
func surveyFields(d feedbackbot.Digest) []feedbackbot.Field {
	var fs []feedbackbot.Field
	if d.CSATMean != nil && d.CSATShare != nil {
		fs = append(fs, feedbackbot.Field{Label: fmt.Sprintf("CSAT (%s)", feedbackbot.Plural(d.CSATAnswers, "answer")),
			Value: fmt.Sprintf("%.1f / 5, %.0f%% satisfied (4-5)%s", *d.CSATMean, *d.CSATShare*100, tooFew(d.CSATAnswers))})
	}
	if d.NPS != nil {
		fs = append(fs, feedbackbot.Field{Label: fmt.Sprintf("NPS (%s)", feedbackbot.Plural(d.NPSAnswers, "answer")),
			Value: signedFixed(*d.NPS, 0) + tooFew(d.NPSAnswers)})
	}
	return fs
}

// A digest lists the TopThemes themes with the most customer messages (its text
// and its chart alike: the text listed six and the chart eight, a new user's
// review) and the TopAccounts most active accounts, and says how many more there
// are (digest --json lists them all).
const (
	TopThemes   = 6
	TopAccounts = 5
)

// more says how many of rest count, as "3 more themes" ("1 more theme").
func more[T any](rest []T, counts func(T) bool, what string) string {
	n := 0
	for _, x := range rest {
		if counts(x) {
			n++
		}
	}
	if n != 1 {
		what += "s"
	}
	return fmt.Sprintf("%d more %s", n, what)
}

// atRiskBlock lists the accounts at risk.
func atRiskBlock(hs []feedbackbot.Health) (feedbackbot.Block, bool) {
	if len(hs) == 0 {
		return feedbackbot.Block{}, false
	}
	var b strings.Builder
	b.WriteString("*Accounts at risk*\n")
	for _, h := range hs {
		fmt.Fprintf(&b, "• *%s* — health %d/100", accountLabel(h.Account), h.Score)
		if len(h.Reasons) > 0 {
			fmt.Fprintf(&b, ": %s", h.Reasons[0].Text)
		}
		if h.Account.Value > 0 {
			fmt.Fprintf(&b, " (%s/yr at stake)", money(h.Account.Value))
		}
		b.WriteString("\n")
	}
	return feedbackbot.Block{Kind: feedbackbot.BlockText, Text: strings.TrimSpace(b.String())}, true
}

// kanoBlock lists what the features answered about in the period are to customers
// (Digest.Kano).
func kanoBlock(ks []feedbackbot.KanoFeature) (feedbackbot.Block, bool) {
	if len(ks) == 0 {
		return feedbackbot.Block{}, false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Kano: what features would be to customers* (features answered about this period; answers of the last %s)\n", windowDays(feedbackbot.KanoWindow))
	for _, r := range ks {
		r.Name = feedbackbot.EscapeMarkup(r.Name)
		b.WriteString("• " + KanoLine(r) + "\n")
	}
	return feedbackbot.Block{Kind: feedbackbot.BlockText, Text: strings.TrimSpace(b.String())}, true
}

// maxDrifting is how many drifting accounts a digest names.
const maxDrifting = 5

// driftingBlock lists the accounts engagement finds slipping away, not at risk
// yet (Digest.Drifting), with when their customers last wrote as of now.
func driftingBlock(hs []feedbackbot.Health, now time.Time) (feedbackbot.Block, bool) {
	if len(hs) == 0 {
		return feedbackbot.Block{}, false
	}
	var b strings.Builder
	b.WriteString("*Engaged accounts gone quiet* (not at risk yet: they wrote much in the last 8 weeks, nothing for a week or more)\n")
	for i, h := range hs {
		if i == maxDrifting {
			fmt.Fprintf(&b, "…and %d more (digest --json lists them all)\n", len(hs)-maxDrifting)
			break
		}
		fmt.Fprintf(&b, "• *%s* — %s", accountLabel(h.Account), EngagementLabel(h.Engagement))
		if !h.LastCustomerAt.IsZero() {
			fmt.Fprintf(&b, ", last wrote %s ago", health.Ago(now.Sub(h.LastCustomerAt)))
		}
		if h.Account.Value > 0 {
			fmt.Fprintf(&b, " (%s/yr)", money(h.Account.Value))
		}
		b.WriteString("\n")
	}
	return feedbackbot.Block{Kind: feedbackbot.BlockText, Text: strings.TrimSpace(b.String())}, true
}

// significanceLine says whether channel differences are real and how concentrated
// complaints are, in words a team lead reads at a glance.
func significanceLine(d feedbackbot.Digest) string {
	var parts []string
	if t := d.ChannelTest; t != nil {
		if t.Significant {
			parts = append(parts, fmt.Sprintf("Sentiment differs between channels by more than chance (one-way ANOVA, F(%d, %d) = %.2f, %s).", t.DF1, t.DF2, t.F, pValue(t.P)))
		} else {
			parts = append(parts, fmt.Sprintf("No significant difference in sentiment between the %d channels (one-way ANOVA, p = %.2f).", t.Groups, t.P))
		}
	}
	// The share is of the accounts' negative messages (customers of no account
	// wrote the others): of none it read "0% of the accounts' negative messages
	// come from 3 of them" (a review's find). d.Accounts are the same accounts
	// (those whose customers wrote), each with its negative messages.
	var accountsNegative int64
	for _, a := range d.Accounts {
		accountsNegative += a.Negative
	}
	if accountsNegative >= 3 && d.ComplaintAccounts > 3 {
		parts = append(parts, fmt.Sprintf("%.0f%% of the accounts' negative messages come from 3 of them (Gini %.2f across %d accounts).", d.ComplaintTop3Share*100, d.ComplaintGini, d.ComplaintAccounts))
	}
	if len(parts) == 0 {
		return ""
	}
	return "*Is it real?* " + strings.Join(parts, " ")
}

func pValue(p float64) string {
	if p < 0.001 {
		return "p < 0.001"
	}
	return fmt.Sprintf("p = %.3f", p)
}

// quoteLine is a quote with who wrote it: "acme (dana.k)", the author alone for a
// customer of no account (it read "—  (X0)"), nothing when neither is known.
func quoteLine(q feedbackbot.Quote) string {
	who := quoteWho(q)
	if who != "" {
		who += ", "
	}
	return fmt.Sprintf("> “%s” — %s%s", quoteMarkup(q.Text), who, linked(q.Time.Format("Jan 2"), q.Permalink))
}

// quoteMarkup is a quote's text (QuoteText's, as a Quote holds it) as a document
// holds it: its escapes undone and made again, which changes nothing in the
// quotes QuoteText makes ("AT&amp;T" stays so, a typed "&amp;lt;" stays so) and
// leaves no '<' or '>' live in one a digest stored before QuoteText escaped them
// (a posted digest is rendered again from its record when a quote in it is
// erased).
func quoteMarkup(s string) string {
	return feedbackbot.EscapeMarkup(feedbackbot.UnescapeMarkup(s))
}

// quoteWho says who wrote a quote: its account and author ("Acme (dana.k)"), the
// one of them known, or "" when neither is.
func quoteWho(q feedbackbot.Quote) string {
	who := feedbackbot.EscapeMarkup(q.Account)
	switch {
	case q.Author == "" || q.Author == q.Account:
	case who == "":
		who = feedbackbot.EscapeMarkup(q.Author)
	default:
		who = fmt.Sprintf("%s (%s)", who, feedbackbot.EscapeMarkup(q.Author))
	}
	return who
}

// linked makes label a link to url (the message's date, say, links to the message:
// clickable in Slack and Discord, "Nov 27 (https://…)" in a terminal), or leaves it
// plain when there is no url, or one that is not a plain http(s) address
// (feedbackbot.LinkURL). A permalink is stored data, made of ids an export names: one
// holding "|Nov 2><!channel>" closed the link early and put a live <!channel> in
// the digest (a review's find). label is document text (a date, say: nothing
// in it is escaped here); the url's '&' is escaped, as Slack asks, and the
// adapters undo it.
func linked(label, url string) string {
	if !feedbackbot.LinkURL(url) {
		return label
	}
	return "<" + feedbackbot.EscapeMarkup(url) + "|" + label + ">"
}

func periodLabel(d feedbackbot.Digest) string {
	to := d.To.Add(-1)
	if d.From.Year() == to.Year() && d.From.YearDay() == to.YearDay() {
		return d.From.Format("Mon 2 Jan 2006")
	}
	return d.From.Format("Mon 2 Jan") + " – " + to.Format("Mon 2 Jan 2006")
}

// periodWords says how long the period from..to is, in from's zone: in calendar
// days when both are at the same time of day there (a week over a clock change is
// 167 or 169 hours: "compared with the 169 hours before", a review's find), else
// as durationWords does.
func periodWords(from, to time.Time) string {
	to = to.In(from.Location())
	fh, fm, fs := from.Clock()
	th, tm, ts := to.Clock()
	if !to.After(from) || fh != th || fm != tm || fs != ts || from.Nanosecond() != to.Nanosecond() {
		return durationWords(to.Sub(from))
	}
	day := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	if days := int(day(to).Sub(day(from)).Hours() / 24); days != 1 {
		return fmt.Sprintf("%d days", days)
	}
	return "day"
}

func durationWords(p interface{ Hours() float64 }) string {
	h := p.Hours()
	switch {
	case h == 24:
		return "day"
	case math.Mod(h, 24) == 0:
		return fmt.Sprintf("%d days", int(h/24))
	}
	return fmt.Sprintf("%.0f hours", h)
}

func deltaCount(cur, prev int64) string {
	switch {
	case prev == 0 && cur == 0:
		return ""
	case prev == 0:
		return "(new)"
	}
	// (rounded first: a change of exactly half a percent read "(▲ 0%)", a review
	// found)
	ch := math.Round(float64(cur-prev) / float64(prev) * 100)
	switch {
	case ch == 0:
		return "(= previous)"
	case ch > 0:
		return fmt.Sprintf("(▲ %.0f%%)", ch)
	}
	return fmt.Sprintf("(▼ %.0f%%)", -ch)
}

// deltaIndex is the change from prev to cur as the figures shown (two
// decimals) differ: worked out from the unrounded ones, "+0.00 (▼ 0.01)" could
// stand beside a previous "+0.00" (a review's find).
func deltaIndex(cur, prev *float64) string {
	if cur == nil || prev == nil {
		return ""
	}
	ch := roundTo(*cur, 2) - roundTo(*prev, 2)
	switch {
	case math.Abs(ch) < 0.005:
		return "(= previous)"
	case ch > 0:
		return fmt.Sprintf("(▲ %.2f)", ch)
	}
	return fmt.Sprintf("(▼ %.2f)", -ch)
}

// roundTo rounds v to decimals places, a zero as +0.
func roundTo(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	r := math.Round(v*p) / p
	if r == 0 {
		return 0 // (not -0)
	}
	return r
}

// signedFixed writes v with its sign and decimals places, as "%+.2f" does, but
// a value that rounds to zero as "+0.00": a neutral week's sentiment of -0.004
// read "-0.00" in the digest's headline, a negative for nothing (a review's
// find).
func signedFixed(v float64, decimals int) string {
	return fmt.Sprintf("%+.*f", decimals, roundTo(v, decimals))
}

// shares writes parts of a whole as whole percentages that add up to 100 (the
// largest remainders rounded up: rounded each on its own, 34% · 39% · 26% of one
// digest added up to 99%), "0% · 0% · 0%" of none.
func shares(of int64, parts ...int64) string {
	out := make([]string, len(parts))
	if of <= 0 {
		for i := range out {
			out[i] = "0%"
		}
		return strings.Join(out, " · ")
	}
	whole := make([]int64, len(parts))
	order := make([]int, len(parts))
	var sum int64
	for i, n := range parts {
		whole[i] = n * 100 / of
		sum += whole[i]
		order[i] = i
	}
	// the parts whose percentages lost the most to the floor get a point each, first
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(parts[b]*100%of, parts[a]*100%of) })
	for k := 0; sum < 100 && k < len(order); k++ {
		if parts[order[k]]*100%of == 0 {
			break
		}
		whole[order[k]]++
		sum++
	}
	for i, w := range whole {
		out[i] = fmt.Sprintf("%d%%", w)
	}
	return strings.Join(out, " · ")
}

func pct(n, of int64) string {
	if of == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.0f%%", float64(n)/float64(of)*100)
}

func themeMovers(ts []feedbackbot.ThemeStat) string {
	type mv struct {
		name string
		ch   int64
	}
	var ms []mv
	for _, t := range ts {
		if ch := t.Count - t.Prev; ch != 0 && max(t.Count, t.Prev) >= 3 {
			ms = append(ms, mv{t.Name, ch})
		}
	}
	slices.SortFunc(ms, func(a, b mv) int {
		return cmp.Or(cmp.Compare(abs(b.ch), abs(a.ch)), cmp.Compare(a.name, b.name))
	})
	var parts []string
	for i, m := range ms {
		if i == 3 {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %+d", themeLabel(m.name), m.ch))
	}
	return strings.Join(parts, ", ")
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func themeLabel(name string) string { return strings.ReplaceAll(name, "_", " ") }

// accountLabel is the account's name (else its id) as literal text for a Document:
// a Slack Connect account's name is the customer's team name, theirs to choose.
func accountLabel(a feedbackbot.Account) string {
	return feedbackbot.EscapeMarkup(cmp.Or(a.Name, a.ID))
}

// Money is a yearly value as the bot writes it: "$28k", "$1.2M".
func Money(v float64) string { return money(v) }

func money(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("$%.1fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("$%.0fk", v/1e3)
	}
	return fmt.Sprintf("$%.0f", v)
}

// responseText says how customers were answered: first replies against the targets,
// resolutions, and who is still waiting, of the period (r, nil when nobody asked
// anything in it) and from before it (before, as of now).
func responseText(r *feedbackbot.ResponseSummary, before []feedbackbot.AccountWaiting, now time.Time) string {
	var b strings.Builder
	b.WriteString("*Response times*\n")
	if r != nil {
		periodResponses(&b, r)
	}
	if len(before) > 0 {
		fmt.Fprintf(&b, "• *Customers of %s asked before this period* and still wait past the response target, the longest waiting first: ", feedbackbot.Plural(len(before), "account"))
		for i, a := range before {
			if i == maxWaitingBefore {
				fmt.Fprintf(&b, "; and %s more (digest --json lists them all)", feedbackbot.Plural(len(before)-i, "account"))
				break
			}
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "*%s* — ", accountLabel(a.Account))
			if a.Count > 1 {
				fmt.Fprintf(&b, "%d conversations, the oldest ", a.Count)
			}
			fmt.Fprintf(&b, "asked %s ago", health.Ago(now.Sub(a.Since)))
		}
		b.WriteString("\n")
	}
	return strings.TrimSpace(b.String())
}

// maxWaitingBefore is how many accounts waiting from before its period a digest
// names.
const maxWaitingBefore = 5

// periodResponses writes the period's lines of responseText.
func periodResponses(b *strings.Builder, r *feedbackbot.ResponseSummary) {
	fmt.Fprintf(b, "• %s asked something; %d answered", feedbackbot.Plural(r.Conversations, "conversation"), r.Answered)
	if r.MedianFirstReplyMinutes != nil {
		fmt.Fprintf(b, ", median first reply %s, %d of %d (%s) within target", minutesWords(*r.MedianFirstReplyMinutes),
			r.WithinTarget, r.Answered, pct(int64(r.WithinTarget), int64(r.Answered)))
	}
	b.WriteString("\n")
	if r.MedianResolutionMinutes != nil {
		fmt.Fprintf(b, "• %d resolved, median %s after the question\n", r.Resolved, minutesWords(*r.MedianResolutionMinutes))
	}
	if r.WaitingCount > 0 {
		switch {
		case len(r.Waiting) < r.WaitingCount:
			fmt.Fprintf(b, "• *%d still waiting* past the response target; %d of them, churn signals and negative ones first, the oldest first:\n", r.WaitingCount, len(r.Waiting))
		default:
			fmt.Fprintf(b, "• *%d still waiting* past the response target, the oldest first:\n", r.WaitingCount)
		}
		for _, q := range r.Waiting {
			b.WriteString(quoteLine(q) + "\n")
		}
		if more := r.WaitingCount - len(r.Waiting); more > 0 && len(r.Waiting) > 0 {
			fmt.Fprintf(b, "  …and %d more not quoted here.\n", more)
		}
	}
	if r.Partial {
		b.WriteString("_Counted over the newest 5,000 messages of the period._\n")
	}
}

// emotionText is the digest's "how customers felt": each emotion's customer
// messages and their share of those whose emotions were counted, and the change
// from the previous period where every message of it was counted.
func emotionText(d feedbackbot.Digest) string {
	var b strings.Builder
	for _, e := range d.Emotions {
		if e.Count == 0 && !d.EmotionsCompared {
			continue
		}
		fmt.Fprintf(&b, "• %s: %d (%s)", e.Name, e.Count, pct(e.Count, d.EmotionsCounted))
		if d.EmotionsCompared {
			b.WriteString(" " + deltaCount(e.Count, e.Prev))
		}
		b.WriteString("\n")
	}
	if b.Len() == 0 {
		return ""
	}
	head := "*How customers felt* (share of customer messages)\n"
	if d.EmotionsCounted < d.CustomerMessages {
		head = fmt.Sprintf("*How customers felt* (share of the %d of %d customer messages analysed since emotions were counted: `feedbackbot reanalyze` counts the rest)\n",
			d.EmotionsCounted, d.CustomerMessages)
	}
	return head + strings.TrimSpace(b.String())
}

// followUpText is the digest's alert follow-up: raised and answered, still open
// (the oldest first), recovered.
func followUpText(f *feedbackbot.AlertFollowUp, end time.Time) string {
	var b strings.Builder
	b.WriteString("*Alert follow-up*\n")
	if f.Raised > 0 {
		fmt.Fprintf(&b, "• %d raised this period; %d acknowledged or snoozed", f.Raised, f.Answered)
		if f.AnsweredMinutes != nil {
			fmt.Fprintf(&b, ", a median %s after", minutesWords(*f.AnsweredMinutes))
		}
		b.WriteString("\n")
	}
	if f.OpenCount > 0 {
		fmt.Fprintf(&b, "• %d still open at the end of the period, %d not acknowledged", f.OpenCount, f.Unanswered)
		if len(f.Open) > 0 {
			b.WriteString("; the oldest first:")
		}
		b.WriteString("\n")
		for _, a := range f.Open {
			state := "acknowledged"
			switch {
			case a.Snoozed:
				state = "snoozed"
			case !a.Answered:
				state = "*not acknowledged*"
			}
			score := ""
			if a.Score != nil {
				score = fmt.Sprintf(", health %d", *a.Score)
			}
			fmt.Fprintf(&b, "    %s: raised %s ago%s, %s\n", feedbackbot.EscapeMarkup(a.Account),
				health.Ago(end.Sub(a.RaisedAt)), score, state)
		}
		if more := f.OpenCount - len(f.Open); more > 0 {
			fmt.Fprintf(&b, "    and %d more\n", more)
		}
	}
	if len(f.Recovered) > 0 {
		fmt.Fprintf(&b, "• %d recovered", len(f.Recovered))
		if f.RecoveredMinutes != nil {
			fmt.Fprintf(&b, ", a median %s after the alert", minutesWords(*f.RecoveredMinutes))
		}
		b.WriteString(":\n")
		for i, a := range f.Recovered {
			if i == maxFollowUpOpen {
				fmt.Fprintf(&b, "    and %d more\n", len(f.Recovered)-i)
				break
			}
			fmt.Fprintf(&b, "    %s in %s", feedbackbot.EscapeMarkup(a.Account), minutesWords(a.ResolvedAt.Sub(a.RaisedAt).Minutes()))
			switch {
			case a.RaisedScore != nil && a.Score != nil:
				fmt.Fprintf(&b, " (health %d → %d)", *a.RaisedScore, *a.Score)
			case a.Score != nil:
				fmt.Fprintf(&b, " (health %d)", *a.Score)
			}
			b.WriteString("\n")
		}
	} else if f.OpenCount > 0 {
		b.WriteString("• none recovered this period\n")
	}
	// alerts closed without a recovery, each kind under its own line
	for _, closed := range []struct {
		briefs []feedbackbot.AlertBrief
		line   string
	}{
		{f.WentSilent, "closed with nothing recent to judge (no customer message or survey answer lately: not a recovery, check in)"},
		{f.ChurnStands, "closed with a churn signal not taken back (no longer at risk, but nothing said since took back talk of leaving: not a recovery, ask them)"},
	} {
		if len(closed.briefs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "• %d %s:\n", len(closed.briefs), closed.line)
		for i, a := range closed.briefs {
			if i == maxFollowUpOpen {
				fmt.Fprintf(&b, "    and %d more\n", len(closed.briefs)-i)
				break
			}
			fmt.Fprintf(&b, "    %s, %s after the alert\n", feedbackbot.EscapeMarkup(a.Account), minutesWords(a.ResolvedAt.Sub(a.RaisedAt).Minutes()))
		}
	}
	return strings.TrimSpace(b.String())
}

func minutesWords(m float64) string {
	switch {
	case m < 90:
		return fmt.Sprintf("%.0f min", m)
	case m < 48*60:
		return fmt.Sprintf("%.1f h", m/60)
	}
	return fmt.Sprintf("%.1f days", m/1440)
}

// EngagementLabel is an account's RFM standing in a few words ("can't lose: R1 F5
// V4"), "" when it has none (see feedbackbot.Health.Engagement).
func EngagementLabel(e *feedbackbot.Engagement) string {
	if e == nil {
		return ""
	}
	return e.String()
}
