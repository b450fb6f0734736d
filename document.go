package feedbackbot

import "strings"

// Document is bot output before a platform renders it: Slack turns it into Block
// Kit, Discord into embeds and components, the CLI into plain text. It carries no
// markup beyond the light *bold* / _italic_ / <url|label> conventions both platforms
// can translate, and Slack's escapes: a name put into its text (of an account, a
// person, a channel, a segment) goes through EscapeMarkup, as Slack's own message
// text arrives, so that a customer's team named "<!channel>" pings no one where the
// digest is posted; the Discord and terminal renderers undo them (UnescapeMarkup),
// and Slack's for its plain-text parts (headers, button labels).
type Document struct {
	// Fallback is the plain-text summary for notifications and clients without blocks.
	Fallback string  `json:"fallback"`
	Blocks   []Block `json:"blocks"`
	// Ephemeral replies are shown only to the person who asked.
	Ephemeral bool `json:"ephemeral,omitempty"`
	// Color is an optional accent ("good", "warning", "danger").
	Color string `json:"color,omitempty"`
	// Mark, when set, is kept with the posted message where readers do not see
	// it (Slack: the message's metadata; Discord, which keeps no such field,
	// shows a short ref of it in the footer), so that the bot can find its own
	// post again: a digest run's or an alert's, posted by a replica that died
	// before it recorded it (see bot.Scheduler). It names the run or the alert's
	// fingerprint, never a customer.
	Mark string `json:"mark,omitempty"`
}

// BlockKind says how a block is shown.
type BlockKind string

// Block kinds.
const (
	BlockHeader  BlockKind = "header"  // a title line
	BlockText    BlockKind = "text"    // a paragraph of markdown-ish text
	BlockFields  BlockKind = "fields"  // label/value pairs shown in columns
	BlockContext BlockKind = "context" // small grey text: sources, times
	BlockDivider BlockKind = "divider"
	BlockActions BlockKind = "actions" // buttons
	BlockImage   BlockKind = "image"   // an image attached to the message (see Image)
)

// Block is one part of a Document.
type Block struct {
	Kind    BlockKind `json:"kind"`
	Text    string    `json:"text,omitempty"`
	Fields  []Field   `json:"fields,omitempty"`
	Buttons []Button  `json:"buttons,omitempty"`
	Image   *Image    `json:"image,omitempty"`
}

// Field is a label and its value.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Button is an action a reader can take. Action and Value come back in a Command.
type Button struct {
	Label  string `json:"label"`
	Action string `json:"action"`
	Value  string `json:"value,omitempty"`
	Style  string `json:"style,omitempty"` // "primary", "danger" or ""
	URL    string `json:"url,omitempty"`   // a link button when set
}

// Image is a file shown with the message, e.g. the digest chart (PNG).
type Image struct {
	Filename string `json:"filename"`
	Title    string `json:"title"`
	// Data is the image's bytes; nil in an edit of a message that has the image
	// already (it stays attached, referred to by Filename).
	Data []byte `json:"-"`
}

// Command is a slash command or button press, after the adapter has parsed it.
type Command struct {
	Platform  Platform `json:"platform"`
	Workspace string   `json:"workspace"`
	Channel   string   `json:"channel"`
	User      string   `json:"user"`
	UserName  string   `json:"user_name,omitempty"`
	// Staff is the adapter's verdict on the caller: a home-workspace member (and in an
	// allowed group, if configured) on Slack, a staff role on Discord.
	Staff bool `json:"staff"`
	// Text is what followed the slash command ("account acme"), as typed: an adapter
	// undoes its platform's escaping (Slack's &amp;, &lt;, &gt;). For a button it is
	// the Action and Value joined by a space ("alert.ack fp123").
	Text string `json:"text"`
	// Button is true when the command comes from a button press.
	Button bool `json:"button,omitempty"`
}

var (
	markupEscaper   = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	markupUnescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")
)

// EscapeMarkup makes s literal text in a Document: &, < and > become Slack's
// escapes (&amp; &lt; &gt;), so a name cannot open a mention, a link or a
// broadcast (<!channel>, <@U1>, <https://x|y>).
func EscapeMarkup(s string) string { return markupEscaper.Replace(s) }

// UnescapeMarkup undoes Slack's three escapes, for a renderer whose target does not
// use them (Discord, a terminal, Slack's plain-text fields).
func UnescapeMarkup(s string) string { return markupUnescaper.Replace(s) }
