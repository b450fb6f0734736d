package health

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// summarize splits items as bot.Risk reads a store: the messages from to on, and a
// Baseline of the customer messages before to, with scores summed in thousandths as
// the stores' counters keep them; when nothing was written in the recent window, Last
// holds the newest customer message's day and the 7 days before it.
func summarize(items []Item, to, now time.Time, p Params) ([]Item, Baseline) {
	p = p.WithDefaults()
	base := Baseline{To: to}
	baseFrom := p.BaselineFrom(now)
	var rest []Item
	var milli int64
	var newest time.Time
	recent := false
	for _, it := range items {
		t := it.Message.Time
		if !t.Before(to) {
			rest = append(rest, it)
		}
		if it.Message.Role != feedbackbot.RoleCustomer || t.After(now) || t.Before(baseFrom) {
			continue
		}
		if !t.Before(now.Add(-p.Recent)) {
			recent = true
		} else if t.After(newest) {
			newest = t
		}
		if t.Before(to) {
			d := t.UTC().Truncate(24 * time.Hour)
			if !slices.ContainsFunc(base.Days, d.Equal) {
				base.Days = append(base.Days, d)
			}
			base.Count++
			milli += int64(math.Round(math.Max(-1, math.Min(1, it.Tags.Sentiment.Score)) * 1000))
		}
	}
	slices.SortFunc(base.Days, time.Time.Compare)
	base.ScoreSum = float64(milli) / 1000
	var lastFrom, lastTo time.Time // the days Last holds
	if !recent && !newest.IsZero() {
		day := newest.UTC().Truncate(24 * time.Hour)
		lastFrom, lastTo = day.Add(-7*24*time.Hour), day.Add(24*time.Hour)
		for _, it := range items {
			if t := it.Message.Time; !t.Before(lastFrom) && t.Before(lastTo) && t.Before(to) {
				base.Last = append(base.Last, it)
			}
		}
	}
	// The churn signals of the summary's days Last does not hold, as the bot reads
	// them: by their daily counters, the messages of the newest ChurnQuoteDays days
	// with one (every message of those days: Assess picks the signals), the rest
	// counted.
	churnDays := map[time.Time]int{}
	for _, it := range items {
		t := it.Message.Time
		if it.Message.Role != feedbackbot.RoleCustomer || !feedbackbot.ChurnSignal(&it.Tags) || t.Before(baseFrom) || !t.Before(to) ||
			(!t.Before(lastFrom) && t.Before(lastTo)) {
			continue
		}
		churnDays[t.UTC().Truncate(24*time.Hour)]++
	}
	read := slices.SortedFunc(maps.Keys(churnDays), func(a, b time.Time) int { return b.Compare(a) })
	for _, d := range read[min(len(read), ChurnQuoteDays):] {
		base.ChurnUnread += churnDays[d]
	}
	read = read[:min(len(read), ChurnQuoteDays)]
	for _, it := range items {
		if slices.ContainsFunc(read, it.Message.Time.UTC().Truncate(24*time.Hour).Equal) {
			base.Churn = append(base.Churn, it)
		}
	}
	return rest, base
}

// sameHealth reports how a and b differ ("" when they do not): score, risk, and every
// reason's code, impact, text and evidence.
func sameHealth(a, b feedbackbot.Health) string {
	if a.Score != b.Score || a.AtRisk != b.AtRisk || len(a.Reasons) != len(b.Reasons) {
		return fmt.Sprintf("score %d/%v %v, want %d/%v %v", a.Score, a.AtRisk, codes(a), b.Score, b.AtRisk, codes(b))
	}
	for i := range a.Reasons {
		x, y := a.Reasons[i], b.Reasons[i]
		if x.Code != y.Code || math.Abs(x.Impact-y.Impact) > 1e-9 || x.Text != y.Text || fmt.Sprint(x.Evidence) != fmt.Sprint(y.Evidence) {
			return fmt.Sprintf("reason %d: %+v, want %+v", i, x, y)
		}
	}
	return ""
}

// TestBaselineSummaryAgrees builds every scenario's history both ways (all messages,
// and the recent window plus a margin with a summary of the rest) and checks Assess
// says the same, as of several moments.
func TestBaselineSummaryAgrees(t *testing.T) {
	extra := []scenario{
		// The complaint that preceded the silence is far in the summarised part.
		{name: "quiet for a month after a complaint", atRisk: true, reason: ReasonWentQuiet, specs: append(func() []spec {
			var s []spec
			for d := 54.0; d > 36; d -= 2 {
				s = append(s, conv(d, 0.3, 20)...)
			}
			return s
		}(), spec{daysAgo: 35.5, role: feedbackbot.RoleCustomer, score: -0.7, intent: feedbackbot.IntentComplaint},
			spec{daysAgo: 35, role: feedbackbot.RoleCustomer, score: 0.1})},
		// The last customer message is in the margin before the recent window; the
		// complaint before it, after the last answered question, was never answered.
		{name: "quiet since the margin", atRisk: true, reason: ReasonWentQuiet, specs: append(func() []spec {
			var s []spec
			for d := 50.0; d > 16; d -= 2 {
				s = append(s, conv(d, 0.2, 20)...)
			}
			return s
		}(), spec{daysAgo: 17, role: feedbackbot.RoleCustomer, score: -0.5}, spec{daysAgo: 14.5, role: feedbackbot.RoleCustomer, score: 0.2})},
		// The same, but the complaint came with a question staff answered, and the
		// customer's last word (in the margin) closed that conversation: a resolved
		// complaint, read from the summary's Last as from the messages.
		{name: "quiet since the margin after a resolved complaint", reason: ReasonWentQuiet, specs: append(func() []spec {
			var s []spec
			for d := 50.0; d > 16; d -= 2 {
				s = append(s, conv(d, 0.2, 20)...)
			}
			return s
		}(), spec{daysAgo: 17.999, role: feedbackbot.RoleCustomer, score: -0.5}, spec{daysAgo: 14.5, role: feedbackbot.RoleCustomer, score: 0.2})},
		// Churn signals of the summarised part, with ordinary talk since: those of the
		// newest days are read for their quotes, the older counted.
		{name: "churn signals on five days of the summary", atRisk: true, reason: ReasonChurnSignal, specs: func() []spec {
			var s []spec
			for d := 54.0; d > 0; d -= 2 {
				s = append(s, conv(d, 0.3, 20)...)
			}
			for i, d := range []float64{50.2, 45.3, 40.1, 33.4, 33.2, 25.7} {
				s = append(s, spec{daysAgo: d, role: feedbackbot.RoleCustomer, score: -0.2, intent: feedbackbot.IntentChurnSignal,
					text: fmt.Sprintf("we are evaluating other vendors (%d)", i)})
			}
			return s
		}()},
		{name: "a cancellation a month ago", reason: ReasonChurnSignal, specs: func() []spec {
			var s []spec
			for d := 54.0; d > 0; d -= 2 {
				s = append(s, conv(d, 0.3, 20)...)
			}
			return append(s, spec{daysAgo: 30.5, role: feedbackbot.RoleCustomer, score: 0, themes: []string{"cancellation"}, text: "please cancel two seats"})
		}()},
		// A churn signal in a silent account's Last and on older days: counted once.
		{name: "churn signals before going quiet", atRisk: true, reason: ReasonChurnSignal, specs: func() []spec {
			var s []spec
			for d := 54.0; d > 20; d -= 2 {
				s = append(s, conv(d, 0.3, 20)...)
			}
			return append(s, spec{daysAgo: 40.5, role: feedbackbot.RoleCustomer, score: -0.2, intent: feedbackbot.IntentChurnSignal, text: "we will not renew"},
				spec{daysAgo: 21.5, role: feedbackbot.RoleCustomer, score: -0.2, intent: feedbackbot.IntentChurnSignal, text: "please export our data"})
		}()},
		{name: "scores outside the counters' thousandths", specs: func() []spec {
			var s []spec
			for d := 55.0; d > 0; d -= 0.7 {
				s = append(s, conv(d, 0.125-d/200, 30)...)
			}
			return s
		}()},
	}
	p := Params{}.WithDefaults()
	for _, sc := range append(scenarios(), extra...) {
		for _, shift := range []time.Duration{0, 7 * time.Hour, 19 * time.Hour, 3 * 24 * time.Hour} {
			t.Run(fmt.Sprintf("%s/%s", sc.name, shift), func(t *testing.T) {
				at := now.Add(-shift)
				items := build(sc.specs)
				full := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, at, p)
				to := at.Add(-p.Recent - 24*time.Hour).UTC().Truncate(24 * time.Hour)
				rest, base := summarize(items, to, at, p)
				if base.Count == 0 && shift == 0 && sc.name != "cancelling" {
					t.Errorf("the summary holds no message: the scenario does not test it")
				}
				got := Assess(feedbackbot.Account{ID: "a1"}, rest, base, at, p)
				if shift == 0 && sc.reason != "" && (!slices.Contains(codes(got), sc.reason) || got.AtRisk != sc.atRisk) {
					t.Errorf("reasons %v (at risk %v), want %s (at risk %v)", codes(got), got.AtRisk, sc.reason, sc.atRisk)
				}
				if d := sameHealth(got, full); d != "" {
					t.Error(d)
				}
			})
		}
	}
}

// TestBaselineSummaryCounts: a summary alone (no messages before To) moves the
// baseline mean and count, and the usual rhythm, as the messages would.
func TestBaselineSummaryCounts(t *testing.T) {
	p := Params{}.WithDefaults()
	to := now.Add(-15 * 24 * time.Hour).UTC().Truncate(24 * time.Hour)
	var recent []spec
	for d := 12.0; d > 0; d -= 2 {
		recent = append(recent, conv(d, -0.5, 20)...)
	}
	var days []time.Time
	for d := range 20 {
		days = append(days, to.Add(-time.Duration(d+1)*24*time.Hour))
	}
	slices.SortFunc(days, time.Time.Compare)
	tests := []struct {
		name string
		base Baseline
		drop bool
	}{
		{"no summary", Baseline{To: to}, false},
		{"a happy baseline", Baseline{To: to, Days: days, Count: 40, ScoreSum: 16}, true},
		{"an unhappy baseline", Baseline{To: to, Days: days, Count: 40, ScoreSum: -20}, false},
		{"two messages are too few", Baseline{To: to, Days: days[:2], Count: 2, ScoreSum: 1.6}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := Assess(feedbackbot.Account{ID: "a1"}, build(recent), tt.base, now, p)
			if got := slices.Contains(codes(h), ReasonSentimentDrop); got != tt.drop {
				t.Errorf("sentiment drop = %v (reasons %v), want %v", got, codes(h), tt.drop)
			}
		})
	}
}
