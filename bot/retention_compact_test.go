package bot_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
)

// TestRetentionPassLeavesNoExpiredTextInTheFile: the daily retention pass of
// feedbackbot run deleted expired messages from the embedded store, but their
// bytes stayed in the file's free pages until reused (only forget and expire
// rewrote it). The pass now rewrites the file when it deleted something, and says
// so; a pass that deleted nothing leaves the file alone.
func TestRetentionPassLeavesNoExpiredTextInTheFile(t *testing.T) {
	ctx := t.Context()
	st, err := boltstore.Open(ctx, t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	const expired = "our card 4111-2222-3333-4444 was charged twice"
	var msgs []feedbackbot.Message
	for i := range 30 {
		at := now.Add(-time.Duration(i) * 24 * time.Hour)
		m := feedbackbot.Message{ID: fmt.Sprintf("C1:%d.000100", at.Unix()), Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
			Author: "XLEE", Role: feedbackbot.RoleCustomer, Account: "acme", Text: fmt.Sprintf("recent message %d", i), Time: at}
		if i >= 20 {
			m.Text = fmt.Sprintf("%s (%d)", expired, i)
		}
		msgs = append(msgs, m)
	}
	captured(t, st, msgs...)
	var logs bytes.Buffer
	r := &bot.Retention{Store: st, MaxAge: 20*24*time.Hour - time.Hour, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	got, ran, err := r.RunOnce(ctx, now)
	if err != nil || !ran || got.Messages != 10 {
		t.Fatalf("RunOnce = %+v, ran %v, %v; want 10 messages expired", got, ran, err)
	}
	raw, err := os.ReadFile(st.Path())
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(raw, []byte("4111-2222-3333-4444")); n > 0 {
		t.Errorf("after the retention pass the store file still holds the expired text %d times", n)
	}
	if !strings.Contains(logs.String(), "rewrote the store file") {
		t.Errorf("the pass does not say it rewrote the file:\n%s", logs.String())
	}
	if m, err := st.Message(ctx, msgs[3].Key()); err != nil || m.Message.Text != msgs[3].Text {
		t.Errorf("a message kept, after the rewrite: %q, %v", m.Message.Text, err)
	}
	// The next day's pass deletes nothing, and rewrites nothing.
	logs.Reset()
	if got, ran, err := r.RunOnce(ctx, now.Add(24*time.Hour-2*time.Hour)); err != nil || got != (bot.Expired{}) {
		t.Fatalf("next pass: %+v, ran %v, %v; want nothing expired", got, ran, err)
	}
	if strings.Contains(logs.String(), "rewrote") {
		t.Errorf("a pass that deleted nothing rewrote the file:\n%s", logs.String())
	}
}
