package bot

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
)

func TestAlertFollowUp(t *testing.T) {
	from := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	to := from.Add(7 * 24 * time.Hour)
	at := func(h float64) time.Time { return from.Add(time.Duration(h * float64(time.Hour))) }
	score := func(n int) *int { return &n }
	alert := func(id string, raised float64, mod func(*feedbackbot.Alert)) feedbackbot.Alert {
		a := feedbackbot.Alert{Account: feedbackbot.Account{ID: id, Name: "Name " + id}, Cause: health.ReasonSentimentLow,
			RaisedAt: at(raised), Score: 20, RaisedScore: score(20)}
		if mod != nil {
			mod(&a)
		}
		return a
	}
	acked := func(h float64) func(*feedbackbot.Alert) {
		return func(a *feedbackbot.Alert) { a.AckedAt, a.AckedBy = at(h), "maria" }
	}
	recovered := func(h float64, now int) func(*feedbackbot.Alert) {
		return func(a *feedbackbot.Alert) { a.ResolvedAt, a.Recovered, a.Score = at(h), true, now }
	}
	f64 := func(x float64) *float64 { return &x }
	brief := func(id string, raised float64, answered bool) feedbackbot.AlertBrief {
		return feedbackbot.AlertBrief{Account: "Name " + id, AccountID: id, RaisedAt: at(raised), RaisedScore: score(20), Score: 20, Answered: answered}
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
				Open: []feedbackbot.AlertBrief{brief("a", 10, true), brief("b", 20, true)}}},
		{name: "raised before the period, nobody answered",
			alerts: []feedbackbot.Alert{alert("a", -48, nil)},
			want:   &feedbackbot.AlertFollowUp{OpenCount: 1, Unanswered: 1, Open: []feedbackbot.AlertBrief{brief("a", -48, false)}}},
		{name: "recovered in the period",
			alerts: []feedbackbot.Alert{alert("a", -24, func(a *feedbackbot.Alert) { acked(-23)(a); recovered(24, 70)(a) }),
				alert("b", 0, recovered(96, 65))},
			want: &feedbackbot.AlertFollowUp{Raised: 1, RecoveredMinutes: f64(72 * 60),
				Recovered: []feedbackbot.AlertBrief{
					{Account: "Name a", AccountID: "a", RaisedAt: at(-24), RaisedScore: score(20), Score: 70, Answered: true, ResolvedAt: at(24)},
					{Account: "Name b", AccountID: "b", RaisedAt: at(0), RaisedScore: score(20), Score: 65, ResolvedAt: at(96)}}}},
		{name: "over before the period began",
			alerts: []feedbackbot.Alert{alert("a", -72, recovered(-1, 70))}},
		{name: "folded into another alert in the period: no recovery",
			alerts: []feedbackbot.Alert{alert("a", -72, func(a *feedbackbot.Alert) { a.ResolvedAt = at(5) })}},
		{name: "a reply-due heads-up is not followed up",
			alerts: []feedbackbot.Alert{alert("a", 5, func(a *feedbackbot.Alert) { a.Cause = health.ReasonReplyDue })}},
		{name: "raised after the period (a later episode)",
			alerts: []feedbackbot.Alert{alert("a", 7*24+1, nil)}},
		{name: "answered and recovered after the period: open and unanswered at its end",
			alerts: []feedbackbot.Alert{alert("a", 100, func(a *feedbackbot.Alert) { acked(7*24 + 2)(a); recovered(7*24+5, 80)(a) })},
			want: &feedbackbot.AlertFollowUp{Raised: 1, OpenCount: 1, Unanswered: 1,
				Open: []feedbackbot.AlertBrief{{Account: "Name a", AccountID: "a", RaisedAt: at(100), RaisedScore: score(20), Score: 80}}}},
		{name: "answered before the time was kept: answered, no median",
			alerts: []feedbackbot.Alert{alert("a", 1, func(a *feedbackbot.Alert) { a.AckedBy, a.RaisedScore = "maria", nil })},
			want: &feedbackbot.AlertFollowUp{Raised: 1, Answered: 1, OpenCount: 1,
				Open: []feedbackbot.AlertBrief{{Account: "Name a", AccountID: "a", RaisedAt: at(1), Score: 20, Answered: true}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := alertFollowUp(tc.alerts, nil, from, to)
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
	f := alertFollowUp(alerts, map[string]feedbackbot.Account{"h": {ID: "h", Name: "Hotel Corp"}}, from, from.Add(24*time.Hour))
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
	return s
}
