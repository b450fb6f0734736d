package bot_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
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

// chatPoster is a chat platform whose channels may refuse analysis (refused:
// every edit and check there answers EUNAUTHORIZED), whose messages may be gone
// (ENOTFOUND), and whose channels may fail once (flaky: EUNAVAILABLE); it counts
// the deletions asked for and made.
type chatPoster struct {
	mu       sync.Mutex
	refused  map[string]bool
	flaky    map[string]bool
	gone     map[feedbackbot.PostRef]bool
	deletes  []feedbackbot.PostRef
	attempts int
	// afterDelete, when set, runs after each deletion made
	afterDelete func()
}

func (p *chatPoster) Post(context.Context, string, feedbackbot.Document) (feedbackbot.PostRef, error) {
	return feedbackbot.PostRef{}, feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "not here")
}

func (p *chatPoster) CheckDestination(_ context.Context, channel string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refused[channel] {
		return feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "channel shared with another organisation")
	}
	return nil
}

func (p *chatPoster) Update(_ context.Context, ref feedbackbot.PostRef, _ feedbackbot.Document) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.refused[ref.Destination]:
		return feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "channel shared with another organisation")
	case p.gone[ref]:
		return feedbackbot.Errorf(feedbackbot.ENOTFOUND, "message_not_found")
	case p.flaky[ref.Destination]:
		delete(p.flaky, ref.Destination)
		return feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "slack is down")
	}
	return nil
}

func (p *chatPoster) Delete(_ context.Context, ref feedbackbot.PostRef) error {
	p.mu.Lock()
	p.attempts++
	if p.gone[ref] {
		p.mu.Unlock()
		return feedbackbot.Errorf(feedbackbot.ENOTFOUND, "message_not_found")
	}
	p.gone[ref] = true
	p.deletes = append(p.deletes, ref)
	after := p.afterDelete
	p.mu.Unlock()
	if after != nil {
		after()
	}
	return nil
}

// TestGonePostsStayGone: a post deleted from a channel that may not hold it is
// recorded as gone however it went, so later channel events neither check the
// channel for it nor delete it again (reviews' finds): one deleted already (by
// hand, by another replica: ENOTFOUND); an alert's, while another message of the
// alert failed to edit in the same pass; an alert's, while another replica's pass
// told the channel about the alert (keepStored); and a digest whose record holds
// its reference alone (before 2026-12-06), deleted from a channel that refuses it.
func TestGonePostsStayGone(t *testing.T) {
	refused := func(context.Context) error { return feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "shared") }
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	shared := feedbackbot.PostRef{Platform: "test", Destination: "CSHARED", ID: "m1"}
	internal := feedbackbot.PostRef{Platform: "test", Destination: "CINTERNAL", ID: "m2"}
	storedAlert := func(t *testing.T, st store.Store, redacted bool) feedbackbot.Alert {
		t.Helper()
		al := feedbackbot.Alert{Fingerprint: "fp1", Workspace: "T1", Account: feedbackbot.Account{ID: "acme", Name: "Acme"},
			Status: feedbackbot.AlertResolved, Severity: feedbackbot.SeverityCritical, Score: 10,
			RaisedAt: now.Add(-48 * time.Hour), ResolvedAt: now.Add(-24 * time.Hour), NotifiedAt: now.Add(-24 * time.Hour),
			Posts: []feedbackbot.PostRef{internal}, Earlier: []feedbackbot.PostRef{shared}, Redacted: redacted}
		raw, _ := json.Marshal(al)
		if err := st.PutDoc(context.Background(), "T1", bot.DocAlert, "fp1", raw); err != nil {
			t.Fatal(err)
		}
		return al
	}
	sharedLeftOut := func(t *testing.T, st store.Store) {
		t.Helper()
		b := &bot.Bot{Store: st.(bot.CommandStore)}
		if chans, err := b.PostedChannels(context.Background(), "test", "T1"); err != nil || slices.Contains(chans, "CSHARED") {
			t.Errorf("PostedChannels = %v, %v; want CSHARED left out (its message is gone)", chans, err)
		}
		checked := false
		if d, n, err := b.ChannelChanged(context.Background(), "test", "T1", "CSHARED", func(ctx context.Context) error { checked = true; return refused(ctx) }); err != nil || d+n != 0 || checked {
			t.Errorf("a partner joining again: ChannelChanged marked %d digests and %d alerts (checked %v, %v); want none, unchecked", d, n, checked, err)
		}
	}
	for name, open := range backends(t) {
		t.Run(name+"/a digest deleted already", func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			_, s, now := postQuotedPair(t, st)
			posted, err := st.ListDocs(ctx, "T1", "digest-posted")
			if err != nil || len(posted) != 1 {
				t.Fatalf("records %v %v", posted, err)
			}
			var ref feedbackbot.PostRef
			for _, raw := range posted {
				_ = json.Unmarshal(raw, &ref)
			}
			p := &chatPoster{refused: map[string]bool{ref.Destination: true}, gone: map[feedbackbot.PostRef]bool{ref: true}}
			s.Posters = map[feedbackbot.Platform]bot.Poster{"test": p}
			b := &bot.Bot{Store: st.(bot.CommandStore)}
			for i := range 3 { // three partners join, one by one
				checked := false
				d, _, err := b.ChannelChanged(ctx, "test", "T1", ref.Destination, func(ctx context.Context) error { checked = true; return refused(ctx) })
				if err != nil {
					t.Fatal(err)
				}
				if i > 0 && (d != 0 || checked) {
					t.Errorf("event %d: the digest gone already was checked (%v) and marked (%d) again", i, checked, d)
				}
				if _, err := s.Tick(ctx, now.Add(time.Duration(i+1)*time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			if p.attempts != 1 {
				t.Errorf("%d deletions tried, want 1", p.attempts)
			}
		})
		t.Run(name+"/an alert's, beside a failed edit", func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			storedAlert(t, st, false)
			p := &chatPoster{refused: map[string]bool{"CSHARED": true}, flaky: map[string]bool{"CINTERNAL": true}, gone: map[feedbackbot.PostRef]bool{}}
			if _, n, err := (&bot.Bot{Store: st.(bot.CommandStore)}).ChannelChanged(ctx, "test", "T1", "CSHARED", refused); err != nil || n != 1 {
				t.Fatalf("ChannelChanged = %d, %v", n, err)
			}
			a := &bot.Alerter{Store: st, Poster: p, Channel: "CINTERNAL", RepeatInterval: 24 * time.Hour}
			for i := range 2 { // the first pass's edit of the internal message fails
				if _, err := a.Evaluate(ctx, "T1", nil, now.Add(time.Duration(i)*time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			if len(p.deletes) != 1 {
				t.Fatalf("deleted %v, want the shared channel's message", p.deletes)
			}
			sharedLeftOut(t, st)
		})
		t.Run(name+"/an alert's, as another replica tells the channel", func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			al := storedAlert(t, st, true)
			p := &chatPoster{refused: map[string]bool{"CSHARED": true}, gone: map[feedbackbot.PostRef]bool{}}
			p.afterDelete = func() { // another replica's pass raises the alert again meanwhile
				other := al
				other.Status, other.RaisedAt, other.NotifiedAt = feedbackbot.AlertOpen, now, now
				other.Earlier = []feedbackbot.PostRef{shared, internal}
				other.Posts = []feedbackbot.PostRef{{Platform: "test", Destination: "CINTERNAL", ID: "m3"}}
				other.Redacted = false
				raw, _ := json.Marshal(other)
				if err := st.PutDoc(ctx, "T1", bot.DocAlert, "fp1", raw); err != nil {
					t.Error(err)
				}
			}
			a := &bot.Alerter{Store: st, Poster: p, Channel: "CINTERNAL", RepeatInterval: 24 * time.Hour}
			if _, err := a.Evaluate(ctx, "T1", nil, now); err != nil {
				t.Fatal(err)
			}
			if len(p.deletes) != 1 {
				t.Fatalf("deleted %v", p.deletes)
			}
			sharedLeftOut(t, st)
		})
		t.Run(name+"/a digest recorded by its reference alone", func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			_, s, now := postQuotedPair(t, st)
			legacy := feedbackbot.PostRef{Platform: "test", Destination: "CINTERNAL", ID: "m-old"}
			raw, _ := json.Marshal(legacy)
			if err := st.PutDoc(ctx, "T1", "digest-posted", "old-run", raw); err != nil {
				t.Fatal(err)
			}
			if r, err := bot.ChannelChanged(ctx, st, "test", "T1", "CINTERNAL", refused); err != nil || r.Digests != 2 {
				t.Fatalf("ChannelChanged = %+v, %v; want both digests marked", r, err)
			}
			p := &chatPoster{refused: map[string]bool{"CINTERNAL": true}, gone: map[feedbackbot.PostRef]bool{}}
			s.Posters = map[feedbackbot.Platform]bot.Poster{"test": p}
			if _, err := s.Tick(ctx, now.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(p.deletes, legacy) || len(p.deletes) != 2 {
				t.Errorf("deleted %v; want both digests, the one recorded by its reference %v too", p.deletes, legacy)
			}
		})
	}
}

// TestThemesCommandComparesAsTheDigestDoes: /feedback themes lists the period's
// themes as the digest does: none "(new)" after a period that held no customer
// message (it said so of every theme), saying it is not compared; and a theme
// only the period before had is not listed ("0 (▼ 100%)").
func TestThemesCommandComparesAsTheDigestDoes(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	msg := func(id string, at time.Time, text string) feedbackbot.Message {
		return feedbackbot.Message{ID: "C1:" + id, Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1", Author: "U1",
			Role: feedbackbot.RoleCustomer, Account: "acme", Text: text, Time: at}
	}
	ask := func(t *testing.T, st store.Store) string {
		t.Helper()
		b := &bot.Bot{Store: st.(bot.CommandStore), Now: func() time.Time { return now }}
		doc, err := b.HandleCommand(context.Background(), feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USTAFF", Staff: true, Text: "themes 7d"})
		if err != nil {
			t.Fatal(err)
		}
		return docJSON(t, doc)
	}
	for name, open := range backends(t) {
		t.Run(name+"/after a quiet week", func(t *testing.T) {
			st := open(t)
			captured(t, st, msg("1.000100", now.Add(-2*24*time.Hour), "we were charged twice on the invoice"))
			got := ask(t, st)
			if strings.Contains(got, "(new)") || !strings.Contains(got, "Not compared: the 7 days before held no customer message") {
				t.Errorf("themes after a quiet week:\n%s", got)
			}
		})
		t.Run(name+"/a theme gone since", func(t *testing.T) {
			st := open(t)
			captured(t, st, msg("1.000100", now.Add(-9*24*time.Hour), "the login page rejects our SSO"),
				msg("2.000100", now.Add(-2*24*time.Hour), "we were charged twice on the invoice"))
			got := ask(t, st)
			if strings.Contains(got, "100%") || strings.Contains(got, "access") || !strings.Contains(got, "billing") {
				t.Errorf("themes with one gone since the week before:\n%s", got)
			}
		})
	}
}

// failingWorkspaceDocs is the test's store, but ListDocs of one workspace fails (a
// timeout).
type failingWorkspaceDocs struct {
	store.Store
	failWS string
}

func (s *failingWorkspaceDocs) ListDocs(ctx context.Context, workspace, kind string) (map[string][]byte, error) {
	if workspace == s.failWS {
		return nil, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "store timeout for %s", workspace)
	}
	return s.Store.ListDocs(ctx, workspace, kind)
}

// TestOneWorkspacesErrorLeavesTheOthersChecked: the posts of every workspace are
// looked for when a channel changes, and one workspace's store error neither
// stops the others from being marked nor hides the channels found (a review's
// find); it is returned with them.
func TestOneWorkspacesErrorLeavesTheOthersChecked(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			base := open(t)
			for _, ws := range []string{"G1", "T2", "T3"} { // (workspaces the store holds)
				m := feedbackbot.Message{ID: "C1:1.000100", Platform: feedbackbot.PlatformSlack, Workspace: ws, Channel: "C1", Author: "U1",
					Role: feedbackbot.RoleCustomer, Text: "hello", Time: now.Add(-time.Hour)}
				if _, err := base.Append(ctx, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m}); err != nil {
					t.Fatal(err)
				}
			}
			p := &editingPoster{}
			al := &bot.Alerter{Store: base, Poster: p, Channel: "CINTERNAL", RepeatInterval: 24 * time.Hour}
			atRisk := []feedbackbot.Health{{Account: feedbackbot.Account{ID: "acme", Name: "Acme"}, Score: 10, AtRisk: true,
				Reasons: []feedbackbot.Reason{{Code: "churn_signal", Text: "1 churn signal", Impact: -40}}}}
			if out, err := al.Evaluate(ctx, "T3", atRisk, now); err != nil || out.Raised != 1 {
				t.Fatalf("alert: %+v %v", out, err)
			}
			st := &failingWorkspaceDocs{Store: base, failWS: "T2"}
			b := &bot.Bot{Store: st}
			_, alerts, err := b.ChannelChanged(ctx, "test", "G1", "CINTERNAL", func(context.Context) error {
				return feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "the channel is open now")
			})
			if alerts != 1 || err == nil {
				t.Errorf("ChannelChanged = %d alerts marked, %v; want T3's marked and T2's error", alerts, err)
			}
			chans, err := b.PostedChannels(ctx, "test", "G1")
			if !slices.Contains(chans, "CINTERNAL") || err == nil {
				t.Errorf("PostedChannels = %v, %v; want CINTERNAL and T2's error", chans, err)
			}
		})
	}
}

// listCounter is a store that counts its ListDocs calls by kind.
type listCounter struct {
	store.Store
	mu    sync.Mutex
	lists map[string]int
}

func (c *listCounter) ListDocs(ctx context.Context, workspace, kind string) (map[string][]byte, error) {
	c.mu.Lock()
	c.lists[kind]++
	c.mu.Unlock()
	return c.Store.ListDocs(ctx, workspace, kind)
}

func (c *listCounter) reads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.lists {
		n += v
	}
	return n
}

// TestChannelChangedReadsOnlyChannelsPostedIn: a channel event (every Slack
// member_joined_channel in any channel the bot is in) reads a channel's mark, not
// every posted digest and alert of every workspace. Records from before the marks
// (written here as documents, no mark) are found all the same: the first event
// marks their channels from them, once. A digest and an alert posted afterwards in
// a new channel mark it before they are posted, and are found there.
func TestChannelChangedReadsOnlyChannelsPostedIn(t *testing.T) {
	refused := func(context.Context) error { return feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "shared") }
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := &listCounter{Store: open(t), lists: map[string]int{}}
			// Before the marks: a posted digest's record and an alert's, each in a
			// channel of its own.
			rec, _ := json.Marshal(map[string]any{"platform": "test", "destination": "COLDDIGEST", "id": "m1"})
			al, _ := json.Marshal(feedbackbot.Alert{Fingerprint: "fp0", Workspace: "T1", Account: feedbackbot.Account{ID: "acme"}, Status: feedbackbot.AlertResolved,
				RaisedAt: now.Add(-2 * time.Hour), ResolvedAt: now.Add(-time.Hour), Posts: []feedbackbot.PostRef{{Platform: "test", Destination: "COLDALERT", ID: "m2"}}})
			if err := st.PutDoc(ctx, "T1", "digest-posted", "daily:old", rec); err != nil {
				t.Fatal(err)
			}
			if err := st.PutDoc(ctx, "T1", bot.DocAlert, "fp0", al); err != nil {
				t.Fatal(err)
			}
			b := &bot.Bot{Store: st}
			changed := func(channel string) (int, int) {
				t.Helper()
				d, a, err := b.ChannelChanged(ctx, "test", "T1", channel, refused)
				if err != nil {
					t.Fatal(err)
				}
				return d, a
			}
			if d, a := changed("CELSEWHERE"); d+a != 0 {
				t.Fatalf("a channel without posts: %d digests and %d alerts marked", d, a)
			}
			if n := st.reads(); n != 2 {
				t.Errorf("the first event read %d lists, want 2 (every record once, to mark their channels)", n)
			}
			before := st.reads()
			for range 3 {
				if d, a := changed("CELSEWHERE"); d+a != 0 {
					t.Fatalf("again: %d digests and %d alerts marked", d, a)
				}
			}
			if n := st.reads() - before; n != 0 {
				t.Errorf("three events in a channel without posts read %d lists, want none", n)
			}
			if d, _ := changed("COLDDIGEST"); d != 1 {
				t.Errorf("the digest posted before the marks: %d marked, want 1", d)
			}
			if _, a := changed("COLDALERT"); a != 1 {
				t.Errorf("the alert posted before the marks: %d marked, want 1", a)
			}
			// Posted now, in a new channel: found there.
			quotedPair(t, st, now)
			p := &editingPoster{}
			s := digestScheduler(t, st, p)
			s.Jobs[0].Channel = "CNEW"
			if n, err := s.Tick(ctx, now); err != nil || n != 1 {
				t.Fatalf("Tick = %d, %v; want the digest posted", n, err)
			}
			alerter := &bot.Alerter{Store: st, Poster: p, Channel: "CNEWALERTS", RepeatInterval: 24 * time.Hour}
			atRisk := []feedbackbot.Health{{Account: feedbackbot.Account{ID: "globex", Name: "Globex"}, Score: 10, AtRisk: true,
				Reasons: []feedbackbot.Reason{{Code: "churn_signal", Text: "1 churn signal", Impact: -40}}}}
			if out, err := alerter.Evaluate(ctx, "T1", atRisk, now); err != nil || out.Raised != 1 {
				t.Fatalf("alert: %+v %v", out, err)
			}
			if d, _ := changed("CNEW"); d != 1 {
				t.Errorf("the digest posted in CNEW: %d marked, want 1", d)
			}
			if _, a := changed("CNEWALERTS"); a != 1 {
				t.Errorf("the alert posted in CNEWALERTS: %d marked, want 1", a)
			}
		})
	}
}
