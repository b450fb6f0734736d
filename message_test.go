package feedbackbot_test

import (
	"testing"
	"time"

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
