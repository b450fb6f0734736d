package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestChannelChangedMarksWhatTheCheckRefuses: a platform says a channel changed
// (shared, permissions edited). Where the bot posted nothing there, the channel
// is not even checked; where the check passes, nothing is marked (every post
// would be edited for nothing); where it refuses, or cannot tell (the privacy
// side is taken), the posted digest and alert there are marked, and the next
// tick and pass delete them (the poster's edit refused), while the same
// platform's posts elsewhere, and another platform's in a channel of the same
// id, stay as they are.
func TestChannelChangedMarksWhatTheCheckRefuses(t *testing.T) {
	refused := feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "channel shared with another organisation")
	tests := []struct {
		name     string
		platform feedbackbot.Platform
		channel  string
		check    error
		checked  bool
		want     bot.Retracted
	}{
		{"nothing posted there", "test", "COTHER", refused, false, bot.Retracted{}},
		{"another platform's channel", feedbackbot.PlatformDiscord, "CINTERNAL", refused, false, bot.Retracted{}},
		{"the check passes", "test", "CINTERNAL", nil, true, bot.Retracted{}},
		{"the check refuses", "test", "CINTERNAL", refused, true, bot.Retracted{Digests: 1, Alerts: 1}},
		{"the check cannot tell", "test", "CINTERNAL", feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "slack is down"), true, bot.Retracted{Digests: 1, Alerts: 1}},
	}
	for name, open := range backends(t) {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				ctx := context.Background()
				st := open(t)
				now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
				quotedPair(t, st, now)
				p := &editingPoster{}
				s := digestScheduler(t, st, p)
				if n, err := s.Tick(ctx, now); err != nil || n != 1 {
					t.Fatalf("Tick = %d, %v; want the digest posted", n, err)
				}
				al := &bot.Alerter{Store: st, Poster: p, Channel: "CINTERNAL", RepeatInterval: 24 * time.Hour}
				atRisk := []feedbackbot.Health{{Account: feedbackbot.Account{ID: "acme", Name: "Acme"}, Score: 10, AtRisk: true,
					Reasons: []feedbackbot.Reason{{Code: "churn_signal", Text: "1 churn signal", Impact: -40}}}}
				if out, err := al.Evaluate(ctx, "T1", atRisk, now); err != nil || out.Raised != 1 {
					t.Fatalf("alert: %+v %v", out, err)
				}
				checked := false
				got, err := bot.ChannelChanged(ctx, st, tt.platform, "T1", tt.channel, func(context.Context) error {
					checked = true
					return tt.check
				})
				if err != nil || got != tt.want || checked != tt.checked {
					t.Fatalf("ChannelChanged = %+v, %v (checked %v); want %+v (checked %v)", got, err, checked, tt.want, tt.checked)
				}
				p.updateErr = refused // (the channel refuses edits now)
				if _, err := s.Tick(ctx, now.Add(time.Minute)); err != nil {
					t.Fatal(err)
				}
				if _, err := al.Evaluate(ctx, "T1", atRisk, now.Add(time.Minute)); err != nil {
					t.Fatal(err)
				}
				if want := tt.want.Digests + tt.want.Alerts; len(p.deleted) != want {
					t.Errorf("%d posts deleted, want %d", len(p.deleted), want)
				}
			})
		}
	}
}
