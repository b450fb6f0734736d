package bot

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/store"
)

// accountView is what the /feedback account reply shows, read and audited.
type accountView struct {
	Workspace string
	Account   feedbackbot.Account
	// Health is the account's (one), or none when it has nothing to assess.
	Health []feedbackbot.Health
	// Latest are its newest messages up to now, newest first.
	Latest []store.Stored
	// Later is one of its messages after now, when Latest is empty (MessageAfter).
	Later  *store.Stored
	Alerts map[string]*feedbackbot.Alert
	Params health.Params // with defaults
}

// Bounds of the account reply, so that it stays whole within a chat message
// (Discord: 6,000 characters of embeds in all, 4,096 a description; Slack: 3,000
// a section, about 12,000 in all; the adapters cut what is over, from the end,
// which would take the alert's state and the latest messages): the head (title
// and fields, under 300), the reasons' texts (a dozen lines of about 100), the
// next step and how they felt (under 300), the alert's state (under 300) and five
// latest messages (about 350 each with their links) come to about 3,400 at most,
// which leaves 2,400 for the evidence (bytes: fewer characters in a non-Latin
// script) and some room for Discord's markdown.
const (
	// maxAccountEvidence is the most bytes of evidence lines (quotes with their
	// links, figures) the reasons carry; more are counted, not shown.
	maxAccountEvidence = 2400
	// latestQuoteRunes is how much of each latest message the reply quotes.
	latestQuoteRunes = 140
	// evidenceQuoteRunes is how much of a reason's quote it gives, as an alert does.
	evidenceQuoteRunes = 160
)

// accountReply is the /feedback account reply: the account's health and what it
// rests on (or that it has nothing to assess), where its alert stands, and its
// latest messages.
func accountReply(v accountView, now time.Time) feedbackbot.Document {
	var doc feedbackbot.Document
	if len(v.Health) == 0 {
		doc = nothingToAssess(v.Account, v.Latest, v.Later, now, v.Params)
	} else {
		doc = accountHealth(v.Workspace, v.Health[0], v.Params.Recent, now)
	}
	if t := AccountAlertLine(v.Alerts, v.Account.ID, now); t != "" {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: "*Alert* " + t})
	}
	if len(v.Latest) > 0 {
		var sb strings.Builder
		sb.WriteString("*Latest messages*\n")
		for _, r := range v.Latest {
			m := r.Message
			fmt.Fprintf(&sb, "• %s %s (%s, %s): “%s”\n", linked(m.Time.Format("Jan 2 15:04"), m.Permalink), feedbackbot.EscapeMarkup(cmp.Or(m.AuthorName, m.Author)),
				m.Role, r.Tags.Sentiment.Label, replyQuote(feedbackbot.QuoteText(m), latestQuoteRunes))
		}
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: strings.TrimSpace(sb.String())})
	}
	return doc
}

// replyQuote is a customer's words (QuoteText's, or an Evidence's Quote, which is
// QuoteText's) as a reply quotes them: on one line, cut to n characters
// (ShortText, as every quote), with no markup left live (quoteMarkup: an entity
// split by a line break, which ShortText would join into a live "<!channel| …>",
// stays text).
func replyQuote(s string, n int) string {
	return quoteMarkup(ShortText(s, n))
}

// evidenceLine is one piece of a reason's evidence as an open alert shows it
// (AlertDocument): a quote with its time, linked to the message, or a figure; ""
// for evidence with neither.
func evidenceLine(e feedbackbot.Evidence) string {
	switch {
	case e.Quote != "":
		return fmt.Sprintf("    > “%s” — %s", replyQuote(e.Quote, evidenceQuoteRunes), linked(e.Time.UTC().Format("Jan 2 15:04"), e.Permalink))
	case e.Figure != "":
		return "    " + e.Figure
	}
	return ""
}

// reasonsWithEvidence writes every reason with its points, each followed by the
// quotes and figures behind it, in at most budget bytes of evidence lines. They
// are taken a round at a time (every reason's first, then every reason's second,
// …), so that one reason's three long quotes cannot crowd out the next reason's
// only one; a reason whose next line does not fit gives no more (its lines stay in
// order), and a last line counts those left out.
func reasonsWithEvidence(reasons []feedbackbot.Reason, budget int) string {
	lines := make([][]string, len(reasons))
	full := make([]bool, len(reasons))
	rounds, total := 0, 0
	for _, r := range reasons {
		rounds = max(rounds, len(r.Evidence))
	}
	for round := range rounds {
		for i, r := range reasons {
			if full[i] || round >= len(r.Evidence) {
				continue
			}
			l := evidenceLine(r.Evidence[round])
			if l == "" {
				continue
			}
			if len(l)+1 > budget {
				full[i] = true
				continue
			}
			budget -= len(l) + 1
			lines[i] = append(lines[i], l)
		}
	}
	var sb strings.Builder
	shown := 0
	for i, r := range reasons {
		fmt.Fprintf(&sb, "• %s (%+.0f)\n", r.Text, r.Impact)
		for _, l := range lines[i] {
			sb.WriteString(l + "\n")
		}
		shown += len(lines[i])
		for _, e := range r.Evidence {
			if evidenceLine(e) != "" {
				total++
			}
		}
	}
	if left := total - shown; left > 0 {
		fmt.Fprintf(&sb, "_%s left out to fit the message._", feedbackbot.CountNoun(left, "more quote or figure", "more quotes and figures"))
	}
	return strings.TrimRight(sb.String(), "\n")
}
