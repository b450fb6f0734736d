package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// TestSeriesDaysWhereMidnightIsSkipped: in Santiago the clocks go from 00:00 to
// 01:00 on 6 September 2026. A digest's daily series must still have one point per
// local day, each starting at that day's first instant.
func TestSeriesDaysWhereMidnightIsSkipped(t *testing.T) {
	scl, err := time.LoadLocation("America/Santiago")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	from := time.Date(2026, 9, 4, 0, 0, 0, 0, scl)
	to := time.Date(2026, 9, 9, 0, 0, 0, 0, scl)
	st := backends(t)["bolt"](t)
	d, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TS", From: from, To: to, Now: to, Location: scl})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range d.Series {
		got = append(got, p.Start.In(scl).Format("Jan 2 15:04 MST"))
	}
	want := []string{"Sep 4 00:00 -04", "Sep 5 00:00 -04", "Sep 6 01:00 -03", "Sep 7 00:00 -03", "Sep 8 00:00 -03"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("Santiago: series days %v, want %v", got, want)
	}

	// East of UTC (Cairo: 00:00 to 01:00 on 24 April 2026) every day after the change
	// started at 01:00.
	cai, err := time.LoadLocation("Africa/Cairo")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	from, to = time.Date(2026, 4, 23, 0, 0, 0, 0, cai), time.Date(2026, 4, 27, 0, 0, 0, 0, cai)
	d, err = bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TS", From: from, To: to, Now: to, Location: cai})
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, p := range d.Series {
		got = append(got, p.Start.In(cai).Format("Jan 2 15:04 MST"))
	}
	want = []string{"Apr 23 00:00 EET", "Apr 24 01:00 EEST", "Apr 25 00:00 EEST", "Apr 26 00:00 EEST"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("Cairo: series days %v, want %v", got, want)
	}
}

// TestDigestFooterNamesItsZone: the footer's times are in the zone it names, the
// team's, whose days the title counts (Tokyo here): it printed Tokyo's 09:00 as
// "(UTC)", and after that UTC under a title of the team's days.
func TestDigestFooterNamesItsZone(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	end := time.Date(2026, 11, 23, 9, 0, 0, 0, tokyo) // 00:00 UTC
	st := backends(t)["bolt"](t)
	d, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TZ", From: end.AddDate(0, 0, -7), To: end, Now: end, Location: tokyo})
	if err != nil {
		t.Fatal(err)
	}
	d.Messages, d.CustomerMessages = 1, 1 // past the "no messages" early return
	doc := bot.DigestDocument(d, nil)
	foot := doc.Blocks[len(doc.Blocks)-1].Text
	if !strings.Contains(foot, "from 2026-11-16 09:00 to 2026-11-23 09:00 (Asia/Tokyo)") {
		t.Errorf("footer %q: want the period in Tokyo's time, 2026-11-16 09:00 to 2026-11-23 09:00 (Asia/Tokyo)", foot)
	}
}

// TestDigestNotPostedAgainAfterItsRecordFailed: the digest is in the channel
// but its "posted" record failed to write; the per-run lease is kept so that no
// replica posts it again, yet the same replica's next tick renews its own lease and
// posts it a second time.
func TestDigestNotPostedAgainAfterItsRecordFailed(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := &failingDocs{Store: open(t), kind: "digest-posted"} // its first record write fails
			st.failNext.Store(1)
			p := &recordingPoster{}
			s := &bot.Scheduler{Store: st, Posters: map[feedbackbot.Platform]bot.Poster{"test": p}, Jobs: []bot.Job{job(t, "0 9 * * *", "UTC")}, Holder: "a"}
			now, _ := time.Parse(time.RFC3339, "2026-11-02T09:00:30Z")
			if _, err := s.Tick(context.Background(), now); err == nil {
				t.Fatal("the failed record must be reported")
			}
			for i := 1; i <= 3; i++ { // the next ticks, 30 s apart
				s.Tick(context.Background(), now.Add(time.Duration(i)*30*time.Second))
			}
			if p.count() != 1 {
				t.Errorf("the digest was posted %d times, want 1", p.count())
			}
		})
	}
}

// TestSurveyCooldownCoversBothKinds: the README promises an account is asked
// at most once in 30 days; asking NPS right after CSAT went through.
func TestSurveyCooldownCoversBothKinds(t *testing.T) {
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	b := &bot.Bot{Store: st, Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme"}}, Now: func() time.Time { return now }}
	ask := func(kind string) feedbackbot.Document {
		doc, err := b.HandleCommand(context.Background(), feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Text: "survey " + kind + " acme"})
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	ask("csat")
	now = now.Add(time.Hour)
	if doc := ask("nps"); !strings.Contains(doc.Fallback, "not asking again") {
		t.Errorf("acme was asked an NPS survey an hour after a CSAT one: %q", doc.Fallback)
	}
}

// TestQuietPeriodStillListsAtRisk: a digest of a period with no messages (a
// weekend, an account gone quiet) dropped its at-risk list: the document said only
// "No messages were captured".
func TestQuietPeriodStillListsAtRisk(t *testing.T) {
	st := backends(t)["bolt"](t)
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	atRisk := []feedbackbot.Health{{Account: feedbackbot.Account{ID: "gridline", Name: "Gridline Energy"}, Score: 12, AtRisk: true,
		Reasons: []feedbackbot.Reason{{Text: "Gone quiet: no messages for 12 days"}}}}
	d, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TQ", From: end.Add(-24 * time.Hour), To: end, Now: end, AtRisk: atRisk})
	if err != nil {
		t.Fatal(err)
	}
	doc := bot.DigestDocument(d, nil)
	if !strings.Contains(bot.RenderText(doc), "Gridline Energy") {
		t.Errorf("the at-risk account is not in the digest:\n%s", bot.RenderText(doc))
	}
}

// TestImpossibleScheduleDoesNotHangTheScheduler: "0 9 30 2 *" (30 February)
// parses and passes config validation; robfig/cron's Next returns the zero time for
// it, and nextRun then recursed on year 1 without end: the tick never returned, so no
// job of the replica (nor of the next lease holder) was posted again.
func TestImpossibleScheduleDoesNotHangTheScheduler(t *testing.T) {
	st := backends(t)["bolt"](t)
	p := &recordingPoster{}
	good := job(t, "0 9 * * *", "UTC")
	bad := job(t, "0 9 30 2 *", "UTC")
	bad.Name = "never"
	s := &bot.Scheduler{Store: st, Posters: map[feedbackbot.Platform]bot.Poster{"test": p}, Jobs: []bot.Job{bad, good}, Holder: "a"}
	now, _ := time.Parse(time.RFC3339, "2026-11-02T09:00:30Z")
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Tick(context.Background(), now)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Tick did not return within 10 s with a schedule that never fires")
	}
	if p.count() != 1 {
		t.Errorf("%d digests posted, want the daily one", p.count())
	}
}

// failSurveyWeeks is a real store whose listing of the survey weeks fails (a store
// timeout), after the messages were expired.
type failSurveyWeeks struct{ store.Store }

func (f failSurveyWeeks) ListDocs(ctx context.Context, ws, kind string) (map[string][]byte, error) {
	if kind == bot.DocSurveyWeeks {
		return nil, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "store timeout")
	}
	return f.Store.ListDocs(ctx, ws, kind)
}

// TestRetentionAuditsWhatItDeletedBeforeAnError: a pass that deleted messages
// and then failed on the survey answers wrote no audit entry; the next pass finds
// those messages gone, so the deletion is never audited.
func TestRetentionAuditsWhatItDeletedBeforeAnError(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			real := open(t)
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			at := now.Add(-100 * 24 * time.Hour)
			captured(t, real, feedbackbot.Message{ID: "C1:1.000100", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
				Author: "U1", Role: feedbackbot.RoleCustomer, Account: "acme", Text: "we were charged twice and nobody answers", Time: at})
			r := &bot.Retention{Store: failSurveyWeeks{real}, MaxAge: 90 * 24 * time.Hour}
			got, _, err := r.RunOnce(ctx, now)
			if err == nil || got.Messages != 1 {
				t.Fatalf("RunOnce = %+v, %v; want 1 message expired, then the error", got, err)
			}
			if audits, _ := real.ListDocs(ctx, "T1", bot.DocAudit); len(audits) != 1 {
				t.Errorf("%d audit entries after a pass that deleted a message, want 1", len(audits))
			}
		})
	}
}

// TestDigestWaitsForTheAnalysis: a message sent a minute before the digest's time
// and still waiting for analysis when the time comes was counted in no digest (the
// next period starts at that time). The digest waits, up to Settle, while the store
// holds unanalysed messages; after Settle it is built whatever the backlog.
func TestDigestWaitsForTheAnalysis(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			p := &recordingPoster{}
			s := &bot.Scheduler{Store: st, Posters: map[feedbackbot.Platform]bot.Poster{"test": p}, Jobs: []bot.Job{job(t, "0 9 * * *", "UTC")}, Holder: "a"}
			nine := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			m := feedbackbot.Message{ID: "C1:1.000100", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
				Author: "U1", Role: feedbackbot.RoleCustomer, Account: "acme", Text: "the export is broken again", Time: nine.Add(-time.Minute)}
			if err := m.Normalize(); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Append(ctx, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m}); err != nil {
				t.Fatal(err)
			}
			if n, err := s.Tick(ctx, nine.Add(30*time.Second)); err != nil || n != 0 {
				t.Fatalf("Tick with the message not analysed yet = %d, %v; want it to wait", n, err)
			}
			if _, err := (&bot.Worker{Store: st, Analyzer: analyzer(t), Consumer: "t"}).Drain(ctx); err != nil {
				t.Fatal(err)
			}
			if n, err := s.Tick(ctx, nine.Add(time.Minute)); err != nil || n != 1 {
				t.Fatalf("Tick once analysed = %d, %v; want the digest", n, err)
			}
			if got := p.posts[0].Fallback; !strings.Contains(got, ": 1 customer message,") {
				t.Errorf("the digest does not count the message sent a minute before it: %q", got)
			}

			// A backlog that does not empty holds the next digest for Settle only.
			m2 := m
			m2.ID, m2.Time = "C1:1.000200", nine.Add(24*time.Hour-time.Minute)
			if _, err := st.Append(ctx, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m2}); err != nil {
				t.Fatal(err)
			}
			next := nine.Add(24 * time.Hour)
			if n, _ := s.Tick(ctx, next.Add(bot.DefaultSettle-time.Second)); n != 0 {
				t.Errorf("posted within Settle while a message waits for analysis")
			}
			if n, err := s.Tick(ctx, next.Add(bot.DefaultSettle)); err != nil || n != 1 {
				t.Errorf("Tick after Settle = %d, %v; want the digest, backlog or not", n, err)
			}
		})
	}
}

// TestTickCountsOnlyItsOwnPosts: a run another replica posted (its "posted" record
// there, the run record not yet) is recorded and not posted again, and Tick does
// not count it as a digest it posted (it did).
func TestTickCountsOnlyItsOwnPosts(t *testing.T) {
	ctx := context.Background()
	st := backends(t)["bolt"](t)
	p := &recordingPoster{}
	s := &bot.Scheduler{Store: st, Posters: map[feedbackbot.Platform]bot.Poster{"test": p}, Jobs: []bot.Job{job(t, "0 9 * * *", "UTC")}, Holder: "b", Settle: -1}
	nine := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	if err := st.PutDoc(ctx, "T1", "digest-posted", fmt.Sprintf("daily:%d", nine.Unix()), []byte(`{"id":"1.2"}`)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Tick(ctx, nine.Add(time.Minute)); err != nil || n != 0 || len(p.posts) != 0 {
		t.Fatalf("Tick of a run another replica posted = %d, %v (%d posts); want 0, none", n, err, len(p.posts))
	}
	if n, err := s.Tick(ctx, nine.Add(24*time.Hour+time.Minute)); err != nil || n != 1 || len(p.posts) != 1 {
		t.Fatalf("Tick of the next day's run = %d, %v (%d posts); want 1", n, err, len(p.posts))
	}
}
