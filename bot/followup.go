package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/analysis/stats"
)

// maxFollowUpOpen is how many open alerts a digest's follow-up lists by name.
const maxFollowUpOpen = 5

// listAlerts decodes a workspace's alerts by fingerprint (each its latest
// episode, with the earlier ones it keeps): what the alerter's pass and the
// digest's follow-up read. An alert that does not decode (a document damaged, or
// written by a version whose form this one cannot read) is left out and handed to
// bad, when set: one such document failed every pass, so no account's alert was
// raised, updated or closed any more, and every digest with it.
func listAlerts(ctx context.Context, st interface {
	ListDocs(ctx context.Context, workspace, kind string) (map[string][]byte, error)
}, workspace string, bad func(id string, err error)) (map[string]*feedbackbot.Alert, error) {
	raw, err := st.ListDocs(ctx, workspace, DocAlert)
	if err != nil {
		return nil, fmt.Errorf("alerts: list: %w", err)
	}
	return decodeAlerts(raw, bad), nil
}

// decodeAlerts decodes alert documents by id, leaving out (and handing to bad,
// when set) those that do not decode.
func decodeAlerts(raw map[string][]byte, bad func(id string, err error)) map[string]*feedbackbot.Alert {
	out := make(map[string]*feedbackbot.Alert, len(raw))
	for id, r := range raw {
		var al feedbackbot.Alert
		if err := json.Unmarshal(r, &al); err != nil {
			if bad != nil {
				bad(id, err)
			}
			continue
		}
		out[id] = &al
	}
	return out
}

// alertFollowUp measures what became of the at-risk alerts over [from, to): the
// alerts raised in it and how soon staff answered them (acknowledged or snoozed),
// the alerts still open at to and how many nobody answered, and the accounts that
// recovered in it and how long that took. It reads the alerts' own times, every
// episode of each (Alert.Episodes), not their status now, so a digest of a past
// period counts them as they were at its end. Nil when none was raised, open or
// recovered in the period.
func alertFollowUp(alerts map[string]*feedbackbot.Alert, accounts map[string]feedbackbot.Account, from, to time.Time) *feedbackbot.AlertFollowUp {
	var f feedbackbot.AlertFollowUp
	var answerMins, recoverMins []float64
	for _, al := range alerts {
		if al.Cause == health.ReasonReplyDue {
			continue // a heads-up: response times cover it
		}
		name := cmp.Or(accounts[al.Account.ID].Name, al.Account.Name, al.Account.ID)
		for i, ep := range append(slices.Clone(al.Episodes), al.Episode()) {
			current := i == len(al.Episodes)
			if ep.RaisedAt.IsZero() || !ep.RaisedAt.Before(to) {
				continue // raised after the period
			}
			resolved := !ep.ResolvedAt.IsZero() && ep.ResolvedAt.Before(to)
			if resolved && ep.ResolvedAt.Before(from) {
				continue // over before the period began
			}
			answered := !ep.AckedAt.IsZero() && ep.AckedAt.Before(to)
			if !resolved { // open at to: answered then, not since or before and opened again
				if was, known := feedbackbot.AnsweredAtTime(ep.Answered, to.Add(-time.Nanosecond)); known {
					answered = was
				} else if current {
					answered = answeredAt(al, to)
				}
			}
			brief := feedbackbot.AlertBrief{Account: name, AccountID: al.Account.ID, RaisedAt: ep.RaisedAt, RaisedScore: ep.RaisedScore,
				Answered: answered}
			if !ep.RaisedAt.Before(from) {
				f.Raised++
				if !ep.AckedAt.IsZero() && ep.AckedAt.Before(to) {
					f.Answered++
					answerMins = append(answerMins, max(0, ep.AckedAt.Sub(ep.RaisedAt).Minutes()))
				} else if answered {
					f.Answered++ // answered before the time of it was kept
				}
			}
			switch {
			case !resolved:
				f.OpenCount++
				if !answered {
					f.Unanswered++
				}
				if ep.ResolvedAt.IsZero() { // open still: its health now
					brief.Score = &al.Score
				} else { // over since the period ended: its health then is not kept
					brief.Score = ep.RaisedScore
				}
				brief.Snoozed = current && al.SnoozedAt(to) && answered
				f.Open = append(f.Open, brief)
			case ep.Recovered:
				brief.ResolvedAt, brief.Score = ep.ResolvedAt, &ep.Score
				f.Recovered = append(f.Recovered, brief)
				recoverMins = append(recoverMins, ep.ResolvedAt.Sub(ep.RaisedAt).Minutes())
			case ep.ClosedReason == ClosedSilent:
				brief.ResolvedAt = ep.ResolvedAt
				f.WentSilent = append(f.WentSilent, brief)
			case ep.ClosedReason == ClosedChurnStands:
				brief.ResolvedAt = ep.ResolvedAt
				f.ChurnStands = append(f.ChurnStands, brief)
			}
		}
	}
	if f.Raised == 0 && f.OpenCount == 0 && len(f.Recovered) == 0 && len(f.WentSilent) == 0 && len(f.ChurnStands) == 0 {
		return nil // (only alerts taken over by another in the period)
	}
	slices.SortFunc(f.Open, func(a, b feedbackbot.AlertBrief) int {
		return cmp.Or(a.RaisedAt.Compare(b.RaisedAt), cmp.Compare(a.AccountID, b.AccountID))
	})
	f.Open = f.Open[:min(len(f.Open), maxFollowUpOpen)]
	for _, l := range [][]feedbackbot.AlertBrief{f.Recovered, f.WentSilent, f.ChurnStands} {
		slices.SortFunc(l, func(a, b feedbackbot.AlertBrief) int {
			return cmp.Or(a.ResolvedAt.Compare(b.ResolvedAt), cmp.Compare(a.AccountID, b.AccountID))
		})
	}
	f.AnsweredMinutes, f.RecoveredMinutes = medianPtr(answerMins), medianPtr(recoverMins)
	return &f
}

// answeredAt says whether staff had answered an open alert's current episode by
// to: acknowledged or snoozed then, and not opened again since (AnsweredAt); an
// alert answered before AnsweredAt was kept says so by its status alone.
func answeredAt(al *feedbackbot.Alert, to time.Time) bool {
	if !al.AnsweredAt.IsZero() {
		return al.AnsweredAt.Before(to)
	}
	// (opened again since, its status says open)
	return al.AckedBy != "" && (al.Status == feedbackbot.AlertAcknowledged || al.Status == feedbackbot.AlertSnoozed)
}

// medianPtr is stats.Median of xs, nil when there are none.
func medianPtr(xs []float64) *float64 {
	m, ok := stats.Median(xs)
	if !ok {
		return nil
	}
	return &m
}
