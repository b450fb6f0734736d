package discordadapter

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestDiscordDigestQuotesPingNobody: a member's mentions quoted in a digest as the
// bot quotes them (ShortText of QuoteText: lines joined) reach Discord as written,
// whatever line breaks or zero-width characters are in them, and only in embeds
// (an embed's text never pings), in a message that allows no mention at all:
// neither @everyone nor a user, a role or a channel's members.
func TestDiscordDigestQuotesPingNobody(t *testing.T) {
	if b, err := json.Marshal(noMentions); err != nil || !strings.HasPrefix(string(b), `{"parse":[]`) ||
		len(noMentions.Roles) > 0 || len(noMentions.Users) > 0 || noMentions.RepliedUser {
		t.Fatalf("allowed mentions are %s (%v), want none", b, err)
	}
	at := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name, text, shown string
	}{
		{"everyone over a line break", "@everyone\nheads up", "@everyone heads up"},
		{"here", "@here look", "@here look"},
		{"user split", "<@\n123456> look", "<@ 123456> look"},
		{"role split", "<@&\n456> look", "<@& 456> look"},
		{"channel split", "<#\n789> look", "<# 789> look"},
		{"whole mentions", "<@123456> <@!123456> <@&456> <#789>", "<@123456> <@!123456> <@&456> <#789>"},
		{"zero-width", "@every\u200bone <@\u200b123>", "@every\u200bone <@\u200b123>"},
		{"a Slack special typed", "<!channel|\nx> and <!here>", "<!channel| x> and <!here>"},
		{"a masked link", "[login](https://evil.example/x)\n(now)", `\[login\](https://evil.example/x) (now)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := feedbackbot.Message{Platform: feedbackbot.PlatformDiscord, Text: tt.text, Time: at, Account: "acme",
				Permalink: "https://discord.com/channels/1/2/3"}
			q := feedbackbot.Quote{Account: m.Account, Text: bot.ShortText(feedbackbot.QuoteText(m), bot.MaxQuoteRunes), Time: m.Time, Permalink: m.Permalink}
			d := feedbackbot.Digest{From: at.Add(-time.Hour), To: at.Add(time.Hour), Messages: 1, Complaints: []feedbackbot.Quote{q}}
			r := Render(bot.DigestDocument(d, nil))
			if r.Content != "" {
				t.Errorf("text outside the embeds: %q", r.Content)
			}
			var all strings.Builder
			for _, e := range r.Embeds {
				all.WriteString(e.Title + "\n" + e.Description + "\n")
				for _, f := range e.Fields {
					all.WriteString(f.Name + "\n" + f.Value + "\n")
				}
			}
			want := "> “" + tt.shown + "” — acme, [Nov 2](https://discord.com/channels/1/2/3)"
			if !strings.Contains(all.String(), want) {
				t.Errorf("want %q in\n%s", want, all.String())
			}
		})
	}
}

// TestMarkdownLinksOnlyPlainURLs: a document's <url|label> becomes Discord's
// [label](url) only for a plain http(s) address; one that could end the link
// early (a parenthesis, a space, a line break, a bracket) or go elsewhere keeps
// its label alone, as text.
func TestMarkdownLinksOnlyPlainURLs(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"on <https://discord.com/channels/1/2/3|Nov 2>", "on [Nov 2](https://discord.com/channels/1/2/3)"},
		{"on <https://x.example/a?b=1&amp;c=2|Nov 2>", "on [Nov 2](https://x.example/a?b=1&c=2)"},
		{"on <https://x.example/a)[evil](https://evil.example|Nov 2>", "on Nov 2"},
		{"on <https://x.example/a(b|Nov 2>", "on Nov 2"},
		{"on <https://x.example/a b|Nov 2>", "on Nov 2"},
		{"on <https://x.example/a\nb|Nov 2>", "on Nov 2"},
		{"on <https://x.example/[a]|Nov 2>", "on Nov 2"},
		{"on <https://|Nov 2>", "on Nov 2"},
		{"on <https://user@x.example/|Nov 2>", "on Nov 2"},
	} {
		if got := Markdown(tt.in); got != tt.want {
			t.Errorf("Markdown(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
