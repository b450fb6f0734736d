package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// markedChannel is a channel whose platform keeps each post's Document.Mark and
// can search the channel for it (as Slack's message metadata), and edit posts.
type markedChannel struct {
	*channelLog
	mu      sync.Mutex
	marks   map[string]string // message id → mark
	findErr error             // FindPost's answer, when set
	finds   int
	edits   []string // message ids edited
	// editErrs are the answers of the next edits, in turn (an edit answered
	// ENOTFOUND finds its message deleted in the chat)
	editErrs []error
}

func newMarkedChannel() *markedChannel {
	return &markedChannel{channelLog: &channelLog{}, marks: map[string]string{}}
}

func (c *markedChannel) Post(ctx context.Context, channel string, doc feedbackbot.Document) (feedbackbot.PostRef, error) {
	ref, err := c.channelLog.Post(ctx, channel, doc)
	c.mu.Lock()
	c.marks[ref.ID] = doc.Mark
	c.mu.Unlock()
	return ref, err
}

func (c *markedChannel) FindPost(_ context.Context, channel, mark string, _ time.Time) (feedbackbot.PostRef, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.finds++
	if c.findErr != nil {
		return feedbackbot.PostRef{}, c.findErr
	}
	c.channelLog.mu.Lock()
	defer c.channelLog.mu.Unlock()
	for id, m := range c.marks {
		if m == mark && mark != "" && c.shown[id] {
			return feedbackbot.PostRef{Platform: "test", Destination: channel, ID: id}, nil
		}
	}
	return feedbackbot.PostRef{}, feedbackbot.Errorf(feedbackbot.ENOTFOUND, "no post marked %q", mark)
}

func (c *markedChannel) Update(_ context.Context, ref feedbackbot.PostRef, _ feedbackbot.Document) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.editErrs) > 0 {
		err := c.editErrs[0]
		c.editErrs = c.editErrs[1:]
		if feedbackbot.IsNotFound(err) {
			c.channelLog.mu.Lock()
			c.shown[ref.ID] = false
			c.channelLog.mu.Unlock()
		}
		return err
	}
	c.edits = append(c.edits, ref.ID)
	return nil
}

// hookedPost is a replica's poster that runs hook once inside its first post,
// before or after its message is in the channel: a replica killed there, whose
// successor the hook plays, or that stops there until the test lets it go on,
// as a SIGSTOPped one would.
type hookedPost struct {
	*markedChannel
	landFirst bool
	once      sync.Once
	hook      func()
}

func (p *hookedPost) Post(ctx context.Context, channel string, doc feedbackbot.Document) (ref feedbackbot.PostRef, err error) {
	if p.landFirst {
		ref, err = p.markedChannel.Post(ctx, channel, doc)
	}
	first := false
	p.once.Do(func() { first = true; p.hook() })
	if !p.landFirst || !first {
		ref, err = p.markedChannel.Post(ctx, channel, doc)
	}
	return ref, err
}

// TestDigestOfAReplicaKilledAfterItsPostIsNotPostedAgain: replica A posts a
// run and dies (SIGKILL) before its post's record: no check after the post
// ever runs. B takes the run over once the run's lease has expired: it finds
// A's announcement of the post, searches the channel for the run's mark, finds
// A's message and records it instead of posting again, then edits it into the
// digest recorded. Where A died before its message went out, or the channel
// cannot be searched, B posts. At the end A goes on, as a replica that was only
// paused does: the channel keeps one digest, the recorded one.
func TestDigestOfAReplicaKilledAfterItsPostIsNotPostedAgain(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 30, 0, time.UTC)
	for name, open := range leaseBackends() {
		t.Run(name, func(t *testing.T) {
			for _, tc := range []struct {
				name       string
				landFirst  bool
				findErr    error
				wantPosted int // when A has gone on
				bPosts     bool
			}{
				{name: "its message is in the channel", landFirst: true, wantPosted: 1},
				{name: "it died before its message went out", landFirst: false, wantPosted: 2, bPosts: true},
				{name: "the channel cannot be searched", landFirst: true, findErr: errors.New("missing_scope"), wantPosted: 2, bPosts: true},
			} {
				t.Run(tc.name, func(t *testing.T) {
					be := open(t)
					j := job(t, "0 9 * * *", "UTC")
					ch := newMarkedChannel()
					ch.findErr = tc.findErr
					stopped, resume := make(chan struct{}), make(chan struct{})
					pa := &hookedPost{markedChannel: ch, landFirst: tc.landFirst, hook: func() { close(stopped); <-resume }}
					a := &bot.Scheduler{Store: be.st, Posters: map[feedbackbot.Platform]bot.Poster{"test": pa}, Jobs: []bot.Job{j}, Holder: "replica-a", Settle: -1}
					b := &bot.Scheduler{Store: be.st, Posters: map[feedbackbot.Platform]bot.Poster{"test": ch}, Jobs: []bot.Job{j}, Holder: "replica-b", Settle: -1}
					doneA := make(chan error, 1)
					go func() { _, err := a.Tick(context.Background(), now); doneA <- err }()
					select {
					case <-stopped:
					case err := <-doneA:
						t.Fatalf("A's tick ended (%v) without posting", err)
					case <-time.After(20 * time.Second):
						t.Fatal("A never posted")
					}
					be.expire()
					// (a search that fails says nothing: B waits for its next ticks, and
					// posts once five searches in a row have failed)
					tries := 1
					if tc.findErr != nil {
						tries = 5
					}
					var sent int
					var err error
					for i := 1; i <= tries; i++ {
						sent, err = b.Tick(context.Background(), now.Add(time.Duration(i)*30*time.Second))
						if p, _ := ch.counts(); i < tries && (err == nil || sent != 0 || p != 1) {
							t.Fatalf("B's tick %d, the channel unsearchable: %d posted, %d in the channel, err %v; want an error and nothing posted", i, sent, p, err)
						}
					}
					if err != nil {
						t.Fatalf("B's tick: %v", err)
					}
					posted, shown := ch.counts()
					if want := map[bool]int{true: 1, false: 0}[tc.bPosts]; sent != want {
						t.Errorf("B posted %d digests, want %d", sent, want)
					}
					if wantB := map[bool]int{true: 1, false: 0}[tc.landFirst] + map[bool]int{true: 1, false: 0}[tc.bPosts]; posted != wantB || shown != wantB {
						t.Errorf("after B's tick: %d posted, %d in the channel, want %d and %d", posted, shown, wantB, wantB)
					}
					if ch.finds != tries {
						t.Errorf("B searched the channel %d times, want %d (A announced its post)", ch.finds, tries)
					}
					if !tc.bPosts {
						// the same tick made the adopted message the digest recorded
						ch.mu.Lock()
						edits := len(ch.edits)
						ch.mu.Unlock()
						if edits != 1 {
							t.Errorf("the message found was edited %d times, want once (into the digest recorded)", edits)
						}
					}
					close(resume)
					if err := <-doneA; err != nil {
						t.Errorf("A's tick, gone on: %v", err)
					}
					oneRecordedCopy(t, be.st, ch.channelLog, j, now, tc.wantPosted, a, b)
					run := fmt.Sprintf("%s:%d", j.Name, now.Truncate(time.Hour).Unix())
					if _, err := be.st.GetDoc(context.Background(), j.Workspace, "digest-posting", run); !feedbackbot.IsNotFound(err) {
						t.Errorf("the run's announcement is still there once recorded (%v)", err)
					}
					ch.mu.Lock()
					for id, m := range ch.marks {
						if !strings.HasPrefix(m, "digest/"+j.Workspace+"/"+run) {
							t.Errorf("message %s was posted marked %q, want the run's mark", id, m)
						}
					}
					ch.mu.Unlock()
				})
			}
		})
	}
}

// failsAfterLanding is a poster whose first post's message goes out and whose
// answer is lost (a timeout, a connection reset): the post call fails.
type failsAfterLanding struct {
	*markedChannel
	once sync.Once
}

func (p *failsAfterLanding) Post(ctx context.Context, channel string, doc feedbackbot.Document) (feedbackbot.PostRef, error) {
	ref, err := p.markedChannel.Post(ctx, channel, doc)
	p.once.Do(func() {
		ref, err = feedbackbot.PostRef{}, errors.New("context deadline exceeded (Client.Timeout exceeded while awaiting headers)")
	})
	return ref, err
}

// TestDigestWhosePostCallFailedAfterItWentOutIsNotPostedAgain: a post call
// fails though its message went out (its answer lost). The run is tried again
// at the next tick, which finds the message by its mark and records it.
func TestDigestWhosePostCallFailedAfterItWentOutIsNotPostedAgain(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 30, 0, time.UTC)
	for name, open := range leaseBackends() {
		t.Run(name, func(t *testing.T) {
			be := open(t)
			j := job(t, "0 9 * * *", "UTC")
			ch := newMarkedChannel()
			s := &bot.Scheduler{Store: be.st, Posters: map[feedbackbot.Platform]bot.Poster{"test": &failsAfterLanding{markedChannel: ch}}, Jobs: []bot.Job{j}, Holder: "replica-a", Settle: -1}
			if _, err := s.Tick(context.Background(), now); err == nil {
				t.Fatal("the first tick's post failed, and the tick says nothing")
			}
			sent, err := s.Tick(context.Background(), now.Add(30*time.Second))
			if err != nil {
				t.Fatalf("the next tick: %v", err)
			}
			if sent != 0 {
				t.Errorf("the next tick posted %d digests, want 0 (the first is in the channel)", sent)
			}
			oneRecordedCopy(t, be.st, ch.channelLog, j, now, 1, s)
		})
	}
}

// TestAdoptedDigestEditedThoughItsRecordsAnswerWasLost: the record of a post
// found in the channel is written, but its answer is lost; the next tick finds
// the run recorded and does not come back to it, and still edits the message
// into the digest recorded (it was marked for the edit before the record).
func TestAdoptedDigestEditedThoughItsRecordsAnswerWasLost(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 30, 0, time.UTC)
	for name, open := range leaseBackends() {
		t.Run(name, func(t *testing.T) {
			be := open(t)
			j := job(t, "0 9 * * *", "UTC")
			ch := newMarkedChannel()
			st := &answerLost{Store: be.st, answer: errors.New("read tcp 127.0.0.1:6379: connection reset by peer")}
			s := &bot.Scheduler{Store: st, Posters: map[feedbackbot.Platform]bot.Poster{"test": &failsAfterLanding{markedChannel: ch}}, Jobs: []bot.Job{j}, Holder: "replica-a", Settle: -1}
			if _, err := s.Tick(context.Background(), now); err == nil {
				t.Fatal("the first tick's post failed, and the tick says nothing")
			}
			if _, err := s.Tick(context.Background(), now.Add(30*time.Second)); err == nil {
				t.Fatal("the second tick's record failed, and the tick says nothing")
			}
			if _, err := s.Tick(context.Background(), now.Add(time.Minute)); err != nil {
				t.Fatalf("the third tick: %v", err)
			}
			ch.mu.Lock()
			edits := len(ch.edits)
			ch.mu.Unlock()
			if edits != 1 {
				t.Errorf("the message found was edited %d times, want once (into the digest recorded)", edits)
			}
			oneRecordedCopy(t, be.st, ch.channelLog, j, now, 1, s)
		})
	}
}

// recordedMeanwhile is a channel whose first search, before it answers, has
// another replica post the run and record it: the run's record is taken between
// the search and the record of the message it finds.
type recordedMeanwhile struct {
	*markedChannel
	once   sync.Once
	record func()
}

func (r *recordedMeanwhile) FindPost(ctx context.Context, channel, mark string, since time.Time) (feedbackbot.PostRef, error) {
	r.once.Do(r.record)
	return r.markedChannel.FindPost(ctx, channel, mark, since)
}

// TestAdoptedDigestCopyWhoseDeletionFailedIsDeletedLater: replica A posts a
// run and dies before its record; B finds A's message by its mark, but another
// replica records the run with its own post meanwhile, so A's message is a copy
// for B to delete, and that deletion fails (the platform rate-limiting). B's
// next tick deletes it: it stayed in the channel for good, named by no record
// (a review's find).
func TestAdoptedDigestCopyWhoseDeletionFailedIsDeletedLater(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 30, 0, time.UTC)
	for name, open := range leaseBackends() {
		t.Run(name, func(t *testing.T) {
			be := open(t)
			j := job(t, "0 9 * * *", "UTC")
			run := fmt.Sprintf("%s:%d", j.Name, now.Truncate(time.Hour).Unix())
			ch := newMarkedChannel()
			stopped, resume, doneA := make(chan struct{}), make(chan struct{}), make(chan struct{})
			pa := &hookedPost{markedChannel: ch, landFirst: true, hook: func() { close(stopped); <-resume }} // (A dead there until the test's end)
			a := &bot.Scheduler{Store: be.st, Posters: map[feedbackbot.Platform]bot.Poster{"test": pa}, Jobs: []bot.Job{j}, Holder: "replica-a", Settle: -1}
			go func() { a.Tick(context.Background(), now); close(doneA) }()
			t.Cleanup(func() { close(resume); <-doneA }) // (before the store closes)
			select {
			case <-stopped:
			case <-time.After(20 * time.Second):
				t.Fatal("A never posted")
			}
			be.expire()
			rm := &recordedMeanwhile{markedChannel: ch, record: func() {
				ref, err := ch.channelLog.Post(context.Background(), j.Channel, feedbackbot.Document{})
				if err == nil {
					raw, _ := json.Marshal(ref)
					_, err = be.st.CreateDoc(context.Background(), j.Workspace, "digest-posted", run, raw)
				}
				if err != nil {
					t.Errorf("the other replica's post and record: %v", err)
				}
				ch.failNextDeletes(1)
			}}
			b := &bot.Scheduler{Store: be.st, Posters: map[feedbackbot.Platform]bot.Poster{"test": rm}, Jobs: []bot.Job{j}, Holder: "replica-b", Settle: -1}
			if _, err := b.Tick(context.Background(), now.Add(30*time.Second)); err == nil {
				t.Error("B's tick reported nothing of the copy it could not delete")
			}
			if posted, shown := ch.counts(); posted != 2 || shown != 2 {
				t.Fatalf("posted %d, %d in the channel, want both: the scenario is not set up", posted, shown)
			}
			if _, err := b.Tick(context.Background(), now.Add(time.Minute)); err != nil {
				t.Errorf("B's next tick: %v", err)
			}
			oneRecordedCopy(t, be.st, ch.channelLog, j, now, 2, b)
		})
	}
}
