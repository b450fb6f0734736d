package health

import (
	"fmt"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

func TestFifth(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    float64
		all  []float64
		want int
	}{
		{"alone", 7, []float64{7}, 3},
		{"all tied", 2, []float64{2, 2, 2, 2, 2}, 3},
		{"lowest of ten", 1, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 1},
		{"second of ten", 2, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 1},
		{"third of ten", 3, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 2},
		{"middle of five", 3, []float64{1, 2, 3, 4, 5}, 3},
		{"highest of ten", 10, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5},
		{"ninth of ten", 9, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5},
		{"ties share a score", 0, []float64{0, 0, 0, 0, 9, 9}, 2},
		{"the least recent (none)", -1e300, []float64{-1e300, -5, -3, -2, -1}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sortedSeries(tc.all).fifth(tc.v); got != tc.want {
				t.Errorf("fifth(%v, %v) = %d, want %d", tc.v, tc.all, got, tc.want)
			}
		})
	}
}

func TestFifthFromTop(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    float64
		all  []float64
		want int
	}{
		{"alone", 7, []float64{7}, 5},
		{"ties at the top share 5", -1, []float64{-1, -1, -1, -1, -1, -1, -2, -3, -4, -5, -6, -7, -9}, 5},
		{"the first after six ties", -2, []float64{-1, -1, -1, -1, -1, -1, -2, -3, -4, -5, -6, -7, -9}, 3},
		{"the least recent of thirteen", -9, []float64{-1, -1, -1, -1, -1, -1, -2, -3, -4, -5, -6, -7, -9}, 1},
		{"second of ten", 9, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5},
		{"third of ten", 8, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sortedSeries(tc.all).fifthFromTop(tc.v); got != tc.want {
				t.Errorf("fifthFromTop(%v, %v) = %d, want %d", tc.v, tc.all, got, tc.want)
			}
		})
	}
}

func TestSegmentOf(t *testing.T) {
	want := map[[2]int]feedbackbot.RFMSegment{
		{5, 5}: feedbackbot.SegmentChampion, {5, 4}: feedbackbot.SegmentChampion,
		{4, 5}: feedbackbot.SegmentLoyal, {3, 4}: feedbackbot.SegmentLoyal,
		{5, 3}: feedbackbot.SegmentPromising, {4, 2}: feedbackbot.SegmentPromising,
		{5, 1}: feedbackbot.SegmentOccasional, {4, 1}: feedbackbot.SegmentOccasional,
		{3, 3}: feedbackbot.SegmentAttention,
		{3, 2}: feedbackbot.SegmentFading, {3, 1}: feedbackbot.SegmentFading,
		{2, 5}: feedbackbot.SegmentCannotLose, {1, 5}: feedbackbot.SegmentCannotLose,
		{2, 4}: feedbackbot.SegmentSlipping, {1, 3}: feedbackbot.SegmentSlipping,
		{2, 2}: feedbackbot.SegmentHibernating, {1, 1}: feedbackbot.SegmentHibernating,
	}
	seen := map[feedbackbot.RFMSegment]bool{}
	for r := 1; r <= 5; r++ {
		for f := 1; f <= 5; f++ {
			got := SegmentOf(r, f)
			if got == "" {
				t.Errorf("SegmentOf(%d, %d) is empty", r, f)
			}
			if w, ok := want[[2]int{r, f}]; ok && got != w {
				t.Errorf("SegmentOf(%d, %d) = %q, want %q", r, f, got, w)
			}
			seen[got] = true
		}
	}
	if len(seen) != 9 {
		t.Errorf("the 25 scores give %d segments, want the 9 named: %v", len(seen), seen)
	}
}

// ranked is n accounts a0..a(n-1): account i last wrote i days before now, wrote
// 10*(n-i) messages in the window, and is worth values[i] (0: none configured).
func ranked(n int, values ...float64) []feedbackbot.Health {
	hs := make([]feedbackbot.Health, n)
	for i := range hs {
		hs[i] = feedbackbot.Health{Account: feedbackbot.Account{ID: fmt.Sprintf("a%d", i)},
			LastCustomerAt: now.Add(-time.Duration(i) * 24 * time.Hour), WindowMessages: 10 * (n - i)}
		if i < len(values) {
			hs[i].Account.Value = values[i]
		}
	}
	return hs
}

func TestRank(t *testing.T) {
	hs := ranked(10, 100, 0, 300, 0, 50, 0, 20, 70, 0, 1000)
	// The most engaged account went quiet (a can't-lose); one never wrote; one had
	// nothing to assess and takes no place among the others.
	hs[0].LastCustomerAt = now.Add(-40 * 24 * time.Hour)
	hs[8].LastCustomerAt, hs[8].WindowMessages = time.Time{}, 0
	hs[9].Silent = true
	Rank(hs, now)
	for i, want := range []struct {
		r, f, v int
		seg     feedbackbot.RFMSegment
	}{
		// Nine accounts ranked. Frequency and value: a mid-rank percentile of
		// 0.056, 0.167, 0.278, …, 0.944 for the lowest to the highest, x5 and
		// floored. Recency: 5 less the fifths of the accounts more recent (0, 1, 2 …
		// of nine: 5, 5, 4, 4, 3, 3, 2, 2), 1 for none.
		{2, 5, 4, feedbackbot.SegmentCannotLose},  // 40 days quiet (7 more recent), wrote the most; 100 of 20, 50, 70, 100, 300
		{5, 5, 0, feedbackbot.SegmentChampion},    // wrote yesterday, the second most
		{5, 4, 5, feedbackbot.SegmentChampion},    // two days ago; the most valued
		{4, 4, 0, feedbackbot.SegmentLoyal},       // three days ago
		{4, 3, 2, feedbackbot.SegmentPromising},   // four days; 50
		{3, 2, 0, feedbackbot.SegmentFading},      // five days, 50 messages
		{3, 2, 1, feedbackbot.SegmentFading},      // six days, 40 messages; the least valued
		{2, 1, 3, feedbackbot.SegmentHibernating}, // seven days, 30; 70
		{1, 1, 0, feedbackbot.SegmentHibernating}, // never wrote
	} {
		e := hs[i].Engagement
		if e == nil {
			t.Fatalf("%s has no engagement", hs[i].Account.ID)
		}
		if e.Recency != want.r || e.Frequency != want.f || e.Value != want.v || e.Segment != want.seg {
			t.Errorf("%s: R%d F%d V%d %q, want R%d F%d V%d %q", hs[i].Account.ID, e.Recency, e.Frequency, e.Value, e.Segment, want.r, want.f, want.v, want.seg)
		}
	}
	if hs[9].Engagement != nil {
		t.Errorf("a silent account was ranked: %+v", hs[9].Engagement)
	}

	// Recency is measured from the now given, not the clock: a week later, every
	// account is as far from now as before relative to the others.
	before, later := ranked(10), ranked(10)
	for i := range later {
		later[i].LastCustomerAt = later[i].LastCustomerAt.Add(7 * 24 * time.Hour)
	}
	Rank(before, now)
	Rank(later, now.Add(7*24*time.Hour))
	for i, h := range later {
		if *h.Engagement != *before[i].Engagement {
			t.Errorf("%s: %+v a week on, %+v now: ranks moved with the clock", h.Account.ID, *h.Engagement, *before[i].Engagement)
		}
	}
	// … while the same accounts read a month later, none having written since,
	// are ranked on the same ages plus a month: the order holds.
	Rank(before, now.Add(30*24*time.Hour))
	if before[1].Engagement.Recency != 5 || before[9].Engagement.Recency != 1 {
		t.Errorf("a month on: %+v, %+v", before[1].Engagement, before[9].Engagement)
	}
}

func TestRankNeedsFiveAccounts(t *testing.T) {
	hs := ranked(5)
	hs[4].Silent = true
	hs[0].Engagement = &feedbackbot.Engagement{Recency: 5} // an old ranking is cleared
	Rank(hs, now)
	for _, h := range hs {
		if h.Engagement != nil {
			t.Errorf("%s ranked among %d accounts with something to assess (fewer than %d)", h.Account.ID, 4, MinRanked)
		}
	}
	hs[4].Silent = false
	Rank(hs, now)
	if hs[0].Engagement == nil || hs[0].Engagement.Recency != 5 || hs[4].Engagement.Recency != 1 {
		t.Errorf("five accounts: %+v … %+v", hs[0].Engagement, hs[4].Engagement)
	}
}

func TestAssessCountsWindowMessages(t *testing.T) {
	p := Params{}.WithDefaults()
	var specs []spec
	for d := 1; d <= 50; d += 7 { // 8 customer messages over the window, and replies
		specs = append(specs, conv(float64(d), 0.2, 30)...)
	}
	specs = append(specs, spec{daysAgo: 70, role: feedbackbot.RoleCustomer}) // before the window
	items := build(specs)
	if h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, p); h.WindowMessages != 8 {
		t.Errorf("read whole: WindowMessages %d, want 8", h.WindowMessages)
	}
	// The same history read as bot.Risk reads it: the older part as day counters.
	rest, base := summarize(items, now.Add(-20*24*time.Hour).UTC().Truncate(24*time.Hour), now, p)
	if h := Assess(feedbackbot.Account{ID: "a1"}, rest, base, now, p); h.WindowMessages != 8 {
		t.Errorf("with a baseline summary (%d counted): WindowMessages %d, want 8", base.Count, h.WindowMessages)
	}
}
