package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
)

// AlertPoster posts alerts, updates them in place when new evidence arrives, and
// deletes one an erasure may not edit any more (its channel refused since: a
// deletion adds nothing there to read). Update and Delete of a message gone
// return ENOTFOUND.
type AlertPoster interface {
	Poster
	Update(ctx context.Context, ref feedbackbot.PostRef, doc feedbackbot.Document) error
	Delete(ctx context.Context, ref feedbackbot.PostRef) error
}

// AlertStore keeps alert state as documents; a lease an alert holds each change
// to it together (the alerter's and a staff member's button press).
type AlertStore interface {
	ListDocs(ctx context.Context, workspace, kind string) (map[string][]byte, error)
	GetDoc(ctx context.Context, workspace, kind, id string) ([]byte, error)
	docsGetter // (who is forgotten, in one read: forgottenOf)
	PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error
	// DeleteDoc drops an announcement of a post once it is saved (docAlertPosting),
	// and CreateDoc makes one again only where there is none (dropSwept).
	DeleteDoc(ctx context.Context, workspace, kind, id string) error
	CreateDoc(ctx context.Context, workspace, kind, id string, data []byte) (created bool, err error)
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Alerter turns account health into alerts the way a good pager does: one alert per
// account at a time (its id, the fingerprint, from the cause that raised it), not
// repeated before RepeatInterval unless it is worse than when last sent (10 health
// points, or a greater severity), updated in place with new evidence and causes,
// acknowledged or snoozed alerts left alone, and a "recovered" notice when the
// account is no longer at risk.
type Alerter struct {
	Store          AlertStore
	Poster         AlertPoster
	Channel        string
	RepeatInterval time.Duration
	// MinSeverity routes lesser alerts to the digest only (its at-risk list): with
	// SeverityCritical, warnings are not posted as alerts. Zero posts every alert.
	MinSeverity feedbackbot.Severity
	Logger      *slog.Logger
	// Holder, when set, is who holds the alerts lease (AlertsLease) the passes run
	// under (run's replica id): every post renews it first (KeepLease), and a pass
	// that finds it held by another replica ends there, posting nothing more
	// (ErrAlertsLeaseLost). Its saves and edits, which do not renew it, leave an
	// alert another replica's pass told the channel about since to that pass
	// (see save). Empty, nothing is renewed (the demo's replays, tests).
	Holder string
	// (Evaluate is not safe for concurrent use: one pass at a time, as the alerts
	// lease has it.)

	// asRead is each alert as Evaluate listed it: a press saved after that, or a
	// redaction (while the pass ran), is kept by save, not overwritten; and an
	// alert told about since by another replica's pass is not saved at all.
	asRead map[string]alertAsRead
	// unsaved are the alerts whose message (a raise, a repeat, a recovery notice)
	// went out but whose save failed, by workspace and fingerprint: the next pass
	// saves them before it reads the alerts, instead of posting them again (as the
	// scheduler's unrecorded digests; the alerts lease keeps the passes on this
	// replica while it lives).
	unsaved map[string]unsavedAlert
	// search is for the announced posts of alerts never saved (findAnnounced).
	search announcedSearch
	// searched are the alerts whose announced post this pass looked for
	// (findAnnounced): sweepNotices leaves them to their next post's search.
	searched map[string]bool
	// notice is the announcement this pass made of the post in hand (post).
	notice *postNotice
}

// alertAsRead is what save compares the stored alert with.
type alertAsRead struct {
	answered time.Time
	redacted bool
	evidence map[string]bool // evidenceKey of each item
	notified time.Time       // when the channel was last told
	posts    []feedbackbot.PostRef
}

// unsavedAlert is an alert posted but not saved, and the stored alert as the pass
// that posted it read it.
type unsavedAlert struct {
	al     feedbackbot.Alert
	read   alertAsRead
	posted feedbackbot.PostRef // the message posted
	notice *postNotice         // its announcement (docAlertPosting), if the pass made one
}

// evidenceKey identifies an item of evidence.
func evidenceKey(e feedbackbot.Evidence) string {
	return e.MessageKey + "\x00" + e.Author + "\x00" + e.Quote + "\x00" + e.Figure
}

func evidenceKeys(al *feedbackbot.Alert) map[string]bool {
	keys := map[string]bool{}
	for _, r := range al.Reasons {
		for _, e := range r.Evidence {
			keys[evidenceKey(e)] = true
		}
	}
	return keys
}

// AlertOutcome says what Evaluate did.
type AlertOutcome struct {
	Raised, Updated, Repeated, Resolved, Quiet int
	// Elsewhere counts alerts this pass would have posted (raised, repeated or
	// closed) or edited in place that another replica's pass told the channel
	// about since this pass listed them, or was posting as it came to them: left
	// to that pass. (A save of such an alert is dropped too, see saveLocked: a
	// quiet one still counts as Quiet.)
	Elsewhere int
	// Inhibited counts at-risk accounts whose top cause is not their open alert's:
	// the cause is folded into that alert rather than raised as another.
	Inhibited int
	// DigestOnly counts at-risk accounts below MinSeverity, left to the digest.
	DigestOnly int
	// Swept counts messages passes posted and stopped before saving, named by
	// no alert since, that this pass deleted (sweepNotices).
	Swept int
}

// worsened is how many health points an open alert must lose to be re-sent early.
const worsened = 10

// The alerts lease: the replica holding it runs the alert passes (run takes it
// at every tick, for AlertsLeaseTTL, and renews it before every workspace; the
// alerter renews it before every post, see Alerter.Holder).
const (
	AlertsLease    = "alerts"
	AlertsLeaseTTL = 10 * time.Minute
)

// ErrAlertsLeaseLost is what a pass returns (wrapped) when the alerts lease was
// held by another replica as it was about to post: it ended there. The other
// replica evaluates the alerts now (this pass outlived the lease).
var ErrAlertsLeaseLost = errors.New("the alerts lease is held by another replica now")

// KeepLease renews the alerts lease Holder holds (it is taken again when it ran
// out and nobody took it meanwhile), returning ErrAlertsLeaseLost when another
// replica holds it. Without a Holder there is nothing to renew. One store round
// trip.
func (a *Alerter) KeepLease(ctx context.Context) error {
	if a.Holder == "" {
		return nil
	}
	ok, err := a.Store.AcquireLease(ctx, AlertsLease, a.Holder, AlertsLeaseTTL)
	if err != nil {
		return fmt.Errorf("alerts: renew the alerts lease: %w", err)
	}
	if !ok {
		return ErrAlertsLeaseLost
	}
	return nil
}

// Why an alert closed without its account recovering (feedbackbot.Alert's
// ClosedReason).
const (
	// ClosedMerged: the account's other open alert took it over (it is still at
	// risk).
	ClosedMerged = "merged"
	// ClosedSilent: nothing from the account's customers since the alert (see
	// recoveredOnWhatWasSaid: its health rose as older evidence aged out),
	// nothing left to assess (Health.Silent), or it was not listed any more:
	// "not a recovery".
	ClosedSilent = "silent"
	// ClosedChurnStands: an alert for churn signals closed with the account no
	// longer at risk, but its customers did not say, after it, enough that was not
	// negative for the signals to count as taken back (churnTakenBack): "not a
	// recovery" either, and not silence (they may have written).
	ClosedChurnStands = "churn_stands"
	// ClosedForgotten: the account is a person whose data was erased (forget).
	ClosedForgotten = "forgotten"
)

// Evaluate applies the at-risk list of one workspace as of now.
func (a *Alerter) Evaluate(ctx context.Context, workspace string, hs []feedbackbot.Health, now time.Time) (AlertOutcome, error) {
	var out AlertOutcome
	if err := a.saveUnsaved(ctx, workspace); err != nil {
		return out, err // (the store is still away: nothing is posted meanwhile)
	}
	existing, err := listAlerts(ctx, a.Store, workspace, func(id string, err error) {
		a.log().Warn("alerts: an alert document cannot be read: left out of this pass (an alert raised again for its account and cause replaces it)",
			"workspace", workspace, "alert", id, "err", err)
	})
	if err != nil {
		return out, err
	}
	a.asRead = make(map[string]alertAsRead, len(existing))
	a.searched = map[string]bool{}
	for id, al := range existing {
		a.asRead[id] = alertAsRead{answered: al.AnsweredAt, redacted: al.Redacted, evidence: evidenceKeys(al), notified: al.NotifiedAt, posts: slices.Clone(al.Posts)}
	}
	if err := a.rerenderRedacted(ctx, existing, now); err != nil {
		return out, err
	}
	// One alert per account at a time: while an account stays at risk, its open alert
	// carries on whatever its top reason now is (the reasons' order moves with every
	// message and every hour a question waits), so a new cause never pages again nor
	// marks the account "recovered"; it updates the alert, and pages when worse.
	ongoing, others := openByAccount(existing)
	var failed []error // alerts this pass could not raise or update, each
	healthOf := map[string]feedbackbot.Health{}
	current, merged := map[string]bool{}, map[string]bool{}
	for _, h := range hs {
		if err := ctx.Err(); err != nil {
			// Stopped (SIGTERM): a post in flight finished (notify); nothing
			// more is posted or saved.
			return out, errors.Join(slices.Concat(failed, []error{fmt.Errorf("alerts: pass stopped: %w", err)})...)
		}
		healthOf[h.Account.ID] = h
		if !h.AtRisk && !HasReason(h, health.ReasonReplyDue) {
			continue
		}
		cand := AlertFor(workspace, h, now)
		var prev *feedbackbot.Alert
		if h.AtRisk {
			// (a reply-due heads-up for an account no longer at risk is an alert of its
			// own: folded into the account's old alert it was never posted)
			prev = ongoing[h.Account.ID]
			// The account's other open alerts (a heads-up raised before it was at
			// risk, an older state's second alert) close without a "recovered": it
			// just became, or still is, at risk (a heads-up whose question then
			// passed its target was closed as "Recovered" right after the new alert).
			for _, fp := range others[h.Account.ID] { // (heads-ups included)
				merged[fp] = true
			}
		}
		if prev == nil && cand.Severity < a.MinSeverity {
			out.DigestOnly++
			current[cand.Fingerprint] = true // not a recovery: still in the digest's list
			continue
		}
		if prev != nil {
			if prev.Fingerprint != cand.Fingerprint {
				out.Inhibited++ // folded into the account's open alert
				cand.Fingerprint = prev.Fingerprint
			}
		} else {
			prev = existing[cand.Fingerprint]
		}
		current[cand.Fingerprint] = true
		if err := a.raiseOrUpdate(ctx, prev, cand, now, &out); err != nil {
			// A post the platform refused for this alert alone does not hold back
			// the others'. Anything else (the store failing to save, the platform
			// down) ends the pass as before: going on, a store that could not save
			// had every new alert posted again at every pass (a review's find).
			// (nor does an alert held back because the search for its announced
			// post failed: the others are posted, and it waits for the next pass)
			if c := feedbackbot.ErrorCode(err); ctx.Err() != nil || (c != feedbackbot.EUNAUTHORIZED && c != feedbackbot.ENOTFOUND && !errors.Is(err, errUnsearched)) {
				return out, errors.Join(slices.Concat(failed, []error{err})...)
			}
			failed = append(failed, err)
		}
	}
	ids := make([]string, 0, len(existing))
	for id := range existing {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return out, errors.Join(slices.Concat(failed, []error{fmt.Errorf("alerts: pass stopped: %w", err)})...)
		}
		al := existing[id]
		if current[id] || al.Status == feedbackbot.AlertResolved {
			continue
		}
		if !al.ResolvedAt.IsZero() && !al.ResolvedAt.Before(al.RaisedAt) {
			// Resolved in this episode already, and opened since by a button pressed
			// as it was resolved (before presses and passes took the alert's lease):
			// closed again without a second "Recovered".
			al.Status, al.UpdatedAt = feedbackbot.AlertResolved, now
			if err := a.save(ctx, al); err != nil {
				return out, err
			}
			continue
		}
		al.Status, al.ResolvedAt, al.UpdatedAt = feedbackbot.AlertResolved, now, now
		if merged[id] {
			// the account is still at risk, under its other alert: no "recovered"
			al.ClosedReason = ClosedMerged
			if err := a.save(ctx, al); err != nil {
				return out, err
			}
			continue
		}
		// Not at risk any more: close the loop, with the score it has now. An
		// account whose customers said nothing since the alert (its health rose as
		// older evidence aged out of the weeks health reads), with nothing left to
		// assess (its messages moved to another account or were erased), or not
		// listed any more, has not recovered: its alert closes saying so, with the
		// score it last had (a "Recovered ... 100/100" for an account that stopped
		// writing told the team the opposite of what that silence often means).
		// (a reply-due heads-up closes as no reply due any more, whatever the
		// account did since)
		h, ok := healthOf[al.Account.ID]
		switch {
		case ok && (al.Cause == health.ReasonReplyDue || !h.Silent && recoveredOnWhatWasSaid(h, al, now)):
			al.Score, al.Recovered = h.Score, true
		case ok && !h.Silent && hurtByChurn(al) && h.LastCustomerAt.After(al.RaisedAt):
			// they wrote since, but did not take it back
			al.Score, al.ClosedReason = h.Score, ClosedChurnStands
		default:
			al.ClosedReason = ClosedSilent
		}
		posted, err := a.notify(ctx, al, true)
		if err != nil {
			return out, errors.Join(slices.Concat(failed, []error{err})...)
		}
		if posted {
			out.Resolved++
		} else {
			out.Elsewhere++
		}
	}
	if f, ok := a.Poster.(postFinder); ok {
		n, err := a.sweepNotices(ctx, f, workspace, now)
		out.Swept += n
		if err != nil {
			failed = append(failed, err)
		}
	}
	return out, errors.Join(failed...)
}

// recoveredOnWhatWasSaid says whether a health that came back rests on something
// the account's customers said since its alert was raised (a message, a survey
// answer), or, for an alert that a question waited unanswered, which a staff
// reply ends, on something they said in the recent window health judges. A health
// that rose otherwise rose only as older evidence aged out of its windows (a
// complaint left the recent window, leaving too few messages to judge sentiment;
// an account gone quiet has too few active days left in its baseline), which is
// not a recovery. A staff reply since the alert is not enough (it prompts one: a
// review's find), nor are customer messages in the window from before the alert
// (they were the complaint: another's). An alert for churn signals asks more
// (churnTakenBack), now being the pass's time.
func recoveredOnWhatWasSaid(h feedbackbot.Health, al *feedbackbot.Alert, now time.Time) bool {
	if hurtByChurn(al) {
		return churnTakenBack(h, al, now)
	}
	if al.Cause == health.ReasonUnanswered {
		return h.RecentMessages > 0 || h.RecentRatings > 0
	}
	return h.LastCustomerAt.After(al.RaisedAt) || h.LastRatingAt.After(al.RaisedAt)
}

// churnRecoveryMessages is how many customer messages the recent window must hold
// for an alert whose churn signals aged out to close as recovered: as many as
// health needs to judge their sentiment at all (with fewer it judges none, and
// "not negative" would only mean "not judged").
const churnRecoveryMessages = 3

// churnWindow is how long health counts a churn signal: its baseline (8 weeks by
// default; health finds older days' signals from the account-day counters). A
// signal older than that has aged out.
var churnWindow = health.Params{}.WithDefaults().Baseline

// hurtByChurn says whether al's hurting reasons, as its last pass at risk left
// them, included a churn signal (a customer said they may cancel, downgrade,
// switch vendor, or asked for their data).
func hurtByChurn(al *feedbackbot.Alert) bool {
	if al.Cause == health.ReasonChurnSignal {
		return true
	}
	for _, r := range al.Reasons {
		if r.Code == health.ReasonChurnSignal && r.Impact < 0 {
			return true
		}
	}
	return false
}

// churnTakenBack is when an alert whose hurting reasons included a churn signal
// closes as "Recovered", as of now: when what the account's customers said after
// it outweighs the statement, which a success team reads as "they stayed, and
// kept talking to us":
//   - no churn signal hurts the health now (one still counted is not taken back);
//   - the customers wrote after the alert was raised (a survey answer alone is
//     not enough);
//   - what they said is not negative: no low or falling sentiment, no share of
//     negative messages, no poor survey answers hurts the health;
//   - and, when the signals merely aged out (the newest churn message the alert
//     quoted is older than the recent window health judges), the customers kept
//     talking: the recent window holds at least churnRecoveryMessages of their
//     messages, all from after the signals, enough for health to judge them. A
//     signal that left the health while still recent was taken back (its message
//     edited, its tag corrected: "-cancellation"), and one message is as much a
//     recovery as for any other alert.
//
// Anything else closes as not a recovery (ClosedSilent: "check in with them"): a
// single polite reply ("ok, got the export, thanks" is how a customer who is
// leaving signs off) while the statement ages out was announced as "Recovered
// ... 100/100" for a customer who had asked for their data to move to another
// vendor (a review's find).
func churnTakenBack(h feedbackbot.Health, al *feedbackbot.Alert, now time.Time) bool {
	if hurtBy(h, health.ReasonChurnSignal) || !h.LastCustomerAt.After(al.RaisedAt) {
		return false
	}
	for _, code := range []string{health.ReasonSentimentLow, health.ReasonSentimentDrop, health.ReasonNegativeShare, health.ReasonLowRatings} {
		if hurtBy(h, code) {
			return false
		}
	}
	var newest time.Time // the newest churn message the alert quoted (zero: none known)
	for _, r := range al.Reasons {
		if r.Code != health.ReasonChurnSignal {
			continue
		}
		for _, e := range r.Evidence {
			if e.Time.After(newest) {
				newest = e.Time
			}
		}
	}
	agedOut := !newest.IsZero() && now.Sub(newest) >= churnWindow
	return !agedOut || h.RecentMessages >= churnRecoveryMessages
}

// closedColour is the colour of a closed alert's messages: a recovery's, or a
// warning's for one closed without recovering ("check in with them").
func closedColour(al *feedbackbot.Alert) string {
	if al.ClosedReason != "" {
		return "warning"
	}
	return "good"
}

// openByAccount is each account's open (not resolved) alert, not counting reply-due
// heads-ups (they stand alone, as they are raised): the most severe, then the
// earliest raised, then by fingerprint; and the fingerprints of the account's other
// open alerts (state written before alerts were kept one per account may hold
// several).
func openByAccount(existing map[string]*feedbackbot.Alert) (ongoing map[string]*feedbackbot.Alert, others map[string][]string) {
	ongoing, byAccount := map[string]*feedbackbot.Alert{}, map[string][]*feedbackbot.Alert{}
	for _, id := range slices.Sorted(maps.Keys(existing)) {
		al := existing[id]
		if !open(al) {
			continue
		}
		acct := al.Account.ID
		byAccount[acct] = append(byAccount[acct], al)
		if al.Cause == health.ReasonReplyDue {
			continue
		}
		if cur := ongoing[acct]; cur == nil || al.Severity > cur.Severity || (al.Severity == cur.Severity && al.RaisedAt.Before(cur.RaisedAt)) {
			ongoing[acct] = al
		}
	}
	others = map[string][]string{}
	for acct, als := range byAccount {
		for _, al := range als {
			if al != ongoing[acct] {
				others[acct] = append(others[acct], al.Fingerprint)
			}
		}
	}
	return ongoing, others
}

// rerenderRedacted edits the posted messages of alerts whose evidence was removed
// (forget, retention) so that no removed quote stays in the chat, as of now. A
// message whose channel may not be posted to any more (shared with another
// organisation, open to the community, no longer internal since) is deleted
// instead: a deletion adds nothing for the channel to read. A message already gone is done with; one that
// could be neither edited nor deleted (an outage) is tried again next pass.
func (a *Alerter) rerenderRedacted(ctx context.Context, existing map[string]*feedbackbot.Alert, now time.Time) error {
	for _, id := range slices.Sorted(maps.Keys(existing)) {
		al := existing[id]
		if !al.Redacted {
			continue
		}
		shown := *al
		if shown.Status == feedbackbot.AlertSnoozed && !shown.SnoozedAt(now) {
			// (its snooze ran out: this pass opens it again after the edit, and
			// nothing edits the message again then; it said "Snoozed by …")
			shown.Status = feedbackbot.AlertOpen
		}
		doc := AlertDocument(shown)
		if al.Status == feedbackbot.AlertResolved {
			doc.Color = closedColour(al)
		}
		done, gone := true, false
		for _, ref := range al.LivePosts() { // (a deleted one is gone: not edited again)
			g, err := replacePost(ctx, a.Poster, ref, doc)
			if g {
				a.log().Info("a posted alert message is gone from its channel (deleted: the channel may not be posted to any more, or deleted there already)", "alert", al.Fingerprint, "channel", ref.Destination)
				al.NoteDeleted(ref)
				gone = true
			}
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				done = false
				a.log().Warn("could not remove erased quotes from a posted alert (tried again next pass); edit or delete it by hand", "alert", al.Fingerprint, "channel", ref.Destination, "err", err)
			}
		}
		if !done {
			if gone {
				// (what is gone is kept, the rest tried again next pass: lost with
				// the pass, the next found them gone and counted none, a review
				// found)
				if err := a.save(ctx, al); err != nil {
					return err
				}
			}
			continue
		}
		al.Redacted = false
		al.QuotedAfresh() // (every message shows the alert's evidence now, and no more)
		if err := a.save(ctx, al); err != nil {
			return err
		}
	}
	return nil
}

func open(a *feedbackbot.Alert) bool { return a.Status != feedbackbot.AlertResolved }

func (a *Alerter) raiseOrUpdate(ctx context.Context, prev *feedbackbot.Alert, cand feedbackbot.Alert, now time.Time, out *AlertOutcome) error {
	if prev == nil || prev.Status == feedbackbot.AlertResolved {
		if prev != nil { // an earlier episode's messages stay known, for erasures
			cand.Earlier = slices.Concat(prev.Earlier, prev.Posts)
			cand.Deleted = prev.Deleted     // (and which of them are gone)
			cand.Answerers = prev.Answerers // (and who pressed them)
			// and whom they quote, and since when: a message a repeat replaced is
			// never edited at the recovery, and kept its quotes in the chat when
			// the new episode quoted someone else (forget and retention did not
			// find it, a review found)
			cand.Quoted, cand.QuotedFrom = slices.Clone(prev.Quoted), prev.QuotedFrom
			// and the edits they still need (one that failed: a quote of someone
			// forgotten since, no longer among Quoted, stayed in the chat)
			cand.Redacted = prev.Redacted
			// and what became of it, for the digests' follow-up
			cand.Episodes = slices.DeleteFunc(append(slices.Clone(prev.Episodes), prev.Episode()), func(e feedbackbot.AlertEpisode) bool {
				return now.Sub(e.ResolvedAt) > feedbackbot.AlertEpisodesKept
			})
			cand.Episodes = cand.Episodes[max(0, len(cand.Episodes)-feedbackbot.MaxAlertEpisodes):]
		}
		raised := cand.Score
		cand.RaisedScore = &raised
		posted, err := a.notify(ctx, &cand, false)
		if err != nil {
			return err
		}
		if posted {
			out.Raised++
		} else {
			out.Elsewhere++
		}
		return nil
	}
	al := *prev
	al.Score, al.Reasons, al.Severity, al.Cause, al.NextStep, al.UpdatedAt = cand.Score, cand.Reasons, cand.Severity, cand.Cause, cand.NextStep, now
	// As this pass ranked the account, or not at all (fewer than five accounts to
	// rank): a standing kept from an earlier pass read as current.
	al.Engagement = cand.Engagement
	// A customer who says they are cancelling (or switching, downgrading, taking
	// their data) since the channel was told is news whatever the score: an alert
	// at health 5 cannot lose 10 more points, and one critical already cannot
	// become more so, so an acknowledged one was never told again (a review's
	// find). It opens an acknowledged or snoozed alert again, and posts.
	churn := newChurnSignal(prev, &cand)
	switch {
	case al.SnoozedAt(now) && !churn:
		if evidenceChanged(prev, &al) && len(al.Posts) > 0 {
			// (an edit, not a page: the snoozed message shows what the customers
			// say now, an edited quote as they left it)
			if elsewhere, err := a.editedElsewhere(ctx, &al, out); err != nil || elsewhere {
				return err
			}
			if err := a.editPosts(ctx, &al); err != nil {
				return err
			}
			out.Updated++
		} else {
			out.Quiet++
		}
		return a.save(ctx, &al)
	case al.Status == feedbackbot.AlertSnoozed:
		al.Reopen(now) // the snooze ran out, or a churn signal came since
	}
	// worse than when the channel was last told (not than the last pass: a slide of
	// a few points a pass is worse all the same)
	notifiedScore, notifiedSeverity := prev.NotifiedScore, prev.NotifiedSeverity
	if prev.NotifiedAt.IsZero() || (notifiedScore == 0 && notifiedSeverity == 0) {
		notifiedScore, notifiedSeverity = prev.Score, prev.Severity // (saved before these were kept)
	}
	worse := cand.Score <= notifiedScore-worsened || cand.Severity > notifiedSeverity || churn
	// (an alert eased below MinSeverity stays in place, updated, and is not sent
	// again: warnings are for the digest; it was re-sent every RepeatInterval)
	due := now.Sub(prev.NotifiedAt) >= a.RepeatInterval && al.Status == feedbackbot.AlertOpen && cand.Severity >= a.MinSeverity
	switch {
	case worse || due:
		if worse && al.Status == feedbackbot.AlertAcknowledged {
			al.Reopen(now) // a worse cause deserves fresh eyes
		}
		posted, err := a.notify(ctx, &al, false)
		if err != nil {
			return err
		}
		if posted {
			out.Repeated++
		} else {
			out.Elsewhere++
		}
	case evidenceChanged(prev, &al) && len(al.Posts) > 0:
		if elsewhere, err := a.editedElsewhere(ctx, &al, out); err != nil || elsewhere {
			return err
		}
		if err := a.editPosts(ctx, &al); err != nil {
			return err
		}
		out.Updated++
		return a.save(ctx, &al)
	default:
		out.Quiet++
		return a.save(ctx, &al)
	}
	return nil
}

// editedElsewhere says whether another replica's pass told the channel about al
// since this pass listed it (notifiedElsewhere: one store read), counting it in
// out.Elsewhere: al's messages are not edited with this pass's evidence (the
// save would be dropped all the same, see saveLocked). Only alerts whose
// evidence changed pay the read.
func (a *Alerter) editedElsewhere(ctx context.Context, al *feedbackbot.Alert, out *AlertOutcome) (bool, error) {
	elsewhere, err := a.notifiedElsewhere(ctx, al)
	if elsewhere {
		out.Elsewhere++
	}
	return elsewhere, err
}

// editPosts edits al's posted message with its new evidence (an edit, not a page).
// An edit that fails does not hold back the alert's new evidence: it is saved all
// the same. A message deleted in the chat, or in a channel that may not be posted
// to any more, is no longer the alert's message (kept among the earlier ones, for
// an erasure to reach): the next repeat posts a new one. It fails only when ctx
// ended.
func (a *Alerter) editPosts(ctx context.Context, al *feedbackbot.Alert) error {
	var posts []feedbackbot.PostRef
	for _, ref := range al.Posts {
		err := a.Poster.Update(ctx, ref, AlertDocument(*al))
		switch {
		case err == nil:
			posts = append(posts, ref)
		case ctx.Err() != nil:
			return fmt.Errorf("alerts: update %s: %w", al.Fingerprint, err)
		case feedbackbot.IsNotFound(err) || feedbackbot.ErrorCode(err) == feedbackbot.EUNAUTHORIZED:
			a.log().Warn("alerts: the alert's message cannot be edited any more; the next repeat posts a new one", "alert", al.Fingerprint, "channel", ref.Destination, "err", err)
			al.Earlier = append(al.Earlier, ref)
			if feedbackbot.IsNotFound(err) {
				al.NoteDeleted(ref) // (gone: no channel event looks for it again)
			}
		default:
			a.log().Warn("alerts: could not edit the alert's message with its new evidence", "alert", al.Fingerprint, "channel", ref.Destination, "err", err)
			posts = append(posts, ref)
		}
	}
	al.Posts = posts
	al.NoteQuoted()
	return nil
}

// newChurnSignal says whether cand, the new state of the at-risk alert prev (as
// last saved), carries a churn signal prev did not: a churn_signal reason prev
// had none of, more signals counted than prev's reason counted (churnCount: a
// signal health counts without quoting it, from a day it did not read), or a
// churn message (its evidence, the newest few) prev's did not quote and newer
// than every one it did. Every pass that finds one tells the channel
// (raiseOrUpdate), and every other edits the posted message with its evidence,
// so prev's churn evidence is what the channel was last told or shown. A quote
// not shown before but older (a statement taken back: the newest deleted, edited,
// its tag corrected or its author forgotten, so an older one moved into the
// newest few) is no new signal: nothing new was said (it reopened and paged an
// acknowledged alert, a review's find). A quote whose time is not known (nor
// the newest shown's) is new unless the count is known to have fallen. A
// reply-due heads-up (an account not at risk) is not paged again for one.
func newChurnSignal(prev, cand *feedbackbot.Alert) bool {
	if cand.Cause == health.ReasonReplyDue {
		return false
	}
	told, had := map[string]bool{}, false
	var newest time.Time // the newest churn message shown (zero: none known)
	count := -1          // how many signals prev's reason counted (-1: not known)
	for _, r := range prev.Reasons {
		if r.Code == health.ReasonChurnSignal && r.Impact < 0 {
			had = true
			if n, ok := churnCount(r); ok {
				count = max(count, n)
			}
			for _, e := range r.Evidence {
				told[e.MessageKey] = true
				if e.Time.After(newest) {
					newest = e.Time
				}
			}
		}
	}
	for _, r := range cand.Reasons {
		if r.Code != health.ReasonChurnSignal || r.Impact >= 0 {
			continue
		}
		if !had {
			return true
		}
		n, known := churnCount(r)
		known = known && count >= 0
		if known && n > count {
			return true
		}
		for _, e := range r.Evidence {
			if e.MessageKey == "" || told[e.MessageKey] {
				continue
			}
			if !e.Time.IsZero() && !newest.IsZero() {
				if e.Time.After(newest) {
					return true
				}
				continue // (older than what was shown: one taken back)
			}
			if !known || n >= count {
				return true
			}
		}
	}
	return false
}

// churnCount is how many churn signals a churn_signal reason counts: its Count,
// or for a reason saved before Count was kept, as health wrote it at the start of
// its text ("4 churn signals: cancellation, ..."); ok is false when neither tells
// (the impact, capped, cannot).
func churnCount(r feedbackbot.Reason) (n int, ok bool) {
	if r.Count > 0 {
		return r.Count, true
	}
	digits := r.Text[:len(r.Text)-len(strings.TrimLeft(r.Text, "0123456789"))]
	if digits == "" || !strings.HasPrefix(r.Text[len(digits):], " churn signal") {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	return n, err == nil
}

// notifyLease is the name of the lease an alert's post is made under (its
// posting lease, taken as withLease takes one): not the alert's own lease
// (withAlertLease), which a staff member's press or an erasure takes while the
// message goes out. It lasts alertLeaseTTL: a post that takes longer (up to
// postGrace) is covered by the alerts lease, renewed just before it for 10
// minutes, which keeps other replicas' passes away meanwhile.
func notifyLease(workspace, fp string) string { return "alert-post:" + workspace + ":" + fp }

// notify posts a new message for the alert (or its close) and saves it,
// reporting whether it posted. Nothing is begun once ctx is done (SIGTERM: the
// pass stops). Before the post it
//   - renews the alerts lease (KeepLease): a pass that lost it ends here, posting
//     nothing (it outlived the lease, and another replica's pass has the alerts);
//   - takes the alert's posting lease (notifyLease, waiting for a post of it in
//     flight elsewhere, as withLease does), held until the alert is saved;
//   - and reads the stored alert again: one another replica's pass told the
//     channel about since this pass listed it (NotifiedAt moved) is that pass's,
//     and is not posted again (a pass that outlived its lease raised every alert
//     the next replica's had raised meanwhile: a review's find).
//
// That is five store round trips a post on top of the post and the save (the
// renewal, with a Holder; the posting lease taken and given back; the read, and
// the same read after the post: see post), none for an alert that is not posted. The post and the save, once begun, finish
// even at shutdown (within postGrace): an alert posted but not saved would be
// raised again by the next pass.
func (a *Alerter) notify(ctx context.Context, al *feedbackbot.Alert, resolved bool) (posted bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("alerts: %s not posted, the pass was stopped: %w", al.Fingerprint, err)
	}
	if err := a.KeepLease(ctx); err != nil {
		return false, fmt.Errorf("alerts: %s not posted: %w", al.Fingerprint, err)
	}
	err = withLease(ctx, a.Store, notifyLease(al.Workspace, al.Fingerprint), "the post of alert "+al.Fingerprint, func() error {
		if err := ctx.Err(); err != nil { // (stopped while another replica posted it)
			return fmt.Errorf("alerts: %s not posted, the pass was stopped: %w", al.Fingerprint, err)
		}
		if elsewhere, err := a.notifiedElsewhere(ctx, al); err != nil || elsewhere {
			return err
		}
		var err error
		posted, err = a.post(ctx, al, resolved)
		return err
	})
	return posted, err
}

// notifiedElsewhere reads the stored alert al again, just before its post (its
// caller holds its posting lease) or an edit of its messages: told about since this pass listed it (its
// NotifiedAt is not the one the pass read; an alert the pass did not list, told
// about at all), it was another replica's pass's to tell. An alert not stored, or
// that cannot be decoded (saveLocked keeps what can be read of it), is posted.
func (a *Alerter) notifiedElsewhere(ctx context.Context, al *feedbackbot.Alert) (bool, error) {
	stored, err := a.toldElsewhere(ctx, al)
	return stored != nil, err
}

// toldElsewhere is notifiedElsewhere with the stored alert another pass told
// the channel about (nil when none did).
func (a *Alerter) toldElsewhere(ctx context.Context, al *feedbackbot.Alert) (*feedbackbot.Alert, error) {
	raw, err := a.Store.GetDoc(ctx, al.Workspace, DocAlert, al.Fingerprint)
	if feedbackbot.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("alerts: read %s before posting it: %w", al.Fingerprint, err)
	}
	var stored feedbackbot.Alert
	if json.Unmarshal(raw, &stored) != nil || stored.NotifiedAt.IsZero() || stored.NotifiedAt.Equal(a.asRead[al.Fingerprint].notified) {
		return nil, nil
	}
	a.log().Info("alerts: another replica's pass told the channel about this alert since this pass read it: left to that pass",
		"alert", al.Fingerprint, "notified", stored.NotifiedAt)
	return &stored, nil
}

// post posts al's message (or its close's notice) and saves it, reporting
// whether the message went out; notify's, under the alert's posting lease. The
// post and the save run on without ctx's end, for postGrace.
func (a *Alerter) post(ctx context.Context, al *feedbackbot.Alert, resolved bool) (bool, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), postGrace)
	defer cancel()
	doc := AlertDocument(*al)
	if resolved {
		doc.Color = closedColour(al)
		for _, ref := range al.Posts {
			// The original alert shows it is over; a short notice tells the channel.
			if err := a.Poster.Update(ctx, ref, doc); err != nil {
				a.log().Warn("could not mark the alert message closed", "alert", al.Fingerprint, "err", err)
			}
		}
	}
	// A pass can die (SIGKILL, a crash) between its post and its save: the next
	// replica's pass finds the alert untold and raises it again. So a raise or a
	// repeat is announced first (docAlertPosting) and carries a mark naming the
	// alert and the telling it follows (Document.Mark, unseen); a pass about to
	// post finds the announcement of the same telling, looks for the marked
	// message in the channel and, found, makes it this pass's (edited into its
	// document) instead of posting again. (A close's notice is posted again:
	// short, and a notice saved among the alert's earlier messages could not be
	// told from a copy kept there, see keepStored.)
	var ref feedbackbot.PostRef
	adopted, editFailed := false, false
	if !resolved {
		// (on Discord the mark makes a nonce too: a post tried again within
		// minutes of one that went out gets that one back)
		doc.Mark = alertMark(al, a.asRead[al.Fingerprint].notified)
	}
	if f, ok := a.Poster.(postFinder); ok && !resolved {
		mark := doc.Mark
		found, announced, err := a.findAnnounced(ctx, f, al, mark)
		if err != nil {
			return false, err
		}
		if found.ID != "" {
			// (its channel marked before it is saved: a replica of a version
			// before the marks posted it unmarked, a review found)
			if err := notePostedIn(ctx, a.Store, al.Workspace, found.Destination); err != nil {
				return false, fmt.Errorf("alerts: %s: %w", al.Fingerprint, err)
			}
			// The other pass built the message, perhaps quoting someone forgotten
			// since (whose erasure found no alert to clean): it is edited into
			// this pass's document, or, where the edit fails, marked for the next
			// pass's (Redacted). One deleted since is posted anew. One in a
			// channel refused since (shared with customers, made public) is
			// deleted there first, as an erasure deletes an alert it may no
			// longer edit: kept, it stayed in view, named by no alert (a review's
			// find); where the deletion fails, the announcement stays and the next
			// pass tries again.
			err := a.Poster.Update(ctx, found, doc)
			switch c := feedbackbot.ErrorCode(err); {
			case err == nil:
				ref, adopted = found, true
			case c == feedbackbot.ENOTFOUND:
				a.log().Warn("alerts: the message a stopped pass posted was found, and is gone since: posting anew", "alert", al.Fingerprint, "message", found.ID, "err", err)
			case c == feedbackbot.EUNAUTHORIZED:
				if derr := a.Poster.Delete(ctx, found); derr != nil && !feedbackbot.IsNotFound(derr) {
					return false, fmt.Errorf("alerts: the message a stopped pass posted for %s is in a channel refused since (%v) and could not be deleted there; the next pass tries again: %w",
						al.Fingerprint, err, derr)
				}
				a.log().Warn("alerts: the message a stopped pass posted was found in a channel refused since, and deleted there: posting anew", "alert", al.Fingerprint, "message", found.ID, "err", err)
			default:
				ref, adopted, editFailed = found, true, true
				a.log().Warn("alerts: the message found in the channel could not be edited into this pass's; the next pass edits it", "alert", al.Fingerprint, "message", found.ID, "err", err)
			}
		}
		if adopted {
			a.log().Warn("alerts: alert found in the channel, posted by a pass that stopped before saving it: saved, not posted again", "alert", al.Fingerprint, "message", found.ID)
			// (the stopped pass's announcement is this post's now: dropped once it
			// is saved, and swept up with its message meanwhile is not saved)
			a.notice = &announced
			defer func() { a.notice = nil }()
		} else {
			n := postNotice{Holder: a.Holder, At: al.UpdatedAt.UTC(), Mark: mark}
			raw, _ := json.Marshal(n)
			if err := a.Store.PutDoc(ctx, al.Workspace, docAlertPosting, al.Fingerprint, raw); err != nil {
				return false, fmt.Errorf("alerts: announce the post of %s: %w", al.Fingerprint, err)
			}
			a.notice = &n
			defer func() { a.notice = nil }()
		}
	}
	if !adopted {
		if err := notePostedIn(ctx, a.Store, al.Workspace, a.Channel); err != nil {
			return false, fmt.Errorf("alerts: post %s: %w", al.Fingerprint, err)
		}
		var err error
		if ref, err = a.Poster.Post(ctx, a.Channel, doc); err != nil {
			return false, fmt.Errorf("alerts: post %s: %w", al.Fingerprint, err)
		}
	}
	// A pass paused inside the post call past its leases (the posting lease's 10
	// seconds and the alerts lease's 10 minutes: SIGSTOP, a frozen VM) posts when
	// it resumes, though another replica's pass may have told the channel about
	// the alert meanwhile; no check before the post can see that. So the stored
	// alert is read again after it: told about elsewhere, it is that pass's, and
	// this copy is deleted rather than saved over it.
	if other, err := a.toldElsewhere(ctx, al); err != nil {
		a.log().Warn("alerts: could not check the alert after posting it; saving this post", "alert", al.Fingerprint, "err", err)
	} else if other != nil {
		if slices.Contains(other.Posts, ref) {
			// (the other pass found this message in the channel and saved it as
			// the alert's)
			return false, nil
		}
		err := a.deleteCopy(ctx, al, ref, "this pass was paused inside its post while another replica's told the channel")
		if err != nil {
			// Kept as unsaved: saving it finds the other pass's alert, which
			// keeps this message among its earlier ones (for an erasure to
			// reach), and deletes it again (it stayed in the channel, out of
			// every record, a review's find).
			c := cloneAlert(*al)
			notePosted(&c, ref, resolved)
			a.keepUnsaved(&c, ref)
		}
		return false, err
	}
	notePosted(al, ref, resolved)
	if editFailed {
		markRedacted(al)
	}
	// A pass paused inside its post past its leases and the announcement's
	// staleness (12 minutes: SIGSTOP, a frozen VM) finds its announcement swept
	// up by another replica's pass (its message deleted there as named by no
	// alert, or not found yet) or taken by a pass telling the alert now: saved,
	// the alert named a message deleted, or a second one (a review's find). Its
	// message goes, as a copy, and the alert stays untold, for the pass holding
	// the alerts lease; one the stored alert names (found and saved by another
	// pass) is that pass's. Checked under the alert's lease with the save, as
	// the sweep deletes under it: checked before, a sweep between the two
	// deleted the message saved (another review's find).
	var named, swept bool
	kept, err := a.saveKeptUnless(ctx, al, func() (bool, error) {
		if a.notice == nil {
			return false, nil
		}
		taken, err := a.noticeTaken(ctx, al.Workspace, al.Fingerprint, *a.notice)
		if err != nil {
			a.log().Warn("alerts: could not read the announcement of the alert just posted; saving this post", "alert", al.Fingerprint, "err", err)
			return false, nil
		}
		if !taken {
			return false, nil
		}
		// (a stored alert that cannot be read now leaves the message be: kept
		// unsaved, the next pass's saveUnsaved looks again; taken for unnamed, a
		// message another pass found and saved was deleted)
		if named, err = a.namedByStored(ctx, al.Workspace, al.Fingerprint, ref); err != nil {
			return true, err
		}
		swept = !named
		return true, nil
	})
	switch {
	case named:
		return false, nil
	case swept:
		return false, a.dropSwept(ctx, al, ref, *a.notice)
	}
	if err != nil {
		// The message is in the channel: the next pass saves it rather than
		// posting it again (it raised the alert a second time, a review's find).
		a.keepUnsaved(al, ref)
		a.log().Warn("alerts: posted, but not saved; the next pass saves it", "alert", al.Fingerprint, "err", err)
		return true, err
	}
	if kept && a.storedNames(ctx, al, ref) {
		return false, nil // (the other pass saved this message as the alert's, found in the channel)
	}
	if kept {
		// Two passes both read the alert untold after their posts, and the other
		// saved first (the save found it told since this pass read it, and kept
		// the other's): its message is the alert's, this copy is deleted. Until
		// it is, it is among the alert's earlier messages (keepStored), for an
		// erasure to reach; a message deleted is done with there.
		return false, a.deleteCopy(ctx, al, ref, "another replica's pass posted it too and saved first")
	}
	if a.notice != nil {
		a.dropNotice(ctx, al.Workspace, al.Fingerprint, *a.notice) // (saved: nothing left to find)
	}
	return true, nil
}

// docAlertPosting announces an alert's raise or repeat about to be posted, by
// fingerprint (a postNotice): what tells a later pass that an earlier one may
// have posted it and died before saving it. It is deleted once the alert is
// saved with the message; one left behind is a pass's that died (or whose
// delete failed), which a pass finds (findAnnounced) when it tells the same
// alert, or else sweeps up once it is staleNotice old (sweepNotices).
const docAlertPosting = "alert-posting"

// staleNotice is how old an alert's announcement must be before sweepNotices
// takes its pass for gone: the alerts lease it posted under, and the post's
// own grace after it.
const staleNotice = AlertsLeaseTTL + postGrace

// maxSweeps bounds the searches sweepNotices makes in one pass (each a page or
// more of the channel's history); the rest wait for the next passes.
const maxSweeps = 5

// dropNotice deletes the announcement of fp's post, if it is still n (another
// pass's announcement since is that pass's to drop). Its caller holds fp's
// posting lease (notifyLease), under which announcements are written.
func (a *Alerter) dropNotice(ctx context.Context, workspace, fp string, n postNotice) {
	taken, err := a.noticeTaken(ctx, workspace, fp, n)
	if err == nil && !taken {
		err = a.Store.DeleteDoc(ctx, workspace, docAlertPosting, fp)
	}
	if err != nil && !feedbackbot.IsNotFound(err) {
		a.log().Warn("alerts: could not delete the announcement of a post saved; a later pass looks for its message once (and keeps it)", "alert", fp, "err", err)
	}
}

// noticeTaken says whether fp's announcement is no longer n: deleted (swept
// up, or dropped after another pass's save) or overwritten by another pass's.
func (a *Alerter) noticeTaken(ctx context.Context, workspace, fp string, n postNotice) (bool, error) {
	raw, err := a.Store.GetDoc(ctx, workspace, docAlertPosting, fp)
	if feedbackbot.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("alerts: read the announcement of %s: %w", fp, err)
	}
	var cur postNotice
	if json.Unmarshal(raw, &cur) != nil {
		return true, nil
	}
	return cur.Holder != n.Holder || !cur.At.Equal(n.At) || cur.Mark != n.Mark, nil
}

// dropSwept deletes ref, al's message this pass posted under the announcement
// n, which was swept up or taken by another pass while this one was paused
// (noticeTaken). Where the deletion fails, n is announced again, for a later
// sweep to find the message and delete it (named by no alert); where another
// pass's announcement is there, the message is kept unsaved under n, and the
// next pass's saveUnsaved tries again (nothing would ever have found it: a
// review's find).
func (a *Alerter) dropSwept(ctx context.Context, al *feedbackbot.Alert, ref feedbackbot.PostRef, n postNotice) error {
	err := a.deleteCopy(ctx, al, ref, "this pass was paused past its leases, and its announcement was swept up or taken by another pass meanwhile")
	if err == nil {
		return nil
	}
	raw, _ := json.Marshal(n)
	created, perr := a.Store.CreateDoc(ctx, al.Workspace, docAlertPosting, al.Fingerprint, raw)
	if perr != nil || !created {
		a.keepUnsavedUnder(al, ref, &n, true)
	}
	if perr != nil {
		err = errors.Join(err, fmt.Errorf("alerts: announce %s's message again for a later sweep: %w", al.Fingerprint, perr))
	}
	return err
}

// sweepNotices takes up the announcements of alert posts left behind staleNotice
// ago or more by passes that posted and died before saving (or failed to
// delete the announcement after). findAnnounced adopts such a message only
// when a pass tells the same alert again at the same point, which may never
// come: the account recovered meanwhile (nothing to raise), its top cause
// changed (another alert, another fingerprint), or staff acknowledged it (no
// repeat). Its message then stayed in the channel, named by no alert (no
// erasure could reach it, no button on it worked) and, for a changed cause,
// beside the other alert's (a review's find). Each such announcement's
// message is looked for: one a stored alert names (among its messages or its
// earlier ones) is kept, one named by none is deleted, and the announcement is
// dropped; a search or a deletion that fails leaves it for the next pass
// (announcedSearch gives a search up after maxFindFails, and the
// announcement with it). It returns how many messages it deleted.
func (a *Alerter) sweepNotices(ctx context.Context, f postFinder, workspace string, now time.Time) (int, error) {
	docs, err := a.Store.ListDocs(ctx, workspace, docAlertPosting)
	if err != nil {
		return 0, fmt.Errorf("alerts: list the announced posts: %w", err)
	}
	deleted, searched := 0, 0
	var failed []error
	for _, fp := range slices.Sorted(maps.Keys(docs)) {
		if ctx.Err() != nil || searched == maxSweeps {
			break
		}
		var n postNotice
		if json.Unmarshal(docs[fp], &n) != nil || n.Mark == "" {
			if err := a.Store.DeleteDoc(ctx, workspace, docAlertPosting, fp); err != nil && !feedbackbot.IsNotFound(err) {
				failed = append(failed, fmt.Errorf("alerts: delete the unreadable announcement of %s: %w", fp, err))
			}
			continue // (nothing to look for)
		}
		if now.Sub(n.At) < staleNotice || a.searched[fp] {
			continue // a pass may be posting it, or have just; or this pass looked for it already
		}
		searched++
		err := withLease(ctx, a.Store, notifyLease(workspace, fp), "the sweep of alert "+fp+"'s announced post", func() error {
			found, err := a.search.find(ctx, f, a.Channel, n.Mark, n.At, n.Mark, "an announcement left behind is dropped unswept (its message, if posted, stays)",
				a.log().With("alert", fp, "announced_by", n.Holder))
			if err != nil {
				return fmt.Errorf("alerts: a pass announced the post of %s and never saved it, and %w", fp, err)
			}
			if found.ID == "" {
				a.dropNotice(ctx, workspace, fp, n)
				return nil
			}
			// Under the alert's lease, as a save is: a replica that kept the alert
			// unsaved (the store away for it alone) and saves it now, or a pass
			// paused between its post and its save, checks its announcement under
			// it too. The announcement is made the sweep's first (the same mark,
			// another holder): a save after the lease (the deletion outlasting it)
			// finds it taken and saves nothing, and a sweep stopped or killed
			// before its deletion leaves it for the next (dropped before the
			// deletion, a stop in between left the message for good, a review's
			// find); it is dropped once the message is gone.
			sweeping := postNotice{Holder: "sweep:" + cmp.Or(a.Holder, leaseHolder()), At: n.At, Mark: n.Mark}
			var orphan bool
			err = withAlertLease(ctx, a.Store, workspace, fp, func() error {
				named, err := a.namedByStored(ctx, workspace, fp, found)
				if err != nil {
					return err
				}
				if named { // (saved after all: its announcement's deletion failed)
					a.dropNotice(ctx, workspace, fp, n)
					return nil
				}
				orphan = true
				raw, _ := json.Marshal(sweeping)
				if err := a.Store.PutDoc(ctx, workspace, docAlertPosting, fp, raw); err != nil {
					return fmt.Errorf("alerts: take up the announced post of %s: %w", fp, err)
				}
				return nil
			})
			if err != nil || !orphan {
				return err
			}
			err = a.Poster.Delete(ctx, found)
			if err != nil && !feedbackbot.IsNotFound(err) {
				// (the announcement stays, the sweep's: the next pass tries again)
				return fmt.Errorf("alerts: delete the message of %s a stopped pass posted and no alert names (%s in %s): %w", fp, found.ID, found.Destination, err)
			}
			a.dropNotice(ctx, workspace, fp, sweeping)
			if err != nil {
				return nil // (gone already: deleted by hand, say)
			}
			deleted++
			a.log().Warn("alerts: a message posted by a pass that stopped before saving it, named by no alert since, was deleted", "alert", fp, "message", found.ID, "announced_by", n.Holder)
			return nil
		})
		if err != nil {
			failed = append(failed, err)
		}
	}
	return deleted, errors.Join(failed...)
}

// alertMark names the raise or repeat of al that follows its telling of
// notified (zero: never told), the same for every pass that read the alert so.
func alertMark(al *feedbackbot.Alert, notified time.Time) string {
	return "alert/" + al.Workspace + "/" + al.Fingerprint + "/" + notified.UTC().Format(time.RFC3339Nano)
}

// findAnnounced looks in the alerts channel for the post marked mark, announced
// and never saved, and returns it with its announcement. None announced (or one
// of another telling), or none found, is a zero PostRef; a channel that cannot be searched is an error, until
// maxFindFails searches have failed, when it is logged and taken as none (the
// alert is posted, perhaps again).
func (a *Alerter) findAnnounced(ctx context.Context, f postFinder, al *feedbackbot.Alert, mark string) (feedbackbot.PostRef, postNotice, error) {
	raw, err := a.Store.GetDoc(ctx, al.Workspace, docAlertPosting, al.Fingerprint)
	if feedbackbot.IsNotFound(err) {
		return feedbackbot.PostRef{}, postNotice{}, nil
	}
	if err != nil {
		return feedbackbot.PostRef{}, postNotice{}, fmt.Errorf("alerts: read the announced post of %s: %w", al.Fingerprint, err)
	}
	var n postNotice
	if json.Unmarshal(raw, &n) != nil || n.Mark != mark {
		return feedbackbot.PostRef{}, postNotice{}, nil
	}
	if a.searched != nil {
		a.searched[al.Fingerprint] = true
	}
	ref, err := a.search.find(ctx, f, a.Channel, mark, n.At, mark, "posting it (the channel may show it twice)", a.log().With("alert", al.Fingerprint, "announced_by", n.Holder))
	if err != nil {
		return feedbackbot.PostRef{}, postNotice{}, fmt.Errorf("alerts: a pass announced the post of %s and never saved it, and %w", al.Fingerprint, err)
	}
	return ref, n, nil
}

// storedNames says whether the stored alert al names ref as its message: another
// pass found ref in the channel and saved it (a read that fails says no).
func (a *Alerter) storedNames(ctx context.Context, al *feedbackbot.Alert, ref feedbackbot.PostRef) bool {
	raw, err := a.Store.GetDoc(ctx, al.Workspace, DocAlert, al.Fingerprint)
	var stored feedbackbot.Alert
	return err == nil && json.Unmarshal(raw, &stored) == nil && slices.Contains(stored.Posts, ref)
}

// namedByStored says whether fp's stored alert names ref, as its message or
// among its earlier ones: a message a pass posted under an announcement that
// was taken (post) or swept up (sweepNotices) is deleted only where it says
// no. None stored says no; one that cannot be decoded says yes (saveLocked
// keeps what can be read of one: it may name it, and the message stays); a
// read that fails is an error, deciding nothing.
func (a *Alerter) namedByStored(ctx context.Context, workspace, fp string, ref feedbackbot.PostRef) (bool, error) {
	raw, err := a.Store.GetDoc(ctx, workspace, DocAlert, fp)
	if feedbackbot.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("alerts: read %s to see whether it names message %s: %w", fp, ref.ID, err)
	}
	var stored feedbackbot.Alert
	if json.Unmarshal(raw, &stored) != nil {
		a.log().Warn("alerts: the alert of a message posted under an announcement since taken cannot be read; the message stays", "alert", fp, "message", ref.ID)
		return true, nil
	}
	return slices.Contains(stored.Posts, ref) || slices.Contains(stored.Earlier, ref), nil
}

// notePosted records ref, al's message just posted (a close's notice where
// resolved), in al: the messages it names, whom they quote, and when it was told.
func notePosted(al *feedbackbot.Alert, ref feedbackbot.PostRef, resolved bool) {
	if resolved {
		al.Earlier = append(al.Earlier, ref)
	} else {
		al.Earlier = append(al.Earlier, al.Posts...) // the message a repeat replaces
		al.Posts = []feedbackbot.PostRef{ref}
	}
	al.NoteQuoted()
	al.NotifiedAt = al.UpdatedAt
	if !resolved {
		al.NotifiedScore, al.NotifiedSeverity = al.Score, al.Severity
	}
}

// keepUnsaved keeps al, as posted with message ref, for SaveUnsaved (see
// Alerter.unsaved).
func (a *Alerter) keepUnsaved(al *feedbackbot.Alert, ref feedbackbot.PostRef) {
	a.keepUnsavedUnder(al, ref, a.notice, false)
}

// keepUnsavedUnder is keepUnsaved of a message posted under the announcement n
// (nil: none); a copy, to be deleted rather than saved (dropSwept), is kept
// apart from the alert's own message: under the alert's key, the next post of
// the alert, kept unsaved in turn, overwrote it, and the copy was then kept by
// nothing (a review's find).
func (a *Alerter) keepUnsavedUnder(al *feedbackbot.Alert, ref feedbackbot.PostRef, n *postNotice, isCopy bool) {
	if a.unsaved == nil {
		a.unsaved = map[string]unsavedAlert{}
	}
	key := al.Workspace + "\x00" + al.Fingerprint
	if isCopy {
		key += "\x00" + ref.Destination + "\x00" + ref.ID
	}
	a.unsaved[key] = unsavedAlert{al: cloneAlert(*al), read: a.asRead[al.Fingerprint], posted: ref, notice: n}
}

// deleteCopy deletes ref, a message this pass posted for al that another
// replica's pass told the channel about too (why says how it came to be
// posted twice): a message already gone is done with.
func (a *Alerter) deleteCopy(ctx context.Context, al *feedbackbot.Alert, ref feedbackbot.PostRef, why string) error {
	if err := a.Poster.Delete(ctx, ref); err != nil && !feedbackbot.IsNotFound(err) {
		return fmt.Errorf("alerts: %s posted twice (%s); deleting this copy (%s in %s): %w",
			al.Fingerprint, why, ref.ID, ref.Destination, err)
	}
	a.log().Warn("alerts: posted twice ("+why+"); this copy was deleted", "alert", al.Fingerprint, "message", ref.ID)
	return nil
}

// saveUnsaved saves the alerts of workspace an earlier pass posted but could not
// save (see Alerter.unsaved), each as it was posted, merged with what staff did
// to it since, as save does. An alert another replica's pass told the channel
// about since (this replica's alerts lease ran out while the store was away) is
// that pass's now: it is not overwritten, and this message joins its earlier
// ones, for an erasure to reach. An alert that cannot be saved yet stays kept.
//
// A person may have been forgotten since the alert was posted (forget, from the
// command line or another replica): the erasure found no stored alert to clean,
// or only the one before this message's new evidence. What it would have done is
// done here (see eraseForgotten), and the alert is marked Redacted, so the pass
// edits its posted messages: it was saved with their quote and id, and its
// message, quoting them, was never edited.
func (a *Alerter) saveUnsaved(ctx context.Context, workspace string) error {
	for _, k := range slices.Sorted(maps.Keys(a.unsaved)) {
		u := a.unsaved[k]
		if u.al.Workspace != workspace {
			continue
		}
		al := cloneAlert(u.al) // (a save that fails part-way leaves the kept one as it was)
		a.asRead = map[string]alertAsRead{al.Fingerprint: u.read}
		var forgotten map[string][]byte
		var done unsavedOutcome
		err := withAlertLease(ctx, a.Store, al.Workspace, al.Fingerprint, func() error {
			// (read under the lease, just before the write; read again after it, for
			// an erasure that marked someone forgotten between the two and found no
			// stored alert to clean: eraseSince)
			var err error
			forgotten, err = a.Store.ListDocs(ctx, al.Workspace, DocForgotten)
			if err != nil {
				return fmt.Errorf("alerts: people forgotten: %w", err)
			}
			if done, err = a.saveUnsavedLocked(ctx, &al, u, forgotten); err != nil {
				return err
			}
			return a.eraseSince(ctx, al.Workspace, al.Fingerprint, forgotten)
		})
		if err != nil {
			return err
		}
		delete(a.unsaved, k)
		if u.notice != nil && done != unsavedSwept {
			// (under the posting lease, as a post announces under it: read and
			// deleted without it, another pass's announcement written between
			// the two was deleted, and that pass took its own post for swept and
			// deleted it, a review's find)
			err := withLease(ctx, a.Store, notifyLease(al.Workspace, al.Fingerprint), "the announcement of alert "+al.Fingerprint, func() error {
				a.dropNotice(ctx, al.Workspace, al.Fingerprint, *u.notice)
				return nil
			})
			if err != nil {
				a.log().Warn("alerts: the announcement of an alert saved late was left for a later sweep (which keeps its message)", "alert", al.Fingerprint, "err", err)
			}
		}
		switch {
		case done == unsavedSaved:
			a.log().Info("alerts: saved an alert an earlier pass posted", "alert", al.Fingerprint)
		case done == unsavedLanded:
			a.log().Info("alerts: an alert an earlier pass posted was saved already (the store's answer was lost)", "alert", al.Fingerprint)
		case done == unsavedSwept:
			if err := a.dropSwept(ctx, &al, u.posted, *u.notice); err != nil {
				a.log().Warn("alerts: could not delete the message of an alert this replica could not save, swept up since by another's pass; announced again for a later sweep", "alert", al.Fingerprint, "err", err)
			}
		case u.posted.ID != "":
			// (another replica's pass told the channel meanwhile: its message is
			// the alert's; this copy, known among its earlier ones, is deleted)
			if err := a.deleteCopy(ctx, &al, u.posted, "another replica's pass told the channel while this one could not save"); err != nil {
				a.log().Warn("alerts: could not delete a copy of an alert another replica's pass posted too; it stays among the alert's earlier messages", "alert", al.Fingerprint, "err", err)
			}
		}
	}
	return nil
}

// SaveUnsaved saves every alert this replica posted but could not save (see
// saveUnsaved), in every workspace, whether or not it holds the alerts lease:
// a replica whose store went away after a post lost the lease meanwhile, and
// only its Evaluate, which needs the lease, saved them. Its message stayed in
// the channel unsaved, beside the one another replica's pass posted since: saved
// now, it is deleted as a copy of that one (saveUnsaved), or recorded as the
// alert's. It reports how many remain unsaved (the store still away).
func (a *Alerter) SaveUnsaved(ctx context.Context) (left int, err error) {
	wss := map[string]bool{}
	for _, u := range a.unsaved {
		wss[u.al.Workspace] = true
	}
	for _, ws := range slices.Sorted(maps.Keys(wss)) {
		err = errors.Join(err, a.saveUnsaved(ctx, ws))
	}
	return len(a.unsaved), err
}

// unsavedOutcome is what became of an unsaved alert (saveUnsavedLocked).
type unsavedOutcome int

const (
	unsavedSaved  unsavedOutcome = iota // saved now
	unsavedKept                         // another pass told the channel since: its alert kept, this post a copy
	unsavedLanded                       // the earlier save was written (its answer lost): nothing to do
	unsavedSwept                        // its announcement swept up or taken by another pass: not saved, its message a copy
)

// saveUnsavedLocked saves one unsaved alert, al (u as kept), as saveUnsaved
// describes, forgotten being the people forgotten, reporting what became of it;
// its caller holds the alert's lease. A stored alert that names u's message
// already is that earlier save's, written though its answer was lost (a
// connection reset): it may have been told about since (closed, repeated), and
// its message is the alert's, not a copy to delete.
func (a *Alerter) saveUnsavedLocked(ctx context.Context, al *feedbackbot.Alert, u unsavedAlert, forgotten map[string][]byte) (unsavedOutcome, error) {
	erased := eraseForgotten(al, forgotten)
	cur, err := a.Store.GetDoc(ctx, al.Workspace, DocAlert, al.Fingerprint)
	if err != nil && !feedbackbot.IsNotFound(err) {
		return unsavedSaved, fmt.Errorf("alerts: read %s before saving it: %w", al.Fingerprint, err)
	}
	var stored feedbackbot.Alert
	if err == nil && json.Unmarshal(cur, &stored) == nil {
		if u.posted.ID != "" && (slices.Contains(stored.Posts, u.posted) || slices.Contains(stored.Earlier, u.posted)) {
			return unsavedLanded, nil
		}
		if toldSince(&stored, u.read, al) {
			return unsavedKept, a.keepStored(ctx, al, &stored, forgotten, erased)
		}
	}
	if u.notice != nil {
		// (another replica's pass, holding the alerts lease while this replica
		// could not save, swept the announcement up after 12 minutes, deleting
		// the message as named by no alert: saved, the alert named a message
		// deleted, a review's find)
		if taken, err := a.noticeTaken(ctx, al.Workspace, al.Fingerprint, *u.notice); err != nil {
			return unsavedSaved, err
		} else if taken {
			return unsavedSwept, nil
		}
	}
	if erased {
		markRedacted(al)
	}
	kept, err := a.saveLocked(ctx, al)
	if kept {
		return unsavedKept, err
	}
	return unsavedSaved, err
}

// toldSince says whether stored, the alert as stored now, was told about (posted,
// repeated or closed in the channel) since read, what the pass saving al read of
// it: its NotifiedAt is neither the one read nor al's own (al's post, saved
// already), or it names a message (Posts) neither read nor posted by this pass.
// Another replica's pass told the channel since (this replica's alerts lease
// ran out, or both passes posted in the moment before either saved): the alert
// is that pass's. A press or an erasure does not move NotifiedAt nor add to
// Posts.
func toldSince(stored *feedbackbot.Alert, read alertAsRead, al *feedbackbot.Alert) bool {
	if !stored.NotifiedAt.IsZero() && !stored.NotifiedAt.Equal(read.notified) && !stored.NotifiedAt.Equal(al.NotifiedAt) {
		return true
	}
	// (two passes whose clocks read the same instant: a message of the alert's
	// that this pass neither read nor posted is another pass's raise or repeat)
	for _, ref := range stored.Posts {
		if !slices.Contains(read.posts, ref) && !slices.Contains(al.Posts, ref) && !slices.Contains(al.Earlier, ref) {
			return true
		}
	}
	return false
}

// keepStored keeps stored, the alert another replica's pass told the channel
// about since this pass read it (toldSince), rather than al, this pass's copy:
// al's messages that stored does not know join its earlier ones, and whom they
// quoted its Quoted, for an erasure to reach; the erasure of the people of
// forgotten is applied to it (erased: al's messages quoted one of them, so one of
// stored's earlier messages, added here, needs editing). Nothing else of al is
// saved. Its caller holds the alert's lease.
func (a *Alerter) keepStored(ctx context.Context, al, stored *feedbackbot.Alert, forgotten map[string][]byte, erased bool) error {
	n, deleted := len(stored.Earlier), len(stored.Deleted)
	for _, ref := range slices.Concat(al.Posts, al.Earlier) {
		if !slices.Contains(stored.Posts, ref) && !slices.Contains(stored.Earlier, ref) {
			stored.Earlier = append(stored.Earlier, ref)
		}
	}
	stored.NoteDeleted(al.Deleted...) // (and which are gone: this pass may have deleted some)
	quoted := len(stored.Quoted)
	for _, q := range al.Quoted { // (whom this message quoted, for a later erasure)
		if !slices.Contains(stored.Quoted, q) {
			stored.Quoted = append(stored.Quoted, q)
		}
	}
	slices.Sort(stored.Quoted)
	stored.AddAnswerers(al.Answerers...) // (and who pressed them)
	// The other pass's alert, as an erasure would leave it; and one
	// of its earlier messages, this one, quoted a person forgotten.
	changed := eraseForgotten(stored, forgotten) || erased && len(stored.Earlier) > n
	if changed {
		markRedacted(stored)
	}
	a.log().Info("alerts: another replica's pass told the channel about this alert since this pass read it: its state is kept, this pass's is not saved",
		"alert", al.Fingerprint, "notified", stored.NotifiedAt)
	if len(stored.Earlier) == n && len(stored.Deleted) == deleted && len(stored.Quoted) == quoted && !changed {
		return nil
	}
	return a.putAlert(ctx, al.Workspace, al.Fingerprint, stored)
}

// eraseSince applies to the stored alert fp the erasure of anyone forgotten since
// before (DocForgotten as read then): marked forgotten after that read, their
// erasure may have found this alert not yet written. Its caller holds the lease.
func (a *Alerter) eraseSince(ctx context.Context, ws, fp string, before map[string][]byte) error {
	now, err := a.Store.ListDocs(ctx, ws, DocForgotten)
	if err != nil {
		return fmt.Errorf("alerts: people forgotten: %w", err)
	}
	added := map[string][]byte{}
	for id, v := range now {
		if _, known := before[id]; !known {
			added[id] = v
		}
	}
	if len(added) == 0 {
		return nil
	}
	raw, err := a.Store.GetDoc(ctx, ws, DocAlert, fp)
	if feedbackbot.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("alerts: read %s: %w", fp, err)
	}
	var stored feedbackbot.Alert
	if json.Unmarshal(raw, &stored) != nil || !eraseForgotten(&stored, added) {
		return nil
	}
	markRedacted(&stored)
	return a.putAlert(ctx, ws, fp, &stored)
}

// forgottenAmong reads which of the people al names (its account, its evidence's
// authors, whom its messages quoted) are forgotten, one document each: a few,
// not the workspace's whole list.
func (a *Alerter) forgottenAmong(ctx context.Context, al *feedbackbot.Alert) (map[string][]byte, error) {
	ids := slices.Clone(al.Quoted)
	if al.Account.ID != "" {
		ids = append(ids, al.Account.ID)
	}
	if id := answererID(al); id != "" {
		ids = append(ids, id)
	}
	ids = append(ids, al.Answerers...)
	for _, r := range al.Reasons {
		for _, e := range r.Evidence {
			if e.Author != "" {
				ids = append(ids, e.Author)
			}
		}
	}
	gone, err := forgottenOf(ctx, a.Store, al.Workspace, ids)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	return gone, nil
}

// forgottenOf reads which of ids (people's ids, repeats allowed) are forgotten in
// a workspace (their DocForgotten documents, in one read): a few, not the
// workspace's whole list.
func forgottenOf(ctx context.Context, st docsGetter, workspace string, ids []string) (map[string][]byte, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) == 0 {
		return map[string][]byte{}, nil
	}
	gone, err := st.GetDocs(ctx, workspace, DocForgotten, ids...)
	if err != nil {
		return nil, fmt.Errorf("who is forgotten: %w", err)
	}
	return gone, nil
}

// eraseForgotten does to al what ForgetPerson does to a stored alert, for every
// person of forgotten (DocForgotten's ids): their quotes taken out, an alert
// whose account is one of them closed without their name (forgetOwnAccount), and
// the name of the staff member who answered it, when forgotten, taken out. It
// reports whether it changed al; the caller marks a posted alert Redacted.
// (ForgetPerson also drops evidence by the keys of the messages it erased: a
// quote of theirs stored with no author is not found here.)
func eraseForgotten(al *feedbackbot.Alert, forgotten map[string][]byte) bool {
	if len(forgotten) == 0 {
		return false
	}
	n := dropEvidence(al, func(e feedbackbot.Evidence) bool {
		_, gone := forgotten[e.Author]
		return e.Author != "" && gone
	})
	own := false
	if _, ok := forgotten[al.Account.ID]; ok && al.Account.ID != "" {
		own = forgetOwnAccount(al, al.Account.ID)
	}
	quoted := false
	for _, q := range slices.Clone(al.Quoted) {
		if _, gone := forgotten[q]; gone {
			quoted = al.ForgetQuoted(q) || quoted
		}
	}
	answered := false
	for _, id := range slices.Concat([]string{answererID(al)}, al.Answerers) {
		if _, gone := forgotten[id]; gone && id != "" {
			answered = forgetAnswerer(al, id) || answered
		}
	}
	return n > 0 || own || quoted || answered
}

// cloneAlert copies al with the lists a save changes in place (dropEvidence
// compacts evidence in its array, MarkAnswered ends a stretch).
func cloneAlert(al feedbackbot.Alert) feedbackbot.Alert {
	al.Reasons = slices.Clone(al.Reasons)
	for i := range al.Reasons {
		al.Reasons[i].Evidence = slices.Clone(al.Reasons[i].Evidence)
	}
	al.Posts, al.Earlier, al.Answered = slices.Clone(al.Posts), slices.Clone(al.Earlier), slices.Clone(al.Answered)
	return al
}

// save writes al under the alert's lease, keeping what staff did to the alert
// since Evaluate listed it (acknowledged or snoozed while the pass ran: the
// pass's copy would have opened it again and dropped who answered). An alert
// another replica's pass told the channel about since (toldSince: this pass
// outlived the alerts lease, which only a post renews) is that pass's: the
// stored alert is kept, this pass's copy is not saved (keepStored). That costs
// no read: saveLocked reads the stored alert anyway.
func (a *Alerter) save(ctx context.Context, al *feedbackbot.Alert) error {
	_, err := a.saveKept(ctx, al)
	return err
}

// saveKept is save, reporting whether it kept the stored alert instead of al
// (another pass told the channel since: saveLocked).
func (a *Alerter) saveKept(ctx context.Context, al *feedbackbot.Alert) (kept bool, err error) {
	return a.saveKeptUnless(ctx, al, nil)
}

// saveKeptUnless is saveKept, saving nothing where skip, asked under the
// alert's lease just before the save, says so (or fails).
func (a *Alerter) saveKeptUnless(ctx context.Context, al *feedbackbot.Alert, skip func() (bool, error)) (kept bool, err error) {
	err = withAlertLease(ctx, a.Store, al.Workspace, al.Fingerprint, func() error {
		if skip != nil {
			if skipped, err := skip(); skipped || err != nil {
				return err
			}
		}
		kept, err = a.saveLocked(ctx, al)
		return err
	})
	return kept, err
}

// saveLocked is save, its caller holding the alert's lease; it reports whether
// it kept the stored alert instead of al (keepStored).
func (a *Alerter) saveLocked(ctx context.Context, al *feedbackbot.Alert) (kept bool, err error) {
	// Whoever of the alert's people was forgotten since the pass read their
	// health (an erasure that found this alert not yet written, or nothing of
	// theirs in it) is erased here, and a posted alert re-rendered: a pass that
	// read health before a forget saved and posted their quote (a review's find).
	gone, err := a.forgottenAmong(ctx, al)
	if err != nil {
		return false, err
	}
	erased := eraseForgotten(al, gone)
	if erased {
		markRedacted(al)
	}
	cur, err := a.Store.GetDoc(ctx, al.Workspace, DocAlert, al.Fingerprint)
	read := a.asRead[al.Fingerprint]
	var stored feedbackbot.Alert
	switch {
	case err == nil:
		if json.Unmarshal(cur, &stored) != nil {
			// Unreadable (listAlerts left it out): the messages it was posted as
			// are kept, as far as they can be read, for an erasure to edit.
			var refs struct {
				Posts   []feedbackbot.PostRef `json:"posts"`
				Earlier []feedbackbot.PostRef `json:"earlier"`
				Deleted []feedbackbot.PostRef `json:"deleted"`
			}
			if json.Unmarshal(cur, &refs) == nil {
				for _, ref := range slices.Concat(refs.Posts, refs.Earlier) {
					if !slices.Contains(al.Posts, ref) && !slices.Contains(al.Earlier, ref) {
						al.Earlier = append(al.Earlier, ref)
					}
				}
				al.NoteDeleted(refs.Deleted...)
			}
			break
		}
		if toldSince(&stored, read, al) {
			// Another replica's pass told the channel about it since this
			// pass read it (this pass outlived the alerts lease, and saves
			// without renewing it): its message, and what it was told at, stay
			// (this pass's stale copy dropped them, and had the next pass post
			// it again: a review's find), with any press made meanwhile.
			return true, a.keepStored(ctx, al, &stored, gone, erased)
		}
		// (changed, not later: replicas' clocks differ)
		for _, id := range stored.Answerers { // (a press while the pass ran, on any message)
			if _, forgotten := gone[id]; !forgotten {
				al.AddAnswerers(id)
			}
		}
		if stored.RaisedAt.Equal(al.RaisedAt) && !stored.AnsweredAt.Equal(read.answered) && !stored.AnsweredAt.IsZero() {
			al.AckedBy, al.AckedByID = stored.AckedBy, stored.AckedByID
			if n := len(al.Answered); n > 0 && !al.Answered[n-1].To.IsZero() && !al.Answered[n-1].To.After(stored.AnsweredAt) {
				// This pass opened it again, and the press answered it after:
				// a stretch of its own from the press.
				al.MarkAnswered(stored.AnsweredAt)
			} else {
				al.AnsweredAt, al.Answered = stored.AnsweredAt, stored.Answered
			}
			if al.AckedAt.IsZero() {
				al.AckedAt = stored.AckedAt
			}
			if al.Status != feedbackbot.AlertResolved { // (closing, the answer is kept, not the status)
				al.Status, al.SnoozedUntil = stored.Status, stored.SnoozedUntil
			}
		}
		if stored.Redacted && !read.redacted {
			// Evidence was taken out while the pass ran (a person forgotten,
			// messages expired): it stays out.
			keep, err := a.redactedMeanwhile(ctx, al, &stored, read)
			if err != nil || !keep {
				return false, err
			}
		}
	case !feedbackbot.IsNotFound(err):
		return false, fmt.Errorf("alerts: read %s before saving it: %w", al.Fingerprint, err)
	}
	return false, a.putAlert(ctx, al.Workspace, al.Fingerprint, al)
}

// putAlert writes al as the alert document fp of workspace ws; the caller holds
// its lease.
func (a *Alerter) putAlert(ctx context.Context, ws, fp string, al *feedbackbot.Alert) error {
	raw, err := json.Marshal(al)
	if err != nil {
		return fmt.Errorf("alerts: encode: %w", err)
	}
	if err := a.Store.PutDoc(ctx, ws, DocAlert, fp, raw); err != nil {
		return fmt.Errorf("alerts: save %s: %w", fp, err)
	}
	return nil
}

// markRedacted marks al Redacted when it was posted, so the next pass edits its
// messages (an alert never posted has none to edit).
func markRedacted(al *feedbackbot.Alert) {
	if len(al.Posts)+len(al.Earlier) > 0 {
		al.Redacted = true
	}
}

// redactedMeanwhile applies to al, the pass's copy, a redaction stored while the
// pass ran: the evidence the redaction took out of the alert as the pass read it,
// and any of people forgotten (read by the pass from messages since erased); the
// alert stays marked Redacted, so the next pass edits its posted messages. keep is
// false when the alert's own account was forgotten (a Discord member): the stored
// alert, closed and nameless, stays as it is.
func (a *Alerter) redactedMeanwhile(ctx context.Context, al, stored *feedbackbot.Alert, read alertAsRead) (keep bool, err error) {
	forgotten, err := a.Store.ListDocs(ctx, al.Workspace, DocForgotten)
	if err != nil {
		return false, fmt.Errorf("alerts: people forgotten: %w", err)
	}
	if _, ok := forgotten[al.Account.ID]; ok {
		return false, nil
	}
	now := evidenceKeys(stored)
	dropEvidence(al, func(e feedbackbot.Evidence) bool {
		k := evidenceKey(e)
		_, gone := forgotten[e.Author]
		return (read.evidence[k] && !now[k]) || (e.Author != "" && gone)
	})
	al.Redacted = true
	return true, nil
}

// alertLeaseTTL bounds how long a crashed holder keeps an alert's lease, and
// alertLeaseWait how long a change waits for it.
const (
	alertLeaseTTL  = 10 * time.Second
	alertLeaseWait = alertLeaseTTL + 5*time.Second // (a crashed holder's lease runs out first)
)

// leaser takes and gives back named leases (store.Leases).
type leaser interface {
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// withAlertLease runs fn holding the lease of one alert, so a pass's save and a
// staff member's button press do not overwrite each other.
func withAlertLease(ctx context.Context, st leaser, workspace, fp string, fn func() error) error {
	return withLease(ctx, st, "alert:"+workspace+":"+fp, "alert "+fp, fn)
}

// unreleased holds, by name, the holders of the leases withLease could not
// release (the store away as it finished): the next withLease of the name in
// this process takes the lease as that holder, rather than waiting out its TTL
// for a lease the process itself left (a pass after an outage waited 10 s for
// each alert it had been posting).
var unreleased sync.Map // lease name -> holder

// withLease runs fn holding the lease name (waiting up to alertLeaseWait for
// it, then ECONFLICT naming what, "being changed by another replica").
func withLease(ctx context.Context, st leaser, name, what string, fn func() error) error {
	holder := leaseHolder()
	left, hadLeft := unreleased.LoadAndDelete(name) // (one caller at a time takes it)
	if hadLeft {
		holder = left.(string)
	}
	deadline := time.Now().Add(alertLeaseWait)
	for {
		got, err := st.AcquireLease(ctx, name, holder, alertLeaseTTL)
		if err != nil {
			if hadLeft {
				unreleased.LoadOrStore(name, holder) // (still to release)
			}
			return fmt.Errorf("lease of %s: %w", what, err)
		}
		if got {
			break
		}
		if time.Now().After(deadline) {
			return feedbackbot.Errorf(feedbackbot.ECONFLICT, "%s is being changed by another replica; try again", what)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	defer func() {
		if err := st.ReleaseLease(context.WithoutCancel(ctx), name, holder); err != nil {
			unreleased.Store(name, holder)
		}
	}()
	return fn()
}

// evidenceChanged says whether b's score or evidence differ from a's: which
// messages are quoted, and what each quote says (a customer who edited a quoted
// message, taking out a colleague's name or a figure, is shown as they left it:
// the posted alert kept their old words, a review found), and each figure.
func evidenceChanged(a, b *feedbackbot.Alert) bool {
	keys := func(al *feedbackbot.Alert) []string {
		var ks []string
		for _, r := range al.Reasons {
			for _, e := range r.Evidence {
				ks = append(ks, evidenceKey(e))
			}
		}
		slices.Sort(ks)
		return ks
	}
	return a.Score != b.Score || !slices.Equal(keys(a), keys(b))
}

func (a *Alerter) log() *slog.Logger {
	if a.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Logger
}
