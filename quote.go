package feedbackbot

import (
	neturl "net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// slackEntity matches Slack's <…> entities in message text: mentions (<@U123>,
// <@U123|dana>), channel links (<#C123|billing>), specials (<!channel>, <!here>,
// <!subteam^S1|@support>, <!date^…|fallback>) and links (<https://x|label>, <mailto:…>).
// An entity may hold line breaks: "<!channel|\nheads up>" was left as it was (the
// pattern stopped at a line break), and ShortText, which joins a quote's lines,
// made it a live "<!channel| heads up>" (a review's find).
var slackEntity = regexp.MustCompile(`<([^<>]*)>`)

// QuoteText is m's text as it may be quoted in a digest, an alert or a reply: Slack's
// entities flattened to their labels ("@channel", "@dana", "#billing", "label
// (https://…)"), so that a quote never pings the internal channel it is posted to
// nor a person it mentions, a link shows where it goes, and a cut cannot fall
// inside an entity; backticks become plain quotes, so that a cut cannot leave a code
// block open over the rest of the post. Slack's escapes (&amp; &lt; &gt;) stay, as
// Slack's markup needs them, and text of other platforms (Discord's, and what staff
// logged by hand) gets them, as every Document's text has them (see EscapeMarkup):
// its mentions then show as written where Discord undoes the escapes (Discord posts
// allow no mentions), and ping no one in Slack; it loses only the backticks and
// Slack-style links.
//
// Whatever is done to it later (lines joined, cut), the result holds no '<' or '>'
// but in an escape, and no '&' that does not begin one: a '<' or '>' that no entity
// took (an entity left open, or one closed again around an inner one:
// "<!chan<x|>nel>") is escaped, as is a bare '&' (Slack's text from the API may
// hold one), so no later join can open a mention or a link. Nothing is escaped
// twice: the escapes Slack's text has stay as they are.
func QuoteText(m Message) string {
	s := m.Text
	s = slackEntity.ReplaceAllStringFunc(s, func(e string) string {
		inner := e[1 : len(e)-1]
		target, label, hasLabel := strings.Cut(inner, "|")
		switch {
		case strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "mailto:"):
			target = strings.TrimPrefix(target, "mailto:")
			if hasLabel && label != target {
				return label + " (" + target + ")"
			}
			return target
		case m.Platform != PlatformSlack:
			return e // Discord's <@123>, <#123>, <:emoji:123> render, and ping no one
		case strings.HasPrefix(target, "!"):
			if hasLabel {
				return label // <!subteam^S1|@support>, <!date^…|Nov 3>
			}
			return "@" + strings.TrimPrefix(target, "!") // <!channel> -> @channel
		case strings.HasPrefix(target, "@"):
			if hasLabel {
				return "@" + strings.TrimPrefix(label, "@")
			}
			return target // @U123
		case strings.HasPrefix(target, "#"):
			if hasLabel {
				return "#" + label
			}
			return target
		}
		if hasLabel {
			return label
		}
		return inner
	})
	if m.Platform != PlatformSlack {
		s = EscapeMarkup(s)
	} else {
		s = escapeLeftovers(s)
	}
	return strings.ReplaceAll(s, "`", "'")
}

// escapeLeftovers escapes what is left of markup in Slack text whose entities are
// flattened: every '<' and '>' (no entity holds one any more), and each '&' that
// does not begin one of Slack's escapes (&amp; &lt; &gt;), which stay as they are.
func escapeLeftovers(s string) string {
	if !strings.ContainsAny(s, "<>&") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			if rest := s[i:]; strings.HasPrefix(rest, "&amp;") || strings.HasPrefix(rest, "&lt;") || strings.HasPrefix(rest, "&gt;") {
				b.WriteByte('&')
			} else {
				b.WriteString("&amp;")
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// maxLinkURL bounds a link's address (a message's permalink is under 100 bytes).
const maxLinkURL = 2048

// LinkURL reports whether url may be the target of a link the bot writes from
// stored data (a message's Permalink, in Slack's <url|label> or Discord's
// [label](url)): an absolute address beginning "http://" or "https://" (as
// written: Discord's renderer links no other), with a host and no user
// information, of ASCII letters, digits and the URL characters
// -._~:/?#@!$&'*+,;=% only. Anything else could end the link early and make the
// rest live markup ('|', '<', '>', white space and control characters in Slack;
// '(', ')', '[', ']', '\' and spaces in Discord), or lead somewhere no link of the
// bot's goes (javascript:, a relative address): such a link is left out, its label
// kept as plain text.
func LinkURL(url string) bool {
	if len(url) > maxLinkURL || !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return false
	}
	for i := 0; i < len(url); i++ {
		c := url[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~:/?#@!$&'*+,;=%", c) >= 0:
		default:
			return false
		}
	}
	u, err := neturl.Parse(url)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil && u.Opaque == ""
}

// CutGraphemes cuts s to at most n runes, never inside a user-perceived character (a
// flag, an emoji with a skin tone or joined by ZWJ, a letter with its accents), and
// marks the cut with "…" (counted in the n). s is returned whole when it fits.
func CutGraphemes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return cutGraphemes(s, func(runes, _ int) bool { return runes <= n-1 }) + "…"
}

// CutGraphemesBytes is CutGraphemes by bytes: at most n bytes, the marker's three
// included.
func CutGraphemesBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return cutGraphemes(s, func(_, bytes int) bool { return bytes <= n-len("…") }) + "…"
}

// cutGraphemes keeps the longest prefix of whole grapheme clusters that fits.
func cutGraphemes(s string, fits func(runes, bytes int) bool) string {
	runes, end := 0, 0
	state := -1
	rest := s
	for len(rest) > 0 {
		var cluster string
		cluster, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		r := runes + utf8.RuneCountInString(cluster)
		if !fits(r, end+len(cluster)) {
			break
		}
		runes, end = r, end+len(cluster)
	}
	// A cut inside one of Slack's escapes (a document's text has them) would leave
	// "&am…" to read: the escape is left out whole.
	if i := strings.LastIndexByte(s[max(0, end-4):end], '&'); i >= 0 {
		i += max(0, end-4)
		for _, e := range [...]string{"&amp;", "&lt;", "&gt;"} {
			if strings.HasPrefix(s[i:], e) && i+len(e) > end {
				end = i
				break
			}
		}
	}
	return strings.TrimRight(s[:end], " ")
}

// PlainQuote is a quote's text (a Quote's Text, an Evidence's Quote: chat markup by
// QuoteText, with Slack's escapes) as plain text, for a reader outside chat such as
// the CLI's --json: the three escapes are undone once, so "R&amp;D" reads "R&D" and
// "&amp;lt;" (a "&lt;" the customer typed) reads "&lt;". Mentions and links are
// already flattened to their labels.
func PlainQuote(s string) string { return UnescapeMarkup(s) }

// Plain returns d with every quote in it (praise, complaints, emerging themes',
// feature requests', replies waiting, the at-risk accounts' evidence) as plain text (PlainQuote). d is
// not changed: the slices holding a quote are copied.
func (d Digest) Plain() Digest {
	d.Praise, d.Complaints = plainQuotes(d.Praise), plainQuotes(d.Complaints)
	if d.Emerging != nil {
		em := slices.Clone(d.Emerging)
		for i := range em {
			em[i].Quote.Text = PlainQuote(em[i].Quote.Text)
		}
		d.Emerging = em
	}
	if d.Requests != nil {
		rs := slices.Clone(d.Requests)
		for i := range rs {
			rs[i].Quote.Text = PlainQuote(rs[i].Quote.Text)
		}
		d.Requests = rs
	}
	if d.Responses != nil {
		r := *d.Responses
		r.Waiting = plainQuotes(r.Waiting)
		d.Responses = &r
	}
	if d.AtRisk != nil {
		hs := slices.Clone(d.AtRisk)
		for i := range hs {
			hs[i].Reasons = PlainReasons(hs[i].Reasons)
		}
		d.AtRisk = hs
	}
	return d
}

// PlainReasons returns reasons with their evidence's quotes as plain text
// (PlainQuote); reasons is not changed.
func PlainReasons(reasons []Reason) []Reason {
	if reasons == nil {
		return nil
	}
	out := slices.Clone(reasons)
	for i := range out {
		if out[i].Evidence == nil {
			continue
		}
		ev := slices.Clone(out[i].Evidence)
		for j := range ev {
			ev[j].Quote = PlainQuote(ev[j].Quote)
		}
		out[i].Evidence = ev
	}
	return out
}

func plainQuotes(qs []Quote) []Quote {
	if qs == nil {
		return nil
	}
	out := slices.Clone(qs)
	for i := range out {
		out[i].Text = PlainQuote(out[i].Text)
	}
	return out
}
