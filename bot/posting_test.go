package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// landingPoster posts every document (the platform has it), then does what the test
// asks: answers with an error beside the reference (a chart upload that failed after
// the message went out), or cancels the caller's context (SIGTERM mid-post).
type landingPoster struct {
	mu      sync.Mutex
	posts   int
	partErr error
	after   func()
	deleted []feedbackbot.PostRef
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

func (p *landingPoster) Delete(_ context.Context, ref feedbackbot.PostRef) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deleted = append(p.deleted, ref)
	return nil
}

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

// redisBehindProxy is the Redis store through a redistest.Proxy the test can take down
// (a real outage: connections cut, nothing listening), and the same Redis and
// prefix reached directly (another replica, which still reaches it).
func redisBehindProxy(t *testing.T) (viaProxy, direct store.Store, px *redistest.Proxy) {
	t.Helper()
	client, prefix := redistest.Client(t)
	c, ok := client.(*redis.Client)
	if !ok {
		t.Skip("needs a single-node Redis")
	}
	px = redistest.NewProxy(t, c.Options().Addr)
	opts := *c.Options()
	opts.Addr, opts.MaxRetries, opts.DialTimeout, opts.ReadTimeout = px.Addr(), -1, 200*time.Millisecond, 500*time.Millisecond
	pc := redis.NewClient(&opts)
	t.Cleanup(func() { pc.Close() })
	return redisstore.New(pc, redisstore.Options{Prefix: prefix}), redisstore.New(client, redisstore.Options{Prefix: prefix}), px
}

// TestAlertPostedOnceWhenItsSaveFails: Redis goes away right after an alert's
// message (a raise, a repeat, a recovery notice) lands in the channel, so its
// save fails, and is back for the next pass, which saves it rather than posting
// it again (it raised the alert a second time, or said "Recovered" twice: a
// review's find). An alert another replica told the channel about meanwhile is
// not overwritten: its message stays the alert's, this one, a copy, is deleted
// (and joins the earlier ones, for an erasure to reach had the delete failed).
func TestAlertPostedOnceWhenItsSaveFails(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	risky := atRisk("acme", 30, health.ReasonUnanswered, "k1")
	well := feedbackbot.Health{Account: risky.Account, Score: 90, RecentMessages: 3, LastCustomerAt: t0.Add(time.Minute)}
	type pass struct {
		at time.Duration
		h  feedbackbot.Health
	}
	for _, tc := range []struct {
		name   string
		before []pass // passes that save
		failed pass   // the pass whose post lands and whose save fails
		status feedbackbot.AlertStatus
	}{
		{"raised", nil, pass{0, risky}, feedbackbot.AlertOpen},
		{"repeated", []pass{{0, risky}}, pass{25 * time.Hour, risky}, feedbackbot.AlertOpen},
		{"recovery notice", []pass{{0, risky}}, pass{time.Hour, well}, feedbackbot.AlertResolved},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, _, px := redisBehindProxy(t)
			ctx := context.Background()
			p := &landingPoster{}
			down := len(tc.before) + 1 // the post after which Redis goes
			p.after = func() {
				if p.count() == down {
					px.Down()
				}
			}
			al := &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
			for _, ps := range tc.before {
				if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{ps.h}, t0.Add(ps.at)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{tc.failed.h}, t0.Add(tc.failed.at)); err == nil {
				t.Fatal("set-up: the save should have failed")
			}
			px.Up()
			for i := range 2 {
				out, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{tc.failed.h}, t0.Add(tc.failed.at+time.Duration(i+1)*5*time.Minute))
				if err != nil {
					t.Fatal(err)
				}
				if p.count() != down || out.Raised+out.Repeated+out.Resolved != 0 {
					t.Fatalf("pass %d after the outage: %d posts, want %d (%+v)", i+1, p.count(), down, out)
				}
			}
			raw, err := st.GetDoc(ctx, "T1", bot.DocAlert, bot.AlertFor("T1", risky, t0).Fingerprint)
			if err != nil {
				t.Fatal(err)
			}
			var saved feedbackbot.Alert
			if err := json.Unmarshal(raw, &saved); err != nil {
				t.Fatal(err)
			}
			last := feedbackbot.PostRef{Platform: "test", Destination: "CALERTS", ID: time.Duration(down).String()}
			if saved.Status != tc.status || !slices.Contains(slices.Concat(saved.Posts, saved.Earlier), last) {
				t.Errorf("saved alert: status %q, posts %v, earlier %v; want %q and the message %s kept", saved.Status, saved.Posts, saved.Earlier, tc.status, last.ID)
			}
		})
	}

	// Replica a's store goes away right after its post, and replica b (which took
	// the alerts lease meanwhile) posts and saves the alert. When the store is
	// back, a saves its post: at its next pass, or, b keeping the lease, at its
	// next tick before it tries for the lease (SaveUnsaved, which run calls). b's
	// message stays the alert's and a's copy is deleted.
	for _, tc := range []struct {
		name       string
		keepsLease bool // b keeps the alerts lease: a only saves what it posted
	}{{"another replica posted meanwhile", false}, {"another replica posted meanwhile and keeps the lease", true}} {
		t.Run(tc.name, func(t *testing.T) {
			st, direct, px := redisBehindProxy(t)
			ctx := context.Background()
			pa := &landingPoster{}
			pa.after = px.Down
			a := &bot.Alerter{Store: st, Poster: pa, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
			if _, err := a.Evaluate(ctx, "T1", []feedbackbot.Health{risky}, t0); err == nil {
				t.Fatal("set-up: the save should have failed")
			}
			if tc.keepsLease {
				if left, err := a.SaveUnsaved(ctx); err == nil || left != 1 {
					t.Fatalf("SaveUnsaved with the store away: %d left, %v; want 1 and an error", left, err)
				}
			}
			pb := &landingPoster{}
			b := &bot.Alerter{Store: direct, Poster: pb, Channel: "CALERTS-B", RepeatInterval: 24 * time.Hour}
			if _, err := b.Evaluate(ctx, "T1", []feedbackbot.Health{risky}, t0.Add(10*time.Minute)); err != nil {
				t.Fatal(err)
			}
			pa.after = nil
			px.Up()
			if tc.keepsLease {
				for i := range 2 { // (the second finds nothing left to do)
					if left, err := a.SaveUnsaved(ctx); err != nil || left != 0 {
						t.Fatalf("SaveUnsaved %d: %d left, %v; want none", i+1, left, err)
					}
				}
			} else if _, err := a.Evaluate(ctx, "T1", []feedbackbot.Health{risky}, t0.Add(15*time.Minute)); err != nil {
				t.Fatal(err)
			}
			saved := readAlert(t, direct, bot.AlertFor("T1", risky, t0).Fingerprint)
			bRef := feedbackbot.PostRef{Platform: "test", Destination: "CALERTS-B", ID: time.Duration(1).String()}
			aRef := feedbackbot.PostRef{Platform: "test", Destination: "CALERTS", ID: time.Duration(1).String()}
			if pa.count()+pb.count() != 2 || !slices.Equal(saved.Posts, []feedbackbot.PostRef{bRef}) || !slices.Contains(saved.Earlier, aRef) ||
				!saved.NotifiedAt.Equal(t0.Add(10*time.Minute)) {
				t.Errorf("posts a %d b %d; saved alert: posts %v, earlier %v, notified %s; want b's message the alert's, a's among the earlier ones",
					pa.count(), pb.count(), saved.Posts, saved.Earlier, saved.NotifiedAt)
			}
			pa.mu.Lock()
			deleted := slices.Clone(pa.deleted)
			pa.mu.Unlock()
			if !slices.Equal(deleted, []feedbackbot.PostRef{aRef}) {
				t.Errorf("a deleted %v, want its copy %v: the channel shows b's message alone", deleted, aRef)
			}
		})
	}
}
