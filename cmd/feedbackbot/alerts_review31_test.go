package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/config"
	"github.com/feedbackbot/feedbackbot/store"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// handingPoster31 records alert posts; at its first post it runs hook (the
// alerts lease passing to another replica while the post is slow).
type handingPoster31 struct {
	mu    sync.Mutex
	posts []string
	hook  func()
}

func (p *handingPoster31) Post(_ context.Context, channel string, doc feedbackbot.Document) (feedbackbot.PostRef, error) {
	p.mu.Lock()
	hook := p.hook
	p.hook = nil
	p.mu.Unlock()
	if hook != nil {
		hook()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.posts = append(p.posts, doc.Fallback)
	return feedbackbot.PostRef{Platform: "test", Destination: channel, ID: fmt.Sprint(len(p.posts))}, nil
}

func (p *handingPoster31) Update(context.Context, feedbackbot.PostRef, feedbackbot.Document) error {
	return nil
}

func (p *handingPoster31) Delete(context.Context, feedbackbot.PostRef) error { return nil }

func (p *handingPoster31) sent() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.posts...)
}

// leaving31 stores, for each workspace's accounts, two messages of a customer
// saying they are leaving (tagged as analysis would: churn signals), so that
// Risk puts each account at risk.
func leaving31(t *testing.T, st store.Store, now time.Time, accounts map[string][]string) {
	t.Helper()
	var evs []feedbackbot.Event
	for ws, accts := range accounts {
		for _, acct := range accts {
			for i, text := range []string{"we are evaluating other vendors", "please send a full export of our data, we are cancelling"} {
				at := now.Add(-time.Duration(3-i) * time.Hour)
				m := feedbackbot.Message{ID: fmt.Sprintf("C%s:%d.%06d", acct, at.Unix(), i), Platform: feedbackbot.PlatformSlack, Workspace: ws,
					Channel: "C" + acct, Author: "U" + acct, AuthorName: acct, Role: feedbackbot.RoleCustomer, Account: acct, AccountName: acct, Text: text, Time: at}
				if err := m.Normalize(); err != nil {
					t.Fatal(err)
				}
				evs = append(evs, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
			}
		}
	}
	storetest.AppendApplyEach(t.Context(), t, st, evs, func(store.Entry) feedbackbot.Tags {
		return feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: -0.4, Label: feedbackbot.LabelFor(-0.4)},
			Intent: feedbackbot.IntentChurnSignal, Themes: []string{"cancellation"}, Analyzer: "test"}
	})
}

// TestAlertPassEndsWhenTheLeaseIsLost: an alert pass (one tick of runAlerts) over
// two workspaces, three accounts at risk. Kept, the lease sees every alert raised.
// Lost during the first post (it ran out while the post was slow, and another
// replica took it), the pass ends there: the alerter finds it lost before its
// next post, run before the next workspace, and nothing more is posted (both
// replicas raised the same alerts, a review found). The next pass, once the
// lease is back, raises the rest, each once.
func TestAlertPassEndsWhenTheLeaseIsLost(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lose  bool
		first int // posts by the first pass
	}{
		{"lease kept", false, 3},
		{"lease lost during the first post", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			st, err := boltstore.Open(ctx, t.TempDir(), boltstore.Options{ClaimIdle: storetest.ClaimIdle})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			leaving31(t, st, time.Now().UTC(), map[string][]string{"T1": {"acme", "bolt"}, "T2": {"cobalt"}})
			const holder = "replica-a"
			p := &handingPoster31{}
			if tc.lose {
				p.hook = func() {
					if err := st.ReleaseLease(ctx, bot.AlertsLease, holder); err != nil {
						t.Error(err)
					}
					if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-b", bot.AlertsLeaseTTL); err != nil || !ok {
						t.Errorf("replica b could not take the lease: %v %v", ok, err)
					}
				}
			}
			cfg := config.Default()
			al := newAlerter(st, p, "CALERTS", cfg, nil)
			log := slog.New(slog.DiscardHandler)
			alertPass(ctx, st, al, cfg, log, holder)
			if got := p.sent(); len(got) != tc.first {
				t.Fatalf("the pass posted %d alerts, want %d: %q", len(got), tc.first, got)
			}
			if tc.lose {
				if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-b", bot.AlertsLeaseTTL); err != nil || !ok {
					t.Fatalf("the lease is not replica b's any more: %v %v", ok, err)
				}
				if err := st.ReleaseLease(ctx, bot.AlertsLease, "replica-b"); err != nil {
					t.Fatal(err)
				}
			}
			alertPass(ctx, st, al, cfg, log, holder)
			got := p.sent()
			seen := map[string]int{}
			for _, title := range got {
				seen[title]++
			}
			if len(got) != 3 || len(seen) != 3 {
				t.Errorf("after the next pass: %q; want each of the three alerts posted once", got)
			}
		})
	}
}
