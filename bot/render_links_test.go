package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// complaintsBlock is the text of the digest's complaints for quotes qs.
func complaintsBlock(t *testing.T, qs ...feedbackbot.Quote) string {
	t.Helper()
	at := qs[0].Time
	d := feedbackbot.Digest{From: at.Add(-time.Hour), To: at.Add(time.Hour), Messages: int64(len(qs)), Complaints: qs}
	for _, b := range bot.DigestDocument(d, nil).Blocks {
		if strings.HasPrefix(b.Text, "*What customers complained about*") {
			return b.Text
		}
	}
	t.Fatalf("no complaints block")
	return ""
}

// TestDigestLinksOnlyPlainPermalinks: a quote's date links to its message by the
// message's stored Permalink, which an export's channel ids make; put into
// <url|label> as it was, "…/CACME|Nov 2><!channel>/p1" ended the link early and
// pinged the channel (a review's find). Only a plain http(s) address is linked
// (its '&' escaped as Slack asks); with any other the date is plain text.
func TestDigestLinksOnlyPlainPermalinks(t *testing.T) {
	at := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name, permalink, want string
	}{
		{"slack permalink", "https://acme.slack.com/archives/C05KXRJ1G2L/p1793606400000100", "<https://acme.slack.com/archives/C05KXRJ1G2L/p1793606400000100|Nov 2>"},
		{"discord permalink", "https://discord.com/channels/1/2/3", "<https://discord.com/channels/1/2/3|Nov 2>"},
		{"query escaped as Slack asks", "https://x.example/a?b=1&c=2", "<https://x.example/a?b=1&amp;c=2|Nov 2>"},
		{"none", "", "Nov 2"},
		{"a channel id holding markup", "https://acme.slack.com/archives/CACME|Nov 2><!channel>/p1793606400000100", "Nov 2"},
		{"a space", "https://acme.slack.com/archives/C1 <!here>/p1", "Nov 2"},
		{"a line break", "https://acme.slack.com/archives/C1\n/p1", "Nov 2"},
		{"a control character", "https://acme.slack.com/archives/C1\x1b[2J/p1", "Nov 2"},
		{"a parenthesis (ends Discord's link)", "https://x.example/a)[b](https://evil.example", "Nov 2"},
		{"not http", "javascript:alert(1)", "Nov 2"},
		{"relative", "/archives/C1/p1", "Nov 2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := feedbackbot.Quote{Account: "acme", Author: "dana", Text: "the export is broken", Time: at, Permalink: tt.permalink}
			want := "> “the export is broken” — acme (dana), " + tt.want
			if got := complaintsBlock(t, q); !strings.HasSuffix(got, "\n"+want) {
				t.Errorf("quote line:\n%s\nwant:\n%s", got, want)
			}
			// Replies waiting are quoted the same way.
			d := feedbackbot.Digest{From: at.Add(-time.Hour), To: at.Add(time.Hour), Messages: 1,
				Responses: &feedbackbot.ResponseSummary{Conversations: 1, WaitingCount: 1, Waiting: []feedbackbot.Quote{q}}}
			var all []string
			for _, b := range bot.DigestDocument(d, nil).Blocks {
				all = append(all, b.Text)
			}
			if text := strings.Join(all, "\n"); !strings.Contains(text, want+"\n") && !strings.HasSuffix(text, want) {
				t.Errorf("waiting quote line not %q:\n%s", want, text)
			}
		})
	}
}

// TestDigestQuotesSplitByLineBreakStayText: a Slack message whose mention is
// split by a line break, quoted as the digest quotes (ShortText of QuoteText),
// shows the mention's words as text; so does a quote a digest stored before
// QuoteText escaped what it left (a posted digest is rendered again from its
// record), while Slack's escapes in a quote are not escaped twice.
func TestDigestQuotesSplitByLineBreakStayText(t *testing.T) {
	at := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	slack := func(text string) string {
		return bot.ShortText(feedbackbot.QuoteText(feedbackbot.Message{Platform: feedbackbot.PlatformSlack, Text: text}), bot.MaxQuoteRunes)
	}
	for _, tt := range []struct {
		name, quote, want string
	}{
		{"special with its label on the next line", slack("this is broken <!channel|\nheads up> please look"), "this is broken heads up please look"},
		{"special closed on the next line", slack("this is broken <!here\n> look"), "this is broken @here look"},
		{"user split", slack("ask <@U024BE7LH|\ndana> now"), "ask @ dana now"},
		{"left open", slack("broken <!channel\nplease"), "broken &lt;!channel please"},
		{"rebuilt around an inner entity", slack("<!chan<x|>nel> now"), "&lt;!channel&gt; now"},
		{"stored before the fix", "this is broken <!channel| heads up> please look", "this is broken &lt;!channel| heads up&gt; please look"},
		{"escapes not doubled", slack("AT&amp;T says &lt;b&gt; and &amp;lt;"), "AT&amp;T says &lt;b&gt; and &amp;lt;"},
		{"a bare & escaped once", slack("R&D is down"), "R&amp;D is down"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := complaintsBlock(t, feedbackbot.Quote{Account: "acme", Text: tt.quote, Time: at})
			want := "> “" + tt.want + "” — acme, Nov 2"
			if !strings.HasSuffix(got, "\n"+want) {
				t.Errorf("quote line:\n%s\nwant:\n%s", got, want)
			}
			if _, quoted, _ := strings.Cut(got, "“"); strings.ContainsAny(quoted, "<>") {
				t.Errorf("live markup in %q", got)
			}
			// The emerging themes' example quotes too.
			d := feedbackbot.Digest{From: at.Add(-time.Hour), To: at.Add(time.Hour), Messages: 1,
				Emerging: []feedbackbot.EmergingTheme{{Label: "export", Phrases: []string{"export"}, Size: 3, Quote: feedbackbot.Quote{Account: "acme", Text: tt.quote, Time: at}}}}
			for _, b := range bot.DigestDocument(d, nil).Blocks {
				if strings.HasPrefix(b.Text, "*New this period*") && !strings.Contains(b.Text, "“"+tt.want+"”") {
					t.Errorf("emerging theme's quote:\n%s\nwant “%s”", b.Text, tt.want)
				}
			}
		})
	}
}
