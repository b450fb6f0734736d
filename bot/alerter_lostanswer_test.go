package bot_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// lostAlertSave writes an alert, then answers with an error (once armed): a
// save whose answer was lost to a connection reset.
type lostAlertSave struct {
	store.Store
	armed atomic.Bool
}

func (s *lostAlertSave) PutDoc(ctx context.Context, ws, kind, id string, data []byte) error {
	err := s.Store.PutDoc(ctx, ws, kind, id, data)
	if kind == bot.DocAlert && err == nil && s.armed.Swap(false) {
		return errors.New("connection reset by peer (the write landed, its answer did not)")
	}
	return err
}

// TestAlertSaveWhoseAnswerWasLostIsNotACopy: replica A raises an alert, posts
// it, and its save is written but answered with an error, so A keeps the alert
// as unsaved. Replica B then closes the alert (its NotifiedAt moves on). When A
// saves its unsaved alerts, the stored alert names A's message already: the
// save had landed, and the message is the alert's. A took it for a copy of
// another replica's (told about since A read it) and deleted it, leaving the
// stored alert naming a message gone from the channel (a review's find).
func TestAlertSaveWhoseAnswerWasLostIsNotACopy(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			st := open(t)
			ch := &alertChannel{channelLog: &channelLog{}}
			sa := &lostAlertSave{Store: st}
			sa.armed.Store(true)
			a := &bot.Alerter{Store: sa, Poster: ch, Channel: "C", RepeatInterval: 24 * time.Hour}
			b := &bot.Alerter{Store: st, Poster: ch, Channel: "C", RepeatInterval: 24 * time.Hour}
			risky := atRisk("acme", 30, health.ReasonSentimentLow, "slack/T1/C1/1")
			if _, err := a.Evaluate(ctx, "T1", []feedbackbot.Health{risky}, t0); err == nil {
				t.Fatal("A's save must report its lost answer")
			}
			docs, err := st.ListDocs(ctx, "T1", bot.DocAlert)
			if err != nil || len(docs) != 1 {
				t.Fatalf("stored alerts %d (%v), want the one A's save wrote", len(docs), err)
			}
			var fp string
			for id := range docs {
				fp = id
			}
			recovered := feedbackbot.Health{Account: feedbackbot.Account{ID: "acme", Name: "acme"}, Score: 90, RecentMessages: 3, LastCustomerAt: t0.Add(5 * time.Minute)}
			if out, err := b.Evaluate(ctx, "T1", []feedbackbot.Health{recovered}, t0.Add(20*time.Minute)); err != nil || out.Resolved != 1 {
				t.Fatalf("B's pass: %+v, %v; want the alert closed", out, err)
			}
			if left, err := a.SaveUnsaved(ctx); left != 0 || err != nil {
				t.Fatalf("SaveUnsaved: %d left, %v", left, err)
			}
			got := readAlert(t, st, fp)
			if len(got.Posts) != 1 {
				t.Fatalf("the stored alert names %d messages, want A's one", len(got.Posts))
			}
			ch.mu.Lock()
			defer ch.mu.Unlock()
			if !ch.shown[got.Posts[0].ID] {
				t.Errorf("the alert's own message %s was deleted as a copy; the stored alert still names it", got.Posts[0].ID)
			}
		})
	}
}
