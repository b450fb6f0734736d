package bot_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// recordingPoster is a real implementation of bot.AlertPoster that keeps what it
// was asked to post (the chat platform's side, not our store).
type recordingPoster struct {
	mu      sync.Mutex
	posts   []feedbackbot.Document
	updates int
	updated []feedbackbot.Document // each Update's document, in order
	fail    error
}

func (p *recordingPoster) Post(_ context.Context, channel string, doc feedbackbot.Document) (feedbackbot.PostRef, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return feedbackbot.PostRef{}, p.fail
	}
	p.posts = append(p.posts, doc)
	return feedbackbot.PostRef{Platform: "test", Destination: channel, ID: time.Now().String()}, nil
}

func (p *recordingPoster) Delete(context.Context, feedbackbot.PostRef) error { return nil }

func (p *recordingPoster) Update(_ context.Context, _ feedbackbot.PostRef, doc feedbackbot.Document) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.updates++
	p.updated = append(p.updated, doc)
	return nil
}

func (p *recordingPoster) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.posts)
}

func job(t *testing.T, spec, tz string) bot.Job {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		t.Fatal(err)
	}
	return bot.Job{Name: "daily", Platform: "test", Channel: "CINTERNAL", Workspace: "T1", Schedule: s, Location: loc, Period: 24 * time.Hour}
}

// TestDigestAt9LocalAcrossDST: 09:00 Europe/Berlin is 07:00 UTC in summer (CEST,
// +2) and 08:00 UTC in winter (CET, +1). The digest posts once each morning on both
// sides of the 25 October 2026 change.
func TestDigestAt9LocalAcrossDST(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			p := &recordingPoster{}
			s := &bot.Scheduler{Store: st, Posters: map[feedbackbot.Platform]bot.Poster{"test": p}, Jobs: []bot.Job{job(t, "0 9 * * *", "Europe/Berlin")}, Holder: "a"}
			steps := []struct {
				now  string
				want int
			}{
				{"2026-10-24T06:59:00Z", 0}, // 08:59 CEST
				{"2026-10-24T07:00:00Z", 1}, // 09:00 CEST
				{"2026-10-24T07:30:00Z", 1}, // already posted
				{"2026-10-25T07:00:00Z", 1}, // 08:00 CET after the change: not yet
				{"2026-10-25T08:00:00Z", 2}, // 09:00 CET
				{"2026-10-25T12:00:00Z", 2},
			}
			for _, st := range steps {
				now, _ := time.Parse(time.RFC3339, st.now)
				if _, err := s.Tick(ctx, now); err != nil {
					t.Fatalf("%s: %v", st.now, err)
				}
				if got := p.count(); got != st.want {
					t.Fatalf("at %s: %d digests posted, want %d", st.now, got, st.want)
				}
			}
		})
	}
}

// TestDigestOnceADayAcrossDSTChanges: ticking every 5 minutes through the days the
// clocks change in New York, a digest at a time shown twice (01:30 on 1 November
// 2026) is posted once, and one at a time skipped (02:30 on 8 March 2026) is posted
// once, at 03:30 EDT, the same distance past the change.
func TestDigestOnceADayAcrossDSTChanges(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			for _, tc := range []struct {
				spec, day string
				at        string // UTC of the one post
			}{
				{"30 1 * * *", "2026-11-01", "2026-11-01T05:30:00Z"}, // 01:30 EDT, not again at 01:30 EST
				{"30 2 * * *", "2026-03-08", "2026-03-08T07:30:00Z"}, // 03:30 EDT
			} {
				st := open(t)
				p := &recordingPoster{}
				s := &bot.Scheduler{Store: st, Posters: map[feedbackbot.Platform]bot.Poster{"test": p}, Jobs: []bot.Job{job(t, tc.spec, "America/New_York")}, Holder: "a"}
				start, _ := time.Parse(time.RFC3339, tc.day+"T04:00:00Z") // the local midnight before
				want, _ := time.Parse(time.RFC3339, tc.at)
				var postedAt []time.Time
				for now := start; now.Before(start.Add(24 * time.Hour)); now = now.Add(5 * time.Minute) {
					before := p.count()
					if _, err := s.Tick(context.Background(), now); err != nil {
						t.Fatal(err)
					}
					if p.count() > before {
						postedAt = append(postedAt, now)
					}
				}
				if len(postedAt) != 1 || !postedAt[0].Equal(want) {
					t.Errorf("%s on %s: posted at %v, want once at %s", tc.spec, tc.day, postedAt, tc.at)
				}
			}
		})
	}
}

// TestDigestPostedOnceByReplicas: three replicas tick at the same moment; the lease
// and the once-marker make exactly one post.
func TestDigestPostedOnceByReplicas(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			p := &recordingPoster{}
			now, _ := time.Parse(time.RFC3339, "2026-11-02T09:00:30Z")
			var wg sync.WaitGroup
			for _, holder := range []string{"a", "b", "c"} {
				s := &bot.Scheduler{Store: st, Posters: map[feedbackbot.Platform]bot.Poster{"test": p}, Jobs: []bot.Job{job(t, "0 9 * * *", "UTC")}, Holder: holder}
				wg.Go(func() { s.Tick(ctx, now) })
			}
			wg.Wait()
			if p.count() != 1 {
				t.Fatalf("%d posts, want exactly 1", p.count())
			}
		})
	}
}

// TestDigestCatchUpAfterDowntime: a bot down at 09:00 posts the missed digest when it
// comes back within the catch-up window, once, and does not post older ones.
func TestDigestCatchUpAfterDowntime(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			p := &recordingPoster{}
			s := &bot.Scheduler{Store: st, Posters: map[feedbackbot.Platform]bot.Poster{"test": p}, Jobs: []bot.Job{job(t, "0 9 * * *", "UTC")}, Holder: "a"}
			day1, _ := time.Parse(time.RFC3339, "2026-11-02T09:00:00Z")
			s.Tick(ctx, day1)
			// Down for two days; back at 11:00 on day 3.
			back := day1.Add(50 * time.Hour)
			s.Tick(ctx, back)
			s.Tick(ctx, back.Add(time.Minute))
			if p.count() != 2 {
				t.Fatalf("%d posts, want 2 (day 1, and only the latest missed one)", p.count())
			}
			// A failed post is retried later, not lost.
			p.fail = feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "platform down")
			day4 := day1.Add(72 * time.Hour)
			if _, err := s.Tick(ctx, day4); err == nil {
				t.Fatal("a failed post must be reported")
			}
			p.fail = nil
			s.Tick(ctx, day4.Add(time.Minute)) // the next tick retries
			if p.count() != 3 {
				t.Fatalf("%d posts after retry, want 3", p.count())
			}
		})
	}
}

// TestPeriodFromCountsWholeDaysOnTheLocalCalendar: a digest asked for in a zone
// counts whole days from midnight to midnight across a clock change (a week of
// 167 or 169 hours); other periods are a plain duration (a review's find:
// feedbackbot digest --tz subtracted 168 hours).
func TestPeriodFromCountsWholeDaysOnTheLocalCalendar(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	at := func(loc *time.Location, y int, m time.Month, d, h int) time.Time {
		return time.Date(y, m, d, h, 0, 0, 0, loc)
	}
	for _, tt := range []struct {
		name     string
		to       time.Time
		period   time.Duration
		loc      *time.Location
		want     time.Time
		wantSpan time.Duration
	}{
		{"a week across the spring change", at(ny, 2026, 3, 9, 0), 7 * 24 * time.Hour, ny, at(ny, 2026, 3, 2, 0), 167 * time.Hour},
		{"a week across the autumn change", at(ny, 2026, 11, 2, 0), 7 * 24 * time.Hour, ny, at(ny, 2026, 10, 26, 0), 169 * time.Hour},
		{"the day of the spring change", at(ny, 2026, 3, 9, 0), 24 * time.Hour, ny, at(ny, 2026, 3, 8, 0), 23 * time.Hour},
		{"a week where the clocks stay", at(kolkata, 2026, 3, 9, 0), 7 * 24 * time.Hour, kolkata, at(kolkata, 2026, 3, 2, 0), 168 * time.Hour},
		{"hours are a duration", at(ny, 2026, 3, 9, 0), 36 * time.Hour, ny, at(ny, 2026, 3, 9, 0).Add(-36 * time.Hour), 36 * time.Hour},
		{"no zone is UTC", at(time.UTC, 2026, 3, 9, 0), 7 * 24 * time.Hour, nil, at(time.UTC, 2026, 3, 2, 0), 168 * time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := bot.PeriodFrom(tt.to, tt.period, tt.loc)
			if !got.Equal(tt.want) || tt.to.Sub(got) != tt.wantSpan {
				t.Errorf("PeriodFrom(%s, %s) = %s (%s long), want %s (%s)", tt.to, tt.period, got, tt.to.Sub(got), tt.want, tt.wantSpan)
			}
		})
	}
}
