package feedbackbot_test

import (
	"testing"

	"github.com/feedbackbot/feedbackbot"
)

func TestEscapeMarkup(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Acme", "Acme"},
		{"<!channel>", "&lt;!channel&gt;"},
		{"A & B <@U1>", "A &amp; B &lt;@U1&gt;"},
		{"&lt; typed", "&amp;lt; typed"},
		{"", ""},
	} {
		got := feedbackbot.EscapeMarkup(tc.in)
		if got != tc.want {
			t.Errorf("EscapeMarkup(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if back := feedbackbot.UnescapeMarkup(got); back != tc.in {
			t.Errorf("UnescapeMarkup(%q) = %q, want %q", got, back, tc.in)
		}
	}
}
