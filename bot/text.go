package bot

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"

	"github.com/feedbackbot/feedbackbot"
)

var linkRE = regexp.MustCompile(`<([^|>]+)\|([^>]+)>`)

// RenderText renders a document for a terminal: headers underlined, fields aligned,
// *bold* markers dropped, <url|label> links shown as "label (url)", Slack's escapes
// (&lt; &gt; &amp;) undone.
func RenderText(doc feedbackbot.Document) string {
	var b strings.Builder
	plain := func(s string) string {
		s = linkRE.ReplaceAllString(s, "$2 ($1)")
		return feedbackbot.UnescapeMarkup(strings.ReplaceAll(s, "*", ""))
	}
	for _, bl := range doc.Blocks {
		switch bl.Kind {
		case feedbackbot.BlockHeader:
			t := plain(bl.Text)
			fmt.Fprintf(&b, "%s\n%s\n\n", t, strings.Repeat("=", len([]rune(t))))
		case feedbackbot.BlockText:
			b.WriteString(plain(bl.Text) + "\n\n")
		case feedbackbot.BlockFields:
			w := 0
			for _, f := range bl.Fields {
				w = max(w, len([]rune(f.Label)))
			}
			for _, f := range bl.Fields {
				fmt.Fprintf(&b, "  %-*s  %s\n", w, f.Label, plain(f.Value))
			}
			b.WriteString("\n")
		case feedbackbot.BlockContext:
			b.WriteString(plain(bl.Text) + "\n\n")
		case feedbackbot.BlockDivider:
			b.WriteString(strings.Repeat("-", 60) + "\n\n")
		case feedbackbot.BlockActions:
			var labels []string
			for _, btn := range bl.Buttons {
				labels = append(labels, "["+btn.Label+"]")
			}
			b.WriteString(strings.Join(labels, " ") + "\n\n")
		case feedbackbot.BlockImage:
			if bl.Image != nil {
				// Its title, not the name chat platforms upload it as
				// ("[chart: feedback-digest.png]" named no file the CLI wrote).
				fmt.Fprintf(&b, "[chart: %s]\n\n", cmp.Or(bl.Image.Title, bl.Image.Filename))
			}
		}
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}
