package bot

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/analysis/stats"
)

func TestAlertFollowUp(t *testing.T) {
	from := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	to := from.Add(7 * 24 * time.Hour)
	at := func(h float64) time.Time { return from.Add(time.Duration(h * float64(time.Hour))) }
	score := func(n int) *int { return &n }
	alert := func(id string, raised float64, mod func(*feedbackbot.Alert)) feedbackbot.Alert {
		a := feedbackbot.Alert{Account: feedbackbot.Account{ID: id, Name: "Name " + id}, Cause: health.ReasonSentimentLow,
			Status: feedbackbot.AlertOpen, RaisedAt: at(raised), Score: 20, RaisedScore: score(20)}
		if mod != nil {
			mod(&a)
		}
		return a
	}
	acked := func(h float64) func(*feedbackbot.Alert) {
		return func(a *feedbackbot.Alert) {
			a.AckedAt, a.AnsweredAt, a.AckedBy, a.Status = at(h), at(h), "maria", feedbackbot.AlertAcknowledged
		}
	}
	recovered := func(h float64, now int) func(*feedbackbot.Alert) {
		return func(a *feedbackbot.Alert) {
			a.ResolvedAt, a.Recovered, a.Score, a.Status, a.NotifiedAt = at(h), true, now, feedbackbot.AlertResolved, at(h)
		}
	}
	both := func(fs ...func(*feedbackbot.Alert)) func(*feedbackbot.Alert) {
		return func(a *feedbackbot.Alert) {
			for _, f := range fs {
				f(a)
			}
		}
	}
	f64 := func(x float64) *float64 { return &x }
	open := func(id string, raised float64, health *int, answered bool) feedbackbot.AlertBrief {
		return feedbackbot.AlertBrief{Account: "Name " + id, AccountID: id, RaisedAt: at(raised), RaisedScore: score(20), Score: health, Answered: answered}
	}
	for _, tc := range []struct {
		name   string
		alerts []feedbackbot.Alert
		want   *feedbackbot.AlertFollowUp
	}{
		{name: "no alerts"},
		{name: "raised and answered in the period, still open",
			alerts: []feedbackbot.Alert{alert("a", 10, acked(10.5)), alert("b", 20, acked(22))},
			want: &feedbackbot.AlertFollowUp{Raised: 2, Answered: 2, AnsweredMinutes: f64(75), OpenCount: 2,
				Open: []feedbackbot.AlertBrief{open("a", 10, score(20), true), open("b", 20, score(20), true)}}},
		{name: "raised before the period, nobody answered",
			alerts: []feedbackbot.Alert{alert("a", -48, nil)},
			want:   &feedbackbot.AlertFollowUp{OpenCount: 1, Unanswered: 1, Open: []feedbackbot.AlertBrief{open("a", -48, score(20), false)}}},
		{name: "recovered in the period",
			alerts: []feedbackbot.Alert{alert("a", -24, both(acked(-23), recovered(24, 70))), alert("b", 0, recovered(96, 65))},
			want: &feedbackbot.AlertFollowUp{Raised: 1, RecoveredMinutes: f64(72 * 60),
				Recovered: []feedbackbot.AlertBrief{
					{Account: "Name a", AccountID: "a", RaisedAt: at(-24), RaisedScore: score(20), Score: score(70), Answered: true, ResolvedAt: at(24)},
					{Account: "Name b", AccountID: "b", RaisedAt: at(0), RaisedScore: score(20), Score: score(65), ResolvedAt: at(96)}}}},
		{name: "over before the period began",
			alerts: []feedbackbot.Alert{alert("a", -72, recovered(-1, 70))}},
		{name: "taken over by another alert in the period: no recovery",
			alerts: []feedbackbot.Alert{alert("a", -72, func(a *feedbackbot.Alert) { a.ResolvedAt, a.Status = at(5), feedbackbot.AlertResolved })}},
		{name: "resolved before alerts said so: a recovery if its notice was posted then",
			alerts: []feedbackbot.Alert{
				alert("a", -72, func(a *feedbackbot.Alert) {
					a.RaisedScore, a.ResolvedAt, a.NotifiedAt, a.Score, a.Status = nil, at(5), at(5), 60, feedbackbot.AlertResolved
				}),
				alert("b", -72, func(a *feedbackbot.Alert) { // taken over: no notice
					a.RaisedScore, a.ResolvedAt, a.NotifiedAt, a.Status = nil, at(5), at(-60), feedbackbot.AlertResolved
				})},
			want: &feedbackbot.AlertFollowUp{RecoveredMinutes: f64(77 * 60), Recovered: []feedbackbot.AlertBrief{
				{Account: "Name a", AccountID: "a", RaisedAt: at(-72), Score: score(60), ResolvedAt: at(5)}}}},
		{name: "closed with nothing left to assess in the period: not a recovery, listed as that",
			alerts: []feedbackbot.Alert{
				alert("a", -24, func(a *feedbackbot.Alert) {
					a.ResolvedAt, a.ClosedReason, a.Status, a.NotifiedAt = at(30), ClosedSilent, feedbackbot.AlertResolved, at(30)
				}),
				alert("b", 2, func(a *feedbackbot.Alert) {
					a.Score = 10
					a.Episodes = []feedbackbot.AlertEpisode{{RaisedAt: at(-300), RaisedScore: score(30), ResolvedAt: at(1), ClosedReason: ClosedSilent, Score: 30}}
				})},
			want: &feedbackbot.AlertFollowUp{Raised: 1, OpenCount: 1, Unanswered: 1, Open: []feedbackbot.AlertBrief{open("b", 2, score(10), false)},
				WentSilent: []feedbackbot.AlertBrief{
					{Account: "Name b", AccountID: "b", RaisedAt: at(-300), RaisedScore: score(30), ResolvedAt: at(1)},
					{Account: "Name a", AccountID: "a", RaisedAt: at(-24), RaisedScore: score(20), ResolvedAt: at(30)}}}},
		{name: "closed silent, raised before alerts kept their raise's health: not a recovery though its notice was posted then",
			alerts: []feedbackbot.Alert{alert("a", -72, func(a *feedbackbot.Alert) {
				a.RaisedScore, a.ResolvedAt, a.NotifiedAt, a.Status, a.ClosedReason = nil, at(5), at(5), feedbackbot.AlertResolved, ClosedSilent
			})},
			want: &feedbackbot.AlertFollowUp{WentSilent: []feedbackbot.AlertBrief{{Account: "Name a", AccountID: "a", RaisedAt: at(-72), ResolvedAt: at(5)}}}},
		{name: "a reply-due heads-up is not followed up",
			alerts: []feedbackbot.Alert{alert("a", 5, func(a *feedbackbot.Alert) { a.Cause = health.ReasonReplyDue })}},
		{name: "raised as the period ends: not in it",
			alerts: []feedbackbot.Alert{alert("a", 7*24, nil)}},
		{name: "raised as it begins, answered and recovered as it ends: raised, open and not answered",
			alerts: []feedbackbot.Alert{alert("a", 0, both(acked(7*24), recovered(7*24, 80)))},
			want: &feedbackbot.AlertFollowUp{Raised: 1, OpenCount: 1, Unanswered: 1,
				Open: []feedbackbot.AlertBrief{open("a", 0, score(20), false)}}},
		{name: "recovered as the period begins: in it",
			alerts: []feedbackbot.Alert{alert("a", -5, recovered(0, 75))},
			want: &feedbackbot.AlertFollowUp{RecoveredMinutes: f64(300), Recovered: []feedbackbot.AlertBrief{
				{Account: "Name a", AccountID: "a", RaisedAt: at(-5), RaisedScore: score(20), Score: score(75), ResolvedAt: at(0)}}}},
		{name: "closed after the period: open at its end, its health then unknown but at the raise",
			alerts: []feedbackbot.Alert{alert("a", 100, both(acked(7*24+2), recovered(7*24+5, 80)))},
			want: &feedbackbot.AlertFollowUp{Raised: 1, OpenCount: 1, Unanswered: 1,
				Open: []feedbackbot.AlertBrief{open("a", 100, score(20), false)}}},
		{name: "answered, then opened again as it got worse: not answered, its first answer still timed",
			alerts: []feedbackbot.Alert{alert("a", 1, func(a *feedbackbot.Alert) { acked(2)(a); a.AnsweredAt, a.Status = time.Time{}, feedbackbot.AlertOpen })},
			want: &feedbackbot.AlertFollowUp{Raised: 1, Answered: 1, AnsweredMinutes: f64(60), OpenCount: 1, Unanswered: 1,
				Open: []feedbackbot.AlertBrief{open("a", 1, score(20), false)}}},
		{name: "an earlier episode answered, then opened again before the period ended, closed after it: not answered at its end",
			alerts: []feedbackbot.Alert{alert("a", 7*24+20, func(a *feedbackbot.Alert) {
				a.Episodes = []feedbackbot.AlertEpisode{{RaisedAt: at(10), RaisedScore: score(25), AckedAt: at(11),
					Answered: []feedbackbot.AlertSpan{{From: at(11), To: at(50)}}, ResolvedAt: at(7*24 + 10), Recovered: true, Score: 70}}
			})},
			want: &feedbackbot.AlertFollowUp{Raised: 1, Answered: 1, AnsweredMinutes: f64(60), OpenCount: 1, Unanswered: 1,
				Open: []feedbackbot.AlertBrief{{Account: "Name a", AccountID: "a", RaisedAt: at(10), RaisedScore: score(25), Score: score(25)}}}},
		{name: "answered at the period's end, opened again after it: answered then",
			alerts: []feedbackbot.Alert{alert("a", 1, func(a *feedbackbot.Alert) {
				acked(2)(a)
				a.AnsweredAt, a.Status, a.Answered = time.Time{}, feedbackbot.AlertOpen, []feedbackbot.AlertSpan{{From: at(2), To: at(7*24 + 3)}}
			})},
			want: &feedbackbot.AlertFollowUp{Raised: 1, Answered: 1, AnsweredMinutes: f64(60), OpenCount: 1,
				Open: []feedbackbot.AlertBrief{open("a", 1, score(20), true)}}},
		{name: "answered, opened again, answered again after the period's end: not answered at its end",
			alerts: []feedbackbot.Alert{alert("a", 1, func(a *feedbackbot.Alert) {
				acked(7*24 + 9)(a)
				a.AckedAt, a.Answered = at(2), []feedbackbot.AlertSpan{{From: at(2), To: at(30)}, {From: at(7*24 + 9)}}
			})},
			want: &feedbackbot.AlertFollowUp{Raised: 1, Answered: 1, AnsweredMinutes: f64(60), OpenCount: 1, Unanswered: 1,
				Open: []feedbackbot.AlertBrief{open("a", 1, score(20), false)}}},
		{name: "snoozed past the period's end",
			alerts: []feedbackbot.Alert{alert("a", 1, func(a *feedbackbot.Alert) {
				acked(2)(a)
				a.Status, a.SnoozedUntil = feedbackbot.AlertSnoozed, at(2+7*24)
			})},
			want: &feedbackbot.AlertFollowUp{Raised: 1, Answered: 1, AnsweredMinutes: f64(60), OpenCount: 1,
				Open: []feedbackbot.AlertBrief{{Account: "Name a", AccountID: "a", RaisedAt: at(1), RaisedScore: score(20), Score: score(20), Answered: true, Snoozed: true}}}},
		{name: "answered before the time was kept: answered, no median",
			alerts: []feedbackbot.Alert{alert("a", 1, func(a *feedbackbot.Alert) {
				a.AckedBy, a.Status, a.RaisedScore = "maria", feedbackbot.AlertAcknowledged, nil
			})},
			want: &feedbackbot.AlertFollowUp{Raised: 1, Answered: 1, OpenCount: 1,
				Open: []feedbackbot.AlertBrief{{Account: "Name a", AccountID: "a", RaisedAt: at(1), Score: score(20), Answered: true}}}},
		{name: "every episode of an alert: raised, answered and recovered, raised again",
			alerts: []feedbackbot.Alert{alert("a", 80, func(a *feedbackbot.Alert) {
				a.Score = 15
				a.Episodes = []feedbackbot.AlertEpisode{
					{RaisedAt: at(-200), RaisedScore: score(30), ResolvedAt: at(-100), Recovered: true, Score: 70}, // before the period
					{RaisedAt: at(10), RaisedScore: score(25), AckedAt: at(11), ResolvedAt: at(40), Recovered: true, Score: 72},
				}
			})},
			want: &feedbackbot.AlertFollowUp{Raised: 2, Answered: 1, AnsweredMinutes: f64(60), OpenCount: 1, Unanswered: 1,
				Open:             []feedbackbot.AlertBrief{open("a", 80, score(15), false)},
				RecoveredMinutes: f64(30 * 60),
				Recovered: []feedbackbot.AlertBrief{{Account: "Name a", AccountID: "a", RaisedAt: at(10), RaisedScore: score(25), Score: score(72),
					Answered: true, ResolvedAt: at(40)}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := alertFollowUp(byFingerprint(tc.alerts), nil, from, to)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %s\nwant %s", show(got), show(tc.want))
			}
		})
	}
}

func TestAlertFollowUpListsTheOldestOpenAndConfiguredNames(t *testing.T) {
	from := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var alerts []feedbackbot.Alert
	for i := range 8 {
		alerts = append(alerts, feedbackbot.Alert{Account: feedbackbot.Account{ID: string(rune('h' - i))}, Cause: health.ReasonChurnSignal,
			RaisedAt: from.Add(time.Duration(i) * time.Hour)})
	}
	f := alertFollowUp(byFingerprint(alerts), map[string]feedbackbot.Account{"h": {ID: "h", Name: "Hotel Corp"}}, from, from.Add(24*time.Hour))
	if f.OpenCount != 8 || f.Unanswered != 8 || len(f.Open) != maxFollowUpOpen {
		t.Fatalf("open %d, unanswered %d, listed %d; want 8, 8, %d", f.OpenCount, f.Unanswered, len(f.Open), maxFollowUpOpen)
	}
	var names []string
	for _, a := range f.Open {
		names = append(names, a.Account)
	}
	if want := []string{"Hotel Corp", "g", "f", "e", "d"}; !reflect.DeepEqual(names, want) {
		t.Errorf("listed %v, want the oldest first %v", names, want)
	}
	if text := followUpText(f, from.Add(24*time.Hour)); !containsLine(text, "    and 3 more") {
		t.Errorf("the follow-up does not say how many more are open:\n%s", text)
	}
}

// byFingerprint keys alerts as listAlerts does (by a made-up fingerprint here).
func byFingerprint(alerts []feedbackbot.Alert) map[string]*feedbackbot.Alert {
	m := make(map[string]*feedbackbot.Alert, len(alerts))
	for i := range alerts {
		m[fmt.Sprint(i)] = &alerts[i]
	}
	return m
}

func containsLine(text, line string) bool {
	return slices.Contains(strings.Split(text, "\n"), line)
}

func show(f *feedbackbot.AlertFollowUp) string {
	if f == nil {
		return "nil"
	}
	s := fmt.Sprintf("%+v", *f)
	if f.AnsweredMinutes != nil {
		s += fmt.Sprintf(" answered %v min", *f.AnsweredMinutes)
	}
	if f.RecoveredMinutes != nil {
		s += fmt.Sprintf(" recovered %v min", *f.RecoveredMinutes)
	}
	for _, b := range append(f.Open, f.Recovered...) {
		s += fmt.Sprintf("\n  %s raised %v at %v score %v resolved %v", b.AccountID, b.RaisedAt, deref(b.RaisedScore), deref(b.Score), b.ResolvedAt)
	}
	return s
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestFollowUpSaysWhoWentSilent: the alerts closed because their account had
// nothing left to assess are listed as that, apart from the recovered.
func TestFollowUpSaysWhoWentSilent(t *testing.T) {
	from := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	f := &feedbackbot.AlertFollowUp{WentSilent: []feedbackbot.AlertBrief{
		{Account: "Acme & <Co>", AccountID: "acme", RaisedAt: from, ResolvedAt: from.Add(48 * time.Hour)}}}
	text := followUpText(f, from.Add(7*24*time.Hour))
	for _, line := range []string{
		"• 1 closed with nothing recent to judge (no customer message or survey answer lately: not a recovery, check in):",
		"    Acme &amp; &lt;Co&gt;, 2.0 days after the alert",
	} {
		if !containsLine(text, line) {
			t.Errorf("no line %q in\n%s", line, text)
		}
	}
	if strings.Contains(text, "recovered") {
		t.Errorf("a silent account counted as recovered:\n%s", text)
	}
}

// TestSegmentsNameEachAccountsOwnMood: a segment's mood is the account's own mean
// sentiment, not its cluster centre's, which is relative to the other accounts
// (standardised): accounts at +0.2 beside happier ones were named "unhappy".
func TestSegmentsNameEachAccountsOwnMood(t *testing.T) {
	raw := map[string]map[string]int64{}
	var accts []feedbackbot.GroupStat
	add := func(id string, cust, staff int64, mean float64, neg int64) {
		raw[id] = map[string]int64{feedbackbot.CntCustomer: cust, feedbackbot.CntStaff: staff,
			feedbackbot.CntScoreMilli: int64(mean * 1000 * float64(cust)), feedbackbot.CntNegative: neg}
		accts = append(accts, feedbackbot.GroupStat{ID: id, Name: id})
	}
	// five very happy accounts, three mildly happy ones, two unhappy ones, one flat
	for i, v := range []float64{0.8, 0.85, 0.9, 0.75, 0.8} {
		add(fmt.Sprintf("glad%d", i), 20, 10, v, 0)
	}
	for i, v := range []float64{0.2, 0.15, 0.25} {
		add(fmt.Sprintf("mild%d", i), 20, 10, v, 2)
	}
	add("sad0", 20, 10, -0.6, 14)
	add("sad1", 20, 10, -0.5, 12)
	add("flat", 20, 10, 0.01, 5)
	add("torn", 20, 10, 0.06, 8)   // slightly positive on average, 40% negative
	add("angry", 20, 10, 0.02, 11) // over half negative
	want := map[string]string{"mild0": "happy", "mild1": "happy", "mild2": "happy", "glad0": "happy",
		"sad0": "unhappy", "sad1": "unhappy", "flat": "mixed", "torn": "mixed", "angry": "unhappy"}
	for _, seg := range segments(accts, raw) {
		for _, id := range seg.Accounts {
			if w, ok := want[id]; ok && !slices.Contains(strings.Split(seg.Name, ", "), w) {
				t.Errorf("%s is in segment %q, want its mood %q", id, seg.Name, w)
			}
		}
	}
}

// TestSegmentWordsAreTrueOfEachAccount: a segment called "active" holds no
// account that wrote less than the accounts' mean (standardised), one called
// "quiet" none that wrote more, and "little staff contact" only accounts staff
// answered well below the others (a new user's review: an account of three
// messages was "quiet" beside an "active" one of one).
func TestSegmentWordsAreTrueOfEachAccount(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for trial := range 200 {
		raw := map[string]map[string]int64{}
		var accts []feedbackbot.GroupStat
		for i := range 4 + r.IntN(12) {
			id := fmt.Sprintf("a%d", i)
			cust := int64(1 + r.IntN(30))
			raw[id] = map[string]int64{feedbackbot.CntCustomer: cust, feedbackbot.CntStaff: int64(r.IntN(20)),
				feedbackbot.CntScoreMilli: int64((r.Float64()*2 - 1) * 1000 * float64(cust)), feedbackbot.CntNegative: int64(r.IntN(int(cust) + 1))}
			accts = append(accts, feedbackbot.GroupStat{ID: id, Name: id})
		}
		x := mat.NewDense(len(accts), 4, nil)
		for i, a := range accts {
			c := raw[a.ID]
			cust := float64(c[feedbackbot.CntCustomer])
			x.SetRow(i, []float64{math.Log1p(cust), 0, 0, float64(c[feedbackbot.CntStaff]) / cust})
		}
		z := stats.Standardise(x)
		row := map[string]int{}
		for i, a := range accts {
			row[a.ID] = i
		}
		for _, seg := range segments(accts, raw) {
			words := strings.Split(seg.Name, ", ")
			for _, id := range seg.Accounts {
				v, staff := z.At(row[id], 0), z.At(row[id], 3)
				if slices.Contains(words, "active") && v < 0 || slices.Contains(words, "quiet") && v >= 0 ||
					slices.Contains(words, "little staff contact") && staff >= -0.5 {
					t.Fatalf("trial %d: %s (volume z %.2f, staff z %.2f) is in segment %q", trial, id, v, staff, seg.Name)
				}
			}
		}
	}
}

// TestInWorkspaceFitsDiscordsCustomID: an alert button's value names the alert's
// workspace after a '|' unless the button's custom id would pass Discord's 100
// characters; buttonTarget reads it back, and a value without one (a button posted
// before, or an account id holding an '@') is the presser's workspace's.
func TestInWorkspaceFitsDiscordsCustomID(t *testing.T) {
	if got := inWorkspace("alert.ack", "3c284f1d264e0728", "100000000000000001"); got != "3c284f1d264e0728|100000000000000001" {
		t.Errorf("short: %q", got)
	}
	long := strings.Repeat("a", 80)
	if got := inWorkspace("account.open", long, "100000000000000001"); got != long {
		t.Errorf("too long for Discord, the workspace is left out: %q", got)
	}
	if got := inWorkspace("account.open", strings.Repeat("é", 40), "G1"); got != strings.Repeat("é", 40)+"|G1" {
		t.Errorf("characters, not bytes: %q", got)
	}
	if got := inWorkspace("alert.ack", "fp", ""); got != "fp" {
		t.Errorf("no workspace: %q", got)
	}
	for _, c := range []struct{ value, ws, rest string }{
		{"fp|G2", "G2", "fp"}, {"fp", "T1", "fp"}, {"fp|", "T1", "fp|"}, {"acme@eu", "T1", "acme@eu"}, {"acme@eu|G2", "G2", "acme@eu"},
	} {
		cmd, rest := buttonTarget(feedbackbot.Command{Workspace: "T1", Button: true}, c.value)
		if cmd.Workspace != c.ws || rest != c.rest {
			t.Errorf("buttonTarget(%q) = %q, %q; want %q, %q", c.value, cmd.Workspace, rest, c.ws, c.rest)
		}
	}
}

// TestSharesAddUpTo100: the digest's positive · neutral · negative shares add up
// to 100% (rounded each on its own they made 99% or 101%).
func TestSharesAddUpTo100(t *testing.T) {
	for _, c := range []struct {
		of    int64
		parts []int64
		want  string
	}{
		{38, []int64{13, 15, 10}, "34% · 40% · 26%"},
		{3, []int64{1, 1, 1}, "34% · 33% · 33%"},
		{200, []int64{100, 50, 50}, "50% · 25% · 25%"},
		{0, []int64{0, 0, 0}, "0% · 0% · 0%"},
		{7, []int64{7, 0, 0}, "100% · 0% · 0%"},
		{10, []int64{3, 3, 3}, "30% · 30% · 30%"}, // parts short of the whole: not stretched to 100
	} {
		if got := shares(c.of, c.parts...); got != c.want {
			t.Errorf("shares(%d, %v) = %q, want %q", c.of, c.parts, got, c.want)
		}
	}
}
