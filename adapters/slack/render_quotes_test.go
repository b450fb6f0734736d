package slackadapter

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// renderedText is the Slack blocks and fallback text a document is posted as,
// with JSON's escapes of '<', '>' and '&' undone: the mrkdwn Slack reads.
func renderedText(t *testing.T, doc feedbackbot.Document) string {
	t.Helper()
	blocks, fallback := RenderBlocks(doc)
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(raw)) + "\n" + fallback
}

// TestSlackDigestQuotesPingNobody: customers' words quoted in a digest as the bot
// quotes them (ShortText of QuoteText: lines joined) and posted to Slack hold no
// markup but the quotes' own links, whatever line breaks or zero-width characters
// split a mention in them, on either platform; and they read as written.
func TestSlackDigestQuotesPingNobody(t *testing.T) {
	at := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name     string
		platform feedbackbot.Platform
		text     string
		shown    string // the quote in the block's mrkdwn
	}{
		{"special's label on the next line", feedbackbot.PlatformSlack, "this is broken <!channel|\nheads up> please look", "this is broken heads up please look"},
		{"special closed on the next line", feedbackbot.PlatformSlack, "<!here\n> look", "@here look"},
		{"everyone, CRLF", feedbackbot.PlatformSlack, "<!everyone|\r\nall> look", "all look"},
		{"user and channel split", feedbackbot.PlatformSlack, "ask <@U1|\ndana> in <#C1|\nbilling>", "ask @ dana in # billing"},
		{"link's label on the next line", feedbackbot.PlatformSlack, "reset at <https://evil.example/login|\nSSO>", "reset at SSO (https://evil.example/login)"},
		{"left open", feedbackbot.PlatformSlack, "broken <!channel\nplease", "broken &lt;!channel please"},
		{"rebuilt around an inner entity", feedbackbot.PlatformSlack, "<!chan<x|>nel> now", "&lt;!channel&gt; now"},
		{"zero-width", feedbackbot.PlatformSlack, "<!chan\u200bnel> hi", "@chan\u200bnel hi"},
		{"discord everyone", feedbackbot.PlatformDiscord, "@everyone\nheads up", "@everyone heads up"},
		{"discord user, role and channel split", feedbackbot.PlatformDiscord, "<@\n123> <@&\n456> <#\n789>", "&lt;@ 123&gt; &lt;@&amp; 456&gt; &lt;# 789&gt;"},
		{"discord zero-width", feedbackbot.PlatformDiscord, "@every\u200bone <@\u200b123>", "@every\u200bone &lt;@\u200b123&gt;"},
		{"logged by staff", feedbackbot.PlatformManual, "<!channel|\nx>", "&lt;!channel| x&gt;"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := feedbackbot.Message{Platform: tt.platform, Text: tt.text, Time: at, Account: "acme",
				Permalink: "https://acme.slack.com/archives/C1/p1793606400000100"}
			q := feedbackbot.Quote{Account: m.Account, Text: bot.ShortText(feedbackbot.QuoteText(m), bot.MaxQuoteRunes), Time: m.Time, Permalink: m.Permalink}
			d := feedbackbot.Digest{From: at.Add(-time.Hour), To: at.Add(time.Hour), Messages: 1, Complaints: []feedbackbot.Quote{q}}
			text := renderedText(t, bot.DigestDocument(d, nil))
			if want := "> “" + tt.shown + "” — acme, <https://acme.slack.com/archives/C1/p1793606400000100|Nov 2>"; !strings.Contains(text, want) {
				t.Errorf("want %q in\n%s", want, text)
			}
			if spans := markupSpans(text); len(spans) != 1 {
				t.Errorf("markup other than the quote's link: %q", spans)
			}
		})
	}
}

// markupSpans is every <…> in Slack mrkdwn s (a '<' left open is one to the end).
func markupSpans(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			return out
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			return append(out, s[i:])
		}
		out = append(out, s[i:i+end+1])
		s = s[i+end+1:]
	}
}
