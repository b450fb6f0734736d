package bot_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
)

// digestCounts is what a digest counts from rollups, every section of it
// (volume, sentiment, themes, emotions, intents, channels, accounts, the chart,
// the period before), as JSON, to compare two digests with.
func digestCounts(t *testing.T, d feedbackbot.Digest) string {
	t.Helper()
	for i := range d.Accounts {
		d.Accounts[i].Name = "" // (named from the period's messages, which retention deletes)
	}
	raw, err := json.MarshalIndent(struct {
		Messages, Customer, Staff, PrevCustomer, Positive, Neutral, Negative, NeedsReply, EmotionsCounted int64
		Index, PrevIndex                                                                                  *float64
		EmotionsCompared                                                                                  bool
		Themes                                                                                            []feedbackbot.ThemeStat
		Emotions                                                                                          []feedbackbot.EmotionStat
		Intents                                                                                           []feedbackbot.CountStat
		Channels, Accounts                                                                                []feedbackbot.GroupStat
		Series                                                                                            []feedbackbot.SeriesPoint
	}{d.Messages, d.CustomerMessages, d.StaffMessages, d.PrevCustomerMessages, d.Positive, d.Neutral, d.Negative, d.NeedsReply, d.EmotionsCounted,
		d.SentimentIndex, d.PrevSentimentIndex, d.EmotionsCompared, d.Themes, d.Emotions, d.Intents, d.Channels, d.Accounts, d.Series}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// TestOldPeriodCountsAfterRetention: retention deletes old messages and keeps
// their hours' rollups, and the README promises that old periods' counts still
// add up. A period that begins or ends inside an hour counted its part-hours from
// their messages only: once they were expired, [09:30, 10:30) of a day three hours
// of messages long counted 0 customer messages, not 12 (a review's find). An hour
// retention took messages of is counted whole, in the period its start is in, in
// every section, the period before too: [09:30, 10:30) then counts as [10:00,
// 11:00) did, its period before as [09:00, 10:00). An hour retention did not reach
// is still split exactly.
func TestOldPeriodCountsAfterRetention(t *testing.T) {
	day := time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC)
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	msgs := spread(at(9, 0), at(12, 0), 5*time.Minute)
	later := day.AddDate(0, 6, 0) // (every message expired)
	type period struct{ from, to time.Time }
	for _, tc := range []struct {
		name   string
		digest period
		themes bool      // with the configured themes (the previous period read by name)
		cutoff time.Time // ExpireOld's
		// as: the digest counts, after retention, as the digest of this period
		// before it (zero: as itself before it)
		as period
		// or (as zero and these set): its customer messages, and its period
		// before's, are those of these periods
		cur, prev period
	}{
		{name: "begins and ends inside hours", digest: period{at(9, 30), at(10, 30)}, cutoff: later, as: period{at(10, 0), at(11, 0)}},
		{name: "themes configured", digest: period{at(9, 30), at(10, 30)}, themes: true, cutoff: later, as: period{at(10, 0), at(11, 0)}},
		{name: "ends inside an hour", digest: period{at(10, 0), at(11, 30)}, cutoff: later, as: period{at(10, 0), at(12, 0)}},
		{name: "inside one hour", digest: period{at(10, 15), at(10, 45)}, cutoff: later, cur: period{at(10, 0), at(10, 0)}, prev: period{at(10, 0), at(11, 0)}},
		{name: "whole hours", digest: period{at(10, 0), at(11, 0)}, cutoff: later},
		// The hour 09:00 lost some messages, 10:00 none: 10:00-10:30 is still
		// counted exactly, 09:00 whole in the period its start is in.
		{name: "the cut-off inside an hour", digest: period{at(9, 30), at(10, 30)}, cutoff: at(9, 40), cur: period{at(10, 0), at(10, 30)}, prev: period{at(9, 0), at(10, 0)}},
		// Retention reached no boundary hour: part-hours counted exactly.
		{name: "boundary hours untouched", digest: period{at(11, 15), at(11, 45)}, cutoff: at(9, 50)},
	} {
		for name, open := range backends(t) {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				ctx := context.Background()
				st := open(t)
				captured(t, st, msgs...)
				req := func(p period) bot.DigestRequest {
					r := bot.DigestRequest{Workspace: "T1", From: p.from, To: p.to, Now: at(13, 0)}
					if tc.themes {
						r.Themes = analysis.DefaultTaxonomy().Names()
					}
					return r
				}
				build := func(p period) feedbackbot.Digest {
					t.Helper()
					d, err := bot.BuildDigest(ctx, st, req(p))
					if err != nil {
						t.Fatal(err)
					}
					return d
				}
				as := tc.as
				if as.from.IsZero() {
					as = tc.digest
				}
				want := build(as)
				if want.CustomerMessages == 0 || want.PrevCustomerMessages == 0 && as.from.After(at(9, 0)) {
					t.Fatalf("set-up: %d customer messages in the reference period, %d before it", want.CustomerMessages, want.PrevCustomerMessages)
				}
				n, err := bot.ExpireOld(ctx, st, "T1", tc.cutoff)
				if err != nil || n.Messages == 0 {
					t.Fatalf("set-up: ExpireOld expired %d messages: %v", n.Messages, err)
				}
				got := build(tc.digest)
				if !tc.cur.from.IsZero() {
					if c, p := customersIn(msgs, tc.cur.from, tc.cur.to), customersIn(msgs, tc.prev.from, tc.prev.to); got.CustomerMessages != c || got.PrevCustomerMessages != p {
						t.Errorf("after retention [%s, %s) counts %d customer messages, its period before %d; want %d and %d",
							tc.digest.from.Format("15:04"), tc.digest.to.Format("15:04"), got.CustomerMessages, got.PrevCustomerMessages, c, p)
					}
				} else if g, w := digestCounts(t, got), digestCounts(t, want); g != w {
					t.Errorf("after retention [%s, %s) counts\n%s\nwant, as [%s, %s) before it,\n%s", tc.digest.from.Format("15:04"), tc.digest.to.Format("15:04"), g,
						as.from.Format("15:04"), as.to.Format("15:04"), w)
				}
				// Each section adds up to the volume it counts.
				var series int64
				for _, p := range got.Series {
					series += p.Customer
				}
				if got.Positive+got.Neutral+got.Negative != got.CustomerMessages || series != got.CustomerMessages || got.EmotionsCounted != got.CustomerMessages {
					t.Errorf("%d customer messages; by sentiment %d, in the chart %d, emotions counted %d", got.CustomerMessages,
						got.Positive+got.Neutral+got.Negative, series, got.EmotionsCounted)
				}
			})
		}
	}
}
