package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
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
