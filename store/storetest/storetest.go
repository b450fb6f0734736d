// Package storetest is the conformance suite every store backend must pass. A backend's
// test calls Run with a function that opens a fresh, empty store; the suite then checks
// the whole contract of package store against it, so both backends behave the same.
//
// Readings of the contract the suite enforces where store.go leaves room:
//   - Read with wait 0 does not block: it returns what is available now.
//   - Entries reclaimed after the claim timeout come back in log order, with
//     Deliveries incremented; an entry is not handed to another consumer before that.
//   - Append rejects an event it cannot key (no platform, workspace or id, or one
//     longer than feedbackbot.MaxIDBytes), an unknown kind, or a put that fails
//     Normalize, with EINVALID. A delete needs only the message's identity.
//   - Apply of a put whose key has a later revision (or a delete) in the log is a no-op,
//     even when the later entry has not been applied yet. Apply of a delete that finds
//     nothing applied changes nothing (counts 0). Applying a put with the same
//     tags.Analyzer again is a no-op even if the tags differ. An analyzer's name may
//     hold any text, line breaks included.
//   - Message with a key ParseKey rejects returns EINVALID. Messages needs a Workspace and
//     at most one of Account and Channel, else EINVALID.
//   - Rollups never hold zero-valued counters, and a bucket whose counters all went back
//     to zero is not returned. Times in the result are UTC. With counters named, each
//     bucket is the whole read's bucket cut down to them (a name given twice is one
//     counter; an unknown name is absent, not an error), and every test that reads
//     rollups also checks that.
//   - Notable under NotableNegative holds only customer messages with a sentiment score
//     below 0, under NotablePositive only those above 0; staff and bot messages never.
//     Limit <= 0 means a default of at least 10. An unknown kind is EINVALID.
//   - Entries from Replay carry ID, Workspace and Event; their Deliveries is unspecified.
//   - Accounts lists accounts of applied messages of any role; Workspaces lists those
//     with appended events only (documents do not create workspaces).
//   - ListDocs of a kind with no documents returns an empty map and no error.
//   - Once is true again after ttl has passed.
//
// Subtests run in parallel, so open must be safe for concurrent use and every store it
// returns must be independent (its own directory, its own key prefix).
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// ClaimIdle is the claim timeout backends must be opened with for the suite: entries
// left unacknowledged for longer are redelivered to another consumer.
const ClaimIdle = 300 * time.Millisecond

// Base is the time the suite's messages are built around: a Monday, 09:00 UTC.
var Base = time.Date(2025, time.March, 10, 9, 0, 0, 0, time.UTC)

// Msg builds a normalised test message on Slack with the given identity and content.
// Role "" means customer.
func Msg(ws, id, text string, role feedbackbot.Role, account, channel string, at time.Time) feedbackbot.Message {
	m := feedbackbot.Message{
		ID:          id,
		Platform:    feedbackbot.PlatformSlack,
		Workspace:   ws,
		Channel:     channel,
		ChannelName: "name-" + channel,
		Author:      "U-" + id,
		AuthorName:  "Author " + id,
		Role:        role,
		Account:     account,
		Text:        text,
		Time:        at,
		Permalink:   "https://example.slack.com/archives/" + channel + "/p" + id,
	}
	if account != "" {
		m.AccountName = "Account " + account
	}
	// Normalize fails only for an empty ws, id or channel or a zero time; tests that
	// build such messages on purpose check Append's error instead.
	_ = m.Normalize()
	return m
}

// Put wraps a message in a put event.
func Put(m feedbackbot.Message) feedbackbot.Event {
	return feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m}
}

// Delete returns a delete event carrying only the message's identity.
func Delete(m feedbackbot.Message) feedbackbot.Event {
	return feedbackbot.Event{Kind: feedbackbot.EventDelete, Message: feedbackbot.Message{
		ID: m.ID, Platform: m.Platform, Workspace: m.Workspace,
	}}
}

// Tags builds tags with a score (label derived from it), an analyzer and themes.
func Tags(score float64, analyzer string, themes ...string) feedbackbot.Tags {
	t := feedbackbot.Tags{
		Sentiment: feedbackbot.Sentiment{Label: feedbackbot.LabelFor(score), Score: score},
		Themes:    themes,
		Intent:    feedbackbot.IntentOther,
		Analyzer:  analyzer,
	}
	if score < -0.5 {
		t.Intent = feedbackbot.IntentComplaint
		t.NeedsReply = true
		t.Sentiment.Emotion = feedbackbot.EmotionFrustration
	}
	return t
}

// Run runs the conformance suite; open returns a fresh, empty store opened with a claim
// timeout of ClaimIdle and closes it in t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Log", logTests},
		{"Newest", newestTests},
		{"Apply", applyTests},
		{"Query", queryTests},
		{"Docs", docTests},
		{"Leases", leaseTests},
		{"Concurrency", concurrencyTests},
		{"Privacy", privacyTests},
		{"Retention", retentionTests},
		{"Batch", batchTests},
		{"AccountDays", acctDayTests},
		{"Helpers", helperTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { runTests(t, g.tests, open) })
	}
}

// RunBatch runs the conformance suite's batch tests only (several events and items
// of one message in a call, edits that move messages, several workspaces, calls longer
// than a backend's chunk): for a backend to run again with smaller chunks.
func RunBatch(t *testing.T, open func(t *testing.T) store.Store) {
	runTests(t, batchTests, open)
}

// runTests runs each test in parallel on a fresh store.
func runTests(t *testing.T, tests []test, open func(t *testing.T) store.Store) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, &fixture{t: t, s: open(t), ctx: t.Context()})
		})
	}
}

type test struct {
	name string
	fn   func(t *testing.T, f *fixture)
}

// fixture wraps a store with helpers that fail the test on unexpected errors.
type fixture struct {
	t   *testing.T
	s   store.Store
	ctx context.Context
}

func (f *fixture) append(events ...feedbackbot.Event) int {
	f.t.Helper()
	n, err := f.s.Append(f.ctx, events...)
	if err != nil {
		f.t.Fatalf("Append: %v", err)
	}
	return n
}

func (f *fixture) read(consumer string, max int) []store.Entry {
	f.t.Helper()
	es, err := f.s.Read(f.ctx, consumer, max, 0)
	if err != nil {
		f.t.Fatalf("Read(%s): %v", consumer, err)
	}
	return es
}

// readAll reads with wait 0 until nothing is left for consumer.
func (f *fixture) readAll(consumer string) []store.Entry {
	f.t.Helper()
	var all []store.Entry
	for {
		es := f.read(consumer, 500)
		if len(es) == 0 {
			return all
		}
		all = append(all, es...)
	}
}

func (f *fixture) ack(es ...store.Entry) {
	f.t.Helper()
	if err := f.s.Ack(f.ctx, es...); err != nil {
		f.t.Fatalf("Ack: %v", err)
	}
}

func (f *fixture) apply(items ...store.Applied) int {
	f.t.Helper()
	n, err := f.s.Apply(f.ctx, items...)
	if err != nil {
		f.t.Fatalf("Apply: %v", err)
	}
	return n
}

func (f *fixture) backlog() int64 {
	f.t.Helper()
	n, err := f.s.Backlog(f.ctx)
	if err != nil {
		f.t.Fatalf("Backlog: %v", err)
	}
	return n
}

// tagger gives the tags analysis would produce for a message.
type tagger func(m *feedbackbot.Message) feedbackbot.Tags

// items pairs entries with their tags (zero tags for deletes).
func items(es []store.Entry, tag tagger) []store.Applied {
	out := make([]store.Applied, len(es))
	for i, e := range es {
		out[i].Entry = e
		if e.Event.Kind == feedbackbot.EventPut {
			out[i].Tags = tag(&e.Event.Message)
		}
	}
	return out
}

// consume reads everything, applies it with tag and acknowledges it, like a worker.
// It returns how many items Apply reported as changed.
func (f *fixture) consume(tag tagger) int {
	f.t.Helper()
	es := f.readAll("worker")
	n := f.apply(items(es, tag)...)
	f.ack(es...)
	return n
}

// put appends messages as puts and consumes the log with tag.
func (f *fixture) put(tag tagger, ms ...feedbackbot.Message) {
	f.t.Helper()
	events := make([]feedbackbot.Event, len(ms))
	for i, m := range ms {
		events[i] = Put(m)
	}
	f.append(events...)
	f.consume(tag)
}

// rollups reads the hourly rollups of ws in [from, to), after checking that the
// account-day counters of the whole days around them equal those rollups' account
// counters summed by day (so every test that checks rollups checks them too).
func (f *fixture) rollups(ws string, from, to time.Time) []feedbackbot.Rollup {
	f.t.Helper()
	f.checkAccountDays(ws, store.DayStart(from), store.DayStart(to).Add(24*time.Hour))
	rs, err := f.s.Rollups(f.ctx, ws, from, to)
	if err != nil {
		f.t.Fatalf("Rollups(%s): %v", ws, err)
	}
	f.checkNamedCounters(ws, from, to, rs)
	return rs
}

// checkNamedCounters reads [from, to) again with counters named and compares it with
// the whole read picked by hand: for each dimension, one of its counters of one key
// seen in the data, two undimensioned counters, one named twice, and names no bucket
// holds.
func (f *fixture) checkNamedCounters(ws string, from, to time.Time, whole []feedbackbot.Rollup) {
	f.t.Helper()
	names := []string{feedbackbot.CntCustomer, feedbackbot.CntScoreMilli, feedbackbot.CntCustomer, "no-such-counter",
		feedbackbot.CounterName(feedbackbot.DimTheme, "no-such-theme", feedbackbot.CntCustomer)}
	dims := map[string]bool{}
	for _, r := range whole {
		for _, name := range slices.Sorted(maps.Keys(r.Counts)) {
			if dim, _, _, ok := feedbackbot.SplitCounter(name); ok && !dims[dim] {
				dims[dim] = true
				names = append(names, name)
			}
		}
	}
	var want []feedbackbot.Rollup
	for _, r := range whole {
		picked := map[string]int64{}
		for _, name := range names {
			if v := r.Counts[name]; v != 0 {
				picked[name] = v
			}
		}
		if len(picked) > 0 {
			want = append(want, feedbackbot.Rollup{Workspace: r.Workspace, Start: r.Start, Counts: picked})
		}
	}
	got, err := f.s.Rollups(f.ctx, ws, from, to, names...)
	if err != nil {
		f.t.Fatalf("Rollups(%s, %q): %v", ws, names, err)
	}
	checkRollupsAt(f.t, fmt.Sprintf("Rollups(%s) naming %q", ws, names), got, want)
}

// checkAccountDays compares AccountDays of every account of ws (those of Accounts and
// those in the rollups) over whole UTC days [from, to) with the hourly rollups' account
// counters summed by day.
func (f *fixture) checkAccountDays(ws string, from, to time.Time) {
	f.t.Helper()
	hours, err := f.s.Rollups(f.ctx, ws, from, to)
	if err != nil {
		f.t.Fatalf("Rollups(%s): %v", ws, err)
	}
	want := map[string]map[time.Time]map[string]int64{}
	for _, r := range hours {
		d := store.DayStart(r.Start)
		for name, v := range r.Counts {
			dim, acct, cnt, ok := feedbackbot.SplitCounter(name)
			if !ok || dim != feedbackbot.DimAccount {
				continue
			}
			if want[acct] == nil {
				want[acct] = map[time.Time]map[string]int64{}
			}
			if want[acct][d] == nil {
				want[acct][d] = map[string]int64{}
			}
			want[acct][d][cnt] += v
		}
	}
	accts, err := f.s.Accounts(f.ctx, ws)
	if err != nil {
		f.t.Fatalf("Accounts(%s): %v", ws, err)
	}
	for a := range want {
		if !slices.Contains(accts, a) {
			accts = append(accts, a)
		}
	}
	for _, a := range accts {
		var exp []feedbackbot.Rollup
		for _, d := range slices.SortedFunc(maps.Keys(want[a]), func(x, y time.Time) int { return x.Compare(y) }) {
			c := want[a][d]
			maps.DeleteFunc(c, func(_ string, v int64) bool { return v == 0 })
			if len(c) > 0 {
				exp = append(exp, feedbackbot.Rollup{Workspace: ws, Start: d, Counts: c})
			}
		}
		got, err := f.s.AccountDays(f.ctx, ws, a, from, to)
		if err != nil {
			f.t.Fatalf("AccountDays(%s, %s): %v", ws, a, err)
		}
		if len(got) != len(exp) {
			f.t.Fatalf("AccountDays(%s, %s): got %d days, want %d (the hourly rollups' account counters by day):\ngot  %s\nwant %s",
				ws, a, len(got), len(exp), dump(got), dump(exp))
		}
		for i := range got {
			g, w := got[i], exp[i]
			if g.Workspace != w.Workspace || !g.Start.Equal(w.Start) || g.Start.Location() != time.UTC || !maps.Equal(g.Counts, w.Counts) {
				f.t.Errorf("AccountDays(%s, %s) day %d:\ngot  %s %s %s\nwant %s %s %s", ws, a, i,
					g.Workspace, g.Start, dump(sortedCounts(g.Counts)), w.Workspace, w.Start, dump(sortedCounts(w.Counts)))
			}
		}
		// With counters named: the same days' non-zero ones of those, days with none
		// left out (a name no day has picks nothing).
		named := []string{feedbackbot.CntCustomer, feedbackbot.CntScoreMilli, "no-such-counter"}
		var expNamed []feedbackbot.Rollup
		for _, w := range exp {
			c := maps.Clone(w.Counts)
			maps.DeleteFunc(c, func(k string, _ int64) bool { return !slices.Contains(named, k) })
			if len(c) > 0 {
				expNamed = append(expNamed, feedbackbot.Rollup{Workspace: ws, Start: w.Start, Counts: c})
			}
		}
		gotNamed, err := f.s.AccountDays(f.ctx, ws, a, from, to, named...)
		if err != nil {
			f.t.Fatalf("AccountDays(%s, %s, %v): %v", ws, a, named, err)
		}
		if len(gotNamed) != len(expNamed) {
			f.t.Fatalf("AccountDays(%s, %s, %v): got %d days, want %d:\ngot  %s\nwant %s", ws, a, named, len(gotNamed), len(expNamed), dump(gotNamed), dump(expNamed))
		}
		for i := range gotNamed {
			if g, w := gotNamed[i], expNamed[i]; !g.Start.Equal(w.Start) || g.Workspace != w.Workspace || !maps.Equal(g.Counts, w.Counts) {
				f.t.Errorf("AccountDays(%s, %s, %v) day %d:\ngot  %s %s\nwant %s %s", ws, a, named, i, g.Start, dump(sortedCounts(g.Counts)), w.Start, dump(sortedCounts(w.Counts)))
			}
		}
	}
	f.checkAccountsDays(ws, accts, from, to)
}

// accountsDayser is the batch read of account days a backend may offer (account
// health reads every account's days with it where it has it).
type accountsDayser interface {
	AccountsDays(ctx context.Context, workspace string, accounts []string, from, to time.Time, counters ...string) (map[string][]feedbackbot.Rollup, error)
}

// checkAccountsDays checks, where the backend has AccountsDays, that it reads
// every account's days as AccountDays reads each (all counters, and named ones),
// with an entry for every account asked about, one that has no message too.
func (f *fixture) checkAccountsDays(ws string, accts []string, from, to time.Time) {
	f.t.Helper()
	b, ok := f.s.(accountsDayser)
	if !ok {
		return
	}
	accts = append(slices.Clone(accts), "no-such-account")
	unique := len(accts)
	accts = append(accts, accts[0]) // asked twice: its days once
	for _, named := range [][]string{nil, {feedbackbot.CntScoreMilli, feedbackbot.CntCustomer}} {
		got, err := b.AccountsDays(f.ctx, ws, accts, from, to, named...)
		if err != nil {
			f.t.Fatalf("AccountsDays(%s, %v, %v): %v", ws, accts, named, err)
		}
		if len(got) != unique {
			f.t.Errorf("AccountsDays(%s, %v, %v): %d accounts, want %d", ws, accts, named, len(got), unique)
		}
		for _, a := range accts {
			one, err := f.s.AccountDays(f.ctx, ws, a, from, to, named...)
			if err != nil {
				f.t.Fatalf("AccountDays(%s, %s, %v): %v", ws, a, named, err)
			}
			g, ok := got[a]
			if !ok || g == nil || dump(g) != dump(one) {
				f.t.Errorf("AccountsDays(%s, %v, %v)[%s] (present: %v):\ngot  %s\nwant %s (AccountDays of the one account)", ws, accts, named, a, ok, dump(g), dump(one))
			}
		}
	}
}

func (f *fixture) messages(q store.Query) []store.Stored {
	f.t.Helper()
	ms, err := f.s.Messages(f.ctx, q)
	if err != nil {
		f.t.Fatalf("Messages(%+v): %v", q, err)
	}
	return ms
}

// applied is what the test believes derived state holds: key -> message and tags.
type applied map[string]store.Stored

func (a applied) set(m feedbackbot.Message, t feedbackbot.Tags) {
	a[m.Key()] = store.Stored{Message: m, Tags: t}
}

// expectRollups sums Contributions of the applied messages of ws by bucket, dropping
// zero counters and empty buckets, in time order.
func (a applied) expectRollups(ws string) []feedbackbot.Rollup {
	byStart := map[time.Time]map[string]int64{}
	for _, st := range a {
		if st.Message.Workspace != ws {
			continue
		}
		b := feedbackbot.BucketStart(st.Message.Time)
		if byStart[b] == nil {
			byStart[b] = map[string]int64{}
		}
		for k, v := range feedbackbot.Contributions(&st.Message, &st.Tags) {
			byStart[b][k] += v
		}
	}
	var out []feedbackbot.Rollup
	for _, b := range slices.SortedFunc(maps.Keys(byStart), func(x, y time.Time) int { return x.Compare(y) }) {
		c := byStart[b]
		maps.DeleteFunc(c, func(_ string, v int64) bool { return v == 0 })
		if len(c) > 0 {
			out = append(out, feedbackbot.Rollup{Workspace: ws, Start: b, Counts: c})
		}
	}
	return out
}

// checkRollups compares got with want exactly (bucket starts, workspace, counters).
func checkRollups(t *testing.T, got, want []feedbackbot.Rollup) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rollup buckets, want %d:\ngot  %s\nwant %s", len(got), len(want), dump(got), dump(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Workspace != w.Workspace || !g.Start.Equal(w.Start) || g.Start.Location() != time.UTC {
			t.Errorf("bucket %d: got %s %s (%s), want %s %s", i, g.Workspace, g.Start, g.Start.Location(), w.Workspace, w.Start)
		}
		if !maps.Equal(g.Counts, w.Counts) {
			t.Errorf("bucket %d (%s) counts differ:\ngot  %s\nwant %s", i, w.Start.Format(time.RFC3339), dump(sortedCounts(g.Counts)), dump(sortedCounts(w.Counts)))
		}
	}
}

func sortedCounts(c map[string]int64) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(c)) {
		out = append(out, fmt.Sprintf("%s=%d", k, c[k]))
	}
	return out
}

func dump(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

// sameMessage compares messages through their JSON form, which is what both backends
// keep: nil and empty maps, and equal instants, compare equal.
func sameMessage(a, b feedbackbot.Message) bool {
	return dump(a) == dump(b)
}

func sameTags(a, b feedbackbot.Tags) bool {
	return a.Sentiment == b.Sentiment && a.Intent == b.Intent && a.NeedsReply == b.NeedsReply &&
		a.Analyzer == b.Analyzer && slices.Equal(a.Themes, b.Themes)
}

func checkStored(t *testing.T, what string, got store.Stored, want store.Stored) {
	t.Helper()
	if !sameMessage(got.Message, want.Message) {
		t.Errorf("%s: message differs:\ngot  %s\nwant %s", what, dump(got.Message), dump(want.Message))
	}
	if !sameTags(got.Tags, want.Tags) {
		t.Errorf("%s: tags differ:\ngot  %s\nwant %s", what, dump(got.Tags), dump(want.Tags))
	}
}

func keys(ss []store.Stored) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Message.Key()
	}
	return out
}

func checkCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := feedbackbot.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

// newestFirst sorts stored messages by time, newest first (ties by key, unused here).
func newestFirst(ss []store.Stored) {
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].Message.Time.After(ss[j].Message.Time) })
}
