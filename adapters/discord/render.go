package discordadapter

import (
	"bytes"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
)

// Discord's limits on one message's embeds and components.
const (
	maxEmbeds         = 10
	maxEmbedTotal     = 6000
	maxTitle          = 256
	maxDescription    = 4096
	maxFields         = 25
	maxFieldName      = 256
	maxFieldValue     = 1024
	maxFooter         = 2048
	maxButtonsPerRow  = 5
	maxRows           = 5
	maxCustomID       = 100
	maxButtonLabel    = 80
	maxContent        = 2000
	colorDefault      = 0x5865F2
	colorGood         = 0x2EB67D
	colorWarning      = 0xECB22E
	colorDanger       = 0xE01E5A
	ephemeralFlag     = discordgo.MessageFlagsEphemeral
	attachmentPrefix  = "attachment://"
	truncationMarker  = "…"
	subtextLinePrefix = "-# "
)

// Rendered is a Document as a Discord message: embeds, buttons and attachments.
type Rendered struct {
	Content    string                       `json:"content,omitempty"`
	Embeds     []*discordgo.MessageEmbed    `json:"embeds"`
	Components []discordgo.MessageComponent `json:"components,omitempty"`
	// Files are the attachments (the digest chart), referenced by the embeds as attachment://name.
	Files []RenderedFile         `json:"files,omitempty"`
	Flags discordgo.MessageFlags `json:"flags,omitempty"`
}

// RenderedFile is an attachment's name and bytes.
type RenderedFile struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
	data        []byte
}

// files returns fresh readers for each send attempt.
func (r Rendered) files() []*discordgo.File {
	out := make([]*discordgo.File, 0, len(r.Files))
	for _, f := range r.Files {
		out = append(out, &discordgo.File{Name: f.Name, ContentType: f.ContentType, Reader: bytes.NewReader(f.data)})
	}
	return out
}

// noMentions keeps quoted member text from pinging anyone (@everyone, roles, users).
var noMentions = &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}

var (
	reLink     = regexp.MustCompile(`<(https?://[^|<>]*)\|([^>]+)>`)
	reBold     = regexp.MustCompile(`(^|[\s(>"'\x60])\*([^*\n]+)\*`)
	reStrike   = regexp.MustCompile(`(^|\s)~([^~\n]+)~`)
	reSpecials = regexp.MustCompile(`<(!here|!channel|!everyone)>`)

	// (backslashes too: a customer's `\[` became `\\[`, a backslash shown, then a
	// live bracket: a review's find)
	bracketEscaper = strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`)
)

// Markdown converts the documents' light Slack-style markup to Discord markdown:
// *bold* becomes **bold**, <url|label> becomes [label](url), ~x~ becomes ~~x~~, and
// Slack's escapes (&lt; &gt; &amp;, which Discord shows as written) are undone last,
// so an escaped name never becomes a link. Square brackets are escaped first:
// Discord's own masked link, "[your login page](https://evil.example)" in a
// customer's words or name, would otherwise show staff a link whose target it
// hides (a review's find); the documents' links are the <url|label> ones only.
// A link whose address could end Discord's link early or is no plain http(s)
// address (a parenthesis, a space, a line break: see feedbackbot.LinkURL) keeps
// its label alone, as plain text: the documents' addresses are stored data (a
// message's permalink).
func Markdown(s string) string {
	s = bracketEscaper.Replace(s)
	s = reSpecials.ReplaceAllString(s, "@$1")
	s = reLink.ReplaceAllStringFunc(s, func(l string) string {
		m := reLink.FindStringSubmatch(l)
		if !feedbackbot.LinkURL(feedbackbot.UnescapeMarkup(m[1])) {
			return m[2]
		}
		return "[" + m[2] + "](" + m[1] + ")"
	})
	s = reBold.ReplaceAllString(s, "$1**$2**")
	s = reStrike.ReplaceAllString(s, "$1~~$2~~")
	return feedbackbot.UnescapeMarkup(s)
}

func clip(s string, n int) string {
	return feedbackbot.CutGraphemes(s, n) // (its marker is truncationMarker, "…")
}

func embedColor(c string) int {
	switch c {
	case "good":
		return colorGood
	case "warning":
		return colorWarning
	case "danger":
		return colorDanger
	}
	return colorDefault
}

// Render turns a Document into embeds (one per section, within Discord's limits),
// button rows and attachments.
func Render(doc feedbackbot.Document) Rendered {
	var out Rendered
	col := embedColor(doc.Color)
	cur := &discordgo.MessageEmbed{Color: col}
	var desc strings.Builder
	flush := func() {
		cur.Description = clip(strings.TrimSpace(desc.String()), maxDescription)
		desc.Reset()
		if cur.Title != "" || cur.Description != "" || len(cur.Fields) > 0 || cur.Image != nil {
			out.Embeds = append(out.Embeds, cur)
		}
		cur = &discordgo.MessageEmbed{Color: col}
	}
	var buttons []discordgo.MessageComponent
	for _, b := range doc.Blocks {
		switch b.Kind {
		case feedbackbot.BlockHeader:
			if cur.Title != "" || desc.Len() > 0 || len(cur.Fields) > 0 || cur.Image != nil {
				flush()
			}
			cur.Title = clip(strings.TrimSpace(feedbackbot.UnescapeMarkup(b.Text)), maxTitle)
		case feedbackbot.BlockText, feedbackbot.BlockContext:
			if len(cur.Fields) > 0 || cur.Image != nil {
				flush() // text after fields starts a new section so order is kept
			}
			text := Markdown(strings.TrimSpace(b.Text))
			if b.Kind == feedbackbot.BlockContext {
				lines := strings.Split(text, "\n")
				for i, l := range lines {
					if strings.TrimSpace(l) != "" {
						lines[i] = subtextLinePrefix + l
					}
				}
				text = strings.Join(lines, "\n")
			}
			if desc.Len()+len(text)+2 > maxDescription && desc.Len() > 0 {
				flush()
			}
			desc.WriteString(text)
			desc.WriteString("\n\n")
		case feedbackbot.BlockDivider:
			if desc.Len() > 0 || len(cur.Fields) > 0 {
				flush()
			}
		case feedbackbot.BlockFields:
			for _, f := range b.Fields {
				if len(cur.Fields) == maxFields {
					flush()
				}
				cur.Fields = append(cur.Fields, &discordgo.MessageEmbedField{Name: clip(Markdown(orDash(f.Label)), maxFieldName),
					Value: clip(Markdown(orDash(f.Value)), maxFieldValue), Inline: true})
			}
		case feedbackbot.BlockImage:
			// An image without its bytes is one the message already has (an edit
			// of a posted digest, whose attachments stay): its embed refers to it
			// by name and nothing is uploaded.
			if b.Image == nil || len(b.Image.Data) == 0 && b.Image.Filename == "" {
				continue
			}
			name := safeFilename(b.Image.Filename)
			if cur.Title != "" || desc.Len() > 0 || len(cur.Fields) > 0 || cur.Image != nil {
				flush() // the chart gets its own embed, titled by the image's title
			}
			cur.Image = &discordgo.MessageEmbedImage{URL: attachmentPrefix + name}
			if cur.Title == "" && b.Image.Title != "" {
				cur.Title = clip(b.Image.Title, maxTitle)
			}
			if len(b.Image.Data) > 0 {
				out.Files = append(out.Files, RenderedFile{Name: name, ContentType: contentType(name), Size: len(b.Image.Data), data: b.Image.Data})
			}
		case feedbackbot.BlockActions:
			for _, bt := range b.Buttons {
				if btn, ok := button(bt); ok {
					buttons = append(buttons, btn)
				}
			}
		}
	}
	flush()
	if len(out.Embeds) == 0 && doc.Fallback != "" {
		out.Embeds = append(out.Embeds, &discordgo.MessageEmbed{Color: col, Description: clip(Markdown(doc.Fallback), maxDescription)})
	}
	if len(out.Embeds) > maxEmbeds {
		out.Embeds = out.Embeds[:maxEmbeds]
		out.Embeds[maxEmbeds-1].Footer = &discordgo.MessageEmbedFooter{Text: shortened}
	}
	footnote := ""
	if doc.Mark != "" {
		footnote = markRef(doc.Mark)
	}
	out.Embeds = fitTotal(out.Embeds, utf8.RuneCountInString(footnote+footnoteSep))
	if footnote != "" && len(out.Embeds) > 0 {
		last := out.Embeds[len(out.Embeds)-1]
		if last.Footer == nil {
			last.Footer = &discordgo.MessageEmbedFooter{Text: footnote}
		} else {
			last.Footer.Text += footnoteSep + footnote
		}
	}
	for i := 0; i < len(buttons) && len(out.Components) < maxRows; i += maxButtonsPerRow {
		out.Components = append(out.Components, discordgo.ActionsRow{Components: buttons[i:min(i+maxButtonsPerRow, len(buttons))]})
	}
	if doc.Ephemeral {
		out.Flags = ephemeralFlag
	}
	return out
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "–"
	}
	return s
}

// shortened is the footer of a message cut to fit Discord's limits.
const shortened = "Shortened to fit Discord; run the command again with a shorter period or use the CLI for everything."

// footnoteSep joins a marked message's ref (markRef) to a footer it has already.
const footnoteSep = " · "

// fitTotal keeps the embeds within Discord's 6000-character total, less reserve
// (a footnote added after): it keeps whole embeds while they fit, then as many
// fields and as much description of the next one as fit, drops the rest and
// says so in a footer.
func fitTotal(embeds []*discordgo.MessageEmbed, reserve int) []*discordgo.MessageEmbed {
	total := 0
	for _, e := range embeds {
		total += embedSize(e)
	}
	if total+reserve <= maxEmbedTotal {
		return embeds
	}
	budget := maxEmbedTotal - reserve - utf8.RuneCountInString(shortened)
	used := 0
	for i, e := range embeds {
		n := embedSize(e)
		if used+n <= budget {
			used += n
			continue
		}
		for len(e.Fields) > 0 && used+embedSize(e) > budget {
			e.Fields = e.Fields[:len(e.Fields)-1]
		}
		if over := used + embedSize(e) - budget; over > 0 {
			keep := utf8.RuneCountInString(e.Description) - over - 1
			if keep > 0 {
				e.Description = clip(e.Description, keep+1)
			} else {
				e.Description = ""
			}
		}
		if used+embedSize(e) > budget || e.Title == "" && e.Description == "" && len(e.Fields) == 0 && e.Image == nil {
			if i == 0 {
				e.Title, e.Description, e.Fields = clip(e.Title, 100), "", nil
				e.Footer = &discordgo.MessageEmbedFooter{Text: shortened}
				return embeds[:1]
			}
			embeds = embeds[:i]
		} else {
			embeds = embeds[:i+1]
		}
		embeds[len(embeds)-1].Footer = &discordgo.MessageEmbedFooter{Text: shortened}
		return embeds
	}
	return embeds
}

func embedSize(e *discordgo.MessageEmbed) int {
	n := utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
	for _, f := range e.Fields {
		n += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
	}
	if e.Footer != nil {
		n += utf8.RuneCountInString(e.Footer.Text)
	}
	return n
}

func button(b feedbackbot.Button) (discordgo.Button, bool) {
	label := clip(orDash(b.Label), maxButtonLabel)
	if b.URL != "" {
		return discordgo.Button{Label: label, Style: discordgo.LinkButton, URL: b.URL}, true
	}
	id := strings.TrimSpace(b.Action + " " + b.Value)
	if b.Action == "" || utf8.RuneCountInString(id) > maxCustomID { // (characters, not bytes)
		return discordgo.Button{}, false
	}
	style := discordgo.SecondaryButton
	switch b.Style {
	case "primary":
		style = discordgo.PrimaryButton
	case "danger":
		style = discordgo.DangerButton
	}
	return discordgo.Button{Label: label, Style: style, CustomID: id}, true
}

var reUnsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeFilename(name string) string {
	name = reUnsafeName.ReplaceAllString(name, "_")
	if name == "" || name == "." || name == ".." {
		name = "chart.png"
	}
	return name
}

func contentType(name string) string {
	switch {
	case strings.HasSuffix(name, ".png"):
		return "image/png"
	case strings.HasSuffix(name, ".jpg"), strings.HasSuffix(name, ".jpeg"):
		return "image/jpeg"
	case strings.HasSuffix(name, ".svg"):
		return "image/svg+xml"
	}
	return "application/octet-stream"
}
