package bot

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/store"
)

// HistoryStore is what account health reads: the accounts of a workspace, each
// account's recent messages and its daily counters for the older part of its
// baseline (bounded per account, so cost grows with accounts, not history).
type HistoryStore interface {
	Accounts(ctx context.Context, workspace string) ([]string, error)
	Messages(ctx context.Context, q store.Query) ([]store.Stored, error)
	AccountDays(ctx context.Context, workspace, account string, from, to time.Time, counters ...string) ([]feedbackbot.Rollup, error)
	ListDocs(ctx context.Context, workspace, kind string) (map[string][]byte, error)
	ListDocsPrefix(ctx context.Context, workspace, kind string, prefixes ...string) (map[string][]byte, error)
	GetDoc(ctx context.Context, workspace, kind, id string) ([]byte, error)
}

// riskMargin is how much of the baseline before the recent window is read as
// messages rather than daily counters, so that a conversation that began before the
// window and goes on in it is grouped as one (its start decides whether it waits).
const riskMargin = 24 * time.Hour

// RiskRequest says whose health to assess and as of when.
type RiskRequest struct {
	Workspace string
	Now       time.Time
	Accounts  map[string]feedbackbot.Account // configured accounts (names, tiers, values)
	Params    health.Params
	// TierTargets are first-response targets by account tier; "" is the default.
	TierTargets map[string]health.Targets
	// Only limits the assessment to one account id when set.
	Only string
	// SkipSilent leaves out the accounts with nothing to assess (no message in the
	// windows health reads, no survey answer), for a listing: an account whose
	// messages all moved to another (channel_accounts, reanalyze), were deleted or
	// erased, or that wrote nothing in eight weeks showed as healthy (100, no
	// reasons). With Only, that account is left out too, and Risk returns none, so
	// the caller can say there is nothing to assess (risk --account said 100). The
	// alerter keeps them (Health.Silent): an open alert of one is closed as not a
	// recovery.
	SkipSilent bool
	// share, when set (DigestWithRisk), collects the messages read of the digest's
	// period for its own read of them.
	share *periodShare
}

// Risk assesses every account of a workspace as of req.Now, lowest score first.
func Risk(ctx context.Context, st HistoryStore, req RiskRequest) ([]feedbackbot.Health, error) {
	ids := []string{req.Only}
	if req.Only == "" {
		var err error
		if ids, err = st.Accounts(ctx, req.Workspace); err != nil {
			return nil, fmt.Errorf("risk: list accounts: %w", err)
		}
	}
	// Only the answers of the window AddRatings judges (the recent weeks), read
	// while the first account's history is: one round trip less to wait for.
	p := req.Params.WithDefaults()
	var ratings map[string][]health.Rating
	var ratingsErr error
	var read sync.WaitGroup
	read.Go(func() {
		answers, err := SurveyAnswers(ctx, st, req.Workspace, req.Now.Add(-p.Recent), req.Now.Add(time.Nanosecond), req.Only)
		ratings, ratingsErr = map[string][]health.Rating{}, err
		for _, a := range answers {
			if a.IsRating() { // (a Kano answer rates a feature, not the account)
				ratings[a.Account] = append(ratings[a.Account], health.Rating{Kind: a.Kind, Score: a.Score, Time: a.Time})
			}
		}
	})
	defer read.Wait() // the read never outlives the call
	// Accounts are assessed riskParallel at a time: each waits on its reads (round
	// trips to Redis), and a digest's at-risk pass over every account read them one
	// after the other (a review timed it at about half of a digest).
	out := make([]feedbackbot.Health, len(ids))
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Each account's daily counters, read for all accounts at once where the store
	// can (a command a day instead of one a day and account), while the first
	// accounts' messages are read.
	daysOf := daysFunc(func(ctx context.Context, id string, from, to time.Time) ([]store.DayCounts, error) {
		days, err := st.AccountDays(ctx, req.Workspace, id, from, to, baseCounters...)
		return store.DayCountsOf(days, baseCounters...), err
	})
	reads := optional(st)
	if dc, ok := reads.(accountDayCounter); ok {
		daysOf = func(ctx context.Context, id string, from, to time.Time) ([]store.DayCounts, error) {
			return dc.AccountDayCounts(ctx, req.Workspace, id, from, to, baseCounters...)
		}
	} else if br, ok := reads.(accountsDaysReader); ok && len(ids) > 1 {
		batch := readDaysBatched(actx, br, req.Workspace, ids, req.Now, p)
		defer batch.close()
		daysOf = batch.of
	}
	var mu sync.Mutex
	var firstErr error
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
			cancel()
		}
	}
	ratingsOf := func(id string) ([]health.Rating, error) {
		read.Wait()
		return ratings[id], ratingsErr
	}
	// Accounts go to the workers riskChunk at a time where the store reads several
	// accounts' messages in one go (two round trips for the chunk instead of two an
	// account), one at a time otherwise.
	amr, _ := reads.(accountsMessagesReader)
	chunk := 1
	if amr != nil && len(ids) > 1 {
		chunk = riskChunk
	}
	_, msgFrom := daysWindow(req.Now, req.Params)
	jobs := make(chan int)
	var workers sync.WaitGroup
	for range min(riskParallel, (len(ids)+chunk-1)/chunk) {
		workers.Go(func() {
			for start := range jobs {
				end := min(len(ids), start+chunk)
				var read map[string][]store.Stored
				if chunk > 1 {
					m, ok, err := amr.AccountsMessages(actx, req.Workspace, ids[start:end], msgFrom, req.Now.Add(time.Nanosecond))
					if err != nil {
						fail(fmt.Errorf("risk: messages of accounts: %w", err))
						continue
					}
					if ok {
						read = m
					}
				}
				for i := start; i < end; i++ {
					h, err := assessAccount(actx, st, req, ids[i], ratingsOf, daysOf, read)
					if err != nil {
						fail(err)
						break
					}
					out[i] = h
				}
			}
		})
	}
feed:
	for i := 0; i < len(ids); i += chunk {
		select {
		case jobs <- i:
		case <-actx.Done():
			break feed
		}
	}
	close(jobs)
	workers.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if req.Only == "" {
		health.Rank(out, req.Now) // (the accounts with something to assess)
	}
	if req.SkipSilent {
		kept := out[:0]
		for _, h := range out {
			if !h.Silent {
				kept = append(kept, h)
			}
		}
		out = kept
	}
	slices.SortStableFunc(out, func(a, b feedbackbot.Health) int {
		return cmp.Or(cmp.Compare(a.Score, b.Score), cmp.Compare(a.Account.ID, b.Account.ID))
	})
	return out, nil
}

// riskParallel is how many accounts (or chunks of accounts) Risk assesses at a time.
const riskParallel = 4

// riskChunk is how many accounts' messages Risk reads at once from a store that
// can (accountsMessagesReader).
const riskChunk = 8

// accountsMessagesReader is a store that reads several accounts' messages of a
// period at once (redisstore.Store.AccountsMessages), each as Messages reads one
// account's first page; ok false says to read each account with Messages, and an
// account missing from the map is read that way too.
type accountsMessagesReader interface {
	AccountsMessages(ctx context.Context, workspace string, accounts []string, from, to time.Time) (map[string][]store.Stored, bool, error)
}

// Unwrapper is a store that wraps another for its appends alone (the run
// command's, whose appends go through Capture's retries): the wrapped store's
// optional methods, which the wrapper's embedded store.Store hides, are what
// the bot uses (reads of several accounts' messages or days at once, days as
// numbers, Compact). /feedback account and risk read day counters through
// maps and accounts one by one in `feedbackbot run` while scheduled digests,
// given the store itself, did not (a review's find).
type Unwrapper interface {
	Unwrap() store.Store
}

// optional is the store whose optional methods the bot looks for: st, or the
// store it wraps for its appends.
func optional(st any) any {
	if u, ok := st.(Unwrapper); ok {
		if inner := u.Unwrap(); inner != nil {
			return inner
		}
	}
	return st
}

// baseCounters are the daily counters of an account that health's baseline
// reads, in the order daysFunc gives them: customer messages, their score, and
// churn signals (the days whose messages history reads for them, churnOfDays).
var baseCounters = []string{feedbackbot.CntCustomer, feedbackbot.CntScoreMilli, feedbackbot.CntChurn}

// accountDayCounter is a store that reads an account's daily counters as
// numbers rather than a map a day (bolt.Store.AccountDayCounts): the embedded
// store, whose reads cost no round trip, so each account reads its own days.
type accountDayCounter interface {
	AccountDayCounts(ctx context.Context, workspace, account string, from, to time.Time, counters ...string) ([]store.DayCounts, error)
}

// accountsDaysReader is a store that reads the daily counters of several accounts
// of a workspace at once (redisstore.Store.AccountsDays: one command a day for all
// of them, where AccountDays takes one a day and account).
type accountsDaysReader interface {
	AccountsDays(ctx context.Context, workspace string, accounts []string, from, to time.Time, counters ...string) (map[string][]feedbackbot.Rollup, error)
}

// daysBatch is the daily counters of a workspace's accounts, read for all of them
// in chunks of daysBatchSize while their messages are read: a chunk is read once
// the accounts reach the one before it (so at most two are held at a time, not
// every account's days at once: a review's find), and dropped once each of its
// accounts has taken its days.
type daysBatch struct {
	from, to time.Time
	chunk    map[string]int  // account -> its chunk
	done     []chan struct{} // closed when a chunk is read (or will never be)
	reached  []chan struct{} // closed when an account of a chunk asks for its days
	once     []sync.Once     // closes reached
	stop     context.CancelFunc
	reader   sync.WaitGroup
	br       accountsDaysReader
	ws       string

	mu   sync.Mutex
	days []map[string][]feedbackbot.Rollup
	left []int // accounts of a chunk that have not taken their days
	errs []error
}

// daysBatchSize is how many accounts' days one AccountsDays call reads (three
// counters an account and day, baseCounters: 1,500 fields a command).
const daysBatchSize = 500

// readDaysBatched starts reading the baseline days of ids, as history would read
// each account's, in the background, in ids' order (the order accounts are
// assessed in). close ends it.
func readDaysBatched(ctx context.Context, br accountsDaysReader, ws string, ids []string, now time.Time, p health.Params) *daysBatch {
	ctx, stop := context.WithCancel(ctx)
	b := &daysBatch{chunk: make(map[string]int, len(ids)), stop: stop, br: br, ws: ws}
	b.from, b.to = daysWindow(now, p)
	n := (len(ids) + daysBatchSize - 1) / daysBatchSize
	b.done, b.reached, b.once = make([]chan struct{}, n), make([]chan struct{}, n), make([]sync.Once, n)
	b.days, b.left, b.errs = make([]map[string][]feedbackbot.Rollup, n), make([]int, n), make([]error, n)
	chunkOf := func(c int) []string { return ids[c*daysBatchSize : min(len(ids), (c+1)*daysBatchSize)] }
	for c := range n {
		b.done[c], b.reached[c] = make(chan struct{}), make(chan struct{})
		for _, id := range chunkOf(c) {
			if _, dup := b.chunk[id]; !dup {
				b.chunk[id] = c
				b.left[c]++
			}
		}
	}
	if !b.to.After(b.from) {
		for _, d := range b.done {
			close(d) // no days to read: of is never asked
		}
		return b
	}
	b.reader.Go(func() {
		for c := range n {
			if c > 0 {
				select { // one chunk ahead of the accounts, no more
				case <-b.reached[c-1]:
				case <-ctx.Done():
				}
			}
			var days map[string][]feedbackbot.Rollup
			err := ctx.Err()
			if err == nil {
				days, err = br.AccountsDays(ctx, ws, chunkOf(c), b.from, b.to, baseCounters...)
			}
			b.mu.Lock()
			b.days[c], b.errs[c] = days, err
			b.mu.Unlock()
			close(b.done[c])
		}
	})
	return b
}

// of is one account's days, as AccountDays would read them, once its chunk is read.
func (b *daysBatch) of(ctx context.Context, id string, from, to time.Time) ([]store.DayCounts, error) {
	c, ok := b.chunk[id]
	if !ok || !from.Equal(b.from) || !to.Equal(b.to) {
		return nil, fmt.Errorf("risk: account %s's days [%s, %s) are not the batch's", id, from, to)
	}
	b.once[c].Do(func() { close(b.reached[c]) })
	select {
	case <-b.done[c]:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	b.mu.Lock()
	if err := b.errs[c]; err != nil {
		b.mu.Unlock()
		return nil, err
	}
	chunk := b.days[c]
	if chunk != nil {
		if b.left[c]--; b.left[c] == 0 {
			b.days[c] = nil // every account of the chunk has its days
		}
	}
	b.mu.Unlock()
	if chunk == nil { // asked again after its chunk was dropped: read on its own
		days, err := b.br.AccountsDays(ctx, b.ws, []string{id}, from, to, baseCounters...)
		return store.DayCountsOf(days[id], baseCounters...), err
	}
	return store.DayCountsOf(chunk[id], baseCounters...), nil
}

// close stops the reads and waits for them to end.
func (b *daysBatch) close() {
	b.stop()
	b.reader.Wait()
}

// assessAccount reads one account's history and assesses it with its survey
// ratings (ratingsOf waits for the read of them that runs beside). The health is
// Silent when there was nothing to assess: no message in the windows health
// reads, no survey answer.
func assessAccount(ctx context.Context, st HistoryStore, req RiskRequest, id string, ratingsOf func(string) ([]health.Rating, error), daysOf daysFunc, read map[string][]store.Stored) (h feedbackbot.Health, err error) {
	rows, base, complete, err := history(ctx, st, req.Workspace, id, req.Now, req.Params, daysOf, read)
	if err != nil {
		return feedbackbot.Health{}, err
	}
	req.share.add(rows, complete, req.Now)
	rs, err := ratingsOf(id)
	if err != nil {
		return feedbackbot.Health{}, err
	}
	// Nothing to assess: no customer's message (staff's alone, an announcement in
	// its channel or an outreach, or all that is left once its only customer is
	// forgotten, read "health 100, nothing lowers its score") and no survey answer.
	none := !slices.ContainsFunc(rows, func(it health.Item) bool { return it.Message.FromCustomer() }) &&
		base.Count == 0 && len(base.Last) == 0 && len(rs) == 0
	acct, ok := req.Accounts[id]
	if !ok {
		acct = feedbackbot.Account{ID: id}
	}
	for _, part := range [][]health.Item{rows, base.Last} { // rows are Items: no copy
		for _, it := range part {
			if acct.Name == "" && it.Message.AccountName != "" {
				acct.Name = it.Message.AccountName
			}
		}
	}
	params := req.Params
	if t, ok := tierTargets(req.TierTargets, acct.Tier); ok {
		params.Targets = t
	}
	h = health.Assess(acct, rows, base, req.Now, params)
	if HasReason(h, health.ReasonUnanswered) {
		req.share.waiting(rows)
	}
	h = health.AddRatings(h, rs, req.Now, params)
	h.Silent = none
	for _, part := range [][]health.Item{rows, base.Last} {
		for _, it := range part {
			var last *time.Time
			switch it.Message.Role {
			case feedbackbot.RoleCustomer:
				last = &h.LastCustomerAt
			case feedbackbot.RoleStaff:
				last = &h.LastStaffAt
			default:
				continue // (a bot's)
			}
			if t := it.Message.Time; t.After(*last) && !t.After(req.Now) {
				*last = t
			}
		}
	}
	return h, nil
}

// maxRiskMessages bounds the messages account health reads (its newest; 10 pages,
// 625 a day over 16 days): it read one page of 1,000, so a busy account's older
// messages of the window, a churn signal among them, were left out.
const maxRiskMessages = 10 * store.MaxQueryLimit

// history reads what health.Assess needs of one account as of now: the messages of
// the recent window and a margin before it, and the older part of the baseline as
// daily counters (whole UTC days), so the work is bounded whatever the history. When
// the account has not written since the recent window began, it also reads its newest
// customer message and the 7 days before it (one bounded query), and, for the older
// days whose counters hold a churn signal, the messages of the newest maxChurnDays of
// them (churnOfDays). A store whose daily counters are not built yet (old data) is
// read message by message, as before.
//
// complete is the start of the window the rows hold every message of (up to now),
// zero when they were cut at maxRiskMessages.
//
// read holds the messages of the recent window and margin of the accounts whose
// messages were read already (AccountsMessages), by account.
func history(ctx context.Context, st HistoryStore, ws, id string, now time.Time, p health.Params, daysOf daysFunc, read map[string][]store.Stored) (rows []store.Stored, base health.Baseline, complete time.Time, err error) {
	p = p.WithDefaults()
	baseFrom, msgFrom := daysWindow(now, p)
	recentFrom := now.Add(-p.Recent)
	to := now.Add(time.Nanosecond)
	var days []store.DayCounts
	// The daily counters and the recent messages are read at the same time: one
	// round trip's wait instead of two on a networked store.
	type daysResult struct {
		days []store.DayCounts
		err  error
	}
	var daysCh chan daysResult
	if msgFrom.After(baseFrom) {
		daysCh = make(chan daysResult, 1)
		go func() {
			d, err := daysOf(ctx, id, baseFrom, msgFrom)
			daysCh <- daysResult{d, err}
		}()
	}
	var partial bool
	if r, ok := read[id]; ok {
		rows = r // (every message of the window: fewer than a page)
	} else {
		rows, partial, err = pagedMessages(ctx, st, store.Query{Workspace: ws, Account: id, From: msgFrom, To: to}, maxRiskMessages)
	}
	if daysCh != nil {
		r := <-daysCh // always received, so the goroutine never outlives the call
		switch {
		case err != nil:
		case errors.Is(r.err, store.ErrAccountDaysMissing):
			// Counters not built yet (a store from before them): read the whole window.
			msgFrom = baseFrom
			rows, partial, err = pagedMessages(ctx, st, store.Query{Workspace: ws, Account: id, From: msgFrom, To: to}, maxRiskMessages)
		case r.err != nil:
			return nil, base, time.Time{}, fmt.Errorf("risk: daily counters of account %s: %w", id, r.err)
		default:
			days, base.To = r.days, msgFrom
		}
	}
	if err != nil {
		return nil, base, time.Time{}, fmt.Errorf("risk: messages of account %s: %w", id, err)
	}
	if base.To.IsZero() {
		return rows, base, completeFrom(msgFrom, partial), nil
	}
	var newest time.Time        // the newest customer message's day
	var churn []store.DayCounts // the days with a churn signal, oldest first
	for _, d := range days {    // (baseCounters: customer messages, score, churn signals)
		if d.Counts[2] > 0 {
			churn = append(churn, d)
		}
		n := d.Counts[0]
		if n <= 0 {
			continue
		}
		base.Days = append(base.Days, d.Start)
		base.Count += int(n)
		base.ScoreSum += float64(d.Counts[1]) / 1000
		newest = d.Start
	}
	quiet := true
	for _, r := range rows { // newest first
		if r.Message.Role != feedbackbot.RoleCustomer {
			continue
		}
		if !r.Message.Time.Before(recentFrom) {
			quiet = false
		} else if !r.Message.Time.Before(newest) {
			newest = store.DayStart(r.Message.Time)
		}
		break
	}
	var from, until time.Time // the days base.Last reads
	if quiet && !newest.IsZero() && newest.Add(-7*24*time.Hour).Before(msgFrom) {
		from = newest.Add(-7 * 24 * time.Hour)
		if from.Before(baseFrom) {
			from = baseFrom
		}
		until = newest.Add(24 * time.Hour) // no customer wrote after that day
		if until.After(msgFrom) {
			until = msgFrom
		}
		last, err := st.Messages(ctx, store.Query{Workspace: ws, Account: id, From: from, To: until, Limit: store.MaxQueryLimit})
		if err != nil {
			return nil, base, time.Time{}, fmt.Errorf("risk: last messages of account %s: %w", id, err)
		}
		base.Last = last
		if len(last) >= store.MaxQueryLimit {
			// Cut short at a page (newest first): it holds all the messages of the
			// days after its oldest message's only, and churnOfDays reads the others.
			oldest := last[0].Message.Time
			for _, m := range last {
				if m.Message.Time.Before(oldest) {
					oldest = m.Message.Time
				}
			}
			from = store.DayStart(oldest).Add(24 * time.Hour)
		}
	}
	if len(churn) > 0 {
		if base.Churn, base.ChurnUnread, err = churnOfDays(ctx, st, ws, id, churn, from, until); err != nil {
			return nil, base, time.Time{}, err
		}
	}
	return rows, base, completeFrom(msgFrom, partial), nil
}

// maxChurnDays bounds the days of an account's summarised baseline whose messages
// history reads for their churn signals (health.Baseline.Churn): the newest that
// many whose daily counters hold one, a day's page of messages each; the signals
// of older days are counted from the counters alone (Baseline.ChurnUnread). The
// churn reason quotes its newest three signals and each such day holds one, so
// these days hold every quote a read of all the messages would give (it is
// health.ChurnQuoteDays): the summary says what the full read says, at a cost of
// at most three bounded reads, and only for an account that said such a thing in
// the last eight weeks.
//
// A churn signal of a message applied before its daily counter existed
// (feedbackbot.CntChurn) is not in its day's counter: the summary does not see it
// (the full read, of a store whose account days are not built, does) until
// `feedbackbot reanalyze` applies the message again under a new engine version,
// which counts it; rebuilding the account days does not (they are summed from the
// counters the messages were applied with).
const maxChurnDays = health.ChurnQuoteDays

// churnOfDays reads the churn signals of an account's summarised days (days:
// those whose churn counter is not 0, oldest first) for health.Baseline: the
// customer messages that are churn signals of the newest maxChurnDays days that
// base.Last does not hold whole (the days [lastFrom, lastTo), all of whose
// messages it holds: a Last cut short at its page holds part of the day of its
// oldest message and none of the days before, and those are read here; a signal
// in both counts once, health.Assess), and how many others the counters hold
// (those of the older days, and of a read day beyond its page).
func churnOfDays(ctx context.Context, st HistoryStore, ws, id string, days []store.DayCounts, lastFrom, lastTo time.Time) (items []health.Item, unread int, err error) {
	read := 0
	for i := len(days) - 1; i >= 0; i-- {
		d := days[i]
		if !d.Start.Before(lastFrom) && d.Start.Before(lastTo) {
			continue // (Last holds its messages)
		}
		want := int(d.Counts[2])
		if read == maxChurnDays {
			unread += want
			continue
		}
		read++
		msgs, err := st.Messages(ctx, store.Query{Workspace: ws, Account: id, From: d.Start, To: d.Start.Add(24 * time.Hour), Limit: store.MaxQueryLimit})
		if err != nil {
			return nil, 0, fmt.Errorf("risk: churn signals of account %s on %s: %w", id, d.Start.Format(time.DateOnly), err)
		}
		found := 0
		for _, m := range msgs {
			if m.Message.Role == feedbackbot.RoleCustomer && feedbackbot.ChurnSignal(&m.Tags) {
				items = append(items, m)
				found++
			}
		}
		unread += max(0, want-found) // (a day of more than a page: counted, not quoted)
	}
	return items, unread, nil
}

// daysFunc reads an account's daily customer-message, score and churn counters of [from,
// to) (baseCounters, in that order: HistoryStore.AccountDays, a batch of them, or
// accountDayCounter's).
type daysFunc func(ctx context.Context, id string, from, to time.Time) ([]store.DayCounts, error)

// daysWindow is where account health's baseline starts (baseFrom) and where its
// messages are read from (msgFrom): the baseline before msgFrom is read as daily
// counters, none when msgFrom is not after baseFrom.
func daysWindow(now time.Time, p health.Params) (baseFrom, msgFrom time.Time) {
	p = p.WithDefaults()
	baseFrom = p.BaselineFrom(now)
	msgFrom = store.DayStart(now.Add(-p.Recent).Add(-riskMargin))
	if !msgFrom.After(baseFrom) {
		msgFrom = baseFrom
	}
	return baseFrom, msgFrom
}

// completeFrom is from, or zero when the read from it was cut short.
func completeFrom(from time.Time, partial bool) time.Time {
	if partial {
		return time.Time{}
	}
	return from
}

// AtRisk keeps the accounts flagged at risk.
func AtRisk(hs []feedbackbot.Health) []feedbackbot.Health {
	var out []feedbackbot.Health
	for _, h := range hs {
		if h.AtRisk {
			out = append(out, h)
		}
	}
	return out
}

// Drifting keeps the accounts not at risk whose engagement says they are slipping
// away (segments can't lose and slipping: much written in the window, not
// lately), that wrote much (frequency 4 or 5: five accounts of one message each
// tie at 3, and slipping takes 3) and whose customers have not written for
// DriftQuiet as of now (a
// ranking's "not lately" may be four days among accounts that wrote yesterday),
// the most frequent first, then the most valued.
func Drifting(hs []feedbackbot.Health, now time.Time) []feedbackbot.Health {
	out := []feedbackbot.Health{} // ([] in digest --json, as at_risk)
	for _, h := range hs {
		if e := h.Engagement; !h.AtRisk && e != nil && (e.Segment == feedbackbot.SegmentCannotLose || e.Segment == feedbackbot.SegmentSlipping) &&
			e.Frequency >= 4 && now.Sub(h.LastCustomerAt) >= DriftQuiet {
			out = append(out, h)
		}
	}
	slices.SortStableFunc(out, func(a, b feedbackbot.Health) int {
		return cmp.Or(cmp.Compare(b.Engagement.Frequency, a.Engagement.Frequency), cmp.Compare(b.Account.Value, a.Account.Value),
			cmp.Compare(a.Account.ID, b.Account.ID))
	})
	return out
}

// DriftQuiet is how long an account's customers must have been quiet for Drifting
// to name it.
const DriftQuiet = 7 * 24 * time.Hour

// HasReason reports whether the health carries a reason with that code.
func HasReason(h feedbackbot.Health, code string) bool {
	for _, r := range h.Reasons {
		if r.Code == code {
			return true
		}
	}
	return false
}

// tierTargets are the first-response targets of an account of tier: its tier's,
// else the default tier's (""), if either is configured.
func tierTargets(tiers map[string]health.Targets, tier string) (health.Targets, bool) {
	if t, ok := tiers[tier]; ok {
		return t, true
	}
	t, ok := tiers[""]
	return t, ok
}

// hurtBy says whether h has a reason with code that lowers its score.
func hurtBy(h feedbackbot.Health, code string) bool {
	for _, r := range h.Reasons {
		if r.Code == code && r.Impact < 0 {
			return true
		}
	}
	return false
}

// nextSteps suggests what to do for each cause.
var nextSteps = map[string]string{
	health.ReasonChurnSignal:   "Call the account owner today: confirm what they are evaluating and what would keep them.",
	health.ReasonUnanswered:    "Answer what is waiting now, then check whether anything else is open.",
	health.ReasonWentQuiet:     "Reach out personally: ask whether the last problem was really solved.",
	health.ReasonRecurring:     "Reopen the fix with engineering and tell the customer when a confirmed fix ships.",
	health.ReasonSentimentDrop: "Review the recent conversations with the account owner and agree a recovery plan.",
	health.ReasonSentimentLow:  "Review the recent conversations with the account owner and agree a recovery plan.",
	health.ReasonNegativeShare: "Look for the common cause in the negative messages and send a status update.",
	health.ReasonSlowReplies:   "Check staffing for this account's channel; agree a response target.",
	health.ReasonReplyDue:      "Reply to the waiting question now: its response target is about to pass.",
}

// AlertFor turns an at-risk health into an alert, fingerprinted by workspace,
// account and its main cause.
func AlertFor(workspace string, h feedbackbot.Health, now time.Time) feedbackbot.Alert {
	cause := alertCauseHealth
	if len(h.Reasons) > 0 {
		cause = h.Reasons[0].Code
	}
	if !h.AtRisk && HasReason(h, health.ReasonReplyDue) {
		cause = health.ReasonReplyDue // a warning before a response target passes
	}
	sev := feedbackbot.SeverityWarning
	if h.Score < 30 || cause == health.ReasonChurnSignal || (h.AtRisk && hurtBy(h, health.ReasonChurnSignal)) {
		sev = feedbackbot.SeverityCritical // (a churn signal, whatever reason tops it)
	}
	return feedbackbot.Alert{
		Fingerprint: alertFingerprint(workspace, h.Account.ID, cause), Workspace: workspace, Account: h.Account, Cause: cause,
		Severity: sev, Status: feedbackbot.AlertOpen, Score: h.Score, Reasons: h.Reasons, Engagement: h.Engagement,
		NextStep: cmp.Or(nextSteps[cause], "Review the account with its owner."), RaisedAt: now, UpdatedAt: now,
	}
}

// inWorkspace is an alert button's value: the alert's (or account's) id and, after
// a '|' (which no account id holds: config refuses it), the alert's workspace. One
// alerts channel takes every workspace's alerts (each Slack workspace's and Discord
// server's), and a button pressed there was answered in the presser's workspace:
// another workspace's alert was "no longer there" and its account another's of
// the same id (a review's find). The workspace is left out where the button's
// custom id would pass Discord's 100 characters (the press is then answered in the
// presser's workspace, as before).
func inWorkspace(action, id, workspace string) string {
	if workspace == "" || utf8.RuneCountInString(action)+1+utf8.RuneCountInString(id)+1+utf8.RuneCountInString(workspace) > maxButtonID {
		return id
	}
	return id + "|" + workspace
}

// maxButtonID is the most characters a button's action and value may have
// together (Discord's custom_id).
const maxButtonID = 100

// buttonTarget is the command a pressed alert button stands for: its value's
// workspace (see inWorkspace), when it names one, is the command's. A typed
// command is taken as it is: only the bot's own buttons carry a workspace.
func buttonTarget(cmd feedbackbot.Command, value string) (feedbackbot.Command, string) {
	if !cmd.Button {
		return cmd, value
	}
	if i := strings.LastIndexByte(value, '|'); i >= 0 && i < len(value)-1 {
		cmd.Workspace, value = value[i+1:], value[:i]
	}
	return cmd, value
}

// alertCauseHealth is an alert's cause when its health gave no reason.
const alertCauseHealth = "health"

// alertFingerprint is the id of a workspace's alert of an account for a cause.
func alertFingerprint(workspace, account, cause string) string {
	sum := sha256.Sum256([]byte(workspace + "\x00" + account + "\x00" + cause))
	return hex.EncodeToString(sum[:8])
}

// accountAlerts reads the alerts of some accounts: one for each cause each can
// have been raised for, by id, in one read (a workspace's alerts listed whole are
// every account's, with their evidence and episodes).
func accountAlerts(ctx context.Context, st interface {
	GetDocs(ctx context.Context, workspace, kind string, ids ...string) (map[string][]byte, error)
}, workspace string, accounts ...string) (map[string]*feedbackbot.Alert, error) {
	var ids []string
	for _, account := range accounts {
		for _, cause := range append(health.ReasonCodes(), alertCauseHealth) {
			ids = append(ids, alertFingerprint(workspace, account, cause))
		}
	}
	raw, err := st.GetDocs(ctx, workspace, DocAlert, ids...)
	if err != nil {
		return nil, fmt.Errorf("alerts: read: %w", err)
	}
	return decodeAlerts(raw, nil), nil // (one that does not decode: the alerter's pass logs it)
}

// AlertDocument renders an alert with its evidence and buttons.
func AlertDocument(a feedbackbot.Alert) feedbackbot.Document {
	title := fmt.Sprintf("%s at risk: %s (health %d/100)", severityTitle(a.Severity), accountLabel(a.Account), a.Score)
	switch {
	case a.Cause == health.ReasonReplyDue && a.Status == feedbackbot.AlertResolved:
		title = fmt.Sprintf("No reply due any more: %s (health %d/100)", accountLabel(a.Account), a.Score)
	case a.Cause == health.ReasonReplyDue:
		// a heads-up: the account is not at risk (yet)
		title = fmt.Sprintf("Reply due: %s (health %d/100)", accountLabel(a.Account), a.Score)
	case a.Status == feedbackbot.AlertResolved && a.ClosedReason == ClosedMerged:
		title = fmt.Sprintf("Closed: %s (under its other alert)", accountLabel(a.Account))
	case a.Status == feedbackbot.AlertResolved && a.ClosedReason == ClosedForgotten:
		title = fmt.Sprintf("Closed: %s (the person's data was erased)", accountLabel(a.Account))
	case a.Status == feedbackbot.AlertResolved && a.ClosedReason == ClosedSilent:
		title = fmt.Sprintf("Closed: %s (nothing recent to judge; not a recovery)", accountLabel(a.Account))
	case a.Status == feedbackbot.AlertResolved && a.ClosedReason == ClosedChurnStands:
		title = fmt.Sprintf("Closed: %s (no longer at risk, but the churn signal stands; not a recovery)", accountLabel(a.Account))
	case a.Status == feedbackbot.AlertResolved:
		title = fmt.Sprintf("Recovered: %s (health %d/100)", accountLabel(a.Account), a.Score)
	}
	doc := feedbackbot.Document{Color: "danger", Fallback: title}
	doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockHeader, Text: title})
	var fields []feedbackbot.Field
	if a.Account.Value > 0 {
		fields = append(fields, feedbackbot.Field{Label: "Revenue at risk", Value: money(a.Account.Value) + "/yr"})
	}
	if a.Account.Tier != "" {
		fields = append(fields, feedbackbot.Field{Label: "Tier", Value: a.Account.Tier})
	}
	if a.Account.Owner != "" {
		fields = append(fields, feedbackbot.Field{Label: "Owner", Value: a.Account.Owner})
	}
	if e := EngagementLabel(a.Engagement); e != "" && a.Status != feedbackbot.AlertResolved {
		fields = append(fields, feedbackbot.Field{Label: "Engagement", Value: e}) // (how much the account has to lose)
	}
	if len(fields) > 0 {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockFields, Fields: fields})
	}
	// A closed alert lists the reasons of when it was at risk, for what it was
	// about, not as "Why" beside the score it closed at ("Recovered: acme (health
	// 90/100)" over "-60 points" that were the old score's), and without their
	// points and quotes (a recovery notice posted the angry quote in the channel
	// once more: a review's find).
	resolved := a.Status == feedbackbot.AlertResolved
	head := "*Why*"
	switch {
	case resolved && a.Cause == health.ReasonReplyDue:
		head = "*Was raised for*" // (a heads-up: the account was not at risk)
	case resolved:
		head = "*Was at risk for*"
	}
	var b strings.Builder
	b.WriteString(head + "\n")
	for _, r := range a.Reasons {
		if r.Impact >= 0 {
			continue
		}
		if resolved {
			b.WriteString("• " + r.Text + "\n")
			continue
		}
		fmt.Fprintf(&b, "• %s (%.0f points)\n", r.Text, r.Impact)
		for _, e := range r.Evidence {
			// the quote escaped again as it is rendered: an alert stored before
			// quotes were made safe across line breaks may hold a split mention
			if l := evidenceLine(e); l != "" {
				b.WriteString(l + "\n")
			}
		}
	}
	doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: strings.TrimSpace(b.String())})
	if a.Status == feedbackbot.AlertResolved && a.ClosedReason == ClosedSilent && a.Cause != health.ReasonReplyDue {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: "*Why closed:* no customer message or survey answer in the recent window its health judges: the health rose only as older evidence aged out of the weeks it is read over (or the account's messages moved to another account or were erased). Silence after an alert is often how an account leaves: check in with them."})
	}
	if a.Status == feedbackbot.AlertResolved && a.ClosedReason == ClosedChurnStands {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: "*Why closed:* the account's health is back above the at-risk line, but nothing its customers said since the alert took back what they said about leaving. Ask them where the decision stands."})
	}
	if a.Status != feedbackbot.AlertResolved {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: "*Suggested next step:* " + a.NextStep})
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockActions, Buttons: []feedbackbot.Button{
			{Label: "Acknowledge", Action: "alert.ack", Value: inWorkspace("alert.ack", a.Fingerprint, a.Workspace), Style: "primary"},
			{Label: "Snooze 7 days", Action: "alert.snooze", Value: inWorkspace("alert.snooze", a.Fingerprint, a.Workspace)},
			{Label: "Open account", Action: "account.open", Value: inWorkspace("account.open", a.Account.ID, a.Workspace)},
		}})
	}
	doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockContext, Text: fmt.Sprintf("Alert %s · raised %s", a.Fingerprint, a.RaisedAt.Format("2006-01-02 15:04 MST"))})
	if note := answeredNote(a); note != "" {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockContext, Text: note})
	}
	return doc
}

// answeredNote says who acknowledged or snoozed an open alert, and when ("" when
// nobody has, or it was opened again since): a message edited after the press (a
// new score, a quote erased) kept its buttons and lost the note, and read as an
// alert nobody had answered.
func answeredNote(a feedbackbot.Alert) string {
	if a.Status == feedbackbot.AlertResolved || a.AckedBy == "" {
		return ""
	}
	who := feedbackbot.EscapeMarkup(a.AckedBy)
	switch {
	case a.Status == feedbackbot.AlertSnoozed:
		return fmt.Sprintf("Snoozed by %s until %s.", who, stampUTC(a.SnoozedUntil))
	case a.Status == feedbackbot.AlertAcknowledged && !a.AnsweredAt.IsZero():
		return fmt.Sprintf("Acknowledged by %s at %s.", who, stampUTC(a.AnsweredAt))
	case a.Status == feedbackbot.AlertAcknowledged:
		return fmt.Sprintf("Acknowledged by %s.", who)
	}
	return ""
}
