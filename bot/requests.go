package bot

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/emerging"
	"github.com/feedbackbot/feedbackbot/analysis/themes"
	"github.com/feedbackbot/feedbackbot/store"
)

// MaxRequests is how many feature requests a digest lists.
const MaxRequests = 5

// MaxRequestScan is how many of a period's messages, newest first, feedbackbot
// requests and /feedback requests read: a period of more is reported partial.
const MaxRequestScan = 100_000

// isFeatureRequest reports whether a stored message is a customer's feature
// request: its intent, or the feature_request theme (a question such as "is
// there a dark mode?" is one too).
func isFeatureRequest(r *store.Stored) bool {
	return r.Message.FromCustomer() && (r.Tags.Intent == feedbackbot.IntentFeatureRequest || slices.Contains(r.Tags.Themes, "feature_request"))
}

// requestGrouper gathers a period's feature requests, a message at a time, and
// the words of all its customer messages, which tell how specific a request's
// words are.
type requestGrouper struct {
	bg    emerging.Background
	asks  map[string]*emerging.Asked // by account and thread: a thread's requests are one
	order []string
	rows  map[string]store.Stored // each ask's first message, for its quote
}

func newRequestGrouper() *requestGrouper {
	return &requestGrouper{asks: map[string]*emerging.Asked{}, rows: map[string]store.Stored{}}
}

// noAccount begins the asker id of a customer whose message has no account: the
// person, who is counted as one asker but is no account (a review's find: every
// such customer was one blank account).
const noAccount = "\x00person:"

// askerOf is who asked, for grouping: the message's account, else its author.
func askerOf(m *feedbackbot.Message) string {
	if m.Account != "" {
		return m.Account
	}
	return noAccount + cmp.Or(m.Author, m.ID)
}

// background counts the words of a customer's message that is no feature
// request (the requests are counted by Requests itself) and reports whether r is
// none: no customer's, no text, or counted.
func (g *requestGrouper) background(r *store.Stored) bool {
	m := &r.Message
	if !m.FromCustomer() || m.Text == "" {
		return true
	}
	if !isFeatureRequest(r) {
		g.bg.Add(m.Text)
		return true
	}
	return false
}

// add reads one stored message.
func (g *requestGrouper) add(r store.Stored) {
	if g.background(&r) {
		return
	}
	m := &r.Message
	// A thread's requests by one asker are one: "ok, would be great if it came
	// soon" names its feature in the "is there a dark mode?" before it.
	asker := askerOf(m)
	id := asker + "\x00" + m.Channel + "\x00" + cmp.Or(m.Thread, m.ID)
	a := g.asks[id]
	if a == nil {
		a = &emerging.Asked{Doc: emerging.Doc{Key: m.Key(), Text: m.Text, Time: m.Time}, Account: asker}
		g.asks[id] = a
		g.order = append(g.order, id)
		g.rows[m.Key()] = r
		return
	}
	// Rows come newest first, most often: the ask keeps its oldest message's key,
	// the one that names what is asked, and reads its texts oldest first.
	if m.Time.Before(a.Time) {
		delete(g.rows, a.Key)
		a.Doc = emerging.Doc{Key: m.Key(), Text: m.Text + "\n" + a.Text, Time: m.Time}
		g.rows[m.Key()] = r
	} else {
		a.Text += "\n" + m.Text
	}
}

// requests groups what was gathered, up to k, with the accounts' names and values.
func (g *requestGrouper) requests(k int, accounts map[string]feedbackbot.Account) []feedbackbot.FeatureRequest {
	asked := make([]emerging.Asked, 0, len(g.order))
	for _, id := range g.order {
		asked = append(asked, *g.asks[id])
	}
	var out []feedbackbot.FeatureRequest
	for _, r := range emerging.Requests(asked, &g.bg, k) {
		fr := feedbackbot.FeatureRequest{Label: r.Label, Phrases: r.Phrases, Requests: len(r.Keys)}
		for _, id := range r.Accounts {
			if strings.HasPrefix(id, noAccount) {
				fr.People++
				continue
			}
			a := accounts[id]
			name := a.Name
			if name == "" {
				for _, key := range r.Keys { // the name a message of theirs carries
					if row, ok := g.rows[key]; ok && row.Message.Account == id && row.Message.AccountName != "" {
						name = row.Message.AccountName
						break
					}
				}
			}
			fr.Accounts = append(fr.Accounts, feedbackbot.AccountRef{ID: id, Name: name})
			fr.Value += a.Value
		}
		if row, ok := g.rows[r.Quote.Key]; ok { // always: the quote is a grouped ask's
			fr.Quote = quoteOf(row, accounts)
		}
		out = append(out, fr)
	}
	return out
}

// FeatureRequests groups the customers' feature requests among rows (a period's
// messages) by what they ask for, the most accounts first, up to k. The customer
// messages of rows and of history (messages before the period) tell how specific
// a request's words are.
func FeatureRequests(rows, history []store.Stored, accounts map[string]feedbackbot.Account, k int) []feedbackbot.FeatureRequest {
	g := newRequestGrouper()
	for _, r := range rows {
		g.add(r)
	}
	for i := range history {
		g.background(&history[i]) // (a request before the period is no request of it)
	}
	return g.requests(k, accounts)
}

// nameWords are a name's words, stemmed as themes match them.
func nameWords(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		out = append(out, themes.Stem(w))
	}
	return out
}

// acronymPhrases are the acronyms request grouping knows with no request
// saying so, each with its phrase (analysis/emerging's own table).
var acronymPhrases = emerging.KnownAcronyms()

// expandedWords are nameWords with each known acronym (acronymPhrases) written
// out: "SAML SSO" is saml single sign on.
func expandedWords(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if p, ok := acronymPhrases[w]; ok {
			out = append(out, nameWords(p)...)
			continue
		}
		out = append(out, themes.Stem(w))
	}
	return out
}

// kanoFor finds the surveyed feature a request is about: the one whose name holds
// every word of the request's label (stemmed; "dark mode" is "Dark mode for
// dashboards"; acronyms written out on both sides, as request grouping reads
// them: "SAML SSO" is "SAML single sign-on"), the shortest such name (then the
// first by id) among several.
func kanoFor(label string, names map[string]string) (id string, ok bool) {
	want := expandedWords(label)
	if len(want) == 0 {
		return "", false
	}
	best := ""
	for fid, name := range names {
		have := expandedWords(name)
		all := true
		for _, w := range want {
			if !slices.Contains(have, w) {
				all = false
				break
			}
		}
		if all && (best == "" || cmp.Or(cmp.Compare(len(name), len(names[best])), cmp.Compare(fid, best)) < 0) {
			best = fid
		}
	}
	return best, best != ""
}

// attachKano gives each request the Kano result of the surveyed feature it is
// about (kanoFor), read over the KanoWindow before to. known holds results already
// read over that window (the digest's), looked up before reading. Nothing is read
// when there are no requests.
func attachKano(ctx context.Context, st surveyReader, workspace string, to time.Time, reqs []feedbackbot.FeatureRequest, known []KanoFeatureResult) error {
	if len(reqs) == 0 {
		return nil
	}
	names, err := KanoFeatureNames(ctx, st, workspace)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return nil
	}
	var results []KanoFeatureResult
	read := false
	for i := range reqs {
		fid, ok := kanoFor(reqs[i].Label, names)
		if !ok {
			continue
		}
		j := slices.IndexFunc(known, func(k KanoFeatureResult) bool { return k.ID == fid })
		if j < 0 && !read {
			if results, err = ReadKano(ctx, st, workspace, to.Add(-feedbackbot.KanoWindow), to); err != nil {
				return err
			}
			read = true
		}
		var r KanoFeatureResult
		if j >= 0 {
			r = known[j]
		} else if j = slices.IndexFunc(results, func(k KanoFeatureResult) bool { return k.ID == fid }); j >= 0 {
			r = results[j]
		} else {
			r = KanoFeatureResult{ID: fid, Name: names[fid]} // asked, no answers in the window
		}
		reqs[i].Kano = &r
	}
	return nil
}

// RequestReport is what customers asked for over a period.
type RequestReport struct {
	Workspace string                       `json:"workspace"`
	From      time.Time                    `json:"from"`
	To        time.Time                    `json:"to"`
	Messages  int                          `json:"messages_read"` // the period's messages read
	Partial   bool                         `json:"partial"`       // the period held more than MaxRequestScan
	Requests  []feedbackbot.FeatureRequest `json:"requests"`
}

// ReadRequests reads the period [from, to)'s messages, newest first, at most max
// (a page at a time: memory holds the requests, not the period), and groups the
// customers' feature requests among them, up to k, each with its Kano result.
func ReadRequests(ctx context.Context, st interface {
	messageReader
	surveyReader
}, workspace string, from, to time.Time, accounts map[string]feedbackbot.Account, k, max int) (RequestReport, error) {
	rep := RequestReport{Workspace: workspace, From: from, To: to}
	g := newRequestGrouper()
	err := eachPage(ctx, st, store.Query{Workspace: workspace, From: from, To: to}, func(page []store.Stored, more bool) bool {
		for _, r := range page {
			if rep.Messages == max {
				rep.Partial = true
				return false
			}
			rep.Messages++
			g.add(r)
		}
		return true
	})
	if err != nil {
		return rep, fmt.Errorf("requests: read the period's messages: %w", err)
	}
	rep.Requests = g.requests(k, accounts)
	if err := attachKano(ctx, st, workspace, to, rep.Requests, nil); err != nil {
		return rep, fmt.Errorf("requests: %w", err)
	}
	return rep, nil
}

// RequestLine is one request in a line: what, who asked, their value, and what a
// Kano survey found it is, or how to ask. Chat markup: customers' words escaped.
func RequestLine(r feedbackbot.FeatureRequest) string {
	var names []string
	for i, a := range r.Accounts {
		if i == 3 {
			names = append(names, fmt.Sprintf("%d more", len(r.Accounts)-3))
			break
		}
		names = append(names, feedbackbot.EscapeMarkup(cmp.Or(a.Name, a.ID)))
	}
	s := feedbackbot.EscapeMarkup(r.Label)
	if len(r.Phrases) > 0 {
		s += " (" + feedbackbot.EscapeMarkup(strings.Join(r.Phrases, ", ")) + ")"
	}
	switch {
	case len(r.Accounts) > 0 && r.People > 0:
		s += fmt.Sprintf(" — %s: %s; and %s of no account", feedbackbot.Plural(len(r.Accounts), "account"), strings.Join(names, ", "), feedbackbot.Plural(r.People, "customer"))
	case len(r.Accounts) > 0:
		s += fmt.Sprintf(" — %s: %s", feedbackbot.Plural(len(r.Accounts), "account"), strings.Join(names, ", "))
	default:
		s += fmt.Sprintf(" — %s of no account", feedbackbot.Plural(r.People, "customer"))
	}
	if r.Requests > len(r.Accounts)+r.People {
		s += fmt.Sprintf("; %d requests", r.Requests)
	}
	if r.Value > 0 {
		s += fmt.Sprintf("; %s/yr", money(r.Value))
	}
	switch {
	case r.Kano == nil:
		s += "; not asked in a Kano survey"
	case r.Kano.Category == "":
		s += fmt.Sprintf("; Kano survey “%s”: no complete answers yet", feedbackbot.EscapeMarkup(ShortText(r.Kano.Name, 60)))
	default:
		s += fmt.Sprintf("; Kano: %s (%s)", r.Kano.Category, feedbackbot.Plural(r.Kano.Tally.Total(), "customer"))
	}
	if r.Quote.Text != "" {
		s += fmt.Sprintf("\n   e.g. “%s”", ShortText(r.Quote.Text, 140))
	}
	return s
}

// requestsReport answers "/feedback requests [PERIOD]": what customers asked for
// in the period (default 30 days), grouped, with who asked and what Kano surveys
// found.
func (b *Bot) requestsReport(ctx context.Context, cmd feedbackbot.Command, arg string, now time.Time) (feedbackbot.Document, error) {
	period := 30 * 24 * time.Hour
	if strings.TrimSpace(arg) != "" {
		var err error
		if period, err = parsePeriod(arg); err != nil {
			return feedbackbot.Document{}, err
		}
	}
	rep, err := ReadRequests(ctx, b.Store, cmd.Workspace, now.Add(-period), now.Add(time.Nanosecond), b.Accounts, 10, MaxRequestScan)
	if err != nil {
		return feedbackbot.Document{}, err
	}
	if err := b.audit(ctx, cmd, "requests", "", now); err != nil {
		return feedbackbot.Document{}, err
	}
	title := fmt.Sprintf("What customers asked for (feature requests of the last %s)", windowDays(period))
	doc := feedbackbot.Document{Ephemeral: true, Fallback: title, Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockHeader, Text: title}}}
	if len(rep.Requests) == 0 {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: "No feature requests from customers in this period."})
		return doc, nil
	}
	var sb strings.Builder
	for _, r := range rep.Requests {
		sb.WriteString("• " + RequestLine(r) + "\n")
	}
	sb.WriteString("_Requests are grouped by the words they share; a thread's count once. Ask what one would be to customers with `survey kano ACCOUNT FEATURE`._")
	if rep.Partial {
		fmt.Fprintf(&sb, "\n_Read the newest %d messages of the period only._", rep.Messages)
	}
	doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: sb.String()})
	return doc, nil
}
