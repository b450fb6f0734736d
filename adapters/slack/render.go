package slackadapter

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/feedbackbot/feedbackbot"
)

// Block Kit limits (see the platform notes): section text 3,000 characters, ten fields
// a section, about 50 blocks, and trouble near 13k characters of block text.
const (
	maxSectionText = 3000
	maxFields      = 10
	maxBlocks      = 50
	maxTotalText   = 12000
	maxHeader      = 150
	maxContextText = 2000 // a context element's text
)

// RenderBlocks turns a document into Block Kit and its fallback text. Images are not
// blocks here: Post uploads them. Output past Slack's limits is cut with a note.
func RenderBlocks(doc feedbackbot.Document) ([]slack.Block, string) {
	var blocks []slack.Block
	total, truncated := 0, false
	add := func(b slack.Block, n int) bool {
		if len(blocks) >= maxBlocks-1 || total+n > maxTotalText {
			truncated = true
			return false
		}
		blocks = append(blocks, b)
		total += n
		return true
	}
	md := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.MarkdownType, s, false, true) // verbatim: only our own <url|label> and <@U…> are parsed
	}
	for _, b := range doc.Blocks {
		switch b.Kind {
		case feedbackbot.BlockHeader:
			// plain_text: shown as written, so the document's escapes are undone.
			t := cut(feedbackbot.UnescapeMarkup(b.Text), maxHeader)
			add(slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, t, true, false)), len(t))
		case feedbackbot.BlockText:
			for _, chunk := range chunks(b.Text, maxSectionText) {
				if !add(slack.NewSectionBlock(md(chunk), nil, nil), len(chunk)) {
					break
				}
			}
		case feedbackbot.BlockFields:
			for i := 0; i < len(b.Fields); i += maxFields {
				var fs []*slack.TextBlockObject
				n := 0
				for _, f := range b.Fields[i:min(i+maxFields, len(b.Fields))] {
					s := cut("*"+f.Label+"*\n"+f.Value, 2000)
					fs = append(fs, md(s))
					n += len(s)
				}
				add(slack.NewSectionBlock(nil, fs, nil), n)
			}
		case feedbackbot.BlockContext:
			t := cut(b.Text, maxContextText)
			add(slack.NewContextBlock("", md(t)), len(t))
		case feedbackbot.BlockDivider:
			add(slack.NewDividerBlock(), 0)
		case feedbackbot.BlockActions:
			var els []slack.BlockElement
			seen := map[string]bool{}
			for i, btn := range b.Buttons {
				// Slack refuses a block whose buttons share an action_id (invalid_blocks):
				// the survey's five answers are one action with five values, so a repeat
				// carries its place after a '#', which buttonCommand drops.
				id := btn.Action
				if seen[id] {
					id += actionSep + strconv.Itoa(i)
				}
				seen[btn.Action] = true
				e := slack.NewButtonBlockElement(id, btn.Value, slack.NewTextBlockObject(slack.PlainTextType, cut(feedbackbot.UnescapeMarkup(btn.Label), 75), false, false))
				switch btn.Style {
				case "primary":
					e = e.WithStyle(slack.StylePrimary)
				case "danger":
					e = e.WithStyle(slack.StyleDanger)
				}
				if btn.URL != "" {
					e.URL = btn.URL
				}
				els = append(els, e)
			}
			if len(els) > 0 {
				add(slack.NewActionBlock("", els...), 0)
			}
		}
	}
	if truncated {
		blocks = append(blocks, slack.NewContextBlock("", md("…truncated to fit Slack's message limits")))
	}
	fallback := doc.Fallback
	if fallback == "" {
		for _, b := range doc.Blocks {
			if b.Text != "" {
				fallback = b.Text
				break
			}
		}
	}
	return blocks, cut(fallback, 3000)
}

// cut shortens s to n bytes between whole characters, marking the cut.
func cut(s string, n int) string {
	return feedbackbot.CutGraphemesBytes(s, n)
}

// chunks splits s into pieces of at most n bytes, at line breaks where possible.
// Invalid UTF-8 is replaced first (U+FFFD): a run of continuation bytes has no rune
// boundary to cut at, and Slack would get invalid text.
func chunks(s string, n int) []string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var out []string
	for len(s) > n {
		i := strings.LastIndexByte(s[:n], '\n')
		if i <= 0 {
			i = len(feedbackbot.TruncateUTF8(s, n))
		}
		if i <= 0 {
			// No rune boundary within n bytes (n is smaller than the first rune): take
			// that rune whole, so that every turn advances.
			_, i = utf8.DecodeRuneInString(s)
		}
		out = append(out, s[:i])
		s = strings.TrimLeft(s[i:], "\n")
	}
	if s == "" && len(out) > 0 {
		return out // the rest was line breaks: no empty section (Slack refuses one)
	}
	return append(out, s)
}

// actionSep separates a button's action from the place that keeps its action_id
// unique in its block.
const actionSep = "#"
