package feedbackbot

import (
	"slices"
	"time"
)

// AlertStatus is where an alert is in its life.
type AlertStatus string

// Alert statuses.
const (
	AlertOpen         AlertStatus = "open"
	AlertAcknowledged AlertStatus = "acknowledged"
	AlertSnoozed      AlertStatus = "snoozed"
	AlertResolved     AlertStatus = "resolved"
)

// Severity orders alerts: an alert that becomes more severe is sent again.
type Severity int

// Severities.
const (
	SeverityInfo Severity = iota
	SeverityWarning
	SeverityCritical
)

func (s Severity) String() string {
	switch s {
	case SeverityCritical:
		return "critical"
	case SeverityWarning:
		return "warning"
	}
	return "info"
}

// PostRef points at a message the bot posted, so it can be updated in place.
type PostRef struct {
	Platform    Platform `json:"platform"`
	Destination string   `json:"destination"`
	ID          string   `json:"id"`
}

// Alert is an at-risk notice for one account (one open at a time), raised for a cause.
type Alert struct {
	Fingerprint string      `json:"fingerprint"` // stable per workspace, account and cause
	Workspace   string      `json:"workspace"`
	Account     Account     `json:"account"`
	Cause       string      `json:"cause"`
	Severity    Severity    `json:"severity"`
	Status      AlertStatus `json:"status"`
	Score       int         `json:"score"`
	Reasons     []Reason    `json:"reasons"`
	NextStep    string      `json:"next_step"`
	// Engagement is the account's RFM standing among the others as the alert's
	// last pass ranked it (nil when that pass ranked none, or before 2026-12-05).
	Engagement *Engagement `json:"engagement,omitempty"`
	RaisedAt   time.Time   `json:"raised_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
	NotifiedAt time.Time   `json:"notified_at,omitempty"`
	// NotifiedScore and NotifiedSeverity are what the channel was last told: an
	// alert re-sends early when it gets worse than that.
	NotifiedScore    int       `json:"notified_score,omitempty"`
	NotifiedSeverity Severity  `json:"notified_severity,omitempty"`
	ResolvedAt       time.Time `json:"resolved_at,omitempty"`
	// Recovered says the alert was resolved because its account was no longer at
	// risk (or its reply no longer due), not folded into another alert of the
	// account; alerts resolved before 2026-12-05 do not say.
	Recovered bool `json:"recovered,omitempty"`
	// ClosedReason says why an alert resolved without recovering: "merged" (its
	// account's other alert took it over), "silent" (no customer message or
	// survey answer in the recent window health judges: its health rose only as
	// older evidence aged out of the weeks it reads, or its messages moved to
	// another account or were erased), "forgotten" (the account is a person
	// whose data was erased).
	ClosedReason string `json:"closed_reason,omitempty"`
	// RaisedScore is the health the alert was raised at (this episode's), nil in
	// alerts raised before 2026-12-05: Score moves with every pass.
	RaisedScore *int `json:"raised_score,omitempty"`
	// AckedAt is when staff first acknowledged or snoozed this episode (zero until
	// then, and in alerts handled before 2026-12-05); AnsweredAt when they last
	// did, cleared when the alert is opened again (it got worse, or its snooze ran
	// out): an alert is answered while AnsweredAt is set.
	AckedAt    time.Time `json:"acked_at,omitzero"`
	AnsweredAt time.Time `json:"answered_at,omitzero"`
	// Answered are the stretches of this episode during which staff had answered
	// it, oldest first (the last MaxAlertSpans; none in alerts answered only
	// before 2026-12-05's twenty-third session): whether it was
	// answered at a past time, which AckedAt and AnsweredAt cannot tell once it
	// was opened again. MarkAnswered and Reopen keep them.
	Answered []AlertSpan `json:"answered,omitempty"`
	// AckedBy names the staff member who last acknowledged or snoozed it, as
	// shown; AckedByID is their platform id (empty in alerts answered before
	// 2026-12-07's forty-third session), by which forget takes the name out.
	AckedBy   string `json:"acked_by,omitempty"`
	AckedByID string `json:"acked_by_id,omitempty"`
	// Answerers are the ids of everyone who acknowledged or snoozed any of the
	// alert's messages, in any episode (kept since 2026-12-07's forty-third
	// session): a pressed message says who pressed it until it is edited, so
	// forget finds a staff member on a message a repeat or a later episode left.
	Answerers    []string  `json:"answerers,omitempty"`
	SnoozedUntil time.Time `json:"snoozed_until,omitempty"`
	Posts        []PostRef `json:"posts,omitempty"` // the message the alert's updates edit
	// Earlier are the other messages posted for this fingerprint: notices the
	// repeats replaced, recovery notices, earlier episodes. They are edited only to
	// take erased quotes out of the chat.
	Earlier []PostRef `json:"earlier,omitempty"`
	// Deleted are the messages of Posts and Earlier deleted from a channel that
	// may not hold them any more (bot.replacePost): they are not edited again,
	// nor looked for when the channel changes again.
	Deleted []PostRef `json:"deleted,omitempty"`
	// Episodes are the fingerprint's earlier episodes, oldest first (at most
	// MaxAlertEpisodes), kept when it is raised again, so a digest can follow up
	// an episode the latest one replaced.
	Episodes []AlertEpisode `json:"episodes,omitempty"`
	// Redacted is set when evidence was removed after the alert was posted (a person
	// forgotten, old messages expired); the alerter then re-renders the posted
	// messages, so the quotes leave the chat too, and clears it.
	Redacted bool `json:"redacted,omitempty"`
	// Quoted are the authors whose words the alert's posted messages (Posts and
	// Earlier) quoted when they were posted or last edited, sorted (NoteQuoted): a
	// message a repeat replaced keeps its quotes in the chat after they left
	// Reasons, so an erasure of one of them finds the alert by this, and has its
	// messages edited (it found no quote of theirs in Reasons, a review found).
	Quoted []string `json:"quoted,omitempty"`
	// QuotedFrom is the time of the oldest message the posted messages quoted
	// (NoteQuoted), so retention finds an alert whose messages show a quote it
	// expired after the quote left Reasons.
	QuotedFrom time.Time `json:"quoted_from,omitzero"`
}

// NoteQuoted adds the authors of al's evidence to al.Quoted: call it whenever a
// message of the alert is posted or edited with that evidence.
func (al *Alert) NoteQuoted() {
	for _, r := range al.Reasons {
		for _, e := range r.Evidence {
			if e.Author != "" && !slices.Contains(al.Quoted, e.Author) {
				al.Quoted = append(al.Quoted, e.Author)
			}
			if e.Quote != "" && !e.Time.IsZero() && (al.QuotedFrom.IsZero() || e.Time.Before(al.QuotedFrom)) {
				al.QuotedFrom = e.Time
			}
		}
	}
	slices.Sort(al.Quoted)
}

// QuotedAfresh restarts Quoted and QuotedFrom from al's evidence alone: call it
// once every posted message has been edited to show just that evidence.
func (al *Alert) QuotedAfresh() {
	al.Quoted, al.QuotedFrom = nil, time.Time{}
	al.NoteQuoted()
}

// ForgetQuoted takes user out of al.Quoted, reporting whether they were in it.
func (al *Alert) ForgetQuoted(user string) bool {
	i := slices.Index(al.Quoted, user)
	if i < 0 || user == "" {
		return false
	}
	al.Quoted = slices.Delete(al.Quoted, i, i+1)
	return true
}

// AlertSpan is a stretch of an alert's episode during which staff had answered
// it: from an acknowledgement or snooze until it was opened again (its snooze
// ran out, it got worse), To zero while it lasts.
type AlertSpan struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
}

// MaxAlertSpans is how many of an episode's answered stretches an alert keeps
// (its latest).
const MaxAlertSpans = 20

// MarkAnswered records staff's acknowledgement or snooze at now: the episode's
// first answer (AckedAt), its latest (AnsweredAt), and a new stretch of Answered
// unless one is running.
func (a *Alert) MarkAnswered(now time.Time) {
	if a.AckedAt.IsZero() {
		a.AckedAt = now
	}
	if n := len(a.Answered); n == 0 || !a.Answered[n-1].To.IsZero() {
		from := now
		if n == 0 && !a.AnsweredAt.IsZero() && a.AnsweredAt.Before(now) {
			from = a.AnsweredAt // answered before stretches were kept, and still
		}
		a.Answered = append(slices.Clone(a.Answered), AlertSpan{From: from})
		a.Answered = a.Answered[max(0, len(a.Answered)-MaxAlertSpans):]
	}
	a.AnsweredAt = now
}

// SnoozedAt reports whether the alert is snoozed at t: snoozed, and its snooze
// not run out by then.
func (a *Alert) SnoozedAt(t time.Time) bool {
	return a.Status == AlertSnoozed && a.SnoozedUntil.After(t)
}

// AddAnswerers adds to a.Answerers each of ids it does not hold yet.
func (a *Alert) AddAnswerers(ids ...string) {
	for _, id := range ids {
		if !slices.Contains(a.Answerers, id) {
			a.Answerers = append(a.Answerers, id)
		}
	}
}

// Reopen opens the alert again at now (its snooze ran out, it got worse): no
// longer answered, its running stretch of Answered ended.
func (a *Alert) Reopen(now time.Time) {
	a.Status, a.AnsweredAt = AlertOpen, time.Time{}
	if n := len(a.Answered); n > 0 && a.Answered[n-1].To.IsZero() {
		a.Answered = slices.Clone(a.Answered) // (a copy of an alert shares them)
		a.Answered[n-1].To = now
	}
}

// AnsweredAtTime says whether the stretches say the episode was answered at t,
// and whether they can say (none kept: an alert answered before they were).
func AnsweredAtTime(spans []AlertSpan, t time.Time) (answered, known bool) {
	for _, s := range spans {
		if !s.From.After(t) && (s.To.IsZero() || s.To.After(t)) {
			return true, true
		}
	}
	return false, len(spans) > 0
}

// An alert keeps its earlier episodes for AlertEpisodesKept after they end (the
// longest period a digest covers), and at most MaxAlertEpisodes of them.
const (
	AlertEpisodesKept = 92 * 24 * time.Hour
	MaxAlertEpisodes  = 100
)

// AlertEpisode is an earlier episode of an alert: raised, first answered,
// resolved (recovered, or taken over by another alert of the account).
type AlertEpisode struct {
	RaisedAt    time.Time `json:"raised_at"`
	RaisedScore *int      `json:"raised_score,omitempty"`
	AckedAt     time.Time `json:"acked_at,omitzero"`
	// Answered are its stretches answered (Alert's).
	Answered   []AlertSpan `json:"answered,omitempty"`
	ResolvedAt time.Time   `json:"resolved_at"`
	Recovered  bool        `json:"recovered,omitempty"`
	// ClosedReason is why it ended without recovering (Alert's), when it did.
	ClosedReason string `json:"closed_reason,omitempty"`
	Score        int    `json:"score"` // at its end
}

// Episode is the alert's current episode as an AlertEpisode. An alert raised
// before alerts said whether they recovered (no RaisedScore) recovered if its
// resolution posted a notice (NotifiedAt is then its ResolvedAt): a take-over by
// another alert of the account posts none.
func (a *Alert) Episode() AlertEpisode {
	recovered := a.Recovered || (a.ClosedReason == "" && a.RaisedScore == nil && !a.ResolvedAt.IsZero() && a.NotifiedAt.Equal(a.ResolvedAt))
	return AlertEpisode{RaisedAt: a.RaisedAt, RaisedScore: a.RaisedScore, AckedAt: a.AckedAt, Answered: slices.Clone(a.Answered), ResolvedAt: a.ResolvedAt,
		Recovered: recovered, ClosedReason: a.ClosedReason, Score: a.Score}
}

// LivePosts are the messages posted for the alert (Posts, then Earlier) that are
// not Deleted: what an edit reaches, and what a channel's change looks for.
func (a Alert) LivePosts() []PostRef {
	return slices.DeleteFunc(slices.Concat(a.Posts, a.Earlier), func(r PostRef) bool { return slices.Contains(a.Deleted, r) })
}

// NoteDeleted adds to Deleted each of refs it does not hold yet.
func (a *Alert) NoteDeleted(refs ...PostRef) {
	for _, r := range refs {
		if !slices.Contains(a.Deleted, r) {
			a.Deleted = append(a.Deleted, r)
		}
	}
}
