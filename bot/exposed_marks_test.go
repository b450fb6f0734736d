package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// olderVersion is the store as a replica of a version before the posted-in
// marks sees it: it never writes a mark (its PutDoc of one is dropped), and
// writes everything else as before.
type olderVersion struct{ store.Store }

func (o olderVersion) PutDoc(ctx context.Context, ws, kind, id string, data []byte) error {
	if kind == "posted-in" {
		return nil
	}
	return o.Store.PutDoc(ctx, ws, kind, id, data)
}

// TestPostsRecordedAfterTheMarksAreCompleteAreFoundWhenTheirChannelChanges:
// during a rolling upgrade (or after a rollback and a new upgrade) a replica of
// the version before the posted-in marks posts and records digests and alerts
// without a mark, after a new replica's first channel event has made the marks
// complete. Their channels are later shared with customers, and the bot finds
// them: a post an older replica made and a new one adopted (its post call failed
// after the message went out) is marked as it is adopted, digest and alert
// alike; one the older replica recorded itself is found once the marks are an
// hour old, when the next event reads every record again. Until a review's find
// (2026-12-07) the marks were complete for good, and none of the three was found.
func TestPostsRecordedAfterTheMarksAreCompleteAreFoundWhenTheirChannelChanges(t *testing.T) {
	refused := func(context.Context) error { return feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "shared") }
	now := time.Date(2026, 11, 20, 9, 0, 30, 0, time.UTC)
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			type tc struct {
				name string
				post func(t *testing.T, st store.Store, channel string) // leaves one digest or alert recorded in channel
				want func(d, a int) bool
				// stale: found only once the marks are older than an hour
				stale bool
			}
			cases := []tc{
				{"a digest an older replica posted and recorded", func(t *testing.T, st store.Store, channel string) {
					quotedPair(t, st, now)
					p := &editingPoster{}
					s := digestScheduler(t, olderVersion{st}, p)
					s.Jobs[0].Channel = channel
					if n, err := s.Tick(context.Background(), now); err != nil || n != 1 {
						t.Fatalf("older replica's Tick = %d, %v; want the digest posted", n, err)
					}
				}, func(d, _ int) bool { return d == 1 }, true},
				{"a digest an older replica posted and a new one adopted", func(t *testing.T, st store.Store, channel string) {
					quotedPair(t, st, now)
					ch := newMarkedChannel()
					j := job(t, "0 9 * * *", "UTC")
					j.Channel = channel
					old := &bot.Scheduler{Store: olderVersion{st}, Posters: map[feedbackbot.Platform]bot.Poster{"test": &failsAfterLanding{markedChannel: ch}}, Jobs: []bot.Job{j}, Holder: "old", Settle: -1}
					if _, err := old.Tick(context.Background(), now); err == nil {
						t.Fatal("the older replica's post call was to fail after its message went out")
					}
					// (the older replica is stopped: its scheduler lease is let go)
					if err := st.ReleaseLease(context.Background(), "scheduler", "old"); err != nil {
						t.Fatal(err)
					}
					cur := &bot.Scheduler{Store: st, Posters: map[feedbackbot.Platform]bot.Poster{"test": ch}, Jobs: []bot.Job{j}, Holder: "new", Settle: -1}
					if n, err := cur.Tick(context.Background(), now.Add(30*time.Second)); err != nil || n != 0 {
						t.Fatalf("new replica's Tick = %d, %v; want the older replica's message adopted, not posted again", n, err)
					}
					run := fmt.Sprintf("%s:%d", j.Name, now.Truncate(time.Hour).Unix())
					raw, err := st.GetDoc(context.Background(), "T1", "digest-posted", run)
					var rec feedbackbot.PostRef
					if err != nil || json.Unmarshal(raw, &rec) != nil || rec.Destination != channel {
						t.Fatalf("the adopted post's record: %s, %v; want one in %s", raw, err, channel)
					}
				}, func(d, _ int) bool { return d == 1 }, false},
				{"an alert an older replica posted and a new one adopted", func(t *testing.T, st store.Store, channel string) {
					t0, hs, _ := acct1AtRisk()
					ch := newMarkedChannel()
					old := &bot.Alerter{Store: olderVersion{st}, Poster: &failsAfterLanding{markedChannel: ch}, Channel: channel, RepeatInterval: 24 * time.Hour}
					if _, err := old.Evaluate(context.Background(), "T1", hs, t0); err == nil {
						t.Fatal("the older replica's post call was to fail after its message went out")
					}
					cur := &bot.Alerter{Store: st, Poster: ch, Channel: channel, RepeatInterval: 24 * time.Hour}
					if out, err := cur.Evaluate(context.Background(), "T1", hs, t0.Add(time.Minute)); err != nil || out.Raised != 1 {
						t.Fatalf("new replica's pass: %+v, %v; want the older replica's message adopted as the alert's", out, err)
					}
					if posted, _ := ch.counts(); posted != 1 {
						t.Fatalf("%d messages posted, want 1 (adopted, not posted again)", posted)
					}
				}, func(_, a int) bool { return a == 1 }, false},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					ctx := context.Background()
					st := open(t)
					b := &bot.Bot{Store: st}
					// A new replica hears of a channel change first (any Slack
					// member_joined_channel): the marks are built, and complete.
					if _, _, err := b.ChannelChanged(ctx, "test", "T1", "CELSEWHERE", refused); err != nil {
						t.Fatal(err)
					}
					c.post(t, st, "CNEW")
					if c.stale {
						// (an older replica's own record carries no mark: the
						// marks are read again from the records once they are
						// an hour old)
						bot.MovePostedInClock(t, time.Hour)
					}
					// CNEW is shared with a customer.
					d, a, err := b.ChannelChanged(ctx, "test", "T1", "CNEW", refused)
					if err != nil {
						t.Fatal(err)
					}
					if !c.want(d, a) {
						t.Errorf("the channel holding it was shared: %d digests and %d alerts marked for retraction; the post stays readable", d, a)
					}
				})
			}
		})
	}
}
