package feedbackbot_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/feedbackbot/feedbackbot"
)

// TestRevisionStable pins revisions computed by earlier releases: stores compare a
// stored revision with a new one to recognise redeliveries, so the bytes hashed must
// never change.
func TestRevisionStable(t *testing.T) {
	tests := []struct {
		name string
		m    feedbackbot.Message
		want string
	}{
		{"reactions, emoji, thread", feedbackbot.Message{
			Text: "the export is broken 🙄", Role: feedbackbot.RoleCustomer, Account: "TACME", Thread: "1700000000.000100",
			Time:      time.Date(2026, 11, 2, 9, 30, 0, 123456789, time.UTC),
			Reactions: map[string]int{"white_check_mark": 1, "+1": 3},
		}, "cf87d36b734e55699cdd8011"},
		{"empty, before 1970", feedbackbot.Message{
			Role: feedbackbot.RoleStaff, Time: time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC),
		}, "4786983239216c87ea1e018f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.Revision(); got != tt.want {
				t.Errorf("Revision() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestValidUTF8(t *testing.T) {
	tests := []struct {
		name string
		m    feedbackbot.Message
		want bool
	}{
		{"valid", feedbackbot.Message{ID: "1", Text: "héllo 🎉", Reactions: map[string]int{"tada": 1}}, true},
		{"bad text", feedbackbot.Message{Text: "a\xffb"}, false},
		{"bad account", feedbackbot.Message{Account: "\xc3"}, false},
		{"bad reaction", feedbackbot.Message{Reactions: map[string]int{"\xff": 1}}, false},
		{"bad thread", feedbackbot.Message{Thread: "\xed\xa0\x80"}, false},
	}
	for _, tt := range tests {
		if got := tt.m.ValidUTF8(); got != tt.want {
			t.Errorf("%s: ValidUTF8() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	at := time.Date(2026, 11, 2, 10, 30, 0, 0, time.FixedZone("CET", 3600))
	valid := func() feedbackbot.Message {
		return feedbackbot.Message{ID: "C1:1.2", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1", Time: at}
	}
	long := strings.Repeat("a", feedbackbot.MaxTextBytes-1) + "é and more"
	tests := []struct {
		name    string
		edit    func(*feedbackbot.Message)
		wantErr string // substring of the EINVALID message; "" for success
		check   func(*testing.T, feedbackbot.Message)
	}{
		{"defaults", func(*feedbackbot.Message) {}, "", func(t *testing.T, m feedbackbot.Message) {
			if m.Role != feedbackbot.RoleCustomer || m.Time.Location() != time.UTC || !m.Time.Equal(at) {
				t.Errorf("role %q, time %v: want customer and the same instant in UTC", m.Role, m.Time)
			}
		}},
		{"missing", func(m *feedbackbot.Message) { *m = feedbackbot.Message{Workspace: "T1"} }, "missing id, platform, channel, time", nil},
		{"unknown role", func(m *feedbackbot.Message) { m.Role = "admin" }, `unknown author role "admin"`, nil},
		{"slash in workspace", func(m *feedbackbot.Message) { m.Workspace = "T1/x" }, "may not contain '/'", nil},
		{"slash in platform", func(m *feedbackbot.Message) { m.Platform = "a/b" }, "may not contain '/'", nil},
		{"slash in id", func(m *feedbackbot.Message) { m.ID = "a/b" }, "", func(t *testing.T, m feedbackbot.Message) {
			if p, ws, id, err := feedbackbot.ParseKey(m.Key()); err != nil || p != m.Platform || ws != m.Workspace || id != "a/b" {
				t.Errorf("ParseKey(%q) = %q, %q, %q, %v", m.Key(), p, ws, id, err)
			}
			if k := string(m.AppendKey([]byte("x"))); k != "x"+m.Key() {
				t.Errorf("AppendKey appended %q, want Key %q", k, "x"+m.Key())
			}
		}},
		{"invalid UTF-8 repaired", func(m *feedbackbot.Message) { m.Text, m.AuthorName, m.AccountName = "a\xffb", "\xc3", "x\xed\xa0\x80" }, "",
			func(t *testing.T, m feedbackbot.Message) {
				if m.Text != "a\uFFFDb" || m.AuthorName != "\uFFFD" || m.AccountName != "x\uFFFD" {
					t.Errorf("text %q, author %q, account %q: want U+FFFD in place of invalid bytes", m.Text, m.AuthorName, m.AccountName)
				}
			}},
		{"long text cut at a rune", func(m *feedbackbot.Message) { m.Text = long }, "", func(t *testing.T, m feedbackbot.Message) {
			if !m.Truncated || len(m.Text) != feedbackbot.MaxTextBytes-1 || !utf8.ValidString(m.Text) {
				t.Errorf("truncated %v, %d bytes, valid %v: want the é left out whole", m.Truncated, len(m.Text), utf8.ValidString(m.Text))
			}
		}},
		{"edited time in UTC", func(m *feedbackbot.Message) { m.EditedAt = at.Add(time.Minute) }, "", func(t *testing.T, m feedbackbot.Message) {
			if m.EditedAt.Location() != time.UTC {
				t.Errorf("edited_at %v not in UTC", m.EditedAt)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := valid()
			tt.edit(&m)
			err := m.Normalize()
			if tt.wantErr != "" {
				if feedbackbot.ErrorCode(err) != feedbackbot.EINVALID || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Normalize() = %v, want EINVALID with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Normalize() = %v", err)
			}
			tt.check(t, m)
		})
	}
}

func TestTruncateUTF8(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello", 3, "hel"},
		{"héllo", 2, "h"}, // é is two bytes: not split
		{"🎉x", 3, ""},
		{"🎉x", 4, "🎉"},
		{"abc", 0, ""},
	}
	for _, tt := range tests {
		if got := feedbackbot.TruncateUTF8(tt.s, tt.n); got != tt.want {
			t.Errorf("TruncateUTF8(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

func TestParseKey(t *testing.T) {
	for _, key := range []string{"", "slack", "slack/T1", "slack/T1/", "/T1/x", "slack//x"} {
		if _, _, _, err := feedbackbot.ParseKey(key); feedbackbot.ErrorCode(err) != feedbackbot.EINVALID {
			t.Errorf("ParseKey(%q) = %v, want EINVALID", key, err)
		}
	}
	m := feedbackbot.Message{Platform: feedbackbot.PlatformDiscord, Workspace: "G1", ID: "123"}
	if p, ws, id, err := feedbackbot.ParseKey(m.Key()); err != nil || p != m.Platform || ws != "G1" || id != "123" {
		t.Errorf("ParseKey(%q) = %q, %q, %q, %v", m.Key(), p, ws, id, err)
	}
}

func TestErrors(t *testing.T) {
	nf := feedbackbot.Errorf(feedbackbot.ENOTFOUND, "no account %q", "acme")
	tests := []struct {
		name      string
		err       error
		code, msg string
	}{
		{"nil", nil, "", ""},
		{"coded", nf, feedbackbot.ENOTFOUND, `no account "acme"`},
		{"wrapped", fmt.Errorf("lookup: %w", nf), feedbackbot.ENOTFOUND, `no account "acme"`},
		{"internal", errors.New("dial tcp 10.0.0.1:6379: secret detail"), feedbackbot.EINTERNAL, "Internal error."},
	}
	for _, tt := range tests {
		if code, msg := feedbackbot.ErrorCode(tt.err), feedbackbot.ErrorMessage(tt.err); code != tt.code || msg != tt.msg {
			t.Errorf("%s: code %q, message %q; want %q, %q", tt.name, code, msg, tt.code, tt.msg)
		}
	}
	if !feedbackbot.IsNotFound(fmt.Errorf("x: %w", nf)) || feedbackbot.IsNotFound(errors.New("x")) {
		t.Error("IsNotFound does not follow the chain")
	}
}

// TestNormalizeBoundsWhatArchivesSay: what an export or an event may say beyond
// reason is refused or bounded by Normalize, for the one message (a review of
// hostile input): a time past the year 9999 (the store cannot write it), names of
// a megabyte or several lines, reaction counts that overflowed or are negative,
// and a message of 200,000 reactions.
func TestNormalizeBoundsWhatArchivesSay(t *testing.T) {
	base := func() feedbackbot.Message {
		return feedbackbot.Message{ID: "1", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
			Time: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	}
	far := base()
	far.Time = time.Unix(999999999999, 0)
	edited := base()
	edited.EditedAt = time.Date(9999, 12, 31, 23, 30, 0, 0, time.FixedZone("", -5*3600))
	for name, m := range map[string]feedbackbot.Message{"time": far, "edited": edited} {
		if err := m.Normalize(); feedbackbot.ErrorCode(err) != feedbackbot.EINVALID || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("%s past the year 9999: %v, want EINVALID", name, err)
		}
	}

	m := base()
	m.ChannelName = strings.Repeat("N", 1<<20)
	m.AuthorName = "dana\n\x1b[2Kthe admin"
	m.AccountName = strings.Repeat("é", 200) // 400 bytes
	m.Reactions = map[string]int{"✅": -2, "white_check_mark": 3, "heart": 1 << 40, "": 4, strings.Repeat("x", 100): 2}
	for i := range 200 {
		m.Reactions[fmt.Sprintf("r%03d", i)] = 1
	}
	if err := m.Normalize(); err != nil {
		t.Fatal(err)
	}
	if len(m.ChannelName) != feedbackbot.MaxNameBytes || len(m.AccountName) > feedbackbot.MaxNameBytes || !utf8.ValidString(m.AccountName) {
		t.Errorf("names not cut: channel %d bytes, account %d", len(m.ChannelName), len(m.AccountName))
	}
	if m.AuthorName != "dana [2Kthe admin" {
		t.Errorf("author name %q: one line, no control characters", m.AuthorName)
	}
	if len(m.Reactions) != feedbackbot.MaxReactions {
		t.Errorf("%d reactions kept, want %d", len(m.Reactions), feedbackbot.MaxReactions)
	}
	if _, ok := m.Reactions["✅"]; ok || m.Reactions["heart"] != feedbackbot.MaxReactionCount || m.Reactions["white_check_mark"] != 3 ||
		m.Reactions[strings.Repeat("x", feedbackbot.MaxReactionBytes)] != 2 {
		t.Errorf("reactions: negative dropped, the huge cut, the long name cut, the counted kept first: %v", m.Reactions)
	}
	plain := base()
	plain.Reactions = map[string]int{"eyes": 2}
	r := plain.Reactions
	if err := plain.Normalize(); err != nil || fmt.Sprintf("%p", plain.Reactions) != fmt.Sprintf("%p", r) {
		t.Error("reactions within bounds are kept as they are")
	}
}
