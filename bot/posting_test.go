package bot_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
)

// landingPoster posts every document (the platform has it), then does what the test
// asks: answers with an error beside the reference (a chart upload that failed after
// the message went out), or cancels the caller's context (SIGTERM mid-post).
type landingPoster struct {
	mu      sync.Mutex
	posts   int
	partErr error
	after   func()
}

func (p *landingPoster) Post(_ context.Context, channel string, doc feedbackbot.Document) (feedbackbot.PostRef, error) {
	p.mu.Lock()
	p.posts++
	n := p.posts
	p.mu.Unlock()
	if p.after != nil {
		p.after()
	}
	return feedbackbot.PostRef{Platform: "test", Destination: channel, ID: time.Duration(n).String()}, p.partErr
}

func (p *landingPoster) Update(context.Context, feedbackbot.PostRef, feedbackbot.Document) error {
	return nil
}

func (p *landingPoster) Delete(context.Context, feedbackbot.PostRef) error { return nil }

func (p *landingPoster) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.posts
}

// TestDigestPostedOnceWhatever: a digest whose message went out is posted once, even
// when part of it failed (the chart) or the replica was stopped right after the post:
// it used to be posted again at every tick, or by the next replica.
func TestDigestPostedOnceWhatever(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			now, _ := time.Parse(time.RFC3339, "2026-11-02T09:00:30Z")
			for _, tc := range []struct {
				name   string
				poster func(stop context.CancelFunc) *landingPoster
			}{
				{"chart upload failed", func(context.CancelFunc) *landingPoster {
					return &landingPoster{partErr: errors.New("slack upload digest.png: missing_scope")}
				}},
				{"stopped after the post", func(stop context.CancelFunc) *landingPoster { return &landingPoster{after: stop} }},
			} {
				t.Run(tc.name, func(t *testing.T) {
					st := open(t)
					ctx, stop := context.WithCancel(context.Background())
					defer stop()
					p := tc.poster(stop)
					for i, holder := range []string{"a", "a", "b", "c"} {
						s := &bot.Scheduler{Store: st, Posters: map[feedbackbot.Platform]bot.Poster{"test": p}, Jobs: []bot.Job{job(t, "0 9 * * *", "UTC")}, Holder: holder}
						tickCtx := ctx
						if i > 0 {
							tickCtx = context.Background() // the other replicas, and the next ticks, run on
						}
						s.Tick(tickCtx, now.Add(time.Duration(i)*30*time.Second))
					}
					if p.count() != 1 {
						t.Errorf("the digest was posted %d times, want 1", p.count())
					}
				})
			}
		})
	}
}

// TestAlertRaisedOnceWhenStoppedMidPost: a replica stopped right after posting an
// alert still saves it, so the next pass does not raise it again.
func TestAlertRaisedOnceWhenStoppedMidPost(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			ctx, stop := context.WithCancel(context.Background())
			p := &landingPoster{after: stop}
			al := &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			h := atRisk("acme", 30, health.ReasonUnanswered)
			al.Evaluate(ctx, "T1", []feedbackbot.Health{h}, t0)
			out, err := al.Evaluate(context.Background(), "T1", []feedbackbot.Health{h}, t0.Add(5*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if p.count() != 1 || out.Raised != 0 {
				t.Errorf("the alert was posted %d times (raised again: %d), want once", p.count(), out.Raised)
			}
		})
	}
}
