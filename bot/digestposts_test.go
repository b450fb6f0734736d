package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// editingPoster is a chat platform's side of posted digests: what was posted,
// edited and deleted; updateErr, when set, is what an edit returns.
type editingPoster struct {
	mu        sync.Mutex
	posts     []feedbackbot.Document
	updated   []feedbackbot.Document
	deleted   []feedbackbot.PostRef
	updateErr error
	onPost    func() // runs inside Post, before it returns
}

func (p *editingPoster) Post(_ context.Context, channel string, doc feedbackbot.Document) (feedbackbot.PostRef, error) {
	if p.onPost != nil {
		p.onPost()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.posts = append(p.posts, doc)
	return feedbackbot.PostRef{Platform: "test", Destination: channel, ID: fmt.Sprintf("m%d", len(p.posts))}, nil
}

func (p *editingPoster) Update(_ context.Context, _ feedbackbot.PostRef, doc feedbackbot.Document) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.updateErr != nil {
		return p.updateErr
	}
	p.updated = append(p.updated, doc)
	return nil
}

func (p *editingPoster) Delete(_ context.Context, ref feedbackbot.PostRef) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deleted = append(p.deleted, ref)
	return nil
}

func (p *editingPoster) edits() []feedbackbot.Document {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]feedbackbot.Document(nil), p.updated...)
}

const (
	danaSecret = "the invoice export is broken again and nobody answers, call me on 555-0199"
	leeWords   = "the export keeps failing on large files and it is really frustrating"
)

// quotedPair captures and analyses two customers' complaints in workspace T1 an
// hour and two before now: XDANA's (with a phone number) and XLEE's.
func quotedPair(t *testing.T, st store.Store, now time.Time) {
	t.Helper()
	var msgs []feedbackbot.Message
	for i, m := range []struct{ author, text string }{{"XDANA", danaSecret}, {"XLEE", leeWords}} {
		at := now.Add(-time.Duration(i+1) * time.Hour)
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C1:%d.000100", at.Unix()), Platform: feedbackbot.PlatformSlack,
			Workspace: "T1", Channel: "C1", Author: m.author, Role: feedbackbot.RoleCustomer, Account: "acme", Text: m.text, Time: at})
	}
	captured(t, st, msgs...)
}

func docJSON(t *testing.T, d feedbackbot.Document) string {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// digestScheduler is a daily 09:00 UTC digest of T1 posted with p.
func digestScheduler(t *testing.T, st store.Store, p bot.Poster) *bot.Scheduler {
	return &bot.Scheduler{Store: st, Posters: map[feedbackbot.Platform]bot.Poster{"test": p}, Jobs: []bot.Job{job(t, "0 9 * * *", "UTC")},
		Holder: "a", Settle: -1, Charts: true}
}

// postQuotedPair captures quotedPair and posts the 09:00 digest that quotes it,
// returning the poster, the scheduler and the digest's time.
func postQuotedPair(t *testing.T, st store.Store) (*editingPoster, *bot.Scheduler, time.Time) {
	t.Helper()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	quotedPair(t, st, now)
	p := &editingPoster{}
	s := digestScheduler(t, st, p)
	if n, err := s.Tick(context.Background(), now); err != nil || n != 1 {
		t.Fatalf("Tick = %d, %v; want the digest posted", n, err)
	}
	return p, s, now
}

// noDigestHolds fails when a posted digest's record, or a mark, still holds s.
func noDigestHolds(t *testing.T, st store.Store, s string) {
	t.Helper()
	for _, kind := range []string{"digest-posted", "digest-redacted"} {
		docs, err := st.ListDocs(context.Background(), "T1", kind)
		if err != nil {
			t.Fatal(err)
		}
		for id, raw := range docs {
			if strings.Contains(string(raw), s) {
				t.Errorf("%s %s still holds %q", kind, id, s)
			}
		}
	}
}

// TestForgetReachesPostedDigests: forgetting a person takes their quotes out of
// the digests already posted, in the store and, on the scheduler's next tick,
// in the chat (the message is edited once, keeping the other customer's quote);
// "What forget does not reach" listed posted digests until 2026-12-06.
func TestForgetReachesPostedDigests(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			p, s, now := postQuotedPair(t, st)
			if posted := docJSON(t, p.posts[0]); !strings.Contains(posted, "555-0199") || !strings.Contains(posted, "large files") {
				t.Fatalf("the digest should quote both customers:\n%s", posted)
			}
			res, err := bot.ForgetPerson(ctx, st, "T1", "XDANA")
			if err != nil || res.DigestQuotes == 0 {
				t.Fatalf("ForgetPerson = %+v, %v; want their digest quotes removed", res, err)
			}
			noDigestHolds(t, st, "555-0199")
			noDigestHolds(t, st, "XDANA")
			for i := range 2 { // edited on the next tick, and only then
				if n, err := s.Tick(ctx, now.Add(time.Duration(i+1)*time.Minute)); err != nil || n != 0 {
					t.Fatalf("Tick = %d, %v; want nothing posted", n, err)
				}
			}
			edits := p.edits()
			if len(edits) != 1 {
				t.Fatalf("%d edits of the posted digest, want 1", len(edits))
			}
			if got := docJSON(t, edits[0]); strings.Contains(got, "555-0199") || !strings.Contains(got, "large files") {
				t.Errorf("the edited digest still quotes the forgotten person, or lost the other quote:\n%s", got)
			}
			if marks, _ := st.ListDocs(ctx, "T1", "digest-redacted"); len(marks) != 0 {
				t.Errorf("marks left after the edit: %v", marks)
			}
		})
	}
}

// TestRetentionReachesPostedDigests: retention takes expired messages' quotes out
// of posted digests, and their messages in the chat are edited; a channel that
// may not be posted to any more gets the digest deleted instead, as an alert.
func TestRetentionReachesPostedDigests(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			p, s, now := postQuotedPair(t, st)
			later := now.Add(90 * 24 * time.Hour)
			res, err := bot.ExpireOld(ctx, st, "T1", later.Add(-60*24*time.Hour))
			if err != nil || res.DigestQuotes < 2 {
				t.Fatalf("ExpireOld = %+v, %v; want both digest quotes removed", res, err)
			}
			noDigestHolds(t, st, "555-0199")
			noDigestHolds(t, st, "large files")
			p.updateErr = feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "the channel is shared with another organisation now")
			if _, err := s.Tick(ctx, later.Add(-time.Hour)); err != nil { // (not 09:00: no new digest)
				t.Fatal(err)
			}
			if len(p.deleted) != 1 || len(p.edits()) != 0 {
				t.Errorf("deleted %d, edited %d; want the digest deleted from the channel it may not post to", len(p.deleted), len(p.edits()))
			}
		})
	}
}

// TestDigestEditRetriedAfterAFailure: an edit that fails (an outage) keeps the
// mark, and the next tick edits the message.
func TestDigestEditRetriedAfterAFailure(t *testing.T) {
	ctx := context.Background()
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	quotedPair(t, st, now)
	p := &editingPoster{}
	s := digestScheduler(t, st, p)
	if _, err := s.Tick(ctx, now); err != nil {
		t.Fatal(err)
	}
	if _, err := bot.ForgetPerson(ctx, st, "T1", "XLEE"); err != nil {
		t.Fatal(err)
	}
	p.updateErr = fmt.Errorf("slack is down")
	if _, err := s.Tick(ctx, now.Add(time.Minute)); err == nil || !strings.Contains(err.Error(), "slack is down") {
		t.Fatalf("Tick err = %v; want the failed edit reported", err)
	}
	p.updateErr = nil
	if _, err := s.Tick(ctx, now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if edits := p.edits(); len(edits) != 1 || strings.Contains(docJSON(t, edits[0]), "large files") {
		t.Fatalf("want one edit without the forgotten quote after the outage, got %d", len(edits))
	}
}

// TestForgetWhileADigestIsPosted: a person forgotten after the digest read their
// message but before its record was saved (ForgetPerson found no record to
// change) is taken out of the record as it is saved, and the message is edited
// on the next tick.
func TestForgetWhileADigestIsPosted(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			quotedPair(t, st, now)
			p := &editingPoster{}
			p.onPost = func() {
				if _, err := bot.ForgetPerson(ctx, st, "T1", "XDANA"); err != nil {
					t.Error(err)
				}
			}
			s := digestScheduler(t, st, p)
			if n, err := s.Tick(ctx, now); err != nil || n != 1 {
				t.Fatalf("Tick = %d, %v; want the digest posted", n, err)
			}
			noDigestHolds(t, st, "555-0199")
			p.onPost = nil
			if _, err := s.Tick(ctx, now.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if edits := p.edits(); len(edits) != 1 || strings.Contains(docJSON(t, edits[0]), "555-0199") {
				t.Fatalf("want the posted digest edited once without the forgotten quote, got %d edits", len(edits))
			}
		})
	}
}

// forgetAtRecord is a store that runs forget just before a run's record is
// created (an erasure between recordPost's first look and its write: it finds no
// record to change) and then fails the next look for people forgotten (the
// second, after the write) once.
type forgetAtRecord struct {
	store.Store
	forget   func()
	failLook atomic.Bool
}

func (s *forgetAtRecord) CreateDoc(ctx context.Context, ws, kind, id string, data []byte) (bool, error) {
	if kind == "digest-posted" && s.forget != nil {
		f := s.forget
		s.forget = nil
		f()
		s.failLook.Store(true)
	}
	return s.Store.CreateDoc(ctx, ws, kind, id, data)
}

func (s *forgetAtRecord) GetDocs(ctx context.Context, ws, kind string, ids ...string) (map[string][]byte, error) {
	if kind == bot.DocForgotten && s.failLook.Swap(false) {
		return nil, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "the store went away for a moment")
	}
	return s.Store.GetDocs(ctx, ws, kind, ids...)
}

// TestForgetBetweenTheRecordsLooksWhoseSecondFails: a person is forgotten
// between recordPost's look for people forgotten and the record's write (the
// erasure finds no record), and the look after the write, which would have
// found them, fails. The next tick looks again and takes their quote out of the
// record and the message; it used to be only logged, the quote kept for good (a
// review's find).
func TestForgetBetweenTheRecordsLooksWhoseSecondFails(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			inner := open(t)
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			quotedPair(t, inner, now)
			st := &forgetAtRecord{Store: inner}
			st.forget = func() {
				if _, err := bot.ForgetPerson(ctx, inner, "T1", "XDANA"); err != nil {
					t.Error(err)
				}
			}
			p := &editingPoster{}
			s := digestScheduler(t, st, p)
			if n, err := s.Tick(ctx, now); n != 1 {
				t.Fatalf("Tick = %d, %v; want the digest posted", n, err)
			}
			if st.forget != nil {
				t.Fatal("the record was never created: the scenario is not set up")
			}
			if _, err := s.Tick(ctx, now.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			noDigestHolds(t, inner, "555-0199")
			if edits := p.edits(); len(edits) != 1 || strings.Contains(docJSON(t, edits[0]), "555-0199") {
				t.Fatalf("want the posted digest edited once without the forgotten quote, got %d edits", len(edits))
			}
		})
	}
}

// memberPair captures two Discord community members' complaints in workspace T1
// an hour and two before now, each member their own account (its id theirs, its
// name their display name, as the Discord adapter captures a member of no
// configured account): XDANA, "Dana Privatename", and XLEE, "Lee Other".
func memberPair(t *testing.T, st store.Store, now time.Time) {
	t.Helper()
	var msgs []feedbackbot.Message
	for i, m := range []struct{ author, name, text string }{{"XDANA", "Dana Privatename", danaSecret}, {"XLEE", "Lee Other", leeWords}} {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("%d", 1000+i), Platform: feedbackbot.PlatformDiscord,
			Workspace: "T1", Channel: "C1", Author: m.author, AuthorName: m.name, Role: feedbackbot.RoleCustomer,
			Account: m.author, AccountName: m.name, Text: m.text, Time: now.Add(-time.Duration(i+1) * time.Hour)})
	}
	captured(t, st, msgs...)
}

// TestForgetTakesAMemberWhoIsTheirOwnAccountOutOfPostedDigests: a community
// member is their own account, so a posted digest names them beyond their
// quotes (the accounts heard from, segments). Forgetting them takes those
// entries out of the record and, on the next tick, out of the message, the other
// member's kept; erased while the digest is posted, they are taken out as its
// record is saved. Only the quotes went until 2026-12-07 (a review's find).
func TestForgetTakesAMemberWhoIsTheirOwnAccountOutOfPostedDigests(t *testing.T) {
	for name, open := range backends(t) {
		for _, during := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/during_the_post=%v", name, during), func(t *testing.T) {
				ctx := context.Background()
				st := open(t)
				now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
				memberPair(t, st, now)
				forget := func() {
					if _, err := bot.ForgetPerson(ctx, st, "T1", "XDANA"); err != nil {
						t.Error(err)
					}
				}
				p := &editingPoster{}
				if during {
					p.onPost = forget
				}
				s := digestScheduler(t, st, p)
				if n, err := s.Tick(ctx, now); err != nil || n != 1 {
					t.Fatalf("Tick = %d, %v; want the digest posted", n, err)
				}
				if posted := docJSON(t, p.posts[0]); !strings.Contains(posted, "Dana Privatename") || !strings.Contains(posted, "Lee Other") {
					t.Fatalf("the digest should name both members:\n%s", posted)
				}
				if p.onPost = nil; !during {
					forget()
				}
				noDigestHolds(t, st, "Dana Privatename")
				noDigestHolds(t, st, "XDANA")
				for i := range 2 {
					if _, err := s.Tick(ctx, now.Add(time.Duration(i+1)*time.Minute)); err != nil {
						t.Fatal(err)
					}
				}
				edits := p.edits()
				if len(edits) != 1 {
					t.Fatalf("%d edits of the posted digest, want 1", len(edits))
				}
				if got := docJSON(t, edits[0]); strings.Contains(got, "Dana Privatename") || strings.Contains(got, "XDANA") || !strings.Contains(got, "Lee Other") {
					t.Errorf("the edited digest still names the forgotten member, or lost the other:\n%s", got)
				}
			})
		}
	}
}

// TestForgetCountsPostedDigestsThatNameAMember: a community member's messages
// have all expired (retention takes their quotes out of posted digests, not
// their account's entries), so posted digests are all that names them. The
// preview says so instead of "Nothing … is stored here", the confirmation says
// what changed instead of "nothing was erased", and PersonHeld counts them, so
// the CLI does not refuse the erasure as a mistyped id (a review's find).
func TestForgetCountsPostedDigestsThatNameAMember(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			memberPair(t, st, now)
			p := &editingPoster{}
			s := digestScheduler(t, st, p)
			if n, err := s.Tick(ctx, now); err != nil || n != 1 {
				t.Fatalf("Tick = %d, %v; want the digest posted", n, err)
			}
			if _, err := bot.ExpireOld(ctx, st, "T1", now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			held, err := bot.PersonHeld(ctx, st.(bot.PrivacyStore), "T1", "XDANA")
			if err != nil {
				t.Fatal(err)
			}
			if held.Messages+held.Logged != 0 || held.Digests != 1 || held.Nothing() {
				t.Fatalf("PersonHeld = %+v; want no message and the one posted digest naming them", held)
			}
			if got := held.String(); !strings.Contains(got, "named in 1 posted digest") {
				t.Errorf("Held says %q, not the posted digest", got)
			}
			b := &bot.Bot{Store: st, Now: func() time.Time { return now.Add(90 * 24 * time.Hour) }}
			staff := feedbackbot.Command{Platform: feedbackbot.PlatformDiscord, Workspace: "T1", User: "USTAFF", Staff: true, Text: "forget XDANA"}
			ask, err := b.HandleCommand(ctx, staff)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(ask.Fallback, "Nothing by XDANA is stored here") || !strings.Contains(ask.Fallback, "1 posted digest") {
				t.Errorf("the preview does not name the posted digest:\n%s", ask.Fallback)
			}
			confirm := staff
			confirm.Button, confirm.Text = true, "forget.confirm XDANA"
			done, err := b.HandleCommand(ctx, confirm)
			if err != nil {
				t.Fatal(err)
			}
			noDigestHolds(t, st, "Dana Privatename")
			if strings.Contains(done.Fallback, "nothing was erased") || !strings.Contains(done.Fallback, "Taken out of 1 posted digest;") {
				t.Errorf("the confirmation does not say what it changed:\n%s", done.Fallback)
			}
			if held, err := bot.PersonHeld(ctx, st.(bot.PrivacyStore), "T1", "XDANA"); err != nil || !held.Nothing() {
				t.Errorf("after forget PersonHeld = %+v, %v; want nothing", held, err)
			}
		})
	}
}
