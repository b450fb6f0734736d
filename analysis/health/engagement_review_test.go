package health

import (
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// TestRankValueNeedsEnoughValuedAccounts: Rank ranks no account among fewer than
// MinRanked ("fifths of fewer accounts say nothing about any of them"), yet ranks
// value among the accounts that have one, however few: the one account given a
// value, the largest customer, is "V3", the middle fifth, in the risk listing and
// the digest; of two, the larger is V4.
func TestRankValueNeedsEnoughValuedAccounts(t *testing.T) {
	hs := ranked(8, 2_000_000) // a0 alone has a value
	Rank(hs, now)
	if v := hs[0].Engagement.Value; v != 0 {
		t.Errorf("the only account with a value is V%d (%s); want no V among fewer than %d valued accounts", v, hs[0].Engagement, MinRanked)
	}
	hs = ranked(8, 2_000_000, 1_000)
	Rank(hs, now)
	if v := hs[0].Engagement.Value; v != 0 && v != 5 {
		t.Errorf("the larger of two valued accounts is V%d (%s)", v, hs[0].Engagement)
	}
}

// TestRankRecencyOfHours: five accounts whose customers all wrote this morning.
// Recency ranks their ages to the second, so the one that wrote four hours ago,
// and wrote the most, is R1 "can't lose" ("wrote the most, has not lately"), and
// the next slipping, while all wrote today. The segments are words a team acts on
// (/feedback risk shows them beside an account at risk, risk lists them all).
func TestRankRecencyOfHours(t *testing.T) {
	hs := ranked(5)
	for i := range hs {
		hs[i].LastCustomerAt = now.Add(-time.Duration(5-i) * 50 * time.Minute) // 4h10m .. 50m ago
	}
	Rank(hs, now)
	for _, h := range hs {
		switch h.Engagement.Segment {
		case feedbackbot.SegmentCannotLose, feedbackbot.SegmentSlipping, feedbackbot.SegmentHibernating:
			t.Errorf("%s, whose customers wrote %s ago, is %q", h.Account.ID, now.Sub(h.LastCustomerAt), h.Engagement)
		}
	}
}
