package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// TestChatForgetCompactsInRun: in run the bot's store is captureStore, whose
// embedded interface hid the embedded store's Compact, so /feedback forget never
// rewrote the file there (a review's find; the bot's own test handed it the bolt
// store directly).
func TestChatForgetCompactsInRun(t *testing.T) {
	ctx := context.Background()
	st, err := boltstore.Open(ctx, t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cst := &captureStore{Store: st, capture: &bot.Capture{Log: st}}
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	b := &bot.Bot{Store: cst, Now: func() time.Time { return now }}
	doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USTAFF", Staff: true, Button: true, Text: "forget.confirm XDANA"})
	if err != nil || !strings.Contains(doc.Fallback, "rewritten") {
		t.Errorf("forget in run: %v %q; want the file rewritten", err, doc.Fallback)
	}
	// On Redis there is no file: the forget succeeds and says nothing of one (nor,
	// XDANA having written nothing here, that anyone was erased).
	client, prefix := redistest.Client(t)
	rst := redisstore.New(client, redisstore.Options{Prefix: prefix})
	rb := &bot.Bot{Store: &captureStore{Store: rst, capture: &bot.Capture{Log: rst}}, Now: func() time.Time { return now }}
	doc, err = rb.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USTAFF", Staff: true, Button: true, Text: "forget.confirm XDANA"})
	if err != nil || !strings.Contains(doc.Fallback, "Nothing held for XDANA") || strings.Contains(doc.Fallback, "rewritten") {
		t.Errorf("forget in run on Redis: %v %q", err, doc.Fallback)
	}
}

// accountReadsCounted is a Redis store that counts its reads of several accounts
// at once.
type accountReadsCounted struct {
	*redisstore.Store
	msgs, days atomic.Int64
}

func (c *accountReadsCounted) AccountsMessages(ctx context.Context, ws string, accounts []string, from, to time.Time) (map[string][]store.Stored, bool, error) {
	c.msgs.Add(1)
	return c.Store.AccountsMessages(ctx, ws, accounts, from, to)
}

func (c *accountReadsCounted) AccountsDays(ctx context.Context, ws string, accounts []string, from, to time.Time, counters ...string) (map[string][]feedbackbot.Rollup, error) {
	c.days.Add(1)
	return c.Store.AccountsDays(ctx, ws, accounts, from, to, counters...)
}

// TestRunReadsAccountsAtOnce: /feedback risk, account and digests in run read
// through captureStore, whose embedded interface hid the store's reads of
// several accounts at once (and the embedded store's day counts), so run's
// commands read account by account where scheduled digests did not (a review's
// find); Unwrap hands them to the bot.
func TestRunReadsAccountsAtOnce(t *testing.T) {
	ctx := context.Background()
	client, prefix := redistest.Client(t)
	counted := &accountReadsCounted{Store: redisstore.New(client, redisstore.Options{Prefix: prefix})}
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var events []feedbackbot.Event
	for i := range 30 {
		at := now.Add(-time.Duration(i) * 37 * time.Hour)
		events = append(events, storetest.Put(storetest.Msg("T1", fmt.Sprintf("C%d-%d", i%3, i), "the export failed again", "", fmt.Sprintf("A%d", i%3), fmt.Sprintf("C%d", i%3), at)))
	}
	storetest.AppendApplyAll(ctx, t, counted, events, func(int) feedbackbot.Tags { return storetest.Tags(-0.5, "v1", "bug") })
	cst := &captureStore{Store: counted, capture: &bot.Capture{Log: counted}}
	hs, err := bot.Risk(ctx, cst, bot.RiskRequest{Workspace: "T1", Now: now})
	if err != nil || len(hs) != 3 {
		t.Fatalf("Risk = %d accounts, %v; want 3", len(hs), err)
	}
	if counted.msgs.Load() == 0 || counted.days.Load() == 0 {
		t.Errorf("Risk through captureStore read accounts' messages at once %d times and days %d times; want both", counted.msgs.Load(), counted.days.Load())
	}
}
