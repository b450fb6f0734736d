package feedbackbot

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestQuoteText: a quoted Slack message neither pings (<!channel> and <@U…> reached
// the internal channel as live mentions, a review found) nor hides where a link goes,
// and a quote cannot leave a code block open; Discord text keeps its mentions, and
// gets the escapes a Document's text has.
func TestQuoteText(t *testing.T) {
	for _, c := range []struct {
		platform Platform
		in, want string
	}{
		{PlatformSlack, "<!channel> <@U024BE7LH> the export failed", "@channel @U024BE7LH the export failed"},
		{PlatformSlack, "ping <@U1|dana> and <!subteam^S1|@support> in <#C1|billing>", "ping @dana and @support in #billing"},
		{PlatformSlack, "reset it here <https://evil.example/login|Slack SSO> &amp; fast", "reset it here Slack SSO (https://evil.example/login) &amp; fast"},
		{PlatformSlack, "see <https://x.example/a> or <mailto:a@b.example|a@b.example>", "see https://x.example/a or a@b.example"},
		{PlatformSlack, "due <!date^1700000000^{date}|Nov 14>", "due Nov 14"},
		{PlatformSlack, "it crashes: ```at Worker.run(Worker.java:42)``` and `x`", "it crashes: '''at Worker.run(Worker.java:42)''' and 'x'"},
		{PlatformDiscord, "<@123456> <:blobcat:99> see <https://evil.example|docs>", "&lt;@123456&gt; &lt;:blobcat:99&gt; see docs (https://evil.example)"},
		// Discord's text has no escapes: what it says literally is escaped once, as a
		// Document's text must be, and comes back as written where Discord undoes them.
		{PlatformDiscord, "shows &lt;b&gt; and AT&T", "shows &amp;lt;b&amp;gt; and AT&amp;T"},
		{PlatformManual, "<!channel> logged by staff", "&lt;!channel&gt; logged by staff"},
	} {
		if got := QuoteText(Message{Platform: c.platform, Text: c.in}); got != c.want {
			t.Errorf("QuoteText(%s, %q) = %q, want %q", c.platform, c.in, got, c.want)
		}
	}
}

// TestCutGraphemes: cuts fall between user-perceived characters (a flag, a family
// emoji, a skin tone, an accent), never inside one, within the limit.
func TestCutGraphemes(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{strings.Repeat("a", 8) + "🇩🇪🇫🇷 late", 10, strings.Repeat("a", 8) + "…"},
		{strings.Repeat("a", 6) + "🇩🇪🇫🇷 late", 10, strings.Repeat("a", 6) + "🇩🇪…"},
		{strings.Repeat("a", 6) + "👨‍👩‍👧‍👦 plan", 10, strings.Repeat("a", 6) + "…"},
		{strings.Repeat("a", 7) + "👍🏽 thanks", 10, strings.Repeat("a", 7) + "👍🏽…"},
		{"cafe\u0301 au lait", 5, "caf…"}, // é is e and its accent: both or neither
	} {
		got := CutGraphemes(c.in, c.n)
		if got != c.want || utf8.RuneCountInString(got) > c.n {
			t.Errorf("CutGraphemes(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
	if got := CutGraphemesBytes(strings.Repeat("x", 10)+"👩‍💻 team", 14); got != strings.Repeat("x", 10)+"…" || len(got) > 14 {
		t.Errorf("CutGraphemesBytes = %q (%d bytes)", got, len(got))
	}
}

// TestCutNeverSplitsAnEscape: quotes carry Slack's escapes, and a cut inside one
// left "AT&am…" to read (a review's find): the escape is left out whole.
func TestCutNeverSplitsAnEscape(t *testing.T) {
	s := "the AT&amp;T bill &lt;again&gt;"
	for n := 1; n <= utf8.RuneCountInString(s)+1; n++ {
		for _, got := range []string{CutGraphemes(s, n), CutGraphemesBytes(s, n)} {
			body := strings.TrimSuffix(got, "…")
			if i := strings.LastIndexByte(body, '&'); i >= 0 && !strings.HasPrefix(body[i:], "&amp;") && !strings.HasPrefix(body[i:], "&lt;") && !strings.HasPrefix(body[i:], "&gt;") {
				t.Errorf("cut at %d: %q splits an escape", n, got)
			}
			if got != s && !strings.HasSuffix(got, "…") {
				t.Errorf("cut at %d: %q is not marked", n, got)
			}
		}
	}
	if got := CutGraphemes("a & b", 4); got != "a &…" { // a bare & is text, cut as any character
		t.Errorf("CutGraphemes(\"a & b\", 4) = %q", got)
	}
}

// TestPlainQuotes: a quote made for chat (QuoteText) reads as the plain text the
// person wrote once Plain or PlainReasons undo Slack's escapes, once, on either
// platform; the digest and reasons given are left as they were (chat still renders
// them).
func TestPlainQuotes(t *testing.T) {
	for _, tt := range []struct {
		name string
		m    Message
		want string
	}{
		{"slack escapes", Message{Platform: PlatformSlack, Text: "R&amp;D says 3 &gt; 2 &lt; 4"}, "R&D says 3 > 2 < 4"},
		{"slack, an escape typed literally", Message{Platform: PlatformSlack, Text: "type &amp;lt;b&amp;gt; and &amp;amp;"}, "type &lt;b&gt; and &amp;"},
		{"slack markup flattened", Message{Platform: PlatformSlack, Text: "<!channel> see <https://x.example/?a=1&amp;b=2|the doc> &amp; `code`"},
			"@channel see the doc (https://x.example/?a=1&b=2) & 'code'"},
		{"discord text as typed", Message{Platform: PlatformDiscord, Text: "R&D <3 & &lt; stays"}, "R&D <3 & &lt; stays"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			chat := QuoteText(tt.m)
			d := Digest{Praise: []Quote{{Text: chat}}, Complaints: []Quote{{Text: chat}},
				Emerging:  []EmergingTheme{{Quote: Quote{Text: chat}}},
				Responses: &ResponseSummary{Waiting: []Quote{{Text: chat}}},
				AtRisk:    []Health{{Reasons: []Reason{{Evidence: []Evidence{{Quote: chat}, {Figure: "x"}}}}}}}
			p := d.Plain()
			for where, got := range map[string]string{"praise": p.Praise[0].Text, "complaints": p.Complaints[0].Text,
				"emerging": p.Emerging[0].Quote.Text, "waiting": p.Responses.Waiting[0].Text,
				"at_risk evidence": p.AtRisk[0].Reasons[0].Evidence[0].Quote,
				"PlainReasons":     PlainReasons(d.AtRisk[0].Reasons)[0].Evidence[0].Quote} {
				if got != tt.want {
					t.Errorf("%s: %q, want %q (chat text %q)", where, got, tt.want, chat)
				}
			}
			if d.Praise[0].Text != chat || d.Emerging[0].Quote.Text != chat || d.Responses.Waiting[0].Text != chat ||
				d.AtRisk[0].Reasons[0].Evidence[0].Quote != chat {
				t.Errorf("Plain changed the digest it was given")
			}
		})
	}
}
