package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestDriftingNeedsAccountsThatWroteMuch: five accounts whose customers each wrote
// one message in the eight weeks, the last two of them 10 and 20 days ago. The
// frequencies all tie, so each scores F3 (the middle fifth), and R1-2 with F3 is
// "slipping": the digest names the two under "Engaged accounts gone quiet … they
// wrote much in the last 8 weeks", for one message each.
func TestDriftingNeedsAccountsThatWroteMuch(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	var msgs []feedbackbot.Message
	for i, days := range []int{1, 2, 3, 10, 20} {
		acct := fmt.Sprint("a", i)
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C%s:1", acct), Platform: feedbackbot.PlatformSlack, Workspace: "TE",
			Channel: "C" + acct, Author: "U" + acct, Role: feedbackbot.RoleCustomer, Account: acct, AccountName: "Account " + acct,
			Text: "thanks, that works", Time: now.Add(-time.Duration(days) * 24 * time.Hour)})
	}
	st := backends(t)["bolt"](t)
	captured(t, st, msgs...)
	d, err := bot.DigestWithRisk(t.Context(), st, bot.RiskRequest{Workspace: "TE", Now: now},
		bot.DigestRequest{Workspace: "TE", From: now.Add(-7 * 24 * time.Hour), To: now, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Drifting) != 0 {
		for _, h := range d.Drifting {
			t.Errorf("%s, one customer message in 8 weeks (window_messages %d), named as an engaged account gone quiet: %s",
				h.Account.ID, h.WindowMessages, h.Engagement)
		}
		t.Logf("the digest says:\n%s", bot.RenderText(bot.DigestDocument(d, nil)))
	}
}

// TestDriftingListNamesFiveMostEngagedFirst: the digest's list of engaged
// accounts gone quiet, from the healths given: at risk, too recent (under a week,
// by the now given, not the clock) and unranked accounts are left out; the rest
// go most frequent first, then most valued, five named and the rest counted, each
// with when it last wrote and its value.
func TestDriftingListNamesFiveMostEngagedFirst(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	h := func(id string, seg feedbackbot.RFMSegment, f int, value float64, quiet time.Duration) feedbackbot.Health {
		return feedbackbot.Health{Account: feedbackbot.Account{ID: id, Name: "Account " + id, Value: value}, Score: 90,
			LastCustomerAt: now.Add(-quiet), Engagement: &feedbackbot.Engagement{Recency: 1, Frequency: f, Segment: seg}}
	}
	day := 24 * time.Hour
	hs := []feedbackbot.Health{
		h("s3", feedbackbot.SegmentSlipping, 4, 0, 9*day),
		h("f3", feedbackbot.SegmentSlipping, 3, 0, 10*day), // (wrote no more than the middle fifth: not "much")
		h("c5a", feedbackbot.SegmentCannotLose, 5, 1000, 8*day),
		h("c5b", feedbackbot.SegmentCannotLose, 5, 50000, 30*day),
		h("s4", feedbackbot.SegmentSlipping, 4, 0, 7*day),
		h("recent", feedbackbot.SegmentCannotLose, 5, 1e6, 6*day),
		h("hib", feedbackbot.SegmentHibernating, 1, 0, 40*day),
		h("s3b", feedbackbot.SegmentSlipping, 4, 200, 12*day),
		h("s3c", feedbackbot.SegmentSlipping, 4, 0, 14*day),
		{Account: feedbackbot.Account{ID: "unranked"}, LastCustomerAt: now.Add(-20 * day)},
	}
	risky := h("risky", feedbackbot.SegmentCannotLose, 5, 1e6, 20*day)
	risky.AtRisk = true
	hs = append(hs, risky)
	got := bot.Drifting(hs, now)
	want := []string{"c5b", "c5a", "s3b", "s3", "s3c", "s4"}
	if fmt.Sprint(ids(got)) != fmt.Sprint(want) {
		t.Fatalf("drifting %v, want %v", ids(got), want)
	}
	// As of a week earlier, only c5b (then quiet 23 days) and s3c (7 days) had been
	// quiet a week.
	if early := bot.Drifting(hs, now.Add(-7*day)); fmt.Sprint(ids(early)) != "[c5b s3c]" {
		t.Errorf("a week earlier: %v; want c5b and s3c", ids(early))
	}
	doc := bot.DigestDocument(feedbackbot.Digest{Workspace: "TE", From: now.Add(-7 * day), To: now, Drifting: got}, nil)
	text := bot.RenderText(doc)
	for _, line := range []string{"Engaged accounts gone quiet", "Account c5b — can't lose: R1 F5, last wrote 30 days ago ($50k/yr)",
		"Account s4", "…and 1 more"} {
		if strings.Contains(line, "s4") {
			if strings.Contains(text, line) {
				t.Errorf("the sixth account is named: %s", text)
			}
			continue
		}
		if !strings.Contains(text, line) {
			t.Errorf("the digest does not say %q:\n%s", line, text)
		}
	}
}
