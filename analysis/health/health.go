// Package health scores a customer account's health (0-100) from its recent
// conversation history as of an explicit moment, and explains every point it takes
// off with evidence. It is pure: messages in, a feedbackbot.Health out, no I/O.
package health

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"gonum.org/v1/gonum/stat"

	"github.com/feedbackbot/feedbackbot"
)

// Item is one analysed message of the account (customer or staff): the type the
// stores return rows in, so they need no copy.
type Item = feedbackbot.Tagged

// Params tune the model. Zero values take the defaults.
type Params struct {
	Recent    time.Duration // the window judged against the baseline (default 14 days)
	Baseline  time.Duration // how far back the account's own normal reaches (default 56 days)
	Threshold int           // a score below it is at risk (default 50)
	// ReplyTarget is how long a customer may wait for a first staff reply when no
	// Targets are set (default 4h).
	ReplyTarget time.Duration
	// Targets, when set, are first-response targets that depend on business hours.
	Targets Targets
	// AccountTargets, when set, are the targets of conversations of these accounts
	// (a workspace's response times, each account by its tier), over Targets.
	AccountTargets map[string]Targets
	// ConversationGap groups a customer's consecutive top-level messages into one
	// conversation when they are closer than this (default 30 minutes).
	ConversationGap time.Duration
}

func (p *Params) defaults() {
	if p.Recent <= 0 {
		p.Recent = 14 * 24 * time.Hour
	}
	if p.Baseline <= 0 {
		p.Baseline = 56 * 24 * time.Hour
	}
	if p.Threshold <= 0 {
		p.Threshold = 50
	}
	if p.ReplyTarget <= 0 {
		p.ReplyTarget = 4 * time.Hour
	}
	if p.ConversationGap <= 0 {
		p.ConversationGap = 30 * time.Minute
	}
}

// Targets are first-response targets: one inside business hours, one outside.
type Targets struct {
	Business, Outside time.Duration
	Hours             BusinessHours
}

// BusinessHours are the team's working hours in its time zone.
type BusinessHours struct {
	Location   *time.Location
	Start, End int // hours of the day, [Start, End)
	// Days are the working weekdays; none set means Monday to Friday.
	Days [7]bool
}

// In reports whether t falls inside business hours.
func (h BusinessHours) In(t time.Time) bool {
	loc := h.Location
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	days := h.Days
	if days == [7]bool{} {
		days = [7]bool{false, true, true, true, true, true, false}
	}
	return days[lt.Weekday()] && lt.Hour() >= h.Start && lt.Hour() < h.End
}

// target is the first-response target for a conversation that started at t.
func (p *Params) target(t time.Time) time.Duration {
	if p.Targets.Business <= 0 || p.Targets.Outside <= 0 {
		return p.ReplyTarget
	}
	if p.Targets.Hours.In(t) {
		return p.Targets.Business
	}
	return p.Targets.Outside
}

// targetOf is the target of a conversation of account's that started at t.
func (p *Params) targetOf(account string, t time.Time) time.Duration {
	if ts, ok := p.AccountTargets[account]; ok {
		q := *p
		q.Targets = ts
		return q.target(t)
	}
	return p.target(t)
}

func (p *Params) targetWords() string {
	if p.Targets.Business <= 0 || p.Targets.Outside <= 0 {
		return span(p.ReplyTarget)
	}
	if p.Targets.Business == p.Targets.Outside {
		return span(p.Targets.Business) // the same at any hour
	}
	return span(p.Targets.Business) + " in business hours, " + span(p.Targets.Outside) + " outside"
}

// span writes a configured time exactly: in days or hours where it is whole ones,
// else in minutes, else as Go does (ago rounds, for the ages it writes: a target of
// 2h30m read "3 hours").
func span(d time.Duration) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return feedbackbot.Plural(int(d/(24*time.Hour)), "day")
	case d >= 2*time.Hour && d%time.Hour == 0:
		return feedbackbot.Plural(int(d/time.Hour), "hour")
	case d%time.Minute == 0:
		return feedbackbot.Plural(int(d/time.Minute), "minute")
	}
	return d.String()
}

// Reason codes.
const (
	ReasonSentimentLow   = "sentiment_low"
	ReasonSentimentDrop  = "sentiment_drop"
	ReasonNegativeShare  = "negative_share"
	ReasonChurnSignal    = "churn_signal"
	ReasonUnanswered     = "unanswered"
	ReasonSlowReplies    = "slow_replies"
	ReasonWentQuiet      = "went_quiet"
	ReasonRecurring      = "recurring_complaint"
	ReasonRecentlyHappy  = "recently_happy"
	ReasonReplyDue       = "reply_due" // a target is about to pass unanswered
	maxEvidencePerReason = 3
)

// ChurnQuoteDays is how many of a summary's days with churn signals (by their daily
// counters, feedbackbot.CntChurn) a caller reads the messages of for Baseline.Churn,
// the newest first, counting the rest as Baseline.ChurnUnread: the churn reason
// quotes its newest maxEvidencePerReason signals, and each such day holds one at
// least, so these days hold every quote the whole window's messages give, and the
// read stays bounded (a day's messages each, whatever the account said).
const ChurnQuoteDays = maxEvidencePerReason

// WithDefaults returns p with its zero values replaced by the defaults.
func (p Params) WithDefaults() Params {
	p.defaults()
	return p
}

// BaselineFrom is where the baseline window starts as of now: the start of the UTC
// day holding now - p.Baseline, so that the window is whole days and a summary kept
// per UTC day (Baseline) covers exactly the same messages as the messages would.
func (p Params) BaselineFrom(now time.Time) time.Time {
	p.defaults()
	return now.Add(-p.Baseline).UTC().Truncate(24 * time.Hour)
}

// Baseline summarises the older part of the baseline window, so that Assess needs the
// messages of the recent window only (plus a margin, for conversations that straddle
// its start): a bounded read whatever the account's history. The zero Baseline means
// the items cover the whole window. Churn signals said before To are the summary's
// Churn (their messages, as far as read) and ChurnUnread (those not read), beside any
// in Last: Assess counts them as it would from the whole window's messages.
type Baseline struct {
	// To is where the summary ends and the items begin: the summary covers the
	// customer messages in [BaselineFrom(now), To), and Assess ignores items before
	// To. It should be a UTC day's start at least a day before the recent window.
	To time.Time
	// Days are the UTC days of the summary with a customer message, oldest first.
	Days []time.Time
	// Count and ScoreSum are its customer messages and the sum of their sentiment
	// scores.
	Count    int
	ScoreSum float64
	// Last, when the account has written nothing since the recent window began, holds
	// its newest customer message and the messages of the 7 days before it, as far as
	// they are older than To (the evidence of having gone quiet, whether that
	// followed a complaint, and churn signals said before going quiet).
	Last []Item
	// Churn holds customer messages of the summary that are churn signals (see
	// feedbackbot.ChurnSignal), read for their quotes: those of the newest days
	// whose daily counters hold one (feedbackbot.CntChurn), as far as Last does not
	// hold them (one in both counts once). Assess counts those in [BaselineFrom(now),
	// To) and ignores any other message in it.
	Churn []Item
	// ChurnUnread is how many churn signals of the summary are neither in Churn nor
	// in Last (the days whose messages were not read, by their counters): counted,
	// without a quote. Churn holds the newest, so the quotes (the newest three) are
	// those of the whole window's messages when Churn holds three or all of them.
	ChurnUnread int
}

// Assess scores one account as of now from its messages (any order; messages after
// now are ignored, so a replay of history gives the same answer it gave then) and,
// when base.To is set, the summary of its older baseline (see Baseline).
func Assess(acct feedbackbot.Account, items []Item, base Baseline, now time.Time, p Params) feedbackbot.Health {
	p.defaults()
	h := feedbackbot.Health{Account: acct, Score: 100, AsOf: now.UTC()}
	recentFrom, baseFrom := now.Add(-p.Recent), p.BaselineFrom(now)
	itemsFrom := baseFrom
	if base.To.After(itemsFrom) {
		itemsFrom = base.To
	} else {
		base = Baseline{}
	}
	// The items are read through pointers, never copied: an Item is some 400 bytes, and
	// a digest assesses every account's recent weeks (16,000 messages at 1,000 a day).
	msgs := make([]*Item, 0, len(items))
	for i := range items {
		t := items[i].Message.Time
		if !t.After(now) && !t.Before(itemsFrom) {
			msgs = append(msgs, &items[i])
		}
	}
	slices.SortFunc(msgs, byTime)

	var recent, older []*Item
	for _, it := range msgs {
		if it.Message.Role != feedbackbot.RoleCustomer {
			continue
		}
		if it.Message.Time.Before(recentFrom) {
			older = append(older, it)
		} else {
			recent = append(recent, it)
		}
	}
	add := func(r feedbackbot.Reason) { h.Reasons = append(h.Reasons, r) }

	// Sentiment level and its change against the account's own baseline.
	recentMean, recentN := meanScore(recent)
	baseMean, baseN := meanScore(older)
	if base.Count > 0 {
		baseMean = (baseMean*float64(baseN) + base.ScoreSum) / float64(baseN+base.Count)
		baseN += base.Count
	}
	if recentN >= 3 {
		if recentMean < -0.15 {
			add(feedbackbot.Reason{Code: ReasonSentimentLow, Impact: -math.Min(30, 60*(-recentMean)),
				Text:     fmt.Sprintf("Customer sentiment over the last %s is %+.2f", days(p.Recent), recentMean),
				Evidence: worst(negative(recent), maxEvidencePerReason)})
		}
		if baseN >= 3 && recentMean-baseMean < -0.2 {
			slope := dailySlope(recent, recentFrom)
			add(feedbackbot.Reason{Code: ReasonSentimentDrop, Impact: -math.Min(25, 50*(baseMean-recentMean)),
				Text:     fmt.Sprintf("Sentiment fell from %+.2f (its usual level) to %+.2f; trend %+.3f per day", baseMean, recentMean, slope),
				Evidence: []feedbackbot.Evidence{{Figure: fmt.Sprintf("baseline %+.2f over %d messages, recent %+.2f over %d", baseMean, baseN, recentMean, recentN)}}})
		}
		if neg := countNeg(recent); recentN >= 4 && float64(neg)/float64(recentN) >= 0.4 {
			share := float64(neg) / float64(recentN)
			add(feedbackbot.Reason{Code: ReasonNegativeShare, Impact: -math.Min(20, 30*share),
				Text: fmt.Sprintf("%d of %d recent customer messages are negative (%.0f%%)", neg, recentN, share*100)})
		}
	}

	// Churn signals: cancellation, switching vendor, downgrade, data export requests,
	// over the whole baseline period, not the recent window alone: "we are evaluating
	// other vendors" is not taken back by two weeks of silence or small talk (counted in
	// the window only, the account read healthy, and its alert recovered, 14 days on: a
	// review's find). Assess counts the customer messages it is given of the baseline:
	// every one without a summary; with one (base.To set), those from base.To on and
	// those of the summary: base.Last's (an account silent since the window began),
	// base.Churn's and base.ChurnUnread (the summary's daily churn counters).
	var churn []*Item
	isChurn := func(it *Item) bool {
		return it.Message.Role == feedbackbot.RoleCustomer && feedbackbot.ChurnSignal(&it.Tags)
	}
	inSummary := func(it *Item) bool { return !it.Message.Time.Before(baseFrom) && it.Message.Time.Before(itemsFrom) }
	for i := range base.Last {
		if it := &base.Last[i]; isChurn(it) && inSummary(it) {
			churn = append(churn, it)
		}
	}
	if len(base.Churn) > 0 {
		inLast := len(churn)
		for i := range base.Churn {
			it := &base.Churn[i]
			if !isChurn(it) || !inSummary(it) || slices.ContainsFunc(churn[:inLast], func(l *Item) bool { return sameMessage(l, it) }) {
				continue
			}
			churn = append(churn, it)
		}
	}
	for _, part := range [][]*Item{older, recent} {
		for _, it := range part {
			if isChurn(it) {
				churn = append(churn, it)
			}
		}
	}
	if n := len(churn) + max(0, base.ChurnUnread); n > 0 {
		add(feedbackbot.Reason{Code: ReasonChurnSignal, Impact: -math.Min(40, 25+7.5*float64(n-1)), Count: n,
			Text:     feedbackbot.Plural(n, "churn signal") + ": cancellation, downgrade, switching vendor or data export",
			Evidence: evidence(newestFirst(churn), maxEvidencePerReason)})
	}

	// Conversations waiting for a reply, and slow first responses. Which conversation
	// each message is in is kept only when staff said something was fixed in the window
	// (recurring needs it).
	var fixes []int // msgs' staff messages of the window saying a problem is fixed
	for i, it := range msgs {
		if it.Message.Role == feedbackbot.RoleStaff && !it.Message.Time.Before(recentFrom) && mentionsFix(it.Message.Text) {
			fixes = append(fixes, i)
		}
	}
	var member []*conversation
	if len(fixes) > 0 {
		member = make([]*conversation, len(msgs))
	}
	convs := conversations(msgs, p.ConversationGap, member)
	var waiting, due []*Item         // the conversations' latest asks: the quotes
	var waitingAsks, dueAsks []*Item // their first asks: what they ask (askWords)
	var waitingSince []time.Time     // when each waiting conversation asked first
	var missed, answered int
	for _, c := range convs {
		if !c.asks {
			continue
		}
		asked := c.asked()
		target := p.target(asked)
		if c.firstReply.IsZero() {
			t := c.lastAsk.Message.Time
			switch {
			case t.Before(recentFrom):
				// Older than the recent window, a question is abandoned, not waiting.
			case now.Sub(asked) > target:
				waiting, waitingAsks = append(waiting, c.lastAsk), append(waitingAsks, c.firstAsk)
				waitingSince = append(waitingSince, asked)
			case now.Sub(asked) >= target*3/4:
				due, dueAsks = append(due, c.lastAsk), append(dueAsks, c.firstAsk)
			}
			continue
		}
		if asked.Before(recentFrom) {
			continue
		}
		answered++
		if c.firstReply.Sub(asked) > target {
			missed++
		}
	}
	if len(waiting) > 0 {
		// Waiting since the question, not since the customer's latest nudge ("any
		// update?" ten minutes ago made a 30-hour wait read "10 minutes", a review found);
		// the nudge stays the quote.
		oldest := slices.MinFunc(waitingSince, time.Time.Compare)
		impact := 0.0
		for _, since := range waitingSince {
			impact += 12
			if now.Sub(since) >= 24*time.Hour {
				impact += 8 // a day without an answer is a broken promise, not a delay
			}
		}
		add(feedbackbot.Reason{Code: ReasonUnanswered, Impact: -math.Min(45, impact),
			Text:     fmt.Sprintf("%s still waiting for a reply, the oldest for %s", askWords(waitingAsks), Ago(now.Sub(oldest))),
			Evidence: evidence(waiting, maxEvidencePerReason)})
	}
	if len(due) > 0 {
		add(feedbackbot.Reason{Code: ReasonReplyDue, Impact: -3,
			Text:     fmt.Sprintf("%s will pass the first-response target (%s) soon without a reply", askWords(dueAsks), p.targetWords()),
			Evidence: evidence(due, maxEvidencePerReason)})
	}
	if answered >= 3 {
		met := float64(answered-missed) / float64(answered)
		if met < 0.8 {
			impact := -10.0
			if met < 0.5 {
				impact = -15
			}
			add(feedbackbot.Reason{Code: ReasonSlowReplies, Impact: impact,
				Text: fmt.Sprintf("Only %d of %d recent first replies (%.0f%%) met the response target (%s)", answered-missed, answered, met*100, p.targetWords())})
		}
	}

	// Engagement against the account's own rhythm: silence only matters for an
	// account that used to talk, and more so when it went quiet after a complaint.
	if gap, ok := usualGap(msgs, base.Days); ok && len(recent) == 0 {
		quiet := msgs
		if len(base.Last) > 0 {
			quiet = nil
			for i := range base.Last {
				if t := base.Last[i].Message.Time; !t.Before(baseFrom) && t.Before(itemsFrom) {
					quiet = append(quiet, &base.Last[i])
				}
			}
			slices.SortFunc(quiet, byTime)
			quiet = append(quiet, msgs...)
		}
		if last := lastCustomer(quiet); last != nil && !last.Message.Time.IsZero() {
			if silence := now.Sub(last.Message.Time); silence > 3*gap && silence > 7*24*time.Hour {
				impact := -15.0
				text := fmt.Sprintf("Silent for %s; it usually writes every %s", Ago(silence), Ago(gap))
				shown := []*Item{last}
				if c := quietAfterComplaint(quiet, last, p.ConversationGap); c != nil {
					impact = -55
					text += ", and went quiet after a complaint"
					if c != last {
						// the complaint is what the reason is about: quoted first,
						// then what they last wrote
						shown = []*Item{c, last}
					}
				}
				add(feedbackbot.Reason{Code: ReasonWentQuiet, Impact: impact, Text: text,
					Evidence: evidence(shown, len(shown))})
			}
		}
	}

	// A complaint that recurs after staff said it was fixed.
	if r, ok := recurring(msgs, member, fixes, p.ConversationGap); ok {
		add(r)
	}

	// Recently happy accounts get a little credit back, never more than they lost.
	if recentN >= 3 && recentMean > 0.2 {
		add(feedbackbot.Reason{Code: ReasonRecentlyHappy, Impact: math.Min(10, 20*recentMean),
			Text: fmt.Sprintf("Recent customer sentiment is good (%+.2f over %d messages)", recentMean, recentN)})
	}

	h.RecentMessages, h.Emotions = len(recent), emotions(recent)
	h.WindowMessages = base.Count + len(older) + len(recent)

	score := 100.0
	for _, r := range h.Reasons {
		score += r.Impact
	}
	h.Score = int(math.Round(math.Max(0, math.Min(100, score))))
	h.AtRisk = atRisk(h, p)
	sort.SliceStable(h.Reasons, func(i, j int) bool { return h.Reasons[i].Impact < h.Reasons[j].Impact })
	return h
}

// emotions counts items by the clear emotion each expresses, in
// feedbackbot.Emotions' order, leaving out the emotions none expresses.
func emotions(items []*Item) []feedbackbot.CountStat {
	var out []feedbackbot.CountStat
	for _, e := range feedbackbot.Emotions() {
		n := 0
		for _, it := range items {
			if it.Tags.Sentiment.Emotion == e {
				n++
			}
		}
		if n > 0 {
			out = append(out, feedbackbot.CountStat{Name: string(e), Count: int64(n)})
		}
	}
	return out
}

type conversation struct {
	start    time.Time
	account  string         // of the customer message that started it
	customer *customerState // a top-level one's customer in its channel (nil for a thread's)
	asks     bool
	// firstAsk and lastAsk are its first and latest messages waiting for a reply
	// (what it asks, and the quote of a wait): messages conversations was given.
	firstAsk, lastAsk *Item
	firstReply        time.Time
	// resolved is when the conversation was closed: a staff message saying it is
	// fixed, a customer's thanks after a staff reply, or a resolved mark (✅) on one of
	// its messages, counted at the last staff reply.
	resolved  time.Time
	lastStaff time.Time
	marked    bool
	// lastCust is its latest customer message: a top-level staff message answers
	// the conversation only within answerReach of it (or addressing its customer).
	lastCust *Item
	// also are the customer's earlier conversations a top-level staff message
	// answered with it, by that message (what a fix was about: recurring).
	also []answeredWith
}

// asked is when the conversation first waited for a reply: its first ask (a
// greeting before it waits for nothing: a reply four minutes after a question
// asked twenty minutes after "hi team" took four minutes, not 24, a review
// found), or its start when it asks nothing.
func (c *conversation) asked() time.Time {
	if c.firstAsk != nil {
		return c.firstAsk.Message.Time
	}
	return c.start
}

// customerKey names a customer's conversations in a channel: their account's, or,
// without one, their own (two customers of a shared channel each have theirs).
type customerKey struct {
	channel, who string
	account      bool // who is an account, else an author
}

func customerKeyOf(m *feedbackbot.Message) customerKey {
	if m.Account != "" {
		return customerKey{m.Channel, m.Account, true}
	}
	return customerKey{m.Channel, m.Author, false}
}

// customerState is what conversations keeps of a customer in a channel.
type customerState struct {
	key    customerKey
	latest *conversation // their latest top-level conversation there
	last   time.Time     // their last top-level message there
	// waiting are their top-level conversations not answered yet: a top-level
	// staff message that answers one answers those too, within answerReach of
	// their own latest message (a question, then "any update?" hours later
	// top-level, then staff's answer: the question waited on for two weeks, a
	// review found).
	waiting []*conversation
}

// prune drops from waiting the conversations answered since.
func (cs *customerState) prune() {
	cs.waiting = slices.DeleteFunc(cs.waiting, func(o *conversation) bool { return !o.firstReply.IsZero() })
}

// answeredWith is an earlier conversation staff message msgs[j] answered with
// another (conversation.also).
type answeredWith struct {
	j int
	c *conversation
}

// answerReach is how long after a customer's latest message in a conversation a
// top-level staff message in its channel is still taken for the conversation's
// answer, when it neither mentions the customer nor replies to their message (thread
// replies answer whenever they come). An answer the next morning to a question of the
// evening before is one; a top-level post days later is more likely meant for
// everyone (a maintenance notice, a release note) than the reply to a question
// nobody took up, and counted as that reply it hid the wait: "nothing waiting" for a
// question three days old (a review's find). The conversation gap (ConversationGap,
// 30 minutes by default) groups a customer's own messages and is far too short for
// this: a first reply hours later, past its target, is late but still the answer.
// Beyond it, the customer's thanks right after a top-level post confirm the post as
// the answer (an answer on Monday to a question of Friday evening; confirmsAnswer).
const answerReach = 24 * time.Hour

// conversations groups a channel's messages: a thread is one conversation; a
// customer's top-level messages (an account's, or an author's without one: another
// customer's in a shared channel start their own, a review found) closer than gap
// join the same one; a staff message answers the
// open conversation of its thread, or, top-level, the conversation of the customer
// message it replies to (ReplyTo), else the channel's open conversation when it
// mentions its customer or comes within answerReach of the customer's latest message
// in it (an announcement days later answers nothing), or when the customer's next
// top-level message thanks for it (confirmsAnswer: counted at the staff message). A new
// ask after a reply (a question, bug report, complaint or churn signal: startsAnew)
// starts a new conversation; a wish that follows a reply to the customer's ask, in
// its thread or top-level within gap of the reply, is part of the answered one ("is
// there a dark mode?" / "Not yet, it's on the roadmap." / "ok, would be great if it
// came soon" waited for a reply for days, a user found in the demo).
//
// member, when not nil (as long as msgs), is given each message's conversation: the
// one a customer message joined or started, the one a staff message answered (nil
// when it answered none).
func conversations(msgs []*Item, gap time.Duration, member []*conversation) []*conversation {
	var out []*conversation
	// Every top-level customer message may root a thread: sized for them at once, not
	// grown table by table (go test -bench 'Assess$' -count 6 ./analysis/health:
	// 22.6 -> 21.2 us and 66 -> 62 allocations an account, medians).
	byRoot := make(map[threadRoot]*conversation, len(msgs)) // the thread's conversation
	open := map[string]*conversation{}                      // channel -> its latest top-level conversation
	// The customers of each channel (what a top-level staff message may answer:
	// topLevelAnswered), found by a look through the channel's few (an account's
	// health reads one customer a channel), by key past manyCustomers (a community
	// channel in the digest's figures). Hashing a key for every message cost
	// Assess a tenth.
	const manyCustomers = 16
	var inChannel map[string][]*customerState
	var byKey map[customerKey]*customerState
	customer := func(m *feedbackbot.Message) *customerState {
		k := customerKeyOf(m)
		list := inChannel[m.Channel]
		if len(list) <= manyCustomers {
			for _, cs := range list {
				if cs.key == k {
					return cs
				}
			}
		} else if cs := byKey[k]; cs != nil {
			return cs
		}
		if inChannel == nil {
			inChannel = map[string][]*customerState{}
		}
		cs := &customerState{key: k}
		inChannel[m.Channel] = append(list, cs)
		if len(list)+1 > manyCustomers {
			if byKey == nil {
				byKey = map[customerKey]*customerState{}
			}
			if len(list) == manyCustomers { // (the channel's first past the look)
				for _, o := range list {
					byKey[o.key] = o
				}
			}
			byKey[k] = cs
		}
		return cs
	}
	start := func(m *feedbackbot.Message) *conversation {
		c := &conversation{start: m.Time, account: m.Account}
		out = append(out, c)
		return c
	}
	// answer counts staff message msgs[j] as a reply in c (none before it started).
	answer := func(c *conversation, j int) {
		m := &msgs[j].Message
		if m.Time.Before(c.start) {
			return
		}
		if c.firstReply.IsZero() {
			c.firstReply = m.Time
		}
		c.lastStaff = m.Time
		if c.resolved.IsZero() && mentionsFix(m.Text) {
			c.resolved = m.Time
		}
		if resolvedMark(m.Reactions) {
			c.marked = true
		}
		if member != nil {
			member[j] = c
		}
	}
	// answerEarlier answers, with c, its customer's earlier conversations still
	// waiting that they were still on when c began (within answerReach of it: a
	// question, then "any update?" hours later), by staff message msgs[j]; never
	// a later one (a reply to the first question left a separate report after it
	// waiting: a review's find).
	answerEarlier := func(c *conversation, j int) {
		if c.customer == nil {
			return
		}
		for _, o := range c.customer.waiting {
			if o != c && o.firstReply.IsZero() && o.start.Before(c.start) && o.lastCust != nil && c.start.Sub(o.lastCust.Message.Time) <= answerReach {
				answer(o, j)
				c.also = append(c.also, answeredWith{j, o})
			}
		}
	}
	// unconfirmed holds, by channel, the index of a top-level staff message that
	// answered no conversation (beyond answerReach): the next top-level thanks of a
	// customer whose question waits there confirm it as their answer
	// (confirmsAnswer), whoever else wrote between (it had to be the channel's
	// latest conversation: a review's find).
	unconfirmed := map[string]int{}
	for i, it := range msgs {
		m := &it.Message
		var c *conversation
		if m.Thread != "" {
			c = byRoot[rootKey(m.Channel, m.Thread)]
		}
		switch m.Role {
		case feedbackbot.RoleCustomer:
			wish := it.Tags.NeedsReply && !startsAnew(it)
			followUp := false     // a wish after a reply to the customer's ask
			var cs *customerState // a top-level message's customer
			switch {
			case m.Thread == "":
				cs = customer(m)
				c = cs.latest
				if j, ok := unconfirmed[m.Channel]; ok {
					if w := askedBefore(cs, m.Author, msgs[j].Message.Time); w != nil {
						delete(unconfirmed, m.Channel) // (the customer's next message says)
						if confirmsAnswer(it, &msgs[j].Message) {
							answerEarlier(w, j)
							answer(w, j)
							cs.prune()
							if w != c && w.resolved.IsZero() {
								// (the thanks close it, as they close the latest
								// conversation they join: a colleague's message
								// between left it answered, never resolved)
								w.resolved = m.Time
							}
						}
					}
				}
				// Thanks after a staff reply belongs to that conversation, however late.
				closing := c != nil && !c.firstReply.IsZero() && c.resolved.IsZero() && !it.Tags.NeedsReply && it.Tags.Sentiment.Score > 0.05
				// A wish belongs to it when it follows the reply closely.
				followUp = wish && c != nil && c.asks && !c.firstReply.IsZero()
				if c == nil || !closing && m.Time.Sub(cs.last) > gap && (!followUp || m.Time.Sub(c.lastStaff) > gap) {
					c = start(m)
					followUp = false
				}
				cs.last = m.Time
			case c == nil: // a thread whose root we never saw
				c = start(m)
			default:
				followUp = wish && c.asks && !c.firstReply.IsZero()
			}
			if it.Tags.NeedsReply && !c.firstReply.IsZero() && !followUp {
				c = start(m)
			}
			if m.Thread == "" {
				// (registered here, after every rule that starts one: a new ask
				// right after a reply starts one too, which was left out, and the
				// customer's next message went to the answered one: a review's find)
				if c.customer == nil {
					c.customer = cs
					cs.waiting = append(cs.waiting, c)
				}
				cs.latest = c
				open[m.Channel] = c
				byRoot[rootKey(m.Channel, m.ID)] = c
			} else {
				byRoot[rootKey(m.Channel, m.Thread)] = c
			}
			if it.Tags.NeedsReply && !followUp {
				if c.firstAsk == nil {
					c.firstAsk = it
				}
				c.asks, c.lastAsk = true, it
			}
			c.lastCust = it
			// Thanks after a staff reply closes it ("thanks, works now").
			if !c.firstReply.IsZero() && c.resolved.IsZero() && !it.Tags.NeedsReply && it.Tags.Sentiment.Score > 0.05 {
				c.resolved = m.Time
			}
		case feedbackbot.RoleStaff:
			if c == nil && m.Thread == "" {
				c = topLevelAnswered(m, open[m.Channel], inChannel[m.Channel], byRoot)
				if o := open[m.Channel]; c == nil && o != nil && o.lastCust != nil {
					unconfirmed[m.Channel] = i
				}
				// The customer's earlier questions still waiting there are
				// answered with it, whoever else wrote meanwhile (only where c was
				// the channel's latest, health, reading one account, and the
				// digest, reading them all, disagreed: a review's find).
				if c != nil {
					answerEarlier(c, i)
				}
			}
			if c != nil {
				answer(c, i)
			}
			if c != nil && c.customer != nil {
				c.customer.prune()
			}
		}
		if c != nil && resolvedMark(m.Reactions) {
			c.marked = true
		}
		if member != nil && c != nil && (m.Role != feedbackbot.RoleStaff || !m.Time.Before(c.start)) {
			member[i] = c
		}
	}
	for _, c := range out {
		if c.marked && c.resolved.IsZero() && !c.lastStaff.IsZero() {
			c.resolved = c.lastStaff
		}
	}
	return out
}

// topLevelAnswered is the conversation a top-level staff message m answers, nil for
// none: the one of the customer message it replies to (ReplyTo, as Discord's replies
// name it), else the channel's open conversation when m mentions one of its
// customers or comes within answerReach of the customer's latest message in it.
func topLevelAnswered(m *feedbackbot.Message, open *conversation, customers []*customerState, byRoot map[threadRoot]*conversation) *conversation {
	if m.ReplyTo != "" {
		if c := byRoot[rootKey(m.Channel, m.ReplyTo)]; c != nil {
			return c
		}
	}
	// In a channel several customers share: the conversation of a customer it
	// mentions, else the latest one waiting for its first reply within reach, and
	// only then the channel's latest (it answered whoever wrote last: a customer
	// it named, or the one whose question waited while another said "morning
	// all!", waited on; a review's find). The latest, where several qualify.
	var mentioned, waiting *conversation
	later := func(a, b *conversation) bool {
		return b == nil || a.lastCust.Message.Time.After(b.lastCust.Message.Time)
	}
	for _, cs := range customers {
		// (a customer's conversations still waiting too: a colleague of theirs
		// may have written since, and the answer names the asker, a review found)
		for _, o := range cs.waiting {
			if o.lastCust != nil && mentionsCustomerOf(m.Text, o) && later(o, mentioned) {
				mentioned = o
			}
		}
		c := cs.latest
		if c == nil || c.lastCust == nil {
			continue
		}
		if mentionsCustomerOf(m.Text, c) && later(c, mentioned) {
			mentioned = c
		}
		if c.asks && c.firstReply.IsZero() && m.Time.Sub(c.lastCust.Message.Time) <= answerReach && later(c, waiting) {
			waiting = c
		}
	}
	switch {
	case mentioned != nil:
		return mentioned
	case waiting != nil:
		return waiting
	case open == nil || open.lastCust == nil:
		return nil
	case m.Time.Sub(open.lastCust.Message.Time) <= answerReach:
		return open
	}
	return nil
}

// askedBefore is the conversation of cs whose question author asked and still
// waits for its first reply, begun before at: the latest, else the latest of those
// still waiting (a colleague of theirs may have written since: their thanks
// confirmed nothing then); nil for none.
func askedBefore(cs *customerState, author string, at time.Time) *conversation {
	ok := func(c *conversation) bool {
		return c != nil && c.asks && c.firstReply.IsZero() && !at.Before(c.start) && customerOf(c, author)
	}
	if ok(cs.latest) {
		return cs.latest
	}
	for i := len(cs.waiting) - 1; i >= 0; i-- {
		if ok(cs.waiting[i]) {
			return cs.waiting[i]
		}
	}
	return nil
}

// customerOf reports whether author wrote c's latest customer message or its asks.
func customerOf(c *conversation, author string) bool {
	return c.anyCustomer(func(it *Item) bool { return it.Message.Author == author })
}

// mentionsCustomerOf reports whether text mentions the author of c's latest
// customer message or of its asks.
func mentionsCustomerOf(text string, c *conversation) bool {
	return c.anyCustomer(func(it *Item) bool { return mentions(text, it.Message.Author) })
}

// anyCustomer reports whether f holds for one of c's latest customer message and
// its first and latest asks (those it has).
func (c *conversation) anyCustomer(f func(*Item) bool) bool {
	for _, it := range [...]*Item{c.lastCust, c.firstAsk, c.lastAsk} {
		if it != nil && f(it) {
			return true
		}
	}
	return false
}

// confirmsAnswer reports whether customer message it, the next top-level one of
// the conversation's customer after top-level staff message staff (which came
// beyond answerReach of the conversation, and mentions nobody in it), confirms
// staff as its answer: thanks (no ask, a positive score, as a thanks closes a
// conversation) within answerReach of it. A question on Friday evening answered
// top-level on Monday morning, "thanks, that worked!" 25 minutes later, was
// answered on Monday; without the thanks, the Monday post may be an announcement
// (TestStaffAnnouncementIsNoAnswer).
func confirmsAnswer(it *Item, staff *feedbackbot.Message) bool {
	return !it.Tags.NeedsReply && it.Tags.Sentiment.Score > 0.05 && it.Message.Time.Sub(staff.Time) <= answerReach
}

// mentions reports whether text mentions user as Slack and Discord write a mention:
// <@U123>, <@U123|dana> (Slack), <@123> or <@!123> (Discord).
func mentions(text, user string) bool {
	if user == "" {
		return false
	}
	for rest := text; ; {
		i := strings.Index(rest, "<@")
		if i < 0 {
			return false
		}
		rest = rest[i+2:]
		id := strings.TrimPrefix(rest, "!")
		if strings.HasPrefix(id, user) && len(id) > len(user) && (id[len(user)] == '>' || id[len(user)] == '|') {
			return true
		}
	}
}

// sameMessage reports whether a and b are the same message (read twice: in a
// summary's Last and its Churn).
func sameMessage(a, b *Item) bool {
	return a.Message.ID == b.Message.ID && a.Message.Workspace == b.Message.Workspace && a.Message.Platform == b.Message.Platform
}

// startsAnew reports whether a customer message waiting for a reply opens a new
// conversation after a staff reply: a new question, bug report, complaint or churn
// signal does ("thanks — and how do I export?" waits for its own answer); a wish (a
// feature request, or a message of another intent a correction says waits) follows
// up on the answered one.
func startsAnew(it *Item) bool {
	if !it.Tags.NeedsReply {
		return false
	}
	switch it.Tags.Intent {
	case feedbackbot.IntentQuestion, feedbackbot.IntentBugReport, feedbackbot.IntentComplaint, feedbackbot.IntentChurnSignal:
		return true
	}
	return feedbackbot.ChurnSignal(&it.Tags) // a churn signal, as Assess counts them
}

// askKinds are the kinds of ask a reason names, in its order (askKind's index):
// alone, then within a mix.
var askKinds = [...]struct{ alone, inMix string }{
	{"customer question", "question"}, {"customer report", "report"}, {"customer request", "request"},
	{"churn signal", "churn signal"}, {"customer message", "other message"}}

// askKind is the index in askKinds of what a customer's ask is, by its intent.
func askKind(it *Item) int {
	switch it.Tags.Intent {
	case feedbackbot.IntentQuestion:
		return 0
	case feedbackbot.IntentBugReport, feedbackbot.IntentComplaint:
		return 1
	case feedbackbot.IntentFeatureRequest:
		return 2
	case feedbackbot.IntentChurnSignal:
		return 3
	}
	return 4
}

// askWords counts asks by kind: "1 customer question", "2 customer requests",
// "3 customer messages (2 questions, 1 report)" (it wrote "question(s) or
// report(s)" whatever they were, a wish too).
func askWords(asks []*Item) string {
	var n [len(askKinds)]int
	for _, it := range asks {
		n[askKind(it)]++
	}
	var parts []string
	for k, c := range n {
		if c == len(asks) {
			return feedbackbot.Plural(c, askKinds[k].alone)
		}
		if c > 0 {
			parts = append(parts, feedbackbot.Plural(c, askKinds[k].inMix))
		}
	}
	return feedbackbot.Plural(len(asks), "customer message") + " (" + strings.Join(parts, ", ") + ")"
}

// resolvedMark reports a "done" reaction (Slack names or Discord emoji).
func resolvedMark(reactions map[string]int) bool {
	for _, r := range []string{"white_check_mark", "heavy_check_mark", "ballot_box_with_check", "✅", "✔️", "☑️"} {
		if reactions[r] > 0 {
			return true
		}
	}
	return false
}

// Responses summarises how a team answered customers: conversations (grouped as
// Assess groups them) that asked something and started in [from, now).
type Responses struct {
	Conversations int `json:"conversations"`
	Answered      int `json:"answered"`
	WithinTarget  int `json:"within_target"`
	// MedianFirstReply and MedianResolution are zero when nothing was answered or resolved.
	MedianFirstReply time.Duration `json:"median_first_reply"`
	Resolved         int           `json:"resolved"`
	MedianResolution time.Duration `json:"median_resolution"`
	// Waiting are the latest asks of conversations still without a staff reply past
	// their target, oldest first: pointers into the messages ResponseTimes was given.
	Waiting []*Item `json:"-"`
}

// ResponseTimes computes Responses over messages of one workspace (any accounts),
// in time order, as of now.
func ResponseTimes(msgs []Item, p Params, from, now time.Time) Responses {
	p.defaults()
	var r Responses
	var first, resolve []time.Duration
	ptrs := make([]*Item, len(msgs))
	for i := range msgs {
		ptrs[i] = &msgs[i]
	}
	for _, c := range conversations(ptrs, p.ConversationGap, nil) {
		asked := c.asked()
		if !c.asks || asked.Before(from) || asked.After(now) {
			continue
		}
		r.Conversations++
		var account string
		if c.lastAsk != nil {
			account = c.lastAsk.Message.Account
		}
		target := p.targetOf(account, asked)
		if c.firstReply.IsZero() || c.firstReply.After(now) {
			if now.Sub(asked) > target {
				r.Waiting = append(r.Waiting, c.lastAsk)
			}
			continue
		}
		r.Answered++
		d := c.firstReply.Sub(asked)
		first = append(first, d)
		if d <= target {
			r.WithinTarget++
		}
		if !c.resolved.IsZero() && !c.resolved.After(now) {
			r.Resolved++
			resolve = append(resolve, c.resolved.Sub(asked))
		}
	}
	r.MedianFirstReply, r.MedianResolution = medianDuration(first), medianDuration(resolve)
	slices.SortStableFunc(r.Waiting, func(a, b *Item) int { return a.Message.Time.Compare(b.Message.Time) })
	return r
}

// Wait is a conversation still waiting for a staff reply past its target, as one
// account asking in it waits.
type Wait struct {
	// Since is when the account first asked in it.
	Since   time.Time
	Account string
	// Customer are the conversation's customers' messages: what a wait found in a
	// shorter span of the same messages is matched by.
	Customer []*Item
}

// WaitingBefore lists the conversations of msgs (in time order) still without a
// staff reply as of now, their latest ask within the recent window (as Assess
// counts an account's), once for each account that asked in them before from and
// has waited past its own target since (a thread two accounts asked in is each
// one's wait, each timed by its tier as health times it), oldest first: what a
// period's response times, which count the conversations asked in it, leave out.
func WaitingBefore(msgs []*Item, p Params, from, now time.Time) []Wait {
	p.defaults()
	member := make([]*conversation, len(msgs))
	recentFrom := now.Add(-p.Recent)
	at := map[*conversation]int{}
	var open []*conversation
	for _, c := range conversations(msgs, p.ConversationGap, member) {
		if !c.asks || c.lastAsk == nil || !c.firstReply.IsZero() && !c.firstReply.After(now) ||
			c.lastAsk.Message.Time.Before(recentFrom) || !c.asked().Before(from) {
			continue
		}
		at[c] = len(open)
		open = append(open, c)
	}
	customers := make([][]*Item, len(open))
	for i, c := range member {
		if j, ok := at[c]; ok && c != nil && msgs[i].Message.Role == feedbackbot.RoleCustomer {
			customers[j] = append(customers[j], msgs[i])
		}
	}
	var out []Wait
	for j, c := range open {
		// Each account's first ask: the conversation's first is its asked().
		first := map[string]time.Time{c.firstAsk.Message.Account: c.asked()}
		for _, it := range customers[j] {
			if _, ok := first[it.Message.Account]; !ok && it.Tags.NeedsReply {
				first[it.Message.Account] = it.Message.Time
			}
		}
		for account, since := range first {
			if since.Before(from) && now.Sub(since) > p.targetOf(account, since) {
				out = append(out, Wait{Since: since, Account: account, Customer: customers[j]})
			}
		}
	}
	slices.SortFunc(out, func(a, b Wait) int { return cmp.Or(a.Since.Compare(b.Since), cmp.Compare(a.Account, b.Account)) })
	return out
}

func medianDuration(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// rootKey names a thread root the same way whether an adapter wrote the root's full
// id ("C1:1700000000.0001") or only its platform timestamp.
func rootKey(channel, id string) threadRoot {
	if i := strings.LastIndexByte(id, ':'); i >= 0 {
		id = id[i+1:]
	}
	return threadRoot{channel, id}
}

// threadRoot is a thread's channel and its root's platform timestamp.
type threadRoot struct{ channel, id string }

// recurring is the reason of a problem that came back after staff said it was fixed:
// a negative complaint or bug report of the customer's after a staff message saying
// a problem is fixed (fixes: their indexes in msgs, all in the recent window), about
// that problem: in the conversation staff said was fixed or its thread, top-level
// within gap of a top-level fix (the customer's answer to it: "no, same timeout"
// asks anew, so it starts a conversation of its own), or sharing a theme with the
// fixed conversation's messages. An unrelated complaint after a fix (a double charge
// after the SSO fix, in another thread) is no fix that failed (it read "The problem
// came back", and "Reopen the fix with engineering": a review's find). member is
// each message's conversation (conversations').
func recurring(msgs []*Item, member []*conversation, fixes []int, gap time.Duration) (feedbackbot.Reason, bool) {
	if len(fixes) == 0 {
		return feedbackbot.Reason{}, false
	}
	// What each fix was about: the threads and themes of its conversation's messages
	// (the fix's own alone when it answered no conversation).
	type problem struct {
		at       time.Time
		channel  string
		topLevel bool            // the fix was posted top-level
		convs    []*conversation // the conversations it answered
		roots    []threadRoot
		themes   []string
	}
	about := func(p *problem, it *Item) {
		m := &it.Message
		root := rootKey(m.Channel, m.ID) // a top-level message may root a thread
		if m.Thread != "" {
			root = rootKey(m.Channel, m.Thread)
		}
		if !slices.Contains(p.roots, root) {
			p.roots = append(p.roots, root)
		}
		for _, th := range it.Tags.Themes {
			if !slices.Contains(p.themes, th) {
				p.themes = append(p.themes, th)
			}
		}
	}
	problems := make([]problem, len(fixes))
	for k, i := range fixes {
		p := &problems[k]
		p.at = msgs[i].Message.Time
		p.channel, p.topLevel = msgs[i].Message.Channel, msgs[i].Message.Thread == ""
		about(p, msgs[i])
		if member[i] == nil {
			continue
		}
		p.convs = []*conversation{member[i]}
		for _, w := range member[i].also {
			if w.j == i { // (those this fix answered, not another message)
				p.convs = append(p.convs, w.c)
			}
		}
		for j, it := range msgs {
			if slices.Contains(p.convs, member[j]) && j != i {
				about(p, it)
			}
		}
	}
	var again []*Item
	for j, it := range msgs {
		m := &it.Message
		if m.Role != feedbackbot.RoleCustomer || it.Tags.Sentiment.Score >= -0.05 ||
			it.Tags.Intent != feedbackbot.IntentBugReport && it.Tags.Intent != feedbackbot.IntentComplaint {
			continue
		}
		root := rootKey(m.Channel, m.ID)
		if m.Thread != "" {
			root = rootKey(m.Channel, m.Thread)
		}
		for k := range problems {
			p := &problems[k]
			if m.Time.After(p.at) && (member[j] != nil && slices.Contains(p.convs, member[j]) || slices.Contains(p.roots, root) ||
				p.topLevel && m.Thread == "" && m.Channel == p.channel && m.Time.Sub(p.at) <= gap ||
				slices.ContainsFunc(it.Tags.Themes, func(th string) bool { return slices.Contains(p.themes, th) })) {
				again = append(again, it)
				break
			}
		}
	}
	if len(again) == 0 {
		return feedbackbot.Reason{}, false
	}
	return feedbackbot.Reason{Code: ReasonRecurring, Impact: -15,
		Text:     fmt.Sprintf("The problem came back after staff said it was fixed (%s since)", feedbackbot.Plural(len(again), "complaint")),
		Evidence: evidence(again, maxEvidencePerReason)}, true
}

// churnAtRisk is how many churn signals (of the baseline period, as Assess counts
// them) put an account at risk whatever its score: capped at 40 points, the signals
// alone never took a healthy account below the threshold, so a customer saying three
// times in a week that they are leaving raised no alert (a review's find). One
// message can be misread; two rarely both are.
const churnAtRisk = 2

// atRisk: below the threshold, or churnAtRisk churn signals or more.
func atRisk(h feedbackbot.Health, p Params) bool {
	if h.Score < p.Threshold {
		return true
	}
	for _, r := range h.Reasons {
		// (the signals counted, not the quotes: a signal counted from a day not read
		// whole is not quoted, and three signals with one quote were no risk, a
		// review found; the quotes for a reason without its count)
		if r.Code == ReasonChurnSignal && max(r.Count, len(r.Evidence)) >= churnAtRisk {
			return true
		}
	}
	return false
}

// fixPhrases are what staff say when a problem is fixed, as word sequences.
var fixPhrases = [][]string{{"fixed"}, {"deployed", "a", "fix"}, {"fix", "is", "live"}, {"fix", "is", "out"},
	{"resolved", "now"}, {"should", "be", "resolved"}, {"patched"}}

// notDone are the words that, up to three words before a fix phrase in its
// sentence, say it is not done: "isn't fixed yet", "not fixed", "hasn't been
// patched", "will be fixed", "we'll get it fixed", "being fixed" (and "to be
// fixed", right before it).
var notDone = map[string]bool{"not": true, "no": true, "never": true, "isn't": true, "isnt": true, "hasn't": true, "hasnt": true,
	"haven't": true, "havent": true, "wasn't": true, "wasnt": true, "aren't": true, "arent": true, "won't": true, "wont": true,
	"can't": true, "cant": true, "cannot": true, "didn't": true, "didnt": true, "doesn't": true, "doesnt": true, "couldn't": true,
	"will": true, "being": true, "until": true, "once": true, "when": true, "if": true}

// mentionsFix reports whether a staff message says a problem is fixed: a fix phrase
// as whole words, in a sentence that is no question, without a negation or a future
// shortly before it ("this isn't fixed yet" counted as fixed, and closed the
// conversation and started the "came back after it was fixed" reason: a review's find).
func mentionsFix(text string) bool {
	if !mayMentionFix(text) {
		return false // most staff messages stop here, unlowered
	}
	text = strings.ReplaceAll(strings.ToLower(text), "’", "'")
	for len(text) > 0 {
		end := strings.IndexAny(text, ".!?;\n")
		sentence, question := text, false
		if end >= 0 {
			sentence, question, text = text[:end], text[end] == '?', text[end+1:]
		} else {
			text = ""
		}
		if !question && saysFixed(sentence) {
			return true
		}
	}
	return false
}

// mayMentionFix reports whether text, lower-cased, holds a word every fix phrase has
// one of (fix, resolved, patched), or may: a text with U+0130 (İ, which lowers to i)
// is left to the full check.
func mayMentionFix(text string) bool {
	return hasASCIIFold(text, "fix") || hasASCIIFold(text, "resolved") || hasASCIIFold(text, "patched") ||
		strings.Contains(text, "\u0130")
}

// hasASCIIFold reports whether s contains word (lower-case ASCII letters) in any
// ASCII case, as strings.ToLower then strings.Contains would say, without lowering
// the whole text, for any s without U+0130 (İ): lower-casing maps only two other
// characters onto ASCII letters, İ onto i and the Kelvin sign onto k.
func hasASCIIFold(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		j := 0
		for j < len(word) && s[i+j]|0x20 == word[j] {
			j++
		}
		if j == len(word) {
			return true
		}
	}
	return false
}

// saysFixed looks for a fix phrase in one sentence, not negated or in the future.
func saysFixed(sentence string) bool {
	words := strings.FieldsFunc(sentence, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' })
	for i := range words {
		for _, ph := range fixPhrases {
			if i+len(ph) > len(words) || !slices.Equal(words[i:i+len(ph)], ph) {
				continue
			}
			done := !(i >= 2 && words[i-2] == "to" && words[i-1] == "be")
			for _, w := range words[max(0, i-3):i] {
				if notDone[w] || strings.HasSuffix(w, "n't") || strings.HasSuffix(w, "'ll") {
					done = false
				}
			}
			if done {
				return true
			}
		}
	}
	return false
}

func meanScore(items []*Item) (float64, int) {
	if len(items) == 0 {
		return 0, 0
	}
	s := 0.0
	for _, it := range items {
		s += it.Tags.Sentiment.Score
	}
	return s / float64(len(items)), len(items)
}

func countNeg(items []*Item) int {
	n := 0
	for _, it := range items {
		if it.Tags.Sentiment.Score < -0.05 {
			n++
		}
	}
	return n
}

// dailySlope is the least-squares slope of sentiment per day over the window.
func dailySlope(items []*Item, from time.Time) float64 {
	if len(items) < 2 {
		return 0
	}
	xs, ys := make([]float64, len(items)), make([]float64, len(items))
	for i, it := range items {
		xs[i] = it.Message.Time.Sub(from).Hours() / 24
		ys[i] = it.Tags.Sentiment.Score
	}
	_, beta := stat.LinearRegression(xs, ys, nil, false)
	if math.IsNaN(beta) {
		return 0
	}
	return beta
}

// usualGap is the median gap between the account's active customer days (those of a
// summary, then those of msgs), when it has enough history to have a rhythm.
func usualGap(msgs []*Item, before []time.Time) (time.Duration, bool) {
	daysActive := slices.Clone(before)
	for _, it := range msgs {
		if it.Message.Role != feedbackbot.RoleCustomer {
			continue
		}
		d := it.Message.Time.Truncate(24 * time.Hour)
		if len(daysActive) == 0 || !daysActive[len(daysActive)-1].Equal(d) {
			daysActive = append(daysActive, d)
		}
	}
	if len(daysActive) < 4 {
		return 0, false
	}
	gaps := make([]float64, 0, len(daysActive)-1)
	for i := 1; i < len(daysActive); i++ {
		gaps = append(gaps, daysActive[i].Sub(daysActive[i-1]).Hours())
	}
	slices.Sort(gaps)
	return time.Duration(stat.Quantile(0.5, stat.Empirical, gaps, nil) * float64(time.Hour)), true
}

// lastCustomer is the last customer message of msgs, nil when there is none.
func lastCustomer(msgs []*Item) *Item {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Message.Role == feedbackbot.RoleCustomer {
			return msgs[i]
		}
	}
	return nil
}

// byTime orders items oldest first.
func byTime(a, b *Item) int { return a.Message.Time.Compare(b.Message.Time) }

// quietAfterComplaint returns the complaint an account whose last customer
// message of quiet (oldest first) is last went quiet after, or nil: last when it is
// negative, or a customer message of the 7 days before it that is clearly so (the
// latest such), and that complaint was not
// resolved by the time the customer last wrote: its conversation was not closed
// after it (staff said it is fixed, the customer thanked staff, or a resolved mark)
// by then. A bug report the customer confirmed fixed ("thanks, works now") cost 55
// points as the complaint the account went quiet after (a review's find); staff's
// "fixed" after the customer's last word, never confirmed, still leaves it one.
func quietAfterComplaint(quiet []*Item, last *Item, gap time.Duration) *Item {
	from := last.Message.Time.Add(-7 * 24 * time.Hour)
	var member []*conversation
	var found *Item
	for i, it := range quiet {
		m := &it.Message
		s := it.Tags.Sentiment.Score
		if m.Role != feedbackbot.RoleCustomer || m.Time.Before(from) || !(s < -0.3 || it == last && s < -0.05) {
			continue
		}
		if member == nil { // grouped only when there is a complaint to look at
			member = make([]*conversation, len(quiet))
			conversations(quiet, gap, member)
		}
		if c := member[i]; c != nil && !c.resolved.IsZero() && !c.resolved.Before(m.Time) && !c.resolved.After(last.Message.Time) {
			continue // resolved before the customer went quiet
		}
		found = it
	}
	return found
}

func worst(items []*Item, n int) []feedbackbot.Evidence {
	s := slices.Clone(items)
	slices.SortStableFunc(s, func(a, b *Item) int { return cmp.Compare(a.Tags.Sentiment.Score, b.Tags.Sentiment.Score) })
	return evidence(s, n)
}

// negative keeps the items of negative sentiment: the evidence of a low sentiment
// (the three lowest of a few messages included praise, a review found).
func negative(items []*Item) []*Item {
	var out []*Item
	for _, it := range items {
		if it.Tags.Sentiment.Score < -0.05 {
			out = append(out, it)
		}
	}
	return out
}

func newestFirst(items []*Item) []*Item {
	s := slices.Clone(items)
	slices.SortStableFunc(s, func(a, b *Item) int { return b.Message.Time.Compare(a.Message.Time) })
	return s
}

func evidence(items []*Item, n int) []feedbackbot.Evidence {
	var out []feedbackbot.Evidence
	for i, it := range items {
		if i == n {
			break
		}
		m := &it.Message
		out = append(out, feedbackbot.Evidence{MessageKey: m.Key(), Author: m.Author, Permalink: m.Permalink, Quote: feedbackbot.CutGraphemes(feedbackbot.QuoteText(*m), 160), Time: m.Time})
	}
	return out
}

func days(d time.Duration) string { return fmt.Sprintf("%d days", int(d.Hours()/24)) }

// Ago writes how long ago d was, to the nearest minute, hour or day ("3 days"),
// as every message of health and the bot says an age.
func Ago(d time.Duration) string {
	// to the nearest unit: truncated, a question 71 h 40 min old was "2 days" old
	hours, mins := math.Round(d.Hours()), math.Round(d.Minutes())
	switch {
	case hours >= 48:
		return feedbackbot.Plural(int(math.Round(d.Hours()/24)), "day")
	case mins >= 120:
		return feedbackbot.Plural(int(hours), "hour")
	}
	return feedbackbot.Plural(int(mins), "minute")
}

// Rating is one survey answer of the account: CSAT 1-5 or NPS 0-10.
type Rating struct {
	Kind  string // "csat" or "nps"
	Score int
	Time  time.Time
}

// ReasonLowRatings is the reason code for poor recent survey answers.
const ReasonLowRatings = "low_ratings"

// ReasonCodes lists every reason code a health can give (Assess's and
// AddRatings'), in no particular order: what an account's alert can be raised for.
func ReasonCodes() []string {
	return []string{ReasonSentimentLow, ReasonSentimentDrop, ReasonNegativeShare, ReasonChurnSignal, ReasonUnanswered,
		ReasonSlowReplies, ReasonWentQuiet, ReasonRecurring, ReasonRecentlyHappy, ReasonReplyDue, ReasonLowRatings}
}

// AddRatings folds recent survey answers into a health: poor CSAT (mean at most 3)
// or more NPS detractors than promoters take points off; good ones add a little back.
func AddRatings(h feedbackbot.Health, rs []Rating, now time.Time, p Params) feedbackbot.Health {
	p.defaults()
	from := now.Add(-p.Recent)
	var csat, n float64
	var prom, det, nps float64
	for _, r := range rs {
		if r.Time.Before(from) || r.Time.After(now) {
			continue
		}
		if r.Time.After(h.LastRatingAt) {
			h.LastRatingAt = r.Time
		}
		switch r.Kind {
		case "csat":
			csat += float64(r.Score)
			n++
		case "nps":
			nps++
			if r.Score >= 9 {
				prom++
			} else if r.Score <= 6 {
				det++
			}
		}
	}
	h.RecentRatings = int(n + nps)
	switch {
	case n > 0 && csat/n <= 3:
		h.Reasons = append(h.Reasons, feedbackbot.Reason{Code: ReasonLowRatings, Impact: -10 * (4 - csat/n),
			Text: fmt.Sprintf("Recent CSAT is %.1f / 5 over %s", csat/n, feedbackbot.Plural(int(n), "answer"))})
	case nps > 0 && det > prom:
		h.Reasons = append(h.Reasons, feedbackbot.Reason{Code: ReasonLowRatings, Impact: -15,
			Text: fmt.Sprintf("Recent NPS answers: %s, %s", feedbackbot.Plural(int(det), "detractor"), feedbackbot.Plural(int(prom), "promoter"))})
	case n > 0 && csat/n >= 4.5:
		h.Reasons = append(h.Reasons, feedbackbot.Reason{Code: ReasonRecentlyHappy, Impact: 5,
			Text: fmt.Sprintf("Recent CSAT is %.1f / 5", csat/n)})
	default:
		return h
	}
	score := 100.0
	for _, r := range h.Reasons {
		score += r.Impact
	}
	h.Score = int(math.Round(math.Max(0, math.Min(100, score))))
	h.AtRisk = atRisk(h, p)
	sort.SliceStable(h.Reasons, func(i, j int) bool { return h.Reasons[i].Impact < h.Reasons[j].Impact })
	return h
}
