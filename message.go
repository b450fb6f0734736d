// Package feedbackbot holds the domain types every layer shares: messages captured
// from chat platforms, the tags analysis attaches to them, rollups, digests and alerts.
// It imports nothing of ours, so adapters, analysis, the bot and the stores can all
// depend on it without depending on each other.
package feedbackbot

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Platform names where a message came from.
type Platform string

// Known platforms.
const (
	PlatformSlack   Platform = "slack"
	PlatformDiscord Platform = "discord"
	// PlatformManual is feedback typed in by staff (e.g. "/feedback log"), heard elsewhere.
	PlatformManual Platform = "manual"
)

// Role says who wrote a message, relative to the team running feedbackbot.
type Role string

// Author roles.
const (
	RoleCustomer Role = "customer"
	RoleStaff    Role = "staff"
	RoleBot      Role = "bot"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool { return r == RoleCustomer || r == RoleStaff || r == RoleBot }

// MaxTextBytes caps the stored text of one message. Longer texts are cut at a rune
// boundary and flagged Truncated, so one pasted log file cannot bloat the store.
const MaxTextBytes = 40_000

// Message is one chat message, normalised across platforms.
type Message struct {
	// ID is the platform's own id for the message, unique within Platform+Workspace
	// (Slack: "<channel>:<ts>", Discord: the snowflake). With Platform and Workspace it
	// makes the idempotency key: capturing the same message twice stores it once.
	ID        string   `json:"id"`
	Platform  Platform `json:"platform"`
	Workspace string   `json:"workspace"` // Slack team id of the installing workspace, Discord guild id
	Channel   string   `json:"channel"`
	// ChannelName is informational only: names differ on each side of a Slack Connect channel.
	ChannelName string `json:"channel_name,omitempty"`
	Thread      string `json:"thread,omitempty"`   // id of the thread's root message, if in a thread
	ReplyTo     string `json:"reply_to,omitempty"` // id of the message this one answers, if any
	Author      string `json:"author"`
	AuthorName  string `json:"author_name,omitempty"`
	Role        Role   `json:"role"`
	// Account is the customer account the message belongs to (for staff messages, the
	// account of the conversation, when known). For Slack Connect it is the customer's team id.
	Account     string    `json:"account,omitempty"`
	AccountName string    `json:"account_name,omitempty"`
	Text        string    `json:"text"`
	Truncated   bool      `json:"truncated,omitempty"`
	Time        time.Time `json:"time"`
	EditedAt    time.Time `json:"edited_at,omitzero"` // (omitempty kept "0001-01-01T00:00:00Z" in every export line)
	Permalink   string    `json:"permalink,omitempty"`
	// Reactions are emoji names with their counts, kept as satisfaction signals.
	Reactions map[string]int `json:"reactions,omitempty"`
}

// FromCustomer reports whether a customer wrote m, as analysis and the rollups
// count it: a message of no role is taken for a customer's.
func (m *Message) FromCustomer() bool { return m.Role == RoleCustomer || m.Role == "" }

// Key is the idempotency key of the message: platform, workspace and platform id.
func (m *Message) Key() string {
	return string(m.Platform) + "/" + m.Workspace + "/" + m.ID
}

// AppendKey appends Key to b: a key to look up by (m[string(b)] builds no string).
func (m *Message) AppendKey(b []byte) []byte {
	return append(append(append(append(append(b, m.Platform...), '/'), m.Workspace...), '/'), m.ID...)
}

// Revision identifies the content of a message version: an edit changes it, a
// redelivery of the same version does not.
func (m *Message) Revision() string {
	// The bytes hashed must never change: stored revisions are compared with new
	// ones to recognise redeliveries (TestRevisionStable pins them).
	b := make([]byte, 0, len(m.Text)+len(m.Role)+len(m.Account)+len(m.Thread)+32)
	for _, f := range [...]string{m.Text, string(m.Role), m.Account, m.Thread} {
		b = append(append(b, f...), 0)
	}
	b = append(strconv.AppendInt(b, m.Time.UnixNano(), 10), 0)
	for _, k := range slices.Sorted(maps.Keys(m.Reactions)) {
		b = append(append(b, k...), '=')
		b = append(strconv.AppendInt(b, int64(m.Reactions[k]), 10), 0)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// ValidUTF8 reports whether every text field of m is valid UTF-8, so that a JSON
// round trip returns it unchanged (JSON replaces invalid bytes). Stores use it to skip
// that round trip for the common, valid message.
func (m *Message) ValidUTF8() bool {
	for _, f := range [...]string{m.ID, string(m.Platform), m.Workspace, m.Channel, m.ChannelName, m.Thread,
		m.ReplyTo, m.Author, m.AuthorName, string(m.Role), m.Account, m.AccountName, m.Text, m.Permalink} {
		if !utf8.ValidString(f) {
			return false
		}
	}
	for k := range m.Reactions {
		if !utf8.ValidString(k) {
			return false
		}
	}
	return true
}

// Normalize repairs what outside input gets wrong and checks what cannot be repaired:
// invalid UTF-8 is replaced, over-long text is cut to MaxTextBytes, times become UTC.
func (m *Message) Normalize() error {
	var missing []string
	if m.ID == "" {
		missing = append(missing, "id")
	}
	if m.Platform == "" {
		missing = append(missing, "platform")
	}
	if m.Workspace == "" {
		missing = append(missing, "workspace")
	}
	if m.Channel == "" {
		missing = append(missing, "channel")
	}
	if m.Time.IsZero() {
		missing = append(missing, "time")
	}
	if len(missing) > 0 {
		return Errorf(EINVALID, "message is missing %s", strings.Join(missing, ", "))
	}
	// Key joins platform, workspace and id with '/', and ParseKey splits at the first
	// two: an id may hold one, the other two may not.
	if strings.Contains(string(m.Platform), "/") || strings.Contains(m.Workspace, "/") {
		return Errorf(EINVALID, "message %s: platform %q and workspace %q may not contain '/'", m.ID, m.Platform, m.Workspace)
	}
	for _, f := range []struct{ what, v string }{{"id", m.ID}, {"workspace", m.Workspace}, {"channel", m.Channel},
		{"thread", m.Thread}, {"reply_to", m.ReplyTo}, {"author", m.Author}, {"account", m.Account}} {
		if len(f.v) > MaxIDBytes {
			return Errorf(EINVALID, "message %s: its %s is longer than %d bytes", TruncateUTF8(m.ID, 64), f.what, MaxIDBytes)
		}
	}
	if m.Role == "" {
		m.Role = RoleCustomer
	}
	if !m.Role.Valid() {
		return Errorf(EINVALID, "message %s has unknown author role %q", m.ID, m.Role)
	}
	// A time the store cannot write (past the year 9999: a Slack ts of twelve
	// digits) is refused here, for the message alone: the store's encoder refused
	// it for a whole import batch, and Discord's capture retried it forever (a
	// review's find).
	for _, t := range []time.Time{m.Time, m.EditedAt} {
		if y := t.UTC().Year(); !t.IsZero() && (y < 1 || y > 9999) {
			return Errorf(EINVALID, "message %s: time %s is out of range (the years 1 to 9999)", m.ID, t.UTC().Format(time.RFC3339))
		}
	}
	m.Text = strings.ToValidUTF8(m.Text, "\uFFFD")
	if len(m.Text) > MaxTextBytes {
		m.Text = TruncateUTF8(m.Text, MaxTextBytes)
		m.Truncated = true
	}
	// Names are shown, not read: each is one line of at most MaxNameBytes (a
	// Discord export's channel name of 1 MiB was stored again with each of its
	// messages, a review found).
	m.AuthorName, m.AccountName, m.ChannelName = shortName(m.AuthorName), shortName(m.AccountName), shortName(m.ChannelName)
	m.Reactions = boundReactions(m.Reactions)
	m.Time = m.Time.UTC()
	if !m.EditedAt.IsZero() {
		m.EditedAt = m.EditedAt.UTC()
	}
	return nil
}

// MaxIDBytes bounds an identifier of a message (its id, workspace, channel,
// thread, author, account): the embedded store keys by them, and no platform's is
// near it.
const MaxIDBytes = 1024

// MaxNameBytes bounds a name kept with a message (author, account, channel), and
// MaxReactionBytes a reaction's name.
const (
	MaxNameBytes     = 256
	MaxReactionBytes = 64
	// MaxReactions is how many reactions a message keeps (those counted most,
	// then by name), and MaxReactionCount how many of one it counts.
	MaxReactions     = 100
	MaxReactionCount = 1_000_000
)

// shortName is a name as valid UTF-8 on one line without control characters (a
// terminal's escape sequences among them), cut to MaxNameBytes.
func shortName(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexFunc(s, unicode.IsControl) >= 0 || len(s) > MaxNameBytes {
		s = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, TruncateUTF8(s, 4*MaxNameBytes))
		s = TruncateUTF8(strings.Join(strings.Fields(s), " "), MaxNameBytes)
	}
	return s
}

// boundReactions returns reactions with counts of none or fewer left out, counts
// above MaxReactionCount cut to it, names cut to MaxReactionBytes and at most
// MaxReactions of them: what an archive says is not trusted (a Discord export's
// count overflowed to −2; a Slack archive gave one message 200,000 reactions, a
// review found). It returns r itself when nothing is to change.
func boundReactions(r map[string]int) map[string]int {
	fine := len(r) <= MaxReactions
	for name, n := range r {
		if n <= 0 || n > MaxReactionCount || len(name) > MaxReactionBytes || name == "" || !utf8.ValidString(name) {
			fine = false
			break
		}
	}
	if fine {
		return r
	}
	type reaction struct {
		name string
		n    int
	}
	var rs []reaction
	for name, n := range r {
		if n <= 0 {
			continue
		}
		name = TruncateUTF8(strings.ToValidUTF8(name, "\uFFFD"), MaxReactionBytes)
		if name != "" {
			rs = append(rs, reaction{name, min(n, MaxReactionCount)})
		}
	}
	slices.SortFunc(rs, func(a, b reaction) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.name, b.name)) })
	out := make(map[string]int, min(len(rs), MaxReactions))
	for _, x := range rs {
		if len(out) == MaxReactions {
			break
		}
		out[x.name] = max(out[x.name], x.n) // (two names cut alike: the larger count)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// TruncateUTF8 cuts s to at most n bytes without splitting a rune.
func TruncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// EventKind says what happened to a message.
type EventKind string

// Event kinds carried by the capture log.
const (
	EventPut    EventKind = "put"    // a new message or a new version of one (edit, reactions)
	EventDelete EventKind = "delete" // the message was deleted on the platform
)

// Event is one entry of the capture log: a message put or deleted. For a delete only
// the Message's identity (Platform, Workspace, ID) is needed.
type Event struct {
	Kind    EventKind `json:"kind"`
	Message Message   `json:"message"`
}

// ParseKey splits a key made by Message.Key into platform, workspace and id.
func ParseKey(key string) (platform Platform, workspace, id string, err error) {
	p, rest, ok1 := strings.Cut(key, "/")
	ws, id, ok2 := strings.Cut(rest, "/")
	if !ok1 || !ok2 || p == "" || ws == "" || id == "" {
		return "", "", "", Errorf(EINVALID, "malformed message key %q", key)
	}
	return Platform(p), ws, id, nil
}
