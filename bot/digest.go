package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gonum.org/v1/gonum/mat"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/emerging"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/analysis/stats"
	"github.com/feedbackbot/feedbackbot/store"
)

// DigestStore is what the digest builder reads: rollups and notable messages, never
// a scan of history, so its cost grows with the period only.
type DigestStore interface {
	Rollups(ctx context.Context, workspace string, from, to time.Time, counters ...string) ([]feedbackbot.Rollup, error)
	Notable(ctx context.Context, workspace, kind string, from, to time.Time, limit int) ([]store.Stored, error)
	ListDocs(ctx context.Context, workspace, kind string) (map[string][]byte, error)
	ListDocsPrefix(ctx context.Context, workspace, kind string, prefixes ...string) (map[string][]byte, error)
	GetDoc(ctx context.Context, workspace, kind, id string) ([]byte, error)
	Messages(ctx context.Context, q store.Query) ([]store.Stored, error)
}

// DigestRequest says which digest to build.
type DigestRequest struct {
	Workspace string
	From, To  time.Time
	// PrevFrom is where the period compared with begins (it ends at From): the
	// scheduler's previous digest's own start where the two periods compare
	// (comparedFrom: across a change of the clocks). Zero (or not before From):
	// the period of the same length just before From.
	PrevFrom time.Time
	Now      time.Time
	// Location sets the day boundaries of the chart series (default UTC).
	Location *time.Location
	// Accounts gives names (and values) of configured accounts by id.
	Accounts map[string]feedbackbot.Account
	// AtRisk is the at-risk list as of Now, computed by the caller.
	AtRisk []feedbackbot.Health
	// Quotes is how many praise and complaint quotes to include (default 5 each).
	Quotes int
	// Params are the response targets (and conversation grouping) for response times.
	Params health.Params
	// TierTargets are first-response targets by account tier ("" is the default),
	// as account health uses them: each conversation is timed against its account's.
	TierTargets map[string]health.Targets
	// Themes are the configured theme names. With them, the previous period is read
	// as the few counters the comparison uses (those of these themes and of the
	// period's), not every counter of every hour; without them it is read whole.
	Themes []string
	// Known is the configured taxonomy's vocabulary: "new this period" leaves its
	// words and phrases out (the zero value leaves nothing out).
	Known emerging.Vocabulary
	// share, when set (DigestWithRisk), holds what the at-risk pass read of the
	// period's messages.
	share *periodShare
}

// maxResponseMessages bounds how many of the period's messages response times read
// (the newest), so a digest's cost stays bounded whatever the volume.
const maxResponseMessages = 5_000

// historyWeeks is how many weeks before the period emerging themes compare it with,
// read by historySample: each of their days in the digest's zone (req.Location)
// as historySlices parts of the day, each its newest messages, customers' kept,
// and all of it within one budget of historyBudget messages.
const historyWeeks = 4

const (
	// historyBudget bounds the messages the history reads in all (staff's and
	// bots' too), as the four weeks' 1,000 were bounded before they were read a
	// day at a time (which read up to 140 a day, 3,920, where days were a
	// bot's posts: a review's find).
	historyBudget = store.MaxQueryLimit
	// historySlices is how many parts of a day (of 6 hours each, local time) each
	// day's history is read as, each its newest messages: a day read as its
	// newest messages was, on a busy workspace, its last hours, and what
	// customers said in working hours every day was "new" (a review's find).
	historySlices = 4
)

// MinQuoteWords keeps one-word acknowledgements out of the quotes.
const MinQuoteWords = 5

// MaxQuoteRunes bounds each quoted message in a digest.
const MaxQuoteRunes = 280

// BuildDigest computes the digest of one workspace for [From, To), comparing it with
// the period of the same length just before.
func BuildDigest(ctx context.Context, st DigestStore, req DigestRequest) (feedbackbot.Digest, error) {
	d, _, err := buildDigest(ctx, st, req)
	return d, err
}

// buildDigest is BuildDigest, with the period's counters of each account (by
// account key): what segments reads, as DigestWithRisk names them again once it
// knows the accounts at risk.
func buildDigest(ctx context.Context, st DigestStore, req DigestRequest) (feedbackbot.Digest, map[string]map[string]int64, error) {
	if !req.To.After(req.From) {
		return feedbackbot.Digest{}, nil, feedbackbot.Errorf(feedbackbot.EINVALID, "digest period is empty: %s .. %s", req.From.Format(time.RFC3339), req.To.Format(time.RFC3339))
	}
	if req.Location == nil {
		req.Location = time.UTC
	}
	if req.Quotes <= 0 {
		req.Quotes = 5
	}
	r, err := readDigest(ctx, st, req)
	if err != nil {
		return feedbackbot.Digest{}, nil, err
	}
	// The waits from before the period are found beside the rest (the at-risk
	// pass's two weeks of messages grouped again: a tenth of a digest's CPU, on a
	// core the rest leaves idle).
	var before chan waitsResult
	if req.share != nil {
		before = make(chan waitsResult, 1)
		var noAccount []store.Stored // (copied: r.period is reordered meanwhile)
		for _, m := range r.period {
			if m.Message.Account == "" {
				noAccount = append(noAccount, m)
			}
		}
		go func() {
			w, err := waitsBefore(ctx, req, noAccount)
			before <- waitsResult{w, err}
		}()
	}
	cur, prev := r.cur, r.prev
	t, p := r.curTotals, feedbackbot.Totals(prev)
	d := feedbackbot.Digest{
		Workspace:            req.Workspace,
		From:                 req.From.In(cmp.Or(req.Location, time.UTC)), // (read in the team's zone: its title's dates)
		To:                   req.To.In(cmp.Or(req.Location, time.UTC)),
		GeneratedAt:          req.Now.UTC(),
		Messages:             t[feedbackbot.CntMessages],
		CustomerMessages:     t[feedbackbot.CntCustomer],
		StaffMessages:        t[feedbackbot.CntStaff],
		PrevCustomerMessages: p[feedbackbot.CntCustomer],
		Positive:             t[feedbackbot.CntPositive],
		Neutral:              t[feedbackbot.CntNeutral],
		Negative:             t[feedbackbot.CntNegative],
		SentimentIndex:       meanScore(t[feedbackbot.CntScoreMilli], t[feedbackbot.CntCustomer]),
		PrevSentimentIndex:   meanScore(p[feedbackbot.CntScoreMilli], p[feedbackbot.CntCustomer]),
		NeedsReply:           t[feedbackbot.CntNeedsReply],
		AtRisk:               req.AtRisk,
	}
	dims := groupByDim(t)
	prevThemes := groupByDim(p)[feedbackbot.DimTheme]
	for name, c := range dims[feedbackbot.DimTheme] {
		d.Themes = append(d.Themes, feedbackbot.ThemeStat{
			Name: name, Count: c[feedbackbot.CntCustomer], Prev: prevThemes[name][feedbackbot.CntCustomer],
			Negative: c[feedbackbot.CntNegative], Index: meanScore(c[feedbackbot.CntScoreMilli], c[feedbackbot.CntCustomer]),
		})
	}
	// Themes that vanished still matter: they are movers too.
	for name, c := range prevThemes {
		if _, ok := dims[feedbackbot.DimTheme][name]; !ok && c[feedbackbot.CntCustomer] > 0 {
			d.Themes = append(d.Themes, feedbackbot.ThemeStat{Name: name, Prev: c[feedbackbot.CntCustomer]})
		}
	}
	slices.SortFunc(d.Themes, func(a, b feedbackbot.ThemeStat) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(b.Prev, a.Prev), cmp.Compare(a.Name, b.Name))
	})
	d.Emotions = emotionStats(dims[feedbackbot.DimEmotion], groupByDim(p)[feedbackbot.DimEmotion])
	d.EmotionsCounted = t[feedbackbot.CntEmotionsCounted]
	// (both periods counted whole: part of one against all of the other would
	// make every emotion move)
	d.EmotionsCompared = p[feedbackbot.CntEmotionsCounted] > 0 && p[feedbackbot.CntEmotionsCounted] == p[feedbackbot.CntCustomer] &&
		d.EmotionsCounted == d.CustomerMessages
	for name, c := range dims[feedbackbot.DimIntent] {
		d.Intents = append(d.Intents, feedbackbot.CountStat{Name: name, Count: c[feedbackbot.CntCustomer]})
	}
	slices.SortFunc(d.Intents, func(a, b feedbackbot.CountStat) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name))
	})
	d.Channels = groupStats(dims[feedbackbot.DimChannel], nil)
	d.Accounts = groupStats(dims[feedbackbot.DimAccount], req.Accounts)
	nameFromMessages(d.Accounts, r.period, r.history)

	for _, q := range []struct {
		rows []store.Stored
		dst  *[]feedbackbot.Quote
		keep func(float64) bool
	}{
		{r.complaints, &d.Complaints, func(s float64) bool { return s < -0.05 }},
		{r.praise, &d.Praise, func(s float64) bool { return s > 0.05 }},
	} {
		for _, r := range q.rows {
			if !q.keep(r.Tags.Sentiment.Score) || len(strings.Fields(r.Message.Text)) < MinQuoteWords || len(*q.dst) == req.Quotes {
				continue
			}
			*q.dst = append(*q.dst, quoteOf(r, req.Accounts))
		}
	}
	d.Series = series(cur, req.From, req.To, req.Location)
	d.ChannelTest = channelTest(dims[feedbackbot.DimChannel])
	// Over the accounts whose customers wrote: an account with staff messages only
	// (an announcement in its channel) added a zero that raised the index.
	var complaints []float64
	for _, c := range dims[feedbackbot.DimAccount] {
		if c[feedbackbot.CntCustomer] > 0 {
			complaints = append(complaints, float64(c[feedbackbot.CntNegative]))
		}
	}
	d.ComplaintGini, d.ComplaintTop3Share = stats.Gini(complaints), stats.TopShare(complaints, 3)
	d.ComplaintAccounts = len(complaints)
	d.Segments = riskSegments(d.Accounts, dims[feedbackbot.DimAccount], req.AtRisk)
	d.Emerging = emergingThemes(req, r.period, r.history)
	d.Requests = FeatureRequests(r.period, r.history, req.Accounts, MaxRequests)
	var waiting map[string]bool
	d.Responses, waiting = responseSummary(r.period, r.partial, req) // last: it reorders r.period
	if before != nil {
		w := <-before
		if w.err != nil {
			return feedbackbot.Digest{}, nil, w.err
		}
		d.WaitingBefore = accountWaits(w.waits, waiting, req.Accounts)
	}
	d.FollowUp = alertFollowUp(r.alerts, req.Accounts, req.From, req.To)
	d.Corrections = correctionCounts(r.corrections, req.From, req.To)
	answers := r.answers
	sat := Summarise(answers, req.From, req.To, "")
	d.CSATAnswers, d.CSATMean, d.CSATShare, d.NPSAnswers, d.NPS = sat.CSATAnswers, sat.CSATMean, sat.CSATShare, sat.NPSAnswers, sat.NPS
	for i := range d.Accounts {
		satisfactionIndex(&d.Accounts[i], Summarise(answers, req.From, req.To, d.Accounts[i].ID))
	}
	if d.Kano, err = digestKano(ctx, st, req, answers); err != nil {
		return feedbackbot.Digest{}, nil, err
	}
	if err := attachKano(ctx, st, req.Workspace, req.To, d.Requests, d.Kano); err != nil {
		return feedbackbot.Digest{}, nil, fmt.Errorf("digest: requests: %w", err)
	}
	return d, dims[feedbackbot.DimAccount], nil
}

// digestKano is what the features customers answered Kano surveys about in the
// period are to them, each counted over the KanoWindow before the period's end
// (read only when the period holds a Kano answer); nil when none does.
func digestKano(ctx context.Context, st DigestStore, req DigestRequest, period []SurveyAnswer) ([]feedbackbot.KanoFeature, error) {
	asked := map[string]bool{}
	for _, a := range period {
		if a.Feature != "" && !a.IsRating() && !a.Time.Before(req.From) && a.Time.Before(req.To) {
			asked[a.Feature] = true
		}
	}
	if len(asked) == 0 {
		return nil, nil
	}
	rs, err := ReadKano(ctx, st, req.Workspace, req.To.Add(-feedbackbot.KanoWindow), req.To)
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	var out []feedbackbot.KanoFeature
	for _, r := range rs {
		if asked[r.ID] {
			out = append(out, r)
		}
	}
	return out, nil
}

// emotionStats lists the period's customer messages by emotion, with the
// previous period's, in feedbackbot.Emotions' order: each emotion that either
// period has.
func emotionStats(cur, prev map[string]map[string]int64) []feedbackbot.EmotionStat {
	out := []feedbackbot.EmotionStat{}
	for _, e := range feedbackbot.Emotions() {
		c, p := cur[string(e)][feedbackbot.CntCustomer], prev[string(e)][feedbackbot.CntCustomer]
		if c > 0 || p > 0 {
			out = append(out, feedbackbot.EmotionStat{Name: string(e), Count: c, Prev: p})
		}
	}
	return out
}

// MinCSATForSatisfaction is how many CSAT answers of the period an account's
// satisfaction is taken from instead of its messages' sentiment. One answer
// replaced the sentiment of ten complaints (a review's find): a single rating
// may be one person's mood, or a colleague's click, while three are three
// ratings of the help, a small but real sample. Fewer, the digest keeps the
// sentiment.
const MinCSATForSatisfaction = 3

// satisfactionIndex puts an account's satisfaction on the sentiment scale: its
// CSAT answers where there are MinCSATForSatisfaction or more (with how many,
// for the digest to say), sentiment otherwise.
func satisfactionIndex(g *feedbackbot.GroupStat, s Satisfaction) {
	switch {
	case s.CSATMean != nil && s.CSATAnswers >= MinCSATForSatisfaction:
		v := (*s.CSATMean - 3) / 2
		g.Satisfaction, g.SatisfactionFrom, g.CSATAnswers = &v, "csat", s.CSATAnswers
	case g.Index != nil:
		v := *g.Index
		g.Satisfaction, g.SatisfactionFrom = &v, "sentiment"
	}
}

// segments clusters accounts (k-means) by log volume, mean sentiment, negative share
// and staff messages per customer message, and names each account's segment by its
// cluster's centre for what is relative to the other accounts ("active" or "quiet",
// "little staff contact") and by the account's own messages for its mood: "unhappy"
// at a mean sentiment of -0.05 or less (the labels' threshold) or half of them
// negative, "happy" at +0.05 or more with under a third negative, else "mixed".
// The features are standardised, so a centre's sentiment is above or below the
// accounts' average: named from it, a cluster of accounts all at +0.2 beside
// happier ones was "unhappy" (a review's find).
//
// segments knows no account at risk: see riskSegments.
func segments(accts []feedbackbot.GroupStat, raw map[string]map[string]int64) []feedbackbot.Segment {
	return riskSegments(accts, raw, nil)
}

// riskSegments is segments, where an account at risk (atRisk) is never "happy",
// whatever its messages' tone: its segment says "at risk" in that word's place
// ("unhappy" and "mixed" stay). Account health reads more than the period's
// tone (an account that wrote kindly for weeks went quiet after a complaint),
// and "happy (3)" named an account the same digest listed at risk (a new user's
// review).
func riskSegments(accts []feedbackbot.GroupStat, raw map[string]map[string]int64, atRisk []feedbackbot.Health) []feedbackbot.Segment {
	n := len(accts)
	if n < 4 {
		return nil
	}
	risky := map[string]bool{}
	for _, h := range atRisk {
		risky[h.Account.ID], risky[store.AccountKey(h.Account.ID)] = true, true // (accts are by key)
	}
	x := mat.NewDense(n, 4, nil)
	for i, a := range accts {
		c := raw[a.ID]
		cust := float64(c[feedbackbot.CntCustomer])
		x.SetRow(i, []float64{math.Log1p(cust), float64(c[feedbackbot.CntScoreMilli]) / 1000 / cust,
			float64(c[feedbackbot.CntNegative]) / cust, float64(c[feedbackbot.CntStaff]) / cust})
	}
	k := min(3, n/2)
	labels, _ := stats.KMeans(x, k, 1)
	// A cluster's relative words are true of each of its accounts, or left out: its
	// centre's said "quiet" of an account of three messages beside an "active" one of
	// one (a new user's review).
	z := stats.Standardise(x)
	active, quiet, aloof := make([]bool, k), make([]bool, k), make([]bool, k)
	for c := range k {
		active[c], quiet[c], aloof[c] = true, true, true
	}
	for i, c := range labels {
		v, staff := z.At(i, 0), z.At(i, 3)
		active[c], quiet[c], aloof[c] = active[c] && v >= 0, quiet[c] && v < 0, aloof[c] && staff < -0.5
	}
	byName := map[string]*feedbackbot.Segment{}
	var order []string
	for i, a := range accts {
		c := labels[i]
		mood := "mixed"
		switch mean, neg := x.At(i, 1), x.At(i, 2); {
		case mean <= -0.05 || neg >= 0.5:
			mood = "unhappy"
		case mean >= 0.05 && neg < 1.0/3:
			mood = "happy"
		}
		var words []string
		switch {
		case active[c]:
			words = append(words, "active")
		case quiet[c]:
			words = append(words, "quiet")
		}
		if mood == "happy" && risky[a.ID] {
			mood = "at risk"
		}
		words = append(words, mood)
		if aloof[c] {
			words = append(words, "little staff contact")
		}
		name := strings.Join(words, ", ")
		if byName[name] == nil {
			byName[name] = &feedbackbot.Segment{Name: name}
			order = append(order, name)
		}
		byName[name].Accounts = append(byName[name].Accounts, cmp.Or(a.Name, a.ID))
	}
	out := make([]feedbackbot.Segment, 0, len(order))
	for _, name := range order {
		out = append(out, *byName[name])
	}
	return out
}

// digestReads is everything a digest reads from the store.
type digestReads struct {
	// cur is the period's counts in time order: the rollups of its whole hours,
	// and the parts of hours at its ends counted from their messages (see
	// hourSplit), so every count is exactly [From, To)'s. prev is the same of the
	// period before (only summed: in no order).
	cur, prev          []feedbackbot.Rollup
	curTotals          map[string]int64              // cur summed
	complaints, praise []store.Stored                // candidates for quotes
	period             []store.Stored                // the period's newest messages (maxResponseMessages)
	partial            bool                          // the period had more messages than were read
	history            []store.Stored                // the customer messages of each part of each day of the four weeks before the period (historySample)
	answers            []SurveyAnswer                // the period's survey answers
	alerts             map[string]*feedbackbot.Alert // the workspace's alerts, for the follow-up
	corrections        map[string][]byte             // staff's corrections (DocCorrection), by message key
}

// readDigest issues a digest's reads at the same time: none depends on another (but
// the previous period's named counters, read after this period's), so on a
// networked store their round trips overlap, and decoding one reply overlaps the
// store's work on the next. The first error, in the order they are listed, wins.
//
// Rollups are whole UTC hours; a period that begins or ends inside one (a
// schedule at :30, a day in a zone at :30 or :45 from UTC, a digest as of now)
// counts the parts of hours at its ends from their messages, as the store's
// rollups count them: at most two parts of hours of messages a period, the
// current period's taken from the period's messages read anyway where those hold
// them (all but a period of more than maxResponseMessages).
func readDigest(ctx context.Context, st DigestStore, req DigestRequest) (digestReads, error) {
	var r digestReads
	prevFrom := req.From.Add(-req.To.Sub(req.From))
	if !req.PrevFrom.IsZero() && req.PrevFrom.Before(req.From) {
		prevFrom = req.PrevFrom
	}
	curWhole, curParts := hourSplit(req.From, req.To)
	prevWhole, prevParts := hourSplit(prevFrom, req.From)
	var named []string // the previous period's counters asked for by name (req.Themes)
	readPrev := func(counters ...string) (err error) {
		if r.prev, err = wholeHours(ctx, st, req.Workspace, prevWhole, counters...); err != nil {
			err = fmt.Errorf("digest: read previous rollups: %w", err)
		}
		return err
	}
	prevCounts := make([]*partCounts, len(prevParts))
	for i, p := range prevParts {
		prevCounts[i] = newPartCounts(req.Workspace, p, req.Location)
	}
	bounds := boundaryHours{}
	bounds.add(curParts, req.From)
	bounds.add(prevParts, prevFrom)
	reads := []func() error{
		func() (err error) {
			if r.cur, err = wholeHours(ctx, st, req.Workspace, curWhole); err != nil {
				return fmt.Errorf("digest: read rollups: %w", err)
			}
			r.curTotals = feedbackbot.Totals(r.cur)
			if req.Themes == nil {
				return nil // read whole, below
			}
			// The previous period's counters that are compared, named from this
			// one's whole hours (a theme only its parts of hours have is asked for
			// after them, in addNamed).
			named = comparedCounters(r.curTotals, req.Themes)
			return readPrev(named...)
		},
		// Ask for more quotes than needed: bare pleasantries ("great, thanks") are not worth quoting.
		func() (err error) {
			if r.complaints, err = st.Notable(ctx, req.Workspace, store.NotableNegative, req.From, req.To, 3*req.Quotes); err != nil {
				err = fmt.Errorf("digest: read %s quotes: %w", store.NotableNegative, err)
			}
			return err
		},
		func() (err error) {
			if r.praise, err = st.Notable(ctx, req.Workspace, store.NotablePositive, req.From, req.To, 3*req.Quotes); err != nil {
				err = fmt.Errorf("digest: read %s quotes: %w", store.NotablePositive, err)
			}
			return err
		},
		func() (err error) {
			if keyer, ok := st.(periodKeyer); ok && req.share != nil {
				var shared bool
				if r.period, r.partial, shared, err = req.share.messages(ctx, keyer, req.Workspace, maxResponseMessages); err != nil {
					return fmt.Errorf("digest: read the period's messages: %w", err)
				}
				if shared {
					return nil
				}
			}
			r.period, r.partial, err = periodMessages(ctx, st, req, maxResponseMessages)
			return err
		},
		func() (err error) {
			r.answers, err = SurveyAnswers(ctx, st, req.Workspace, req.From, req.To, "")
			return err
		},
		func() (err error) {
			// (one that cannot be read is left out; the alerter's pass logs it)
			if r.alerts, err = listAlerts(ctx, st, req.Workspace, nil); err != nil {
				err = fmt.Errorf("digest: %w", err)
			}
			return err
		},
		func() (err error) {
			if r.corrections, err = st.ListDocs(ctx, req.Workspace, DocCorrection); err != nil {
				err = fmt.Errorf("digest: read corrections: %w", err)
			}
			return err
		},
	}
	// The four weeks before the period, for emerging themes (historySample).
	reads = append(reads, func() (err error) {
		if r.history, err = historySample(ctx, st, req.Workspace, req.From.In(req.Location).AddDate(0, 0, -7*historyWeeks), req.From, historyBudget); err != nil {
			err = fmt.Errorf("digest: messages for emerging themes: %w", err)
		}
		return err
	})
	if req.Themes == nil { // no names to ask for: the previous period is read whole, meanwhile
		reads = append(reads, func() error { return readPrev() })
	}
	for _, c := range prevCounts {
		reads = append(reads, func() error {
			if err := c.read(ctx, st); err != nil {
				return fmt.Errorf("digest: read the previous period's messages: %w", err)
			}
			return nil
		})
	}
	for _, h := range bounds {
		reads = append(reads, func() error {
			if err := h.read(ctx, st, req.Workspace); err != nil {
				return fmt.Errorf("digest: read the rollup of %s: %w", h.start.Format(time.RFC3339), err)
			}
			return nil
		})
	}
	errs := make([]error, len(reads))
	var wg sync.WaitGroup
	for i, read := range reads {
		wg.Go(func() { errs[i] = read() })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return r, err
		}
	}

	// The parts of hours at the period's ends, from the period's messages where
	// they hold them (an hour retention expired messages of counted whole, by
	// its start: see boundaryHour); then the previous period's, its counters
	// those compared.
	var parts [2][]feedbackbot.Rollup // before and after the whole hours
	for _, p := range curParts {
		var rs []feedbackbot.Rollup
		if h := bounds.of(p); h.expired {
			rs = h.byStart(req.From, nil)
		} else {
			c := newPartCounts(req.Workspace, p, req.Location)
			if r.periodHolds(p, req.To) {
				c.add(r.period)
			} else if err := c.read(ctx, st); err != nil {
				return r, fmt.Errorf("digest: read the period's messages: %w", err)
			}
			rs = c.rollups(nil)
		}
		for _, x := range rs {
			for k, v := range x.Counts {
				r.curTotals[k] += v
			}
		}
		if !p.to.After(curWhole.from) {
			parts[0] = rs
		} else {
			parts[1] = rs
		}
	}
	r.cur = slices.Concat(parts[0], r.cur, parts[1])
	var keep map[string]bool // the previous period's counters counted (nil: all)
	if req.Themes != nil {
		all := comparedCounters(r.curTotals, req.Themes)
		keep = make(map[string]bool, len(all))
		for _, n := range all {
			keep[n] = true
		}
		if err := r.addNamed(ctx, st, req.Workspace, prevWhole, named, all); err != nil {
			return r, err
		}
	}
	for i, c := range prevCounts {
		if h := bounds.of(prevParts[i]); h.expired {
			r.prev = append(r.prev, h.byStart(prevFrom, keep)...)
			continue
		}
		r.prev = append(r.prev, c.rollups(keep)...)
	}
	return r, nil
}

// boundaryHour is a rollup bucket (a UTC hour) that a period begins or ends
// inside, and whether retention expired messages of it.
//
// Its part in the period is counted from its messages (partCounts), but
// retention (ExpireOld) deletes old messages and keeps their hours' rollups: the
// part would count only the messages left, none of an old period's. An hour
// whose rollup counts more messages than the store still holds in it has lost
// some: it is counted whole, in the period its start is in, from its rollup (as
// digests counted every hour before part-hours were counted from messages), in
// every section alike (volume, sentiment, themes, emotions, chart, the period
// before). Periods laid end to end still count each message once: each hour is
// either split between them exactly or counted whole in one. The comparison
// needs no setting (a digest does not know a workspace's retention), and
// nothing else makes the two differ: an erasure (forget) and a deletion take a
// message's counts out of its hour with it, and a message not analysed yet is
// in neither. (A message deleted between the two reads makes a live hour look
// expired: it is counted whole that once.)
type boundaryHour struct {
	start   time.Time
	whole   bool                // some period counts it by its start: read every counter
	rollup  *feedbackbot.Rollup // nil: no message counted in it
	expired bool
}

// boundaryHours are the boundary hours of a digest's reads, by start (Unix seconds).
type boundaryHours map[int64]*boundaryHour

// add notes the hours of parts, the parts of hours at the ends of a period from
// from.
func (b boundaryHours) add(parts []span, from time.Time) {
	for _, p := range parts {
		start := feedbackbot.BucketStart(p.from)
		h := b[start.Unix()]
		if h == nil {
			h = &boundaryHour{start: start}
			b[start.Unix()] = h
		}
		h.whole = h.whole || !start.Before(from)
	}
}

// of is the hour of p, a part of an hour that add noted.
func (b boundaryHours) of(p span) *boundaryHour { return b[feedbackbot.BucketStart(p.from).Unix()] }

// read reads the hour's rollup (its message count only, unless whole), then
// counts the messages the store holds in the hour, up to as many as the rollup
// counts: the keys of the time index where the store lists them (no message
// read), else its messages, a page at a time. (The rollup first: a message
// analysed between the reads is then in the count, not taken for an expired one.)
func (h *boundaryHour) read(ctx context.Context, st DigestStore, workspace string) error {
	var counters []string
	if !h.whole {
		counters = []string{feedbackbot.CntMessages}
	}
	end := h.start.Add(feedbackbot.RollupBucket)
	rs, err := st.Rollups(ctx, workspace, h.start, end, counters...)
	if err != nil || len(rs) == 0 {
		return err
	}
	h.rollup = &rs[0]
	counted := rs[0].Counts[feedbackbot.CntMessages]
	if counted <= 0 {
		return nil
	}
	var held int64
	if k, ok := st.(periodKeyer); ok && counted <= store.MaxPeriodKeys {
		keys, err := k.PeriodKeys(ctx, workspace, h.start, end, int(counted))
		if err != nil {
			return err
		}
		held = int64(len(keys))
	} else {
		err := eachPage(ctx, st, store.Query{Workspace: workspace, From: h.start, To: end}, func(page []store.Stored, _ bool) bool {
			held += int64(len(page))
			return held < counted
		})
		if err != nil {
			return err
		}
	}
	h.expired = held < counted
	return nil
}

// byStart is the hour counted whole in the period from from, which its start is
// in, or not at all (a period that begins inside it); keep, when not nil, names
// the counters kept.
func (h *boundaryHour) byStart(from time.Time, keep map[string]bool) []feedbackbot.Rollup {
	if h.rollup == nil || h.start.Before(from) {
		return nil
	}
	x := *h.rollup
	x.Counts = maps.Clone(x.Counts)
	if keep != nil {
		maps.DeleteFunc(x.Counts, func(name string, _ int64) bool { return !keep[name] })
	}
	if len(x.Counts) == 0 {
		return nil
	}
	return []feedbackbot.Rollup{x}
}

// addNamed reads the previous period's whole hours of the counters of all that
// were not among named (themes that only the current period's parts of hours
// have), and adds them to r.prev.
func (r *digestReads) addNamed(ctx context.Context, st DigestStore, workspace string, whole span, named, all []string) error {
	asked := make(map[string]bool, len(named))
	for _, n := range named {
		asked[n] = true
	}
	var missing []string
	for _, n := range all {
		if !asked[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	rs, err := wholeHours(ctx, st, workspace, whole, missing...)
	if err != nil {
		return fmt.Errorf("digest: read previous rollups: %w", err)
	}
	r.prev = append(r.prev, rs...)
	return nil
}

// periodHolds says whether the period's messages read hold every message of p, a
// part of the period ending at to: they are all of the period's, or the newest of
// them, reaching back past p, which is its last part.
func (r *digestReads) periodHolds(p span, to time.Time) bool {
	if !r.partial {
		return true
	}
	if !p.to.Equal(to) || len(r.period) == 0 {
		return false
	}
	oldest := r.period[0].Message.Time
	for _, x := range r.period {
		if x.Message.Time.Before(oldest) {
			oldest = x.Message.Time
		}
	}
	// Every message after the oldest read is among them (of its instant, some
	// may not be).
	return oldest.Before(p.from)
}

// span is a stretch of time, [from, to).
type span struct{ from, to time.Time }

func (s span) holds(t time.Time) bool { return !t.Before(s.from) && t.Before(s.to) }

// hourSplit splits [from, to) into the whole rollup buckets (UTC hours) it holds,
// whole (empty when it holds none), and the parts of buckets at its ends, parts
// (none, one or two, in time order; one, the whole of it, when from and to are in
// one bucket).
func hourSplit(from, to time.Time) (whole span, parts []span) {
	first, last := feedbackbot.BucketStart(from), feedbackbot.BucketStart(to)
	if first.Before(from) {
		first = first.Add(feedbackbot.RollupBucket)
	}
	if last.Before(first) { // from and to inside one bucket
		return span{first, first}, []span{{from, to}}
	}
	if from.Before(first) {
		parts = append(parts, span{from, first})
	}
	if last.Before(to) {
		parts = append(parts, span{last, to})
	}
	return span{first, last}, parts
}

// wholeHours reads the rollups of the buckets of whole (none when it is empty).
func wholeHours(ctx context.Context, st DigestStore, workspace string, whole span, counters ...string) ([]feedbackbot.Rollup, error) {
	if !whole.from.Before(whole.to) {
		return nil, nil
	}
	return st.Rollups(ctx, workspace, whole.from, whole.to, counters...)
}

// partCounts counts the messages of p, a part of one hour, as the store's rollups
// count them (feedbackbot.AppendContributions of the tags it applied; it lists
// applied messages only): one rollup for each local day of loc that p has,
// starting at p's first instant in that day, so the chart puts each message on
// its day.
type partCounts struct {
	workspace string
	p         span
	midnight  time.Time // the first local midnight after p.from
	days      [2]map[string]int64
	cs        []feedbackbot.Counter
}

func newPartCounts(workspace string, p span, loc *time.Location) *partCounts {
	loc = cmp.Or(loc, time.UTC)
	// (A part of an hour holds at most one local midnight: one of a zone at :30 or :45.)
	return &partCounts{workspace: workspace, p: p, midnight: startOfNextDay(startOfDay(p.from, loc), loc)}
}

// add counts those of rows that are in p.
func (c *partCounts) add(rows []store.Stored) {
	for i := range rows {
		m := &rows[i].Message
		if !c.p.holds(m.Time) {
			continue
		}
		d := &c.days[0]
		if !m.Time.Before(c.midnight) {
			d = &c.days[1]
		}
		if *d == nil {
			*d = map[string]int64{}
		}
		c.cs = feedbackbot.AppendContributions(c.cs[:0], m, &rows[i].Tags)
		for _, x := range c.cs {
			(*d)[x.Name] += x.Value
		}
	}
}

// read reads and counts every message of p, a store page at a time (a busy hour's
// are not held at once).
func (c *partCounts) read(ctx context.Context, st DigestStore) error {
	return eachPage(ctx, st, store.Query{Workspace: c.workspace, From: c.p.from, To: c.p.to}, func(page []store.Stored, _ bool) bool {
		c.add(page)
		return true
	})
}

// rollups is what was counted, in time order; keep, when not nil, names the
// counters kept.
func (c *partCounts) rollups(keep map[string]bool) []feedbackbot.Rollup {
	var out []feedbackbot.Rollup
	for i, counts := range c.days {
		if keep != nil {
			maps.DeleteFunc(counts, func(name string, _ int64) bool { return !keep[name] })
		}
		if len(counts) == 0 {
			continue
		}
		start := c.p.from
		if i == 1 {
			start = c.midnight
		}
		out = append(out, feedbackbot.Rollup{Workspace: c.workspace, Start: start.UTC(), Counts: counts})
	}
	return out
}

// comparedCounters names what a digest compares with the previous period: its
// customer messages and sentiment, and the customer messages of each theme, of the
// configured ones and of any other the period has (a theme missing now is a mover too).
func comparedCounters(cur map[string]int64, themes []string) []string {
	names := []string{feedbackbot.CntCustomer, feedbackbot.CntScoreMilli, feedbackbot.CntEmotionsCounted}
	for _, e := range feedbackbot.Emotions() {
		names = append(names, feedbackbot.CounterName(feedbackbot.DimEmotion, string(e), feedbackbot.CntCustomer))
	}
	seen := map[string]bool{}
	add := func(theme string) {
		if n := feedbackbot.CounterName(feedbackbot.DimTheme, theme, feedbackbot.CntCustomer); !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, t := range themes {
		add(t)
	}
	prefix := feedbackbot.DimTheme + "|"
	for name := range cur {
		if !strings.HasPrefix(name, prefix) {
			continue // most are: accounts' and channels'
		}
		if _, theme, _, ok := feedbackbot.SplitCounter(name); ok {
			add(theme)
		}
	}
	return names
}

// periodMessages reads the period's newest max messages, newest first, a page at a
// time; partial says whether there were more. (It kept the rest of the page that
// reached max: each page after the first reads its predecessor's last instant
// again, so at max 5,000 it kept 5,995.)
func periodMessages(ctx context.Context, st DigestStore, req DigestRequest, max int) (rows []store.Stored, partial bool, err error) {
	rows, partial, err = pagedMessages(ctx, st, store.Query{Workspace: req.Workspace, From: req.From, To: req.To}, max)
	if err != nil {
		return nil, false, fmt.Errorf("digest: read the period's messages: %w", err)
	}
	if len(rows) > max {
		rows, partial = rows[:max], true
	}
	return rows, partial, nil
}

// historySlice is a part of a local day that historySample reads: [start, end)
// of the day that begins at day, and what was read of it.
type historySlice struct {
	day, start, end time.Time
	rows            []store.Stored // its customer messages read, newest first
	read, customers int            // messages read (all roles), and customers' among them
	cursor          time.Time      // the oldest message read of it: where a further read begins
	more            bool           // its read was full and stayed within it: more of it is unread
}

// historySample reads the customer messages of [from, to) for emerging themes'
// history, newest first, reading at most budget messages in all (staff's and
// bots' too) in at most twice as many calls as it has slices. The span is cut at
// local midnights (from's zone) into days, each day into historySlices parts (00,
// 06, 12 and 18 o'clock), and each part is read as its newest messages, three
// quarters of the budget shared alike: a part with fewer leaves its share to the
// hours before it (a day's read goes from its last part back, each where the one
// after it stopped, so nothing is read twice). The rest of the budget then reads
// further into the full parts where staff's and bots' messages were over half
// of what was read, fewest customers' first, each at least a part's share: so a
// team that answers, or a bot that posts, a lot does not crowd its customers
// out, at a bounded cost. Every read starts at its day's start (or from). A
// message at the instant a read ends that the read had no room for is not read.
func historySample(ctx context.Context, st messageReader, workspace string, from, to time.Time, budget int) ([]store.Stored, error) {
	loc := from.Location()
	// The days, newest first, each its slices oldest first.
	var days [][]*historySlice
	for d := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc); d.Before(to); {
		next := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
		if !next.After(d) {
			break // (cannot happen: a zone's day is never empty)
		}
		dayStart := maxTime(d, from)
		var day []*historySlice
		for i := range historySlices {
			s := maxTime(dayStart, time.Date(d.Year(), d.Month(), d.Day(), 24*i/historySlices, 0, 0, 0, loc))
			e := minTime(to, next)
			if i+1 < historySlices {
				e = minTime(e, time.Date(d.Year(), d.Month(), d.Day(), 24*(i+1)/historySlices, 0, 0, 0, loc))
			}
			if e.After(s) {
				day = append(day, &historySlice{day: dayStart, start: s, end: e})
			}
		}
		days = slices.Insert(days, 0, day)
		d = next
	}
	n := 0
	for _, day := range days {
		n += len(day)
	}
	if n == 0 {
		return nil, nil
	}
	per := max(1, budget*3/4/n)
	// read reads the newest limit messages of [s.day, to), keeping the
	// customers' from floor on.
	read := func(s *historySlice, to, floor time.Time, limit int) error {
		page, err := st.Messages(ctx, store.Query{Workspace: workspace, From: s.day, To: to, Limit: limit})
		if err != nil {
			return err
		}
		s.read += len(page)
		if len(page) > 0 {
			s.cursor = page[len(page)-1].Message.Time
		}
		s.more = len(page) == limit && !s.cursor.Before(s.start)
		for _, r := range page {
			if r.Message.FromCustomer() && !r.Message.Time.Before(floor) {
				s.rows = append(s.rows, r)
				s.customers++
			}
		}
		return nil
	}
	firstErr := func(errs []error) error {
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		return nil
	}
	// Each day's parts, from its last back, each where the one after it stopped
	// (a quiet part's read goes on into the hours before it), the days at the
	// same time.
	errs := make([]error, len(days))
	var wg sync.WaitGroup
	for i, day := range days {
		wg.Go(func() {
			cursor := day[len(day)-1].end
			for j := len(day) - 1; j >= 0 && cursor.After(day[j].day); j-- {
				s := day[j]
				s.cursor = minTime(s.end, cursor)
				if errs[i] = read(s, s.cursor, s.day, per); errs[i] != nil || s.read < per {
					return // (or: the day is read to its start)
				}
				cursor = s.cursor
			}
		})
	}
	wg.Wait()
	if err := firstErr(errs); err != nil {
		return nil, err
	}
	// The rest of the budget, to the full parts crowded by staff's and bots'
	// messages, fewest customers' first, each on from where its read stopped:
	// only what is its own is kept (the part before it read its own).
	left := budget
	var crowded []*historySlice
	for _, day := range days {
		for _, s := range day {
			left -= s.read
			if s.more && 2*s.customers < s.read {
				crowded = append(crowded, s)
			}
		}
	}
	slices.SortStableFunc(crowded, func(a, b *historySlice) int { return cmp.Compare(a.customers, b.customers) })
	var more []*historySlice
	var shares []int
	limit := max(per, left/max(1, len(crowded)))
	for _, s := range crowded {
		if left <= 0 {
			break
		}
		share := min(limit, left)
		more, shares, left = append(more, s), append(shares, share), left-share
	}
	errs = make([]error, len(more))
	for i, s := range more {
		wg.Go(func() { errs[i] = read(s, s.cursor, s.start, shares[i]) })
	}
	wg.Wait()
	if err := firstErr(errs); err != nil {
		return nil, err
	}
	var out []store.Stored
	for _, day := range days {
		for j := len(day) - 1; j >= 0; j-- {
			out = append(out, day[j].rows...)
		}
	}
	return out, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// messageReader reads stored messages a page at a time.
type messageReader interface {
	Messages(ctx context.Context, q store.Query) ([]store.Stored, error)
}

// pagedMessages reads what q selects (its Limit aside), newest first, a store page
// at a time, until max messages (partial is then true).
func pagedMessages(ctx context.Context, st messageReader, q store.Query, max int) (rows []store.Stored, partial bool, err error) {
	var pages [][]store.Stored
	n := 0
	err = eachPage(ctx, st, q, func(page []store.Stored, more bool) bool {
		pages, n = append(pages, page), n+len(page)
		partial = more && n >= max
		return !partial
	})
	if err != nil {
		return nil, false, err
	}
	if len(pages) == 1 {
		return pages[0], partial, nil // most reads (every account's health in a digest) are one page: no copy
	}
	return slices.Concat(pages...), partial, nil // one copy into a slice of the right size, not a regrowth per page
}

// eachPage hands fn what q selects (its Limit aside), newest first, a store page at
// a time, with whether more may follow, until fn returns false or nothing is left.
// Each page after the first reads its predecessor's oldest instant again (To is
// exclusive), so messages of that instant the page had no room for are not
// skipped; the ones already read are dropped.
func eachPage(ctx context.Context, st messageReader, q store.Query, fn func(page []store.Stored, more bool) bool) error {
	var boundary map[string]bool
	q.Limit = store.MaxQueryLimit
	for {
		page, err := st.Messages(ctx, q)
		if err != nil {
			return err
		}
		full := len(page) == store.MaxQueryLimit
		var oldest time.Time
		next := map[string]bool{}
		if full {
			oldest = page[len(page)-1].Message.Time
			for i := len(page) - 1; i >= 0 && page[i].Message.Time.Equal(oldest); i-- {
				next[page[i].Message.Key()] = true
			}
		}
		if len(boundary) > 0 {
			page = slices.DeleteFunc(page, func(r store.Stored) bool { return boundary[r.Message.Key()] })
		}
		if !fn(page, full) || !full {
			return nil
		}
		if q.To.IsZero() || oldest.Add(time.Nanosecond).Before(q.To) {
			q.To, boundary = oldest.Add(time.Nanosecond), next
		} else { // a whole page of one instant: go on past it
			q.To, boundary = oldest, nil
		}
	}
}

// oldestFirst orders rows by time, oldest first, in place; rows of one instant keep
// the order they came in, as a stable sort keeps them.
func oldestFirst(rows []store.Stored) {
	if !slices.IsSortedFunc(rows, func(a, b store.Stored) int { return b.Message.Time.Compare(a.Message.Time) }) {
		slices.SortStableFunc(rows, func(a, b store.Stored) int { return a.Message.Time.Compare(b.Message.Time) })
		return
	}
	// Read newest first, as stores return them: reversed, then each run of one instant
	// reversed back, which is the order a stable sort gives without its cost (5,000
	// large items compared and moved about).
	slices.Reverse(rows)
	for start := 0; start < len(rows); {
		end := start + 1
		for end < len(rows) && rows[end].Message.Time.Equal(rows[start].Message.Time) {
			end++
		}
		slices.Reverse(rows[start:end])
		start = end
	}
}

// tierParams gives p the first-response targets of each configured account's tier
// (and the default tier's, "", to every other account), as Risk times each account.
func tierParams(p health.Params, tiers map[string]health.Targets, accounts map[string]feedbackbot.Account) health.Params {
	if len(tiers) == 0 {
		return p
	}
	if t, ok := tiers[""]; ok {
		p.Targets = t
	}
	p.AccountTargets = map[string]health.Targets{}
	for id, a := range accounts {
		if t, ok := tierTargets(tiers, a.Tier); ok {
			p.AccountTargets[id] = t
		}
	}
	return p
}

// responseSummary summarises how customers were answered in the period, with the
// keys of the latest asks it counts as waiting. It puts rows in time order (in
// place).
func responseSummary(rows []store.Stored, partial bool, req DigestRequest) (*feedbackbot.ResponseSummary, map[string]bool) {
	oldestFirst(rows)
	r := health.ResponseTimes(rows, tierParams(req.Params, req.TierTargets, req.Accounts), req.From, req.Now)
	if r.Conversations == 0 {
		return nil, nil
	}
	waiting := make(map[string]bool, len(r.Waiting))
	for _, w := range r.Waiting {
		waiting[w.Message.Key()] = true
	}
	minutes := func(d time.Duration, n int) *float64 {
		if n == 0 {
			return nil
		}
		m := d.Minutes()
		return &m
	}
	out := &feedbackbot.ResponseSummary{Conversations: r.Conversations, Answered: r.Answered, WithinTarget: r.WithinTarget,
		MedianFirstReplyMinutes: minutes(r.MedianFirstReply, r.Answered), Resolved: r.Resolved,
		MedianResolutionMinutes: minutes(r.MedianResolution, r.Resolved), WaitingCount: len(r.Waiting), Partial: partial}
	for _, w := range waitingQuoted(r.Waiting, req.Quotes) {
		out.Waiting = append(out.Waiting, quoteOf(*w, req.Accounts))
	}
	return out, waiting
}

// waitsResult is what waitsBefore found.
type waitsResult struct {
	waits []health.Wait
	err   error
}

// waitsBefore finds the conversations whose customers asked before the period
// and still wait for a staff reply past the target, the longest waiting first,
// in the messages the at-risk pass beside the digest read (every account's last
// two weeks or so) and the period's of no account (noAccount), in the channels
// where the pass found an account with a conversation waiting: one view of the
// workspace's conversations there, grouped and timed as the period's figures
// group them, so that a staff reply filed under another account (the thread's
// last customer's) answers the thread. A conversation that began before an
// account's read is whole (the pass reads a busy account's newest 10,000
// messages) may miss that account's staff replies, and is left out.
func waitsBefore(ctx context.Context, req DigestRequest, noAccount []store.Stored) ([]health.Wait, error) {
	parts, channels, whole, err := req.share.reads(ctx)
	if err != nil || len(channels) == 0 {
		return nil, err
	}
	var msgs []*store.Stored
	for _, part := range parts {
		for i := range part {
			if m := &part[i].Message; channels[m.Channel] && !m.Time.After(req.Now) {
				msgs = append(msgs, &part[i])
			}
		}
	}
	for i := range noAccount {
		if channels[noAccount[i].Message.Channel] {
			msgs = append(msgs, &noAccount[i])
		}
	}
	slices.SortFunc(msgs, func(a, b *store.Stored) int {
		return cmp.Or(a.Message.Time.Compare(b.Message.Time), cmp.Compare(a.Message.ID, b.Message.ID))
	})
	waits := health.WaitingBefore(msgs, tierParams(req.Params, req.TierTargets, req.Accounts), req.From, req.Now)
	return slices.DeleteFunc(waits, func(w health.Wait) bool {
		return len(w.Customer) == 0 || w.Customer[0].Message.Time.Before(whole) // (begun where a read may miss messages)
	}), nil
}

// accountWaits counts waits by account (the configured one, else named as its
// messages name it), leaving out a wait that goes on into the period, where its
// response figures count it as waiting (one of its customer messages is a latest
// ask of listed), and those of no account: the longest waiting first.
func accountWaits(waits []health.Wait, listed map[string]bool, accounts map[string]feedbackbot.Account) []feedbackbot.AccountWaiting {
	at := map[string]int{}
	var out []feedbackbot.AccountWaiting
	for _, w := range waits { // (oldest first: an account's first is its oldest)
		if w.Account == "" || slices.ContainsFunc(w.Customer, func(m *store.Stored) bool { return listed[m.Message.Key()] }) {
			continue
		}
		i, seen := at[w.Account]
		if !seen {
			acct, ok := accounts[w.Account]
			if !ok {
				acct = feedbackbot.Account{ID: w.Account}
			}
			if acct.Name == "" { // (as health names it: config's name is optional)
				acct.Name = accountNameIn(w.Customer, w.Account)
			}
			i = len(out)
			at[w.Account] = i
			out = append(out, feedbackbot.AccountWaiting{Account: acct, Since: w.Since})
		}
		out[i].Count++
	}
	return out
}

// accountNameIn is the account name the messages give account, "" when none does.
func accountNameIn(msgs []*store.Stored, account string) string {
	for _, m := range msgs {
		if m.Message.Account == account && m.Message.AccountName != "" {
			return m.Message.AccountName
		}
	}
	return ""
}

// waitingQuoted picks the asks of waiting (oldest first) a digest quotes, at most
// n: churn signals first, then complaints and bug reports told negatively, then
// the oldest; in waiting's order. The oldest five alone had left out a newer
// "we'll likely downgrade … and not renew" (a review's find).
func waitingQuoted(waiting []*health.Item, n int) []*health.Item {
	if len(waiting) <= n {
		return waiting
	}
	if n <= 0 {
		return nil
	}
	rank := func(w *health.Item) int {
		switch {
		case w.Tags.Intent == feedbackbot.IntentChurnSignal:
			return 0
		case w.Tags.Sentiment.Label == feedbackbot.Negative:
			return 1
		}
		return 2
	}
	idx := make([]int, len(waiting))
	for i := range idx {
		idx[i] = i
	}
	// stable: within a rank, the oldest first
	slices.SortStableFunc(idx, func(a, b int) int { return rank(waiting[a]) - rank(waiting[b]) })
	idx = idx[:n]
	slices.Sort(idx)
	out := make([]*health.Item, n)
	for i, k := range idx {
		out[i] = waiting[k]
	}
	return out
}

// emergingThemes compares the period's customer messages (among its newest
// maxResponseMessages, read by readDigest) with the four weeks before it (the newest
// customer messages of each part of each day: historySample): bounded work, whatever the history.
// The period's were cut at 1,000, so a busy week's new themes came from its last day
// or so (a review's find: TestDigestEmergingReadsTheWholePeriod). Each message
// carries its author: a theme takes two people (one customer's four messages
// about their webhook were one).
func emergingThemes(req DigestRequest, periodRows, histRows []store.Stored) []feedbackbot.EmergingTheme {
	docsOf := func(rows []store.Stored, byKey map[string]*store.Stored) []emerging.Doc {
		var docs []emerging.Doc
		for i := range rows {
			r := &rows[i]
			if r.Message.FromCustomer() {
				k := r.Message.Key()
				docs = append(docs, emerging.Doc{Key: k, Text: r.Message.Text, Time: r.Message.Time, Author: r.Message.Author})
				if byKey != nil {
					byKey[k] = r
				}
			}
		}
		return docs
	}
	byKey := map[string]*store.Stored{} // the period's rows, for the quotes
	period, history := docsOf(periodRows, byKey), docsOf(histRows, nil)
	var out []feedbackbot.EmergingTheme
	for _, th := range emerging.Emerging(period, history, 3, req.Known) {
		t := feedbackbot.EmergingTheme{Label: th.Label, Phrases: th.Phrases, Size: th.Size}
		if r, ok := byKey[th.Quote.Key]; ok { // always: the quotes are the period's
			t.Quote = quoteOf(*r, req.Accounts)
			t.Quote.Text = labelExcerpt(feedbackbot.QuoteText(r.Message), th.Label, MaxQuoteRunes)
		}
		out = append(out, t)
	}
	return out
}

// labelExcerpt is a theme's quote (s) as ShortText cuts it to n runes where that
// says the theme's label; else an excerpt of n runes from a little before the
// label's first occurrence, "…" at each cut. Emerging quotes a message that says
// its label in its first 4,000 bytes, and the first 280 runes of one that came
// to the point late said nothing of it (a review's find). The label's words are
// matched whatever their case, and whatever separates them ("Dark-Mode").
func labelExcerpt(s, label string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	short := feedbackbot.CutGraphemes(s, n)
	words := strings.Fields(label)
	if len(words) == 0 || short == s {
		return short
	}
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	re, err := regexp.Compile(`(?i)(?:^|[^\pL\pN])(` + strings.Join(words, `[^\pL\pN]+`) + `)(?:$|[^\pL\pN])`)
	if err != nil {
		return short
	}
	m := re.FindStringSubmatchIndex(s)
	if m == nil || m[3] <= len(short)-len("…") {
		return short // (not found: as cut; or within the cut)
	}
	// From a word's start up to n/5 runes before the label.
	begin, back := m[2], 0
	for begin > 0 && back < n/5 {
		_, size := utf8.DecodeLastRuneInString(s[:begin])
		begin -= size
		back++
	}
	if j := strings.IndexByte(s[begin:m[2]], ' '); j >= 0 && begin > 0 {
		begin += j + 1
	}
	return "…" + feedbackbot.CutGraphemes(s[begin:], n-1)
}

// channelTest runs a one-way ANOVA of customer sentiment across channels.
func channelTest(chans map[string]map[string]int64) *feedbackbot.Significance {
	var gs []stats.Group
	for id, c := range chans {
		gs = append(gs, stats.Group{Name: id, N: float64(c[feedbackbot.CntCustomer]),
			Sum: float64(c[feedbackbot.CntScoreMilli]) / 1000, SumSq: float64(c[feedbackbot.CntScoreSqMilli]) / 1000})
	}
	slices.SortFunc(gs, func(a, b stats.Group) int { return cmp.Compare(a.Name, b.Name) })
	a, ok := stats.OneWayANOVA(gs)
	if !ok {
		return nil
	}
	return &feedbackbot.Significance{Test: "one-way ANOVA across channels", F: a.F, P: a.P, DF1: a.DFBetween, DF2: a.DFWith, Groups: a.Groups, Significant: a.Significant}
}

func quoteOf(r store.Stored, accounts map[string]feedbackbot.Account) feedbackbot.Quote {
	m := r.Message
	acct := m.AccountName
	if a, ok := accounts[m.Account]; ok && a.Name != "" {
		acct = a.Name
	}
	if acct == "" {
		acct = m.Account
	}
	return feedbackbot.Quote{
		MessageKey: m.Key(), Account: acct, Author: cmp.Or(m.AuthorName, m.Author), AuthorID: m.Author, Channel: cmp.Or(m.ChannelName, m.Channel),
		Text: ShortText(feedbackbot.QuoteText(m), MaxQuoteRunes), Score: r.Tags.Sentiment.Score, Time: m.Time, Permalink: m.Permalink,
	}
}

// ShortText flattens whitespace and cuts text to at most n runes, between whole
// characters (a flag or an emoji with its skin tone is not split), marking the cut.
func ShortText(s string, n int) string {
	return feedbackbot.CutGraphemes(strings.Join(strings.Fields(s), " "), n)
}

func meanScore(milli, n int64) *float64 {
	if n <= 0 {
		return nil
	}
	v := float64(milli) / 1000 / float64(n)
	return &v
}

// groupByDim turns "dim|key|counter" names into dim -> key -> counter -> value.
func groupByDim(t map[string]int64) map[string]map[string]map[string]int64 {
	out := map[string]map[string]map[string]int64{}
	for name, v := range t {
		dim, key, counter, ok := feedbackbot.SplitCounter(name)
		if !ok {
			continue
		}
		if out[dim] == nil {
			out[dim] = map[string]map[string]int64{}
		}
		if out[dim][key] == nil {
			out[dim][key] = map[string]int64{}
		}
		out[dim][key][counter] = v
	}
	return out
}

func groupStats(g map[string]map[string]int64, accounts map[string]feedbackbot.Account) []feedbackbot.GroupStat {
	var out []feedbackbot.GroupStat
	for id, c := range g {
		if c[feedbackbot.CntCustomer] == 0 {
			continue
		}
		gs := feedbackbot.GroupStat{ID: id, Count: c[feedbackbot.CntCustomer], Negative: c[feedbackbot.CntNegative],
			Index: meanScore(c[feedbackbot.CntScoreMilli], c[feedbackbot.CntCustomer])}
		if a, ok := accounts[id]; ok {
			gs.Name = a.Name
		}
		out = append(out, gs)
	}
	slices.SortFunc(out, func(a, b feedbackbot.GroupStat) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// nameFromMessages gives the accounts that no configuration names the name their
// messages carry (a Slack Connect organisation's, a Discord member's), as the
// digest's quotes and account health show them, rather than their bare ids.
func nameFromMessages(accts []feedbackbot.GroupStat, msgs ...[]store.Stored) {
	missing := map[string]int{}
	for i, a := range accts {
		if a.Name == "" {
			missing[a.ID] = i
		}
	}
	for _, rows := range msgs {
		for _, r := range rows {
			if len(missing) == 0 {
				return
			}
			if r.Message.AccountName == "" {
				continue
			}
			key := store.AccountKey(r.Message.Account) // as the counters spell it
			if i, ok := missing[key]; ok {
				accts[i].Name = r.Message.AccountName
				delete(missing, key)
			}
		}
	}
}

// series sums rollups (in time order) per local day of loc over [from, to), each
// on the day it starts: a whole UTC hour that loc's midnight falls inside (a zone
// at :30 or :45 from UTC) is charted on the day before, while the parts of hours
// at the period's ends come split at midnight (partCounts). The days add up to
// the period's counts either way.
func series(rs []feedbackbot.Rollup, from, to time.Time, loc *time.Location) []feedbackbot.SeriesPoint {
	var out []feedbackbot.SeriesPoint
	i := 0
	for day := startOfDay(from, loc); day.Before(to); day = startOfNextDay(day, loc) {
		next := startOfNextDay(day, loc)
		var cust, neg, score int64
		for ; i < len(rs) && rs[i].Start.Before(next); i++ {
			cust += rs[i].Counts[feedbackbot.CntCustomer]
			neg += rs[i].Counts[feedbackbot.CntNegative]
			score += rs[i].Counts[feedbackbot.CntScoreMilli]
		}
		out = append(out, feedbackbot.SeriesPoint{Start: day, Customer: cust, Negative: neg, Index: meanScore(score, cust)})
	}
	daily := make([]float64, len(out))
	for i, p := range out {
		daily[i] = math.NaN()
		if p.Index != nil {
			daily[i] = *p.Index
		}
	}
	for i, v := range stats.EMA(daily, 0.3) {
		if !math.IsNaN(v) {
			out[i].Trend = &v
		}
	}
	return out
}

// startOfDay is the first instant of t's day in loc (01:00 where the clocks skip
// midnight).
func startOfDay(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return localTime(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), loc)
}

// startOfNextDay is the first instant of the calendar day after day's, in loc.
func startOfNextDay(day time.Time, loc *time.Location) time.Time {
	l := day.In(loc)
	return startOfDay(time.Date(l.Year(), l.Month(), l.Day()+1, 12, 0, 0, 0, loc), loc)
}

// DigestRiskStore is what DigestWithRisk reads.
type DigestRiskStore interface {
	HistoryStore
	DigestStore
}

// DigestWithRisk builds the digest of dr with its at-risk list (every account's
// health as of rr.Now), the two side by side: one after the other they were the
// digest's wall time added up (on Redis, mostly waiting on round trips). They read
// the store independently, except that the digest takes its period's messages from
// what the at-risk pass read, where that holds them all (see periodShare).
// dr.AtRisk is replaced by the list, and the segments are named with it (an
// account at risk is not "happy": riskSegments).
func DigestWithRisk(ctx context.Context, st DigestRiskStore, rr RiskRequest, dr DigestRequest) (feedbackbot.Digest, error) {
	var hs []feedbackbot.Health
	var riskErr error
	var wg sync.WaitGroup
	if rr.Only == "" && rr.Workspace == dr.Workspace {
		rr.share = newPeriodShare(dr.From, dr.To)
		dr.share = rr.share
	}
	wg.Go(func() {
		hs, riskErr = Risk(ctx, st, rr)
		if rr.share != nil {
			rr.share.finish(riskErr == nil)
		}
	})
	dr.AtRisk = nil
	d, accounts, err := buildDigest(ctx, st, dr)
	wg.Wait()
	if riskErr != nil {
		return feedbackbot.Digest{}, riskErr
	}
	if err != nil {
		return d, err
	}
	d.AtRisk, d.Drifting = AtRisk(hs), Drifting(hs, rr.Now)
	d.Segments = riskSegments(d.Accounts, accounts, d.AtRisk) // (named again: an account at risk is not happy)
	return d, nil
}

// correctionCounts counts the corrections staff made in [from, to) (the latest
// change's time), nil when there were none; one that cannot be read is left out.
func correctionCounts(docs map[string][]byte, from, to time.Time) *feedbackbot.CorrectionCounts {
	var n feedbackbot.CorrectionCounts
	for _, raw := range docs {
		var c feedbackbot.Correction
		if json.Unmarshal(raw, &c) != nil || c.At.Before(from) || !c.At.Before(to) || c.Empty() {
			continue
		}
		n.Messages++
		if c.Sentiment != "" {
			n.Sentiment++
		}
		if c.Intent != "" {
			n.Intent++
		}
		if c.OnlyThemes || len(c.AddThemes)+len(c.RemoveThemes) > 0 {
			n.Themes++
		}
		if c.NeedsReply != nil {
			n.Reply++
		}
	}
	if n.Messages == 0 {
		return nil
	}
	return &n
}
