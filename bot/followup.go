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

// readAlerts decodes a workspace's alerts (every episode's latest state, one an
// alert fingerprint).
func readAlerts(ctx context.Context, st interface {
	ListDocs(ctx context.Context, workspace, kind string) (map[string][]byte, error)
}, workspace string) ([]feedbackbot.Alert, error) {
	raw, err := st.ListDocs(ctx, workspace, DocAlert)
	if err != nil {
		return nil, fmt.Errorf("digest: read alerts: %w", err)
	}
	out := make([]feedbackbot.Alert, 0, len(raw))
	for id, r := range raw {
		var al feedbackbot.Alert
		if err := json.Unmarshal(r, &al); err != nil {
			return nil, fmt.Errorf("digest: decode alert %s: %w", id, err)
		}
		out = append(out, al)
	}
	return out, nil
}

// alertFollowUp measures what became of the at-risk alerts over [from, to): the
// alerts raised in it and how soon staff answered them (acknowledged or snoozed),
// the alerts still open at to and how many nobody answered, and the accounts that
// recovered in it and how long that took. It reads the alerts' own timestamps,
// not their status now, so a digest of a past period counts them as they were at
// its end (as far as a later episode of the same alert, which replaces its
// times, allows). Nil when none was raised, open or recovered in the period.
func alertFollowUp(alerts []feedbackbot.Alert, accounts map[string]feedbackbot.Account, from, to time.Time) *feedbackbot.AlertFollowUp {
	var f feedbackbot.AlertFollowUp
	var answerMins, recoverMins []float64
	for _, al := range alerts {
		if al.Cause == health.ReasonReplyDue || al.RaisedAt.IsZero() || !al.RaisedAt.Before(to) {
			continue // a heads-up, or raised after the period
		}
		resolved := !al.ResolvedAt.IsZero() && al.ResolvedAt.Before(to)
		if resolved && al.ResolvedAt.Before(from) {
			continue // over before the period began
		}
		// Answered by the period's end: an answer's time is kept since AckedAt was;
		// an older alert answered says so by AckedBy alone, with no time.
		answered := (!al.AckedAt.IsZero() && al.AckedAt.Before(to)) || (al.AckedAt.IsZero() && al.AckedBy != "")
		brief := feedbackbot.AlertBrief{
			Account: cmp.Or(accounts[al.Account.ID].Name, al.Account.Name, al.Account.ID), AccountID: al.Account.ID,
			RaisedAt: al.RaisedAt, RaisedScore: al.RaisedScore, Score: al.Score, Answered: answered,
		}
		if !al.RaisedAt.Before(from) {
			f.Raised++
			if answered {
				f.Answered++
				if !al.AckedAt.IsZero() && !al.AckedAt.Before(al.RaisedAt) {
					answerMins = append(answerMins, al.AckedAt.Sub(al.RaisedAt).Minutes())
				}
			}
		}
		switch {
		case !resolved:
			f.OpenCount++
			if !answered {
				f.Unanswered++
			}
			f.Open = append(f.Open, brief)
		case al.Recovered:
			brief.ResolvedAt = al.ResolvedAt
			f.Recovered = append(f.Recovered, brief)
			recoverMins = append(recoverMins, al.ResolvedAt.Sub(al.RaisedAt).Minutes())
		}
	}
	if f.Raised == 0 && f.OpenCount == 0 && len(f.Recovered) == 0 {
		return nil // (only alerts folded into another in the period)
	}
	slices.SortFunc(f.Open, func(a, b feedbackbot.AlertBrief) int {
		return cmp.Or(a.RaisedAt.Compare(b.RaisedAt), cmp.Compare(a.AccountID, b.AccountID))
	})
	f.Open = f.Open[:min(len(f.Open), maxFollowUpOpen)]
	slices.SortFunc(f.Recovered, func(a, b feedbackbot.AlertBrief) int {
		return cmp.Or(a.ResolvedAt.Compare(b.ResolvedAt), cmp.Compare(a.AccountID, b.AccountID))
	})
	f.AnsweredMinutes, f.RecoveredMinutes = medianPtr(answerMins), medianPtr(recoverMins)
	return &f
}

// medianPtr is stats.Median of xs, nil when there are none.
func medianPtr(xs []float64) *float64 {
	m, ok := stats.Median(xs)
	if !ok {
		return nil
	}
	return &m
}
