package feedbackbot

import (
	"strings"
	"testing"
)

// joinLines joins a quote's lines as the bot's ShortText does before a quote is
// posted.
func joinLines(s string) string { return strings.Join(strings.Fields(s), " ") }

// escapedOnly reports the first '<' or '>' in s, or '&' that begins none of
// Slack's three escapes, and where; ok when there is none.
func escapedOnly(s string) (at int, ok bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<', '>':
			return i, false
		case '&':
			if r := s[i:]; !strings.HasPrefix(r, "&amp;") && !strings.HasPrefix(r, "&lt;") && !strings.HasPrefix(r, "&gt;") {
				return i, false
			}
		}
	}
	return 0, true
}

// TestQuoteTextLeavesNoMarkupAcrossLineBreaks: QuoteText flattened only entities
// of one line, and ShortText, joining a quote's lines, made "<!channel|\nheads
// up>" a live "<!channel| heads up>" in the digest (a review's find). Whatever the
// platform, an entity split by a line break (\n, \r\n, U+2028), one left open, one
// rebuilt around another ("<!chan<x|>nel>") or a zero-width character leaves a
// quote with no '<' or '>' but in an escape, before its lines are joined and
// after; Slack's escapes stay as they are (nothing is escaped twice), and a bare
// '&' Slack's API may carry is escaped once.
func TestQuoteTextLeavesNoMarkupAcrossLineBreaks(t *testing.T) {
	for _, tt := range []struct {
		name     string
		platform Platform
		in, want string
	}{
		{"slack special with its label on the next line", PlatformSlack, "this is broken <!channel|\nheads up> please look", "this is broken \nheads up please look"},
		{"slack special closed on the next line", PlatformSlack, "<!here\n> now", "@here\n now"},
		{"slack special, CRLF", PlatformSlack, "<!everyone|\r\nall> hi", "\r\nall hi"},
		{"slack special, line separator", PlatformSlack, "<!channel|\u2028x> y", "\u2028x y"},
		{"slack user and channel split", PlatformSlack, "ask <@U1|\ndana> in <#C1|\nbilling>", "ask @\ndana in #\nbilling"},
		{"slack link with its label on the next line", PlatformSlack, "see <https://evil.example/login|\nthe docs>", "see \nthe docs (https://evil.example/login)"},
		{"slack entity left open", PlatformSlack, "broken <!channel\nplease", "broken &lt;!channel\nplease"},
		{"slack entity rebuilt around an inner one", PlatformSlack, "<!chan<x|>nel> now", "&lt;!channel&gt; now"},
		{"slack stray brackets", PlatformSlack, "3 > 2 and 1 < 2", "3 &gt; 2 and 1 &lt; 2"},
		{"slack zero-width inside a special", PlatformSlack, "<!chan\u200bnel> hi", "@chan\u200bnel hi"},
		{"slack escapes stay, a bare & is escaped", PlatformSlack, "AT&T &amp; R&D &lt;3 &gt;", "AT&amp;T &amp; R&amp;D &lt;3 &gt;"},
		{"slack escaped markup stays escaped once", PlatformSlack, "&lt;!channel&gt; and &amp;lt;b&amp;gt;", "&lt;!channel&gt; and &amp;lt;b&amp;gt;"},
		{"discord everyone over a line break", PlatformDiscord, "@everyone\nheads up", "@everyone\nheads up"},
		{"discord user split", PlatformDiscord, "<@\n123456> look", "&lt;@\n123456&gt; look"},
		{"discord role and channel split", PlatformDiscord, "<@&\n456> in <#\n789>", "&lt;@&amp;\n456&gt; in &lt;#\n789&gt;"},
		{"discord zero-width", PlatformDiscord, "@every\u200bone <@\u200b123> <@!123>", "@every\u200bone &lt;@\u200b123&gt; &lt;@!123&gt;"},
		{"discord link with its label on the next line", PlatformDiscord, "see <https://evil.example|\ndocs>", "see \ndocs (https://evil.example)"},
		{"logged by staff, split", PlatformManual, "<!channel|\nx> and <@U1\n>", "&lt;!channel|\nx&gt; and &lt;@U1\n&gt;"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := QuoteText(Message{Platform: tt.platform, Text: tt.in})
			if got != tt.want {
				t.Errorf("QuoteText(%s, %q) = %q, want %q", tt.platform, tt.in, got, tt.want)
			}
			for _, s := range []string{got, joinLines(got), CutGraphemes(joinLines(got), 12)} {
				if i, ok := escapedOnly(s); !ok {
					t.Errorf("%q has live markup at byte %d", s, i)
				}
			}
			// Undoing the escapes and making them again (as a reply's quote is made)
			// changes nothing: no layer escapes QuoteText's output twice.
			if again := EscapeMarkup(UnescapeMarkup(got)); again != got {
				t.Errorf("escaped again: %q, was %q", again, got)
			}
		})
	}
}

// TestLinkURL: a link the bot makes of stored data (a permalink) goes only to a
// plain http(s) address; anything that could end Slack's <url|label> or Discord's
// [label](url) early, or go elsewhere, is no link.
func TestLinkURL(t *testing.T) {
	for _, tt := range []struct {
		url  string
		want bool
	}{
		{"https://acme.slack.com/archives/C05KXRJ1G2L/p1793606400000100", true},
		{"https://discord.com/channels/1/2/3", true},
		{"http://x.example/a?b=1&c=2#d", true},
		{"https://x.example/~u/a-b_c.d%20e;f=g,h+i*j!k$l'm@n", true},
		{"", false},
		{"https://", false},
		{"https:///archives/C1", false},
		{"//x.example/a", false},
		{"/archives/C1/p1", false},
		{"javascript:alert(1)", false},
		{"ftp://x.example/a", false},
		{"HTTPS://x.example/a", false},
		{"https://user@x.example/a", false},
		{"https://acme.slack.com/archives/CACME|Nov 2><!channel>/p1", false},
		{"https://x.example/<b>", false},
		{"https://x.example/a b", false},
		{"https://x.example/a\tb", false},
		{"https://x.example/a\nb", false},
		{"https://x.example/\x1b[2J", false},
		{"https://x.example/a)b", false},
		{"https://x.example/a(b", false},
		{"https://x.example/[a]", false},
		{`https://x.example/a\b`, false},
		{"https://x.example/a\"b", false},
		{"https://x.example/a`b", false},
		{"https://x.example/é", false},
		{"https://x.example/\u200b", false},
		{"https://x.example/" + strings.Repeat("a", maxLinkURL), false},
	} {
		if got := LinkURL(tt.url); got != tt.want {
			t.Errorf("LinkURL(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
}
