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
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/emerging"
	"github.com/feedbackbot/feedbackbot/analysis/health"
)

// Poster posts documents to one platform's channels. Adapters implement it and
// refuse destinations that are not internal.
type Poster interface {
	Post(ctx context.Context, channel string, doc feedbackbot.Document) (feedbackbot.PostRef, error)
}

// SchedulerStore is what the scheduler needs: leases, once-markers, and documents to
// remember the last run, plus what digests read.
type SchedulerStore interface {
	HistoryStore
	DigestStore
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
	GetDoc(ctx context.Context, workspace, kind, id string) ([]byte, error)
	PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error
	// CreateDoc writes a run's record, which is its claim too (see post).
	CreateDoc(ctx context.Context, workspace, kind, id string, data []byte) (bool, error)
	// (and to edit a posted digest an erasure took quotes out of: rerenderDigests;
	// and who among those it quotes is forgotten: forgottenOf)
	ListDocs(ctx context.Context, workspace, kind string) (map[string][]byte, error)
	docsGetter
	DeleteDoc(ctx context.Context, workspace, kind, id string) error
}

// Job is one scheduled digest.
type Job struct {
	Name      string
	Platform  feedbackbot.Platform
	Channel   string
	Workspace string
	Schedule  cron.Schedule
	Location  *time.Location
	// Period is how far back a digest looks at least: each reaches back to the
	// run before it, over the days or hours the schedule leaves out (periodFrom).
	Period time.Duration
}

// Scheduler posts digests on their cron schedules. Several replicas may run one each:
// a lease picks the one that works, and a lease plus a "posted" record per job and
// scheduled time keep a failover from posting the same digest twice. After downtime it catches up
// on the most recent missed run within CatchUp, never on older ones.
type Scheduler struct {
	Store    SchedulerStore
	Posters  map[feedbackbot.Platform]Poster
	Jobs     []Job
	Holder   string // unique per replica
	Accounts map[string]feedbackbot.Account
	// Params and TierTargets tune the at-risk list in each digest.
	Params      health.Params
	TierTargets map[string]health.Targets
	Logger      *slog.Logger
	// CatchUp bounds how late a missed digest is still posted (default 6h).
	CatchUp time.Duration
	// Settle is how long after its time a digest waits, at most, while captured
	// messages are still waiting for analysis (DefaultSettle when 0; negative: not
	// at all).
	Settle time.Duration
	// Charts attaches the chart to posted digests.
	Charts bool
	// Themes are the configured theme names (see DigestRequest.Themes).
	Themes []string
	// Known is the configured taxonomy's vocabulary (see DigestRequest.Known).
	Known emerging.Vocabulary

	mu         sync.Mutex
	unrecorded map[string]unrecordedPost // runs posted whose "posted" record failed, by run
	search     announcedSearch           // for the announced posts of runs never recorded
}

const (
	docScheduler = "scheduler"
	docPosted    = "digest-posted"
	leaseName    = "scheduler"
	leaseTTL     = time.Minute
)

type lastRun struct {
	At time.Time `json:"at"` // the scheduled time of the last run handled
}

// Tick does everything due as of now and returns how many digests it posted. It is
// the whole scheduling logic with an explicit clock; Run only calls it on time.
func (s *Scheduler) Tick(ctx context.Context, now time.Time) (int, error) {
	firstErr := s.recordUnrecorded(ctx)
	ok, err := s.Store.AcquireLease(ctx, leaseName, s.Holder, leaseTTL)
	if err != nil {
		return 0, errors.Join(firstErr, fmt.Errorf("scheduler lease: %w", err))
	}
	if !ok {
		return 0, firstErr // another replica schedules
	}
	catchUp := s.CatchUp
	if catchUp <= 0 {
		catchUp = 6 * time.Hour
	}
	posted := 0
	for _, j := range s.Jobs {
		due, err := s.due(ctx, j, now, catchUp)
		if err != nil {
			firstErr = cmpErr(firstErr, err)
			continue
		}
		if due.IsZero() || s.awaitAnalysis(ctx, j, due, now) {
			continue
		}
		sent, err := s.post(ctx, j, due, now)
		if sent {
			posted++ // (not a run another replica holds or posted, nor a record written late)
		}
		if err != nil {
			s.log().Error("digest not posted or not recorded; will retry on the next tick", "job", j.Name, "scheduled", due, "posted", sent, "err", err)
			firstErr = cmpErr(firstErr, err)
		}
	}
	// Posted digests whose quotes an erasure took out (forget, retention) are
	// edited, in the workspaces digests are posted for.
	done := map[string]bool{}
	for _, j := range s.Jobs {
		if done[j.Workspace] {
			continue
		}
		done[j.Workspace] = true
		firstErr = cmpErr(firstErr, s.rerenderDigests(ctx, j.Workspace))
	}
	return posted, firstErr
}

// DefaultSettle is how long after its time a digest waits, at most, for the analysis
// to catch up (see Scheduler.Settle).
const DefaultSettle = 2 * time.Minute

// awaitAnalysis reports whether the digest due at due should wait for a later tick:
// within Settle of its time, while the store still holds captured messages not yet
// analysed. A message sent a minute before the digest's time and analysed after it
// was built was counted in no digest (the next period starts at that time). After
// Settle the digest is built whatever the backlog (a busy workspace may never be
// quite idle), and so it is when the backlog cannot be read.
func (s *Scheduler) awaitAnalysis(ctx context.Context, j Job, due, now time.Time) bool {
	settle := cmp.Or(s.Settle, DefaultSettle)
	if settle < 0 || now.Sub(due) >= settle {
		return false
	}
	bl, ok := s.Store.(interface {
		Backlog(ctx context.Context) (int64, error)
	})
	if !ok {
		return false
	}
	n, err := bl.Backlog(ctx)
	if err != nil || n <= 0 {
		return false
	}
	s.log().Info("digest waits for the analysis to catch up", "job", j.Name, "scheduled", due, "backlog", n, "at_most_until", due.Add(settle))
	return true
}

// due returns the latest scheduled time in (last run, now] within catchUp, or zero.
func (s *Scheduler) due(ctx context.Context, j Job, now time.Time, catchUp time.Duration) (time.Time, error) {
	var last lastRun
	raw, err := s.Store.GetDoc(ctx, j.Workspace, docScheduler, j.Name)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &last); err != nil {
			return time.Time{}, fmt.Errorf("job %s: decode last run: %w", j.Name, err)
		}
	case feedbackbot.IsNotFound(err):
		last.At = now.Add(-catchUp)
	default:
		return time.Time{}, fmt.Errorf("job %s: last run: %w", j.Name, err)
	}
	from := last.At
	if floor := now.Add(-catchUp); from.Before(floor) {
		from = floor
	}
	var due time.Time
	for t := nextRun(j, from); !t.IsZero() && !t.After(now); t = nextRun(j, t) {
		due = t
	}
	return due, nil
}

// nextRun is the job's first run after t, the schedule read on the local wall
// clock: a time the clocks skip in spring (02:30 on a change at 02:00) runs at the
// same distance past the change (03:30), not a day later, and a time they show
// twice in autumn (01:30) runs once, at its first showing (localTime), east of UTC
// as west of it. An hourly schedule thus skips the second showing of the repeated
// hour; the period of its next run starts at the run before (periodFrom), so the
// two hours are one digest's.
func nextRun(j Job, t time.Time) time.Time {
	loc := cmp.Or(j.Location, time.UTC)
	wall := wallClock(t, loc)
	// On a clock without changes; a run whose first showing is already past (the
	// second showing of an autumn hour maps back to its first) is passed over for
	// the next on the wall clock, which always moves on: going on from an instant
	// an hour later recursed for ever where the clocks go back two hours
	// (Antarctica/Troll), a review found.
	for n := j.Schedule.Next(wall); !n.IsZero(); n = j.Schedule.Next(n) {
		if next := localTime(n, loc); next.After(t) {
			return next
		}
	}
	return time.Time{} // a schedule that never fires (30 February)
}

// periodFrom is where the period of the run at at begins: at the run before it,
// so that each digest starts where the one before ended whatever the schedule
// leaves out (Monday's digest of "0 9 * * 1-5" covers the weekend from Friday's
// run; an hourly one's first run after the autumn change covers both showings of
// the repeated hour). A Period longer than the time between the two runs on the
// wall clock (a week's digest posted daily) is a window that overlaps the one
// before: it starts Period before the run (periodStart), or at the run before if
// that is earlier (never a gap). The run before counts only within maxRunGap of
// the run, so a schedule with longer gaps (a day of the month, with a period of
// days) reads Period, not a month. The period depends on the run's time alone,
// not on what was posted: a replica that takes a run over builds the same
// digest, and runs that a downtime longer than CatchUp missed are not folded into
// the next one.
func periodFrom(j Job, at time.Time) time.Time {
	start := periodStart(j, at)
	if j.Schedule == nil {
		return start
	}
	prev := previousRun(j, at, maxRunGap(j.Period))
	switch {
	case prev.IsZero():
		return start
	case j.Period <= scheduledWall(j, at).Sub(scheduledWall(j, prev)) || prev.Before(start):
		// (compared on the wall clock, as the runs were scheduled: Lord Howe's
		// half-hour change made an hourly run 30 minutes after the one before by
		// the clock, and moved the one before it by half an hour)
		return prev.UTC()
	}
	return start
}

// comparedFrom is where the period a digest of [from, end) compares with begins:
// the previous digest's (periodFrom of the run at from) where that covers as
// much of the schedule's wall clock and lasts within a twentieth as long (across
// a change of the clocks a week is 167 or 169 hours, a day 23 or 25: the period
// of the same length before from took an hour of the week before or left one
// out, a review found); otherwise zero, the same length before from (a weekday
// schedule's Monday covers the weekend, 72 hours, and the digest before it 24:
// compared, the counts tripled and fell by two thirds, a second review found; an
// hourly run over both showings of an autumn hour lasts two).
func comparedFrom(j Job, from, end time.Time) time.Time {
	prev := periodFrom(j, from)
	if !prev.Before(from) {
		return time.Time{}
	}
	cur, before := end.Sub(from), from.Sub(prev)
	wallCur := scheduledWall(j, end).Sub(scheduledWall(j, from))
	wallBefore := scheduledWall(j, from).Sub(scheduledWall(j, prev))
	if wallCur != wallBefore || (cur-before).Abs()*20 > cur {
		return time.Time{}
	}
	return prev
}

// wallClock is what loc's clock shows at t, as a time in UTC (loc nil: UTC).
func wallClock(t time.Time, loc *time.Location) time.Time {
	l := t.In(cmp.Or(loc, time.UTC))
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
}

// maxRunGap is how far before a run the run before it is looked for: eight days,
// so that every schedule that repeats weekly (any without a day of the month or a
// month) finds it across a clock change (a weekly run is 169 hours after the one
// before in autumn), or twice the period where that is longer (a monthly digest
// with a period of 30 days covers each calendar month, and 30 days at least).
func maxRunGap(period time.Duration) time.Duration {
	return max(8*24*time.Hour, 2*period)
}

// previousRun is the job's last run before at, if it is less than within before
// at; else zero. It looks back an hour, then twice as far each time, up to
// within: a schedule of every minute costs a few dozen steps, not a week's.
func previousRun(j Job, at time.Time, within time.Duration) time.Time {
	for back := min(time.Hour, within); ; back = min(2*back, within) {
		var prev time.Time
		for t := nextRun(j, at.Add(-back)); !t.IsZero() && t.Before(at); t = nextRun(j, t) {
			prev = t
		}
		if !prev.IsZero() || back == within {
			return prev
		}
	}
}

// periodStart is when the period of a run at at begins: whole days are counted on
// the job's local calendar, so that daily 09:00 digests meet at 09:00 on both
// sides of a clock change (the 23- or 25-hour day is the period), where at minus 24
// hours overlapped the day before by an hour in spring and left an hour out in
// autumn; a run the spring change moved (02:30, which the clocks skip, runs at
// 03:30) starts from the scheduled time, as the run before it ended. Other periods
// are a plain duration.
func periodStart(j Job, at time.Time) time.Time {
	const day = 24 * time.Hour
	if j.Period <= 0 || j.Period%day != 0 {
		return at.Add(-j.Period).UTC()
	}
	loc := cmp.Or(j.Location, time.UTC)
	w := scheduledWall(j, at).AddDate(0, 0, -int(j.Period/day))
	return localTime(w, loc).UTC()
}

// PeriodFrom is when a period of period ending at to begins, as a digest asked for
// in loc counts it: whole days on loc's calendar (a week across a clock change
// is 167 or 169 hours, from midnight to midnight), other periods a plain
// duration. feedbackbot digest --tz subtracted hours: a New York week ending at
// midnight after the spring change began at 23:00 the day before its first
// (named eight days, its hour counted in two weeks), and after the autumn
// change at 01:00 (an hour in no week; a review's find).
func PeriodFrom(to time.Time, period time.Duration, loc *time.Location) time.Time {
	const day = 24 * time.Hour
	if period <= 0 || period%day != 0 {
		return to.Add(-period)
	}
	loc = cmp.Or(loc, time.UTC)
	return localTime(wallClock(to, loc).AddDate(0, 0, -int(period/day)), loc).In(to.Location())
}

// scheduledWall is the wall time (on a clock without changes) the run at at was
// scheduled for: its own, or, for a run the spring change moved (02:30, skipped,
// runs at 03:30), the latest time the schedule names within the hour before it.
func scheduledWall(j Job, at time.Time) time.Time {
	wall := wallClock(at, cmp.Or(j.Location, time.UTC))
	if j.Schedule == nil || j.Schedule.Next(wall.Add(-time.Second)).Equal(wall) {
		return wall
	}
	var last time.Time
	for n := j.Schedule.Next(wall.Add(-time.Hour - time.Second)); !n.IsZero() && n.Before(wall); n = j.Schedule.Next(n) {
		last = n
	}
	if last.IsZero() {
		return wall
	}
	return last
}

// localTime is the instant loc's wall clock shows w (w's fields read as a wall
// clock). A time the clocks skip (Go reads it with either offset, depending on the
// zone) is read with the offset before the change, which lands as far past the
// change as the time was meant to be: 02:30 on a change at 02:00 is 03:30. A time
// they show twice is its first showing, the one with the offset before the change
// (Go picks the later showing east of UTC, in Berlin and Adelaide, and the
// earlier west of it).
func localTime(w time.Time, loc *time.Location) time.Time {
	t := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
	_, before := t.Add(-6 * time.Hour).Zone()
	if t.Day() != w.Day() || t.Hour() != w.Hour() || t.Minute() != w.Minute() {
		return w.Add(-time.Duration(before) * time.Second).In(loc)
	}
	if _, off := t.Zone(); off != before {
		if first := w.Add(-time.Duration(before) * time.Second).In(loc); first.Before(t) && sameWall(first, w) {
			return first
		}
	}
	return t
}

// sameWall says whether t's wall clock shows w's fields (read as a wall clock).
func sameWall(t, w time.Time) bool {
	return t.Year() == w.Year() && t.YearDay() == w.YearDay() && t.Hour() == w.Hour() && t.Minute() == w.Minute() && t.Second() == w.Second()
}

// post posts the run of job j scheduled at at, as of now, unless another replica
// holds or posted it; sent says whether this call put the digest in the channel.
func (s *Scheduler) post(ctx context.Context, j Job, at, now time.Time) (sent bool, err error) {
	poster, ok := s.Posters[j.Platform]
	if !ok {
		return false, fmt.Errorf("job %s: no %s connection to post with", j.Name, j.Platform)
	}
	// One replica posts a run: a lease per run guards the post, a "posted" record
	// makes a failover skip it, and a failed post releases the lease so the next
	// tick retries at once (a digest is never dropped).
	run := fmt.Sprintf("%s:%d", j.Name, at.Unix())
	lease := "digest:" + j.Workspace + ":" + run
	got, err := s.Store.AcquireLease(ctx, lease, s.Holder, runLeaseTTL)
	if err != nil || !got {
		return false, err
	}
	release := true // not once the digest may be in the channel without its record
	defer func() {
		if release {
			s.Store.ReleaseLease(context.WithoutCancel(ctx), lease, s.Holder)
		}
	}()
	// Posted by this replica, but its record failed, and not written at this
	// tick's start either (recordUnrecorded): never posted again, and the lease
	// kept (this is looked at before the record is: found, it says only that the
	// run is done; written, the record is, and the run is marked done).
	s.mu.Lock()
	_, posted := s.unrecorded[run]
	s.mu.Unlock()
	if posted {
		release = false
		return false, nil
	}
	if _, err := s.Store.GetDoc(ctx, j.Workspace, docPosted, run); err == nil {
		return false, s.recordRun(ctx, j, at)
	} else if !feedbackbot.IsNotFound(err) {
		return false, fmt.Errorf("job %s: %w", j.Name, err)
	}
	end, from := at.UTC(), periodFrom(j, at)
	d, err := DigestWithRisk(ctx, s.Store, RiskRequest{Workspace: j.Workspace, Now: end, Accounts: s.Accounts, Params: s.Params, TierTargets: s.TierTargets},
		DigestRequest{Workspace: j.Workspace, From: from, To: end, PrevFrom: comparedFrom(j, from, end), Now: end,
			Location: j.Location, Accounts: s.Accounts, Params: s.Params, TierTargets: s.TierTargets, Themes: s.Themes, Known: s.Known})
	if err != nil {
		return false, err
	}
	var png []byte
	if s.Charts {
		if png, err = DigestChart(d); err != nil {
			return false, err
		}
	}
	// From here on the post and its record finish even at shutdown: a digest in the
	// channel without its record would be posted again by another replica.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), postGrace)
	defer cancel()
	// Building took a while (minutes on a large workspace) since the record was
	// read, and the replica may have been paused for longer than the run's lease
	// meanwhile (SIGSTOP, a frozen VM, swapping): another replica may have taken
	// the run over, and posted it. So, right before the post, the lease is renewed
	// (it must still be this replica's, or free again: not another's) and then the
	// record read again (a lease free again may be one that another replica took,
	// posted under and released). Two store calls a run.
	if got, err := s.Store.AcquireLease(pctx, lease, s.Holder, runLeaseTTL); err != nil {
		return false, fmt.Errorf("job %s: renew the run's lease before posting: %w", j.Name, err)
	} else if !got {
		release = false // (another replica's now)
		s.log().Warn("digest not posted: another replica took the run over while this one built it (paused past the run's lease?)", "job", j.Name, "scheduled", at)
		return false, nil
	}
	if _, err := s.Store.GetDoc(pctx, j.Workspace, docPosted, run); err == nil {
		s.log().Warn("digest not posted: another replica posted it while this one built it (paused past the run's lease?)", "job", j.Name, "scheduled", at)
		return false, s.recordRun(pctx, j, at)
	} else if !feedbackbot.IsNotFound(err) {
		return false, fmt.Errorf("job %s: %w", j.Name, err)
	}
	// What remains is the post call itself: a replica paused there, its request
	// sent or about to be, for about the lease (15 minutes: the post is bounded by
	// postGrace only while the process runs) still posts when it resumes, though
	// another replica may have taken the run over and posted it meanwhile. No
	// check before the post closes that (a pause can come after the check), and
	// the platforms' posts are neither idempotent nor fenced. So the record is
	// read again once the post returns: the first post recorded is the run's, and
	// a later one is deleted (retractDuplicate). A replica that took the run over
	// meanwhile either finds this post's record before its own post, or deletes
	// its own after it. Two replicas that both read "no record" after their posts
	// then race to write it: the record is created only where there is none
	// (store.Docs.CreateDoc), so the first written is the run's, and the other
	// post is deleted.
	//
	// A replica can also die (SIGKILL, a crash, the node lost) between its post
	// and the post's record: no check after the post ever runs, and the replica
	// that takes the run over once the lease has expired finds no record. So a
	// post is announced first (docPosting: who, and when), and carries the run's
	// mark where the platform keeps it unseen (Document.Mark); a replica that
	// finds the announcement of a post never recorded looks in the channel for
	// the marked message and, found, records it instead of posting again
	// (adoptPost). A platform whose history cannot be searched (no FindPost)
	// posts again; Discord's retry within minutes of a post that went out is
	// also answered with that post (the mark made a nonce).
	doc := DigestDocument(d, png)
	doc.Mark = "digest/" + j.Workspace + "/" + run
	if f, ok := poster.(postFinder); ok {
		mark := doc.Mark
		if found, err := s.findAnnounced(pctx, f, j, at, run, mark); err != nil {
			return false, err
		} else if found.ID != "" {
			return false, s.adoptPost(pctx, j, at, run, found, d, png != nil)
		}
		raw, _ := json.Marshal(postNotice{Holder: s.Holder, At: now.UTC(), Mark: mark})
		if err := s.Store.PutDoc(pctx, j.Workspace, docPosting, run, raw); err != nil {
			return false, fmt.Errorf("job %s: announce the post: %w", j.Name, err)
		}
	}
	if err := notePostedIn(pctx, s.Store, j.Workspace, j.Channel); err != nil {
		return false, fmt.Errorf("job %s: %w", j.Name, err)
	}
	ref, err := poster.Post(pctx, j.Channel, doc)
	if err != nil && ref.ID == "" {
		return false, fmt.Errorf("job %s: post: %w", j.Name, err)
	}
	if err != nil {
		// The message is in the channel, part of it not (the chart, say): posting
		// the whole digest again every tick would be worse.
		s.log().Warn("digest posted, but not all of it", "job", j.Name, "err", err)
	}
	raw, _ := json.Marshal(postedDigest{PostRef: ref, Digest: &d, Chart: png != nil})
	// (a copy whose deletion fails is kept as unrecorded: the next tick finds the
	// run's record taken and deletes it again)
	retract := func() error {
		s.dropNotice(pctx, j.Workspace, run) // (the run is another's: nothing of this post to find)
		err := s.retractDuplicate(pctx, poster, j, at, ref)
		if err != nil {
			s.keepUnrecorded(run, unrecordedPost{job: j, at: at, raw: raw})
		}
		return errors.Join(err, s.recordRun(pctx, j, at))
	}
	if cur, err := s.Store.GetDoc(pctx, j.Workspace, docPosted, run); err == nil {
		var other postedDigest
		if json.Unmarshal(cur, &other) == nil && other.PostRef == ref {
			// Another replica found this post in the channel while this one was
			// paused inside the post call, and recorded it (adoptPost): it is the
			// run's.
			s.log().Info("digest posted; another replica recorded it while this one was paused in its post", "job", j.Name, "scheduled", at)
			s.dropNotice(pctx, j.Workspace, run)
			return true, s.recordRun(pctx, j, at)
		}
		// Another replica posted and recorded the run while this one's post was in
		// flight: the first recorded post is the run's, and this copy goes.
		return false, retract()
	} else if !feedbackbot.IsNotFound(err) {
		s.log().Warn("could not check the run's record after posting; recording this post", "job", j.Name, "err", err)
	}
	// The record is created, never overwritten (recordPost): of two posts that both
	// found no record, the one recorded first is the run's, and the other deleted.
	recorded, taken, err := s.recordPost(pctx, j.Workspace, run, raw)
	if taken {
		return false, retract()
	}
	if !recorded {
		release = false                                                 // the lease keeps other replicas from posting it again while it lasts
		s.keepUnrecorded(run, unrecordedPost{job: j, at: at, raw: raw}) // and this one, on its next ticks
		return true, fmt.Errorf("job %s: record post: %w", j.Name, err)
	} else if err != nil {
		// The record is written, but its second look for people forgotten
		// meanwhile failed: an erasure that ran between the two looks missed it,
		// and the next tick looks again (recordKept) rather than no one ever.
		s.keepUnrecorded(run, unrecordedPost{job: j, at: at, raw: raw})
		s.log().Warn("digest recorded, but the look for people forgotten meanwhile failed; tried again next tick", "job", j.Name, "err", err)
	}
	s.dropNotice(pctx, j.Workspace, run)
	s.log().Info("digest posted", "job", j.Name, "scheduled", at, "from", from, "customer_messages", d.CustomerMessages)
	return true, s.recordRun(pctx, j, at)
}

// docPosting announces a digest post about to be made, by run (a postNotice):
// what tells a replica taking a run over that another may have posted it and
// died before recording it. It is deleted once the post is recorded; one left
// (the delete failed) costs a look in the channel if the run is ever taken up
// again, nothing else.
const docPosting = "digest-posting"

// findAnnounced looks in j's channel for the post of run announced in a
// docPosting and never recorded (its replica died, or its post call failed
// after the message was in the channel). None announced, or none found, is a
// zero PostRef. A channel that cannot be searched is an error (the run waits
// for the next tick) until maxFindFails searches have failed; then it is
// logged and taken as none: the run is posted (again, perhaps), as a platform
// without search would.
func (s *Scheduler) findAnnounced(ctx context.Context, f postFinder, j Job, at time.Time, run, mark string) (feedbackbot.PostRef, error) {
	raw, err := s.Store.GetDoc(ctx, j.Workspace, docPosting, run)
	if feedbackbot.IsNotFound(err) {
		return feedbackbot.PostRef{}, nil
	}
	if err != nil {
		return feedbackbot.PostRef{}, fmt.Errorf("job %s: read the run's announced post: %w", j.Name, err)
	}
	var n postNotice
	if err := json.Unmarshal(raw, &n); err != nil || n.At.IsZero() {
		s.log().Warn("unreadable announcement of a digest post; the channel is searched since the run's time", "job", j.Name, "run", run, "err", err)
	}
	since := n.At
	if since.IsZero() {
		since = at
	}
	ref, err := s.search.find(ctx, f, j.Channel, mark, since, run, "posting it (the channel may show it twice)", s.log().With("job", j.Name, "run", run, "announced_by", n.Holder))
	if err != nil {
		return feedbackbot.PostRef{}, fmt.Errorf("job %s: a replica announced this run's post and never recorded it, and %w", j.Name, err)
	}
	return ref, nil
}

// adoptPost records found, a post of run another replica (or an earlier try of
// this one) made and did not record, as the run's, instead of posting again.
// The message was built by that replica, perhaps from other data: it is marked
// for the next tick's edit (docDigestRedacted), which makes it the digest
// recorded, the one erasures then keep clean.
func (s *Scheduler) adoptPost(ctx context.Context, j Job, at time.Time, run string, found feedbackbot.PostRef, d feedbackbot.Digest, chart bool) error {
	raw, _ := json.Marshal(postedDigest{PostRef: found, Digest: &d, Chart: chart})
	// Its channel is marked as one the bot posts in before it is recorded: a
	// replica of a version before the marks posted it unmarked (a review's find).
	if err := notePostedIn(ctx, s.Store, j.Workspace, found.Destination); err != nil {
		return fmt.Errorf("job %s: %w", j.Name, err)
	}
	// The edit's mark goes first: written after the record, a lost answer or a
	// failed write would leave the message as the other replica built it for
	// good (the next tick finds the run recorded), quoting perhaps someone
	// forgotten meanwhile. A mark on a run recorded with another message costs
	// an edit that changes nothing.
	if err := s.Store.PutDoc(ctx, j.Workspace, docDigestRedacted, run, []byte("1")); err != nil {
		return fmt.Errorf("job %s: mark the post found in the channel for its edit: %w", j.Name, err)
	}
	recorded, taken, err := s.recordPost(ctx, j.Workspace, run, raw)
	switch {
	case taken:
		// (the run recorded with another message since the last look: this one
		// is a copy, whose replica is gone; one whose deletion fails is kept as
		// unrecorded, as post's copies are, and the next tick, finding the run's
		// record taken, deletes it again: it stayed for good, a review's find)
		s.dropNotice(ctx, j.Workspace, run)
		err := s.retractDuplicate(ctx, s.Posters[j.Platform], j, at, found)
		if err != nil {
			s.keepUnrecorded(run, unrecordedPost{job: j, at: at, raw: raw})
		}
		return errors.Join(err, s.recordRun(ctx, j, at))
	case !recorded:
		return fmt.Errorf("job %s: record the post found in the channel: %w", j.Name, err)
	case err != nil:
		s.keepUnrecorded(run, unrecordedPost{job: j, at: at, raw: raw})
	}
	s.dropNotice(ctx, j.Workspace, run)
	s.log().Warn("digest found in the channel, posted by a replica that stopped before recording it: recorded, not posted again",
		"job", j.Name, "scheduled", at, "message", found.ID, "channel", found.Destination)
	return s.recordRun(ctx, j, at)
}

// dropNotice deletes run's docPosting once its post is recorded.
func (s *Scheduler) dropNotice(ctx context.Context, workspace, run string) {
	if err := s.Store.DeleteDoc(ctx, workspace, docPosting, run); err != nil && !feedbackbot.IsNotFound(err) {
		s.log().Warn("could not delete a recorded digest's announcement", "run", run, "err", err)
	}
}

// unrecordedPost is a digest this replica posted whose record failed (or whose
// second look for people forgotten did), or a copy of another replica's whose
// deletion failed: its job, its run's time, the record to write (a postedDigest)
// and how many times it was tried again and failed.
type unrecordedPost struct {
	job     Job
	at      time.Time
	raw     []byte
	retries int
}

// maxRetracts bounds the tries again of an unrecorded post's deletion or second
// look (one a tick): a platform that keeps refusing a deletion (the bot removed
// from the channel) is given up on, with an error naming the message, rather
// than tried at every tick for ever.
const maxRetracts = 20

// keepUnrecorded keeps u, this replica's post of run, for recordKept.
func (s *Scheduler) keepUnrecorded(run string, u unrecordedPost) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unrecorded == nil {
		s.unrecorded = map[string]unrecordedPost{}
	}
	s.unrecorded[run] = u
}

// recordKept writes the record of u, this replica's post of run whose record
// failed, by recordPost's rule, and forgets u once done: recorded, or found
// another replica's record written first, when this copy is deleted and that
// record left as it is. It fails, keeping u, while the store does not take the
// record (or the copy could not be deleted).
func (s *Scheduler) recordKept(ctx context.Context, run string, u unrecordedPost) error {
	j := u.job
	recorded, taken, err := s.recordPost(ctx, j.Workspace, run, u.raw)
	var rec postedDigest
	var giveUp string // what is logged when the tries run out
	switch {
	case taken:
		err = json.Unmarshal(u.raw, &rec)
		if err == nil {
			err = s.retractDuplicate(ctx, s.Posters[rec.Platform], j, u.at, rec.PostRef)
		}
		giveUp = "digest posted twice, and this copy could not be deleted: delete it by hand"
	case !recorded:
		return fmt.Errorf("job %s: record post: %w", j.Name, err)
	case err != nil:
		// (the look for people forgotten meanwhile, after the write)
		_ = json.Unmarshal(u.raw, &rec)
		giveUp = "digest recorded, but people forgotten meanwhile may still be quoted in it: run forget again for them"
	}
	if err != nil {
		if u.retries++; u.retries < maxRetracts {
			s.keepUnrecorded(run, u) // (again next tick)
			return fmt.Errorf("job %s: %w", j.Name, err)
		}
		s.log().Error(giveUp, "job", j.Name, "run", run, "scheduled", u.at, "message", rec.ID, "channel", rec.Destination, "tries", u.retries, "err", err)
	}
	if recorded {
		s.dropNotice(ctx, j.Workspace, run)
	}
	s.mu.Lock()
	delete(s.unrecorded, run)
	s.mu.Unlock()
	return nil
}

// recordUnrecorded writes the records this replica's posts still lack (see
// recordKept), whether or not it holds the scheduler's lease or the run is due
// any more: once another replica took a run over and marked it done, the run's
// own tick never comes back to this replica's post, which stayed in the channel
// unrecorded beside the other's. The record's creation decides which post is
// the run's, lease or not (of two, the first written).
func (s *Scheduler) recordUnrecorded(ctx context.Context) error {
	s.mu.Lock()
	runs := slices.Sorted(maps.Keys(s.unrecorded))
	s.mu.Unlock()
	var firstErr error
	for _, run := range runs {
		s.mu.Lock()
		u, ok := s.unrecorded[run]
		s.mu.Unlock()
		if !ok {
			continue
		}
		firstErr = cmpErr(firstErr, s.recordKept(ctx, run, u))
	}
	return firstErr
}

// retractDuplicate deletes this replica's post of a run another replica has
// posted and recorded: the channel keeps one digest (the recorded one), after a
// few seconds of two. A poster that cannot delete, or a
// deletion that fails, leaves the copy and says so.
func (s *Scheduler) retractDuplicate(ctx context.Context, poster Poster, j Job, at time.Time, ref feedbackbot.PostRef) error {
	d, ok := poster.(interface {
		Delete(ctx context.Context, ref feedbackbot.PostRef) error
	})
	if !ok {
		s.log().Error("digest posted twice: this replica was paused inside its post while another took the run over, and this platform's messages cannot be deleted here", "job", j.Name, "scheduled", at)
		return nil
	}
	if err := d.Delete(ctx, ref); err != nil && !feedbackbot.IsNotFound(err) {
		return fmt.Errorf("job %s: digest posted twice (this replica was paused inside its post while another took the run over); deleting this copy (%s in %s): %w", j.Name, ref.ID, ref.Destination, err)
	}
	s.log().Warn("digest posted twice: this replica was paused inside its post while another took the run over; this copy was deleted", "job", j.Name, "scheduled", at, "message", ref.ID)
	return nil
}

// postGrace bounds a post and its record once begun, shutdown or not.
const postGrace = 2 * time.Minute

// runLeaseTTL is how long a replica holds a digest run's lease: building the
// digest, then the post and its record (renewed in between).
const runLeaseTTL = 15 * time.Minute

func (s *Scheduler) recordRun(ctx context.Context, j Job, at time.Time) error {
	raw, _ := json.Marshal(lastRun{At: at})
	if err := s.Store.PutDoc(ctx, j.Workspace, docScheduler, j.Name, raw); err != nil {
		return fmt.Errorf("job %s: record run: %w", j.Name, err)
	}
	return nil
}

// Run ticks every interval until ctx ends, then releases the lease.
func (s *Scheduler) Run(ctx context.Context, interval time.Duration, clock func() time.Time) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	defer func() {
		if err := s.Store.ReleaseLease(context.WithoutCancel(ctx), leaseName, s.Holder); err != nil {
			s.log().Warn("release scheduler lease", "err", err)
		}
	}()
	for {
		if _, err := s.Tick(ctx, clock()); err != nil && ctx.Err() == nil {
			s.log().Warn("scheduler tick", "err", err)
		}
		select {
		case <-ctx.Done():
			s.flushUnrecorded(ctx)
			return nil
		case <-t.C:
		}
	}
}

// flushUnrecorded writes, at shutdown, the records this replica's posts still
// lack (recordUnrecorded), for at most postGrace: kept only in memory, they would
// be lost with the process, and the run posted again by another replica with
// this copy left in the channel. What still cannot be written is logged, each
// message named, for a person to delete the extra copy.
func (s *Scheduler) flushUnrecorded(ctx context.Context) {
	s.mu.Lock()
	n := len(s.unrecorded)
	s.mu.Unlock()
	if n == 0 {
		return
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), postGrace)
	defer cancel()
	err := s.recordUnrecorded(fctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	for run, u := range s.unrecorded {
		var rec postedDigest
		_ = json.Unmarshal(u.raw, &rec)
		s.log().Error("digest posted but not recorded at shutdown: another replica may post it again; delete one copy by hand",
			"job", u.job.Name, "run", run, "message", rec.ID, "channel", rec.Destination, "err", err)
	}
}

func (s *Scheduler) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
