package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// RetentionStore is what the retention job needs: the store's Expire, the workspaces,
// the documents that quote messages (survey answers, alerts) and a once-marker so that
// one replica runs each day's pass.
type RetentionStore interface {
	Expire(ctx context.Context, workspace string, before time.Time) (int, error)
	Workspaces(ctx context.Context) ([]string, error)
	evidenceDocs
	DeleteDoc(ctx context.Context, workspace, kind, id string) error
}

// Expired says what ExpireOld deleted.
type Expired struct {
	Messages      int `json:"messages"`
	SurveyAnswers int `json:"survey_answers"`
	// Evidence counts quotes of expired messages removed from stored alerts.
	Evidence int `json:"alert_evidence"`
	// DigestQuotes counts quotes of expired messages removed from posted digests'
	// records (their messages in the chat are edited on the scheduler's next tick).
	DigestQuotes int `json:"digest_quotes"`
	// Corrections counts staff's corrections of expired messages deleted.
	Corrections int `json:"corrections"`
}

// Add sums two results.
func (e Expired) Add(o Expired) Expired {
	return Expired{Messages: e.Messages + o.Messages, SurveyAnswers: e.SurveyAnswers + o.SurveyAnswers, Evidence: e.Evidence + o.Evidence,
		DigestQuotes: e.DigestQuotes + o.DigestQuotes, Corrections: e.Corrections + o.Corrections}
}

// ExpireOld deletes what a workspace holds from before before: messages (text,
// analysis, log entries; hourly rollups are kept), survey answers, quotes of such
// messages in stored alerts (an alert keeps its figures) and staff's corrections of
// them. It is idempotent.
func ExpireOld(ctx context.Context, st RetentionStore, workspace string, before time.Time) (Expired, error) {
	var out Expired
	var err error
	if out.Messages, err = st.Expire(ctx, workspace, before); err != nil {
		return out, fmt.Errorf("expire %s: messages: %w", workspace, err)
	}
	out.SurveyAnswers, err = deleteSurveyAnswers(ctx, st, workspace, surveyWeek(before), func(a SurveyAnswer) bool {
		return !a.Time.IsZero() && a.Time.Before(before)
	})
	if err != nil {
		return out, fmt.Errorf("expire %s: %w", workspace, err)
	}
	dropQ, dropEv := quotesBefore(before)
	out.Evidence, _, err = rewriteAlerts(ctx, st, workspace, func(al *feedbackbot.Alert) (int, bool) {
		n := dropEvidence(al, dropEv)
		// A message of the alert may show an expired quote that has left its
		// reasons since (a repeat replaced it: health reads 14 days, retention
		// keeps 60 at least, so nearly every replaced message does): QuotedFrom
		// says so, and the re-render takes it out of the chat.
		shown := !al.QuotedFrom.IsZero() && al.QuotedFrom.Before(before)
		return n, n > 0 || shown
	})
	if err != nil {
		return out, fmt.Errorf("expire %s: %w", workspace, err)
	}
	if out.DigestQuotes, _, err = rewriteDigests(ctx, st, workspace, digestCut{quote: dropQ, evidence: dropEv}); err != nil {
		return out, fmt.Errorf("expire %s: %w", workspace, err)
	}
	out.Corrections, _, err = dropCorrections(ctx, st, workspace, func(_ string, c feedbackbot.Correction) bool {
		return !c.MessageTime.IsZero() && c.MessageTime.Before(before)
	}, "")
	if err != nil {
		return out, fmt.Errorf("expire %s: %w", workspace, err)
	}
	return out, nil
}

// evidenceDocs is what rewriteAlerts needs.
type evidenceDocs interface {
	ListDocs(ctx context.Context, workspace, kind string) (map[string][]byte, error)
	GetDoc(ctx context.Context, workspace, kind, id string) ([]byte, error)
	PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// rewriteAlerts applies edit to every stored alert of a workspace and saves those
// it changed; a posted one is marked Redacted, so the alerter's next pass edits its
// chat messages too. It returns the sum of what edit counted.
func rewriteAlerts(ctx context.Context, st evidenceDocs, workspace string, edit func(*feedbackbot.Alert) (n int, changed bool)) (total, changed int, err error) {
	ids, err := alertsTouched(ctx, st, workspace, edit)
	if err != nil {
		return 0, 0, err
	}
	for _, id := range ids {
		// Read again and written under the alert's lease, so an alerter's pass saving
		// its copy meanwhile keeps the edit (see Alerter.save).
		err := withAlertLease(ctx, st, workspace, id, func() error {
			raw, err := st.GetDoc(ctx, workspace, DocAlert, id)
			if feedbackbot.IsNotFound(err) {
				return nil
			}
			if err != nil {
				return err
			}
			var al feedbackbot.Alert
			if json.Unmarshal(raw, &al) != nil {
				return nil
			}
			n, did := edit(&al)
			if !did {
				return nil
			}
			markRedacted(&al)
			b, err := json.Marshal(al)
			if err != nil {
				return err
			}
			if err := st.PutDoc(ctx, workspace, DocAlert, id, b); err != nil {
				return err
			}
			total += n
			changed++
			return nil
		})
		if err != nil {
			return total, changed, fmt.Errorf("alert %s: %w", id, err)
		}
	}
	return total, changed, nil
}

// alertsTouched lists, sorted, the ids of workspace's stored alerts that edit
// changes, tried on copies: a first look, without the leases (most alerts are
// not touched), for rewriteAlerts and for PersonHeld's count.
func alertsTouched(ctx context.Context, st evidenceDocs, workspace string, edit func(*feedbackbot.Alert) (n int, changed bool)) ([]string, error) {
	alerts, err := st.ListDocs(ctx, workspace, DocAlert)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	var ids []string
	for _, id := range slices.Sorted(maps.Keys(alerts)) {
		var al feedbackbot.Alert
		if json.Unmarshal(alerts[id], &al) != nil {
			continue
		}
		if _, did := edit(&al); did {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// dropEvidence removes the evidence drop selects from an alert's reasons and
// returns how many items it removed.
func dropEvidence(al *feedbackbot.Alert, drop func(feedbackbot.Evidence) bool) int {
	removed := 0
	for i := range al.Reasons {
		kept := al.Reasons[i].Evidence[:0]
		for _, e := range al.Reasons[i].Evidence {
			if drop(e) {
				removed++
				continue
			}
			kept = append(kept, e)
		}
		al.Reasons[i].Evidence = kept
	}
	return removed
}

// auditSystem records something the service did on its own (user "retention").
func auditSystem(ctx context.Context, st interface {
	PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error
}, workspace string, now time.Time, action, target string) error {
	raw, err := json.Marshal(auditEntry{Time: now, Platform: "system", User: "retention", Action: action, Target: target})
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if err := st.PutDoc(ctx, workspace, DocAudit, fmt.Sprintf("%020d-retention", now.UnixNano()), raw); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// Retention runs ExpireOld over every workspace once a day. Several replicas may run
// one each: a once-marker per day picks the one that works, and a pass that fails
// part-way is finished by the next (ExpireOld is idempotent). Each pass that deleted
// something is written to the workspace's audit log, and on the embedded store
// rewrites its file (Compact) so the deleted bytes leave the disk.
type Retention struct {
	Store interface {
		RetentionStore
		Once(ctx context.Context, name string, ttl time.Duration) (bool, error)
	}
	// MaxAge is how long messages are kept; zero turns the job off.
	MaxAge time.Duration
	Logger *slog.Logger
}

// RunOnce does the pass of now's UTC day unless a replica already did it. It
// returns ran=false when another replica has it.
func (r *Retention) RunOnce(ctx context.Context, now time.Time) (total Expired, ran bool, err error) {
	if r.MaxAge <= 0 {
		return total, false, nil
	}
	day := now.UTC().Format(time.DateOnly)
	if ok, err := r.Store.Once(ctx, "retention:"+day, 48*time.Hour); err != nil || !ok {
		return total, false, err
	}
	before := now.Add(-r.MaxAge)
	wss, err := r.Store.Workspaces(ctx)
	if err != nil {
		return total, true, fmt.Errorf("retention: workspaces: %w", err)
	}
	log := r.logger()
	var errs []error
	for _, ws := range wss {
		res, err := ExpireOld(ctx, r.Store, ws, before)
		total = total.Add(res)
		if err != nil {
			// What was deleted before the error is audited all the same: the next
			// pass will not find it again. The other workspaces still get their pass.
			errs = append(errs, fmt.Errorf("retention: %w", err))
		}
		if res == (Expired{}) {
			continue
		}
		// (a pass that deleted only staff's corrections said "0 messages, 0 survey
		// answers, 0 alert quotes": a review's find)
		log.InfoContext(ctx, "retention: expired old data", "workspace", ws, "before", before.Format(time.RFC3339),
			"messages", res.Messages, "survey_answers", res.SurveyAnswers, "alert_quotes", res.Evidence, "digest_quotes", res.DigestQuotes,
			"corrections", res.Corrections)
		if err := auditSystem(context.WithoutCancel(ctx), r.Store, ws, now, "expire", fmt.Sprintf("older than %s: %s, %s, %s, %s, %s",
			before.Format(time.RFC3339), feedbackbot.Plural(res.Messages, "message"), feedbackbot.Plural(res.SurveyAnswers, "survey answer"),
			feedbackbot.Plural(res.Evidence, "alert quote"), feedbackbot.Plural(res.DigestQuotes, "digest quote"), feedbackbot.Plural(res.Corrections, "staff correction"))); err != nil {
			errs = append(errs, fmt.Errorf("retention: %w", err))
		}
	}
	if total != (Expired{}) {
		// The embedded store keeps deleted bytes in free pages of its file until
		// they are reused: rewrite it, as feedbackbot expire does, so the expired
		// text is gone from the disk too (it stayed until a forget or expire by
		// hand). After a failure part-way too: what was deleted left bytes.
		if c, ok := optional(r.Store).(compacter); ok {
			start := time.Now()
			if err := c.Compact(ctx); err != nil {
				errs = append(errs, fmt.Errorf("retention: the expired data is deleted, but rewriting the store file to remove its bytes failed (a later pass that deletes something tries again; feedbackbot expire rewrites it now): %w", err))
			} else {
				log.InfoContext(ctx, "retention: rewrote the store file, so no expired bytes remain in it", "took", time.Since(start).Round(time.Millisecond))
			}
		}
	}
	return total, true, errors.Join(errs...)
}

// Run calls RunOnce now and then every hour (so a new day is picked up within an hour)
// until ctx ends. Errors are logged; the next day's pass finishes what one left.
func (r *Retention) Run(ctx context.Context, every time.Duration, clock func() time.Time) {
	if r.MaxAge <= 0 {
		return
	}
	if every <= 0 {
		every = time.Hour
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, _, err := r.RunOnce(ctx, clock()); err != nil && ctx.Err() == nil {
			r.logger().WarnContext(ctx, "retention pass failed; the next one finishes it", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *Retention) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}
