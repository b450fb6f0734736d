package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// pausedInPost is a replica's poster that pauses inside its first post, the
// message already in the channel (the request sent, its answer not yet read),
// as a SIGSTOP, a frozen VM or a stalled connection does; it counts the posts
// and deletions the channel saw.
type pausedInPost struct {
	*channelLog
	once   sync.Once
	paused chan struct{}
	resume chan struct{}
}

// channelLog is one channel both replicas post to: what is in it.
type channelLog struct {
	mu    sync.Mutex
	n     int
	shown map[string]bool // message id → still in the channel
	// failDeletes is how many of the next deletions fail (the platform
	// rate-limiting or down for a moment).
	failDeletes int
}

func (c *channelLog) Post(_ context.Context, channel string, _ feedbackbot.Document) (feedbackbot.PostRef, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	id := time.Now().Format("150405.000000000") + string(rune('a'+c.n))
	if c.shown == nil {
		c.shown = map[string]bool{}
	}
	c.shown[id] = true
	return feedbackbot.PostRef{Platform: "test", Destination: channel, ID: id}, nil
}

func (c *channelLog) Delete(_ context.Context, ref feedbackbot.PostRef) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failDeletes > 0 {
		c.failDeletes--
		return feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "the platform is rate-limiting deletions")
	}
	if !c.shown[ref.ID] {
		return feedbackbot.Errorf(feedbackbot.ENOTFOUND, "no message %s", ref.ID)
	}
	c.shown[ref.ID] = false
	return nil
}

// failNextDeletes makes the next n deletions fail.
func (c *channelLog) failNextDeletes(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failDeletes = n
}

// counts is how many digests were posted, and how many are still in the channel.
func (c *channelLog) counts() (posted, shown int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.shown {
		if s {
			shown++
		}
	}
	return c.n, shown
}

func (p *pausedInPost) Post(ctx context.Context, channel string, doc feedbackbot.Document) (feedbackbot.PostRef, error) {
	ref, err := p.channelLog.Post(ctx, channel, doc)
	p.once.Do(func() {
		close(p.paused)
		<-p.resume
	})
	return ref, err
}

// TestDigestPausedInsideItsPostIsNotLeftTwice: replica A posts a run and is
// paused inside the post call for longer than the run's lease. Meanwhile B takes
// the run over: posts it, or holds it (paused before its post, or inside it
// too). No check before a post can see that, so each reads the run's record
// again once its post returns: the first post recorded is the run's, and a later
// one is deleted. The channel keeps one digest, the recorded one. When no one
// took the run, A's post stands and is recorded.
func TestDigestPausedInsideItsPostIsNotLeftTwice(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 30, 0, time.UTC)
	const (
		bPosts        = iota // B ticks while A is paused: takes the run over and posts it
		bHolds               // B ticks up to its first look at the record, goes on after A's tick
		bPausedInPost        // B posts too and is paused inside its post until A's tick ends
		bNothing             // B does not tick
	)
	for name, open := range leaseBackends() {
		t.Run(name, func(t *testing.T) {
			for _, tc := range []struct {
				name       string
				b          int
				wantPosted int
			}{
				{"another replica posted it meanwhile", bPosts, 2},
				{"another replica holds the run", bHolds, 1},
				{"another replica is paused inside its post too", bPausedInPost, 2},
				{"no one took the run", bNothing, 1},
			} {
				t.Run(tc.name, func(t *testing.T) {
					be := open(t)
					j := job(t, "0 9 * * *", "UTC")
					ch := &channelLog{}
					pa := &pausedInPost{channelLog: ch, paused: make(chan struct{}), resume: make(chan struct{})}
					sb := &pauseAfterLook{Store: be.st, paused: make(chan struct{}), resume: make(chan struct{})}
					if tc.b != bHolds {
						sb.once.Do(func() {}) // B does not pause
					}
					a := &bot.Scheduler{Store: be.st, Posters: map[feedbackbot.Platform]bot.Poster{"test": pa}, Jobs: []bot.Job{j}, Holder: "replica-a", Settle: -1}
					pb := &pausedInPost{channelLog: ch, paused: make(chan struct{}), resume: make(chan struct{})}
					if tc.b != bPausedInPost {
						pb.once.Do(func() {})
					}
					b := &bot.Scheduler{Store: sb, Posters: map[feedbackbot.Platform]bot.Poster{"test": pb}, Jobs: []bot.Job{j}, Holder: "replica-b", Settle: -1}
					doneA := make(chan error, 1)
					go func() { _, err := a.Tick(context.Background(), now); doneA <- err }()
					select {
					case <-pa.paused:
					case err := <-doneA:
						t.Fatalf("A's tick ended (%v) without posting", err)
					case <-time.After(20 * time.Second):
						t.Fatal("A never posted")
					}
					be.expire()
					doneB := make(chan error, 1)
					switch tc.b {
					case bPosts:
						if _, err := b.Tick(context.Background(), now.Add(30*time.Second)); err != nil {
							t.Fatalf("B's tick: %v", err)
						}
						if p, _ := ch.counts(); p != 2 {
							t.Fatalf("%d posts after B's tick, want 2: the scenario is not set up", p)
						}
						close(doneB)
					case bHolds, bPausedInPost:
						paused := sb.paused
						if tc.b == bPausedInPost {
							paused = pb.paused
						}
						go func() { _, err := b.Tick(context.Background(), now.Add(30*time.Second)); doneB <- err }()
						select {
						case <-paused:
						case err := <-doneB:
							t.Fatalf("B's tick ended (%v) before its pause", err)
						case <-time.After(20 * time.Second):
							t.Fatal("B never paused")
						}
					default:
						close(doneB)
					}
					close(pa.resume)
					if err := <-doneA; err != nil {
						t.Errorf("A's tick: %v", err)
					}
					if tc.b == bHolds || tc.b == bPausedInPost {
						close(sb.resume)
						close(pb.resume)
						if err := <-doneB; err != nil {
							t.Errorf("B's tick: %v", err)
						}
					}
					oneRecordedCopy(t, be.st, ch, j, now, tc.wantPosted, a, b)
				})
			}
		})
	}
}

// oneRecordedCopy checks that the 09:00 run of j was posted wantPosted times,
// that one copy is in the channel, the one its record names, and that the
// replicas' next ticks post nothing more.
func oneRecordedCopy(t *testing.T, st store.Store, ch *channelLog, j bot.Job, now time.Time, wantPosted int, replicas ...*bot.Scheduler) {
	t.Helper()
	posted, shown := ch.counts()
	if posted != wantPosted || shown != 1 {
		t.Errorf("the 09:00 digest was posted %d times and %d copies are in the channel, want %d and 1", posted, shown, wantPosted)
	}
	raw, err := st.GetDoc(context.Background(), j.Workspace, "digest-posted", fmt.Sprintf("%s:%d", j.Name, now.Truncate(time.Hour).Unix()))
	if err != nil {
		t.Fatalf("the run's record: %v", err)
	}
	var rec feedbackbot.PostRef
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	if ch.mu.Lock(); !ch.shown[rec.ID] {
		t.Errorf("the run's record names message %q, which is not the one in the channel", rec.ID)
	}
	ch.mu.Unlock()
	for _, s := range replicas {
		if _, err := s.Tick(context.Background(), now.Add(time.Minute)); err != nil {
			t.Errorf("%s's next tick: %v", s.Holder, err)
		}
	}
	if p, s := ch.counts(); p != posted || s != 1 {
		t.Errorf("after the next ticks: %d posts and %d in the channel, want %d and 1", p, s, posted)
	}
}

// TestDigestRecordRaceKeepsOnePost: replicas A and B have both posted a run (A
// was paused for longer than the run's lease, and B took the run over), and both
// read "no record" after their posts; then both go on, in either order, to
// record their own. The run's claim lets one post be the run's: the other is
// deleted, and the record names the one left in the channel.
func TestDigestRecordRaceKeepsOnePost(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 30, 0, time.UTC)
	for name, open := range leaseBackends() {
		for _, first := range []string{"A", "B"} {
			t.Run(name+"/"+first+" records first", func(t *testing.T) {
				be := open(t)
				j := job(t, "0 9 * * *", "UTC")
				ch := &channelLog{}
				sa := &pauseAfterLook{Store: be.st, at: 3, paused: make(chan struct{}), resume: make(chan struct{})}
				sb := &pauseAfterLook{Store: be.st, at: 3, paused: make(chan struct{}), resume: make(chan struct{})}
				a := &bot.Scheduler{Store: sa, Posters: map[feedbackbot.Platform]bot.Poster{"test": ch}, Jobs: []bot.Job{j}, Holder: "replica-a", Settle: -1}
				b := &bot.Scheduler{Store: sb, Posters: map[feedbackbot.Platform]bot.Poster{"test": ch}, Jobs: []bot.Job{j}, Holder: "replica-b", Settle: -1}
				tick := func(s *bot.Scheduler, at time.Time, paused chan struct{}) chan error {
					done := make(chan error, 1)
					go func() { _, err := s.Tick(context.Background(), at); done <- err }()
					select {
					case <-paused:
					case err := <-done:
						t.Fatalf("%s's tick ended (%v) before its look at the record after posting", s.Holder, err)
					case <-time.After(20 * time.Second):
						t.Fatalf("%s never posted", s.Holder)
					}
					return done
				}
				doneA := tick(a, now, sa.paused)
				be.expire() // A's run lease runs out while it is paused
				doneB := tick(b, now.Add(30*time.Second), sb.paused)
				if p, s := ch.counts(); p != 2 || s != 2 {
					t.Fatalf("%d posts, %d in the channel before either records, want 2 and 2: the scenario is not set up", p, s)
				}
				order := []struct {
					s    *pauseAfterLook
					done chan error
				}{{sa, doneA}, {sb, doneB}}
				if first == "B" {
					order[0], order[1] = order[1], order[0]
				}
				for _, r := range order {
					close(r.s.resume)
					if err := <-r.done; err != nil {
						t.Errorf("tick: %v", err)
					}
				}
				oneRecordedCopy(t, be.st, ch, j, now, 2, a, b)
			})
		}
	}
}

// answerLost is a replica's store whose first creation of a run's "posted"
// record is written but answered "there is one already" (the answer to the
// write was lost and the client's retry of it found its own record) or, where
// answer is set, with that error (the connection dropped on the way back).
type answerLost struct {
	store.Store
	answer error
	done   atomic.Bool
}

func (s *answerLost) CreateDoc(ctx context.Context, workspace, kind, id string, data []byte) (bool, error) {
	created, err := s.Store.CreateDoc(ctx, workspace, kind, id, data)
	if kind == "digest-posted" && created && !s.done.Swap(true) { // (bot's docPosted)
		return false, s.answer
	}
	return created, err
}

// TestDigestRecordFoundItsOwnIsKept: the run's record is created, never
// overwritten, so of two replicas' posts the first recorded is the run's
// (TestDigestRecordRaceKeepsOnePost). A replica whose creation was written but
// answered as if another's record were there reads it, finds its own post named,
// and keeps the post: it is not deleted as a copy, and the run is not posted again.
func TestDigestRecordFoundItsOwnIsKept(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 30, 0, time.UTC)
	for name, open := range leaseBackends() {
		t.Run(name, func(t *testing.T) {
			be := open(t)
			j := job(t, "0 9 * * *", "UTC")
			ch := &channelLog{}
			st := &answerLost{Store: be.st}
			a := &bot.Scheduler{Store: st, Posters: map[feedbackbot.Platform]bot.Poster{"test": ch}, Jobs: []bot.Job{j}, Holder: "replica-a", Settle: -1}
			for i := range 3 {
				if _, err := a.Tick(context.Background(), now.Add(time.Duration(i)*30*time.Second)); err != nil {
					t.Errorf("tick %d: %v", i, err)
				}
			}
			if !st.done.Load() {
				t.Fatal("the record was never created: the scenario is not set up")
			}
			oneRecordedCopy(t, be.st, ch, j, now, 1, a)
		})
	}
}

// failingDocs is a replica's store whose writes of one kind of document fail
// while failing is set, or the next failNext of them (a store hiccup): creations
// of a run's "posted" record, or the scheduler's record of a run done.
type failingDocs struct {
	store.Store
	kind     string
	failing  atomic.Bool
	failNext atomic.Int32
}

// fails reports whether a write of kind fails now (taking one of failNext).
func (s *failingDocs) fails(kind string) bool {
	if kind != s.kind {
		return false
	}
	if s.failing.Load() {
		return true
	}
	for {
		n := s.failNext.Load()
		if n <= 0 {
			return false
		}
		if s.failNext.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

func (s *failingDocs) PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error {
	if s.fails(kind) {
		return feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "the store went away")
	}
	return s.Store.PutDoc(ctx, workspace, kind, id, data)
}

func (s *failingDocs) CreateDoc(ctx context.Context, workspace, kind, id string, data []byte) (bool, error) {
	if s.fails(kind) {
		return false, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "the store went away")
	}
	return s.Store.CreateDoc(ctx, workspace, kind, id, data)
}

// TestUnrecordedDigestFindsAnotherReplicasRecord: replica A posts a run and its
// record fails (the store away from A); A is paused past the run's lease, and B
// takes the run over, posts and records it. When A comes back, its kept record
// finds B's written first: A deletes its copy and leaves B's record as it is, so
// the channel keeps B's message, the one the record names. So it does whether B
// stopped before marking the run done (A's tick comes back to the run) or not,
// and whether or not A holds the scheduler's lease again (B's may last): A's
// kept records are written before anything else of a tick. A's write used to
// replace B's record with its own, or, the run done, never came.
func TestUnrecordedDigestFindsAnotherReplicasRecord(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 30, 0, time.UTC)
	for _, tc := range []struct {
		name         string
		bMarksDone   bool // B records the run as done
		leasesRunOut bool // B's leases run out before A's tick
	}{
		{"B stopped before marking the run done", false, true},
		{"B marked the run done and schedules on", true, false},
	} {
		for name, open := range leaseBackends() {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				be := open(t)
				j := job(t, "0 9 * * *", "UTC")
				ch := &channelLog{}
				sa := &failingDocs{Store: be.st, kind: "digest-posted"}
				sa.failing.Store(true)
				a := &bot.Scheduler{Store: sa, Posters: map[feedbackbot.Platform]bot.Poster{"test": ch}, Jobs: []bot.Job{j}, Holder: "replica-a", Settle: -1}
				if _, err := a.Tick(context.Background(), now); err == nil {
					t.Fatal("A's tick recorded its post: the scenario is not set up")
				}
				be.expire()
				sb := &failingDocs{Store: be.st, kind: "scheduler"}
				sb.failing.Store(!tc.bMarksDone)
				b := &bot.Scheduler{Store: sb, Posters: map[feedbackbot.Platform]bot.Poster{"test": ch}, Jobs: []bot.Job{j}, Holder: "replica-b", Settle: -1}
				if _, err := b.Tick(context.Background(), now.Add(30*time.Second)); (err == nil) != tc.bMarksDone {
					t.Fatalf("B's tick: %v; the scenario is not set up", err)
				}
				if posted, _ := ch.counts(); posted != 2 {
					t.Fatalf("%d posts, want A's and B's: the scenario is not set up", posted)
				}
				if tc.leasesRunOut {
					be.expire()
				}
				sa.failing.Store(false)
				if _, err := a.Tick(context.Background(), now.Add(time.Minute)); err != nil {
					t.Errorf("A's tick after the store came back: %v", err)
				}
				oneRecordedCopy(t, be.st, ch, j, now, 2, a, b)
			})
		}
	}
}
