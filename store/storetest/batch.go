package storetest

import (
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// batchTests hunt for bugs in batched Append and Apply: one call carrying the same
// message several times, puts with their deletes, re-analysis beside analysis, edits
// that move a message to keys the batch does not otherwise touch, several workspaces,
// and batches longer than a backend's chunk (Redis runs 500 events per append script;
// its apply scripts carry 2,000 items, and its tests run these again with 50). Each
// test keeps a reference model of the contract, applied one event and one item at a
// time, and after every step compares the whole derived state with it.
var batchTests = []test{
	{"AppendSameMessage", testBatchAppendSameMessage},
	{"AppendPutDelete", testBatchAppendPutDelete},
	{"AppendForgottenAuthor", testBatchAppendForgotten},
	{"AppendThenForget", testBatchAppendThenForget},
	{"AppendChunks", testBatchAppendChunks},
	{"ApplySameEntryTwice", testBatchApplySameEntryTwice},
	{"ApplyRevisions", testBatchApplyRevisions},
	{"ApplyPutAndDelete", testBatchApplyPutAndDelete},
	{"ApplyTwoAnalyzers", testBatchApplyTwoAnalyzers},
	{"ApplyMovedEdits", testBatchApplyMovedEdits},
	{"ApplyDeleteWithMovedEdits", testBatchApplyDeleteWithMovedEdits},
	{"ApplyTwoWorkspaces", testBatchApplyTwoWorkspaces},
	{"ApplyChunks", testBatchApplyChunks},
	{"ApplyChunksTwoWorkspaces", testBatchApplyChunksTwoWorkspaces},
	{"BigRollupHour", testBatchBigRollupHour},
	{"BigRollupHourSteps", testBatchBigRollupHourSteps},
	{"ApplyRetryOrder", testBatchApplyRetryOrder},
	{"NotableAfterDeletes", testBatchNotableAfterDeletes},
}

// wideFrom and wideTo cover every time the batch tests use.
var wideFrom, wideTo = Base.Add(-30 * 24 * time.Hour), Base.Add(30 * 24 * time.Hour)

// notableKept is how many messages per UTC day and kind the contract makes Notable keep.
const notableKept = 50

// model is the contract of Log and Derived applied one event and one item at a time:
// what a batch must come to, whatever the backend does inside it.
type model struct {
	latest    map[string]string // message key -> revision, "-" deleted, "!" erased
	recs      applied           // applied messages
	stamps    map[string]string // message key -> revision@analyzer applied
	wss       map[string]bool
	accounts  map[string]map[string]bool // workspace -> accounts of puts ever applied
	seenAcct  map[string]map[string]bool // workspace -> accounts of puts ever appended
	seenChan  map[string]map[string]bool
	seenAuth  map[string]map[string]bool
	authorsOf map[string]map[string]bool // message key -> authors of its appended puts
	forgotten map[string]bool            // workspace + "\x00" + author
	backlog   int64
}

func newModel() *model {
	return &model{
		latest: map[string]string{}, recs: applied{}, stamps: map[string]string{}, wss: map[string]bool{},
		accounts: map[string]map[string]bool{}, seenAcct: map[string]map[string]bool{},
		seenChan: map[string]map[string]bool{}, seenAuth: map[string]map[string]bool{},
		authorsOf: map[string]map[string]bool{}, forgotten: map[string]bool{},
	}
}

func addTo(m map[string]map[string]bool, k, v string) {
	if v == "" {
		return
	}
	if m[k] == nil {
		m[k] = map[string]bool{}
	}
	m[k][v] = true
}

// append returns the events the contract appends, in order.
func (md *model) append(events ...feedbackbot.Event) []feedbackbot.Event {
	var out []feedbackbot.Event
	for _, ev := range events {
		m := ev.Message
		key := m.Key()
		cur := md.latest[key]
		if cur == "!" {
			continue
		}
		if ev.Kind == feedbackbot.EventPut {
			if err := m.Normalize(); err != nil {
				panic(err)
			}
			rev := m.Revision()
			if md.forgotten[m.Workspace+"\x00"+m.Author] || cur == "-" || cur == rev {
				continue
			}
			md.latest[key] = rev
			md.wss[m.Workspace] = true
			addTo(md.seenAcct, m.Workspace, m.Account)
			addTo(md.seenChan, m.Workspace, m.Channel)
			addTo(md.seenAuth, m.Workspace, m.Author)
			addTo(md.authorsOf, key, m.Author)
		} else {
			if cur == "-" {
				continue
			}
			md.latest[key] = "-"
			if cur == "" {
				continue // never held: remembered as deleted, nothing appended
			}
		}
		out = append(out, ev)
	}
	md.backlog += int64(len(out))
	return out
}

// apply returns how many items the contract says change anything.
func (md *model) apply(items ...store.Applied) int {
	n := 0
	for _, it := range items {
		m := it.Entry.Event.Message
		key := m.Key()
		if it.Entry.Event.Kind == feedbackbot.EventDelete {
			if _, ok := md.recs[key]; !ok || md.latest[key] != "-" {
				continue
			}
			delete(md.recs, key)
			delete(md.stamps, key)
			n++
			continue
		}
		rev := m.Revision()
		stamp := rev + "@" + it.Tags.Analyzer
		if md.latest[key] != rev || md.stamps[key] == stamp {
			continue
		}
		md.recs.set(m, it.Tags)
		md.stamps[key] = stamp
		addTo(md.accounts, m.Workspace, m.Account)
		n++
	}
	return n
}

// forget erases every message author wrote a version of in ws; everything must have
// been acknowledged before (the model does not follow pending entries).
func (md *model) forget(ws, author string) int {
	md.forgotten[ws+"\x00"+author] = true
	n := 0
	for key, authors := range md.authorsOf {
		if _, w, _, _ := feedbackbot.ParseKey(key); w != ws || !authors[author] || md.latest[key] == "!" {
			continue
		}
		md.latest[key] = "!"
		delete(md.recs, key)
		delete(md.stamps, key)
		n++
	}
	return n
}

// appendM appends events, checks Append's count and the Backlog against the model,
// and reads every new entry back, checking it against the events appended.
func (f *fixture) appendM(md *model, what string, events ...feedbackbot.Event) []store.Entry {
	f.t.Helper()
	t := f.t
	kept := md.append(events...)
	if n := f.append(events...); n != len(kept) {
		t.Errorf("%s: Append = %d, want %d", what, n, len(kept))
	}
	if n := f.backlog(); n != md.backlog {
		t.Errorf("%s: Backlog after Append = %d, want %d", what, n, md.backlog)
	}
	es := f.readNew()
	if len(es) != len(kept) {
		t.Fatalf("%s: read %d new entries, want %d", what, len(es), len(kept))
	}
	// Read interleaves workspaces; within one, entries come in log order.
	byWS := map[string][]feedbackbot.Event{}
	for _, ev := range kept {
		byWS[ev.Message.Workspace] = append(byWS[ev.Message.Workspace], ev)
	}
	pos := map[string]int{}
	for i, e := range es {
		want := byWS[e.Workspace]
		if pos[e.Workspace] >= len(want) {
			t.Fatalf("%s: entry %d of workspace %q was not appended", what, i, e.Workspace)
		}
		entryMatches(t, fmt.Sprintf("%s: entry %d", what, i), e, want[pos[e.Workspace]], 1)
		pos[e.Workspace]++
	}
	if n := f.backlog(); n != md.backlog {
		t.Errorf("%s: Backlog after Read = %d, want %d", what, n, md.backlog)
	}
	return es
}

// readNew reads every entry not delivered before. Entries a test still holds come
// back once they have been pending for ClaimIdle (300 ms), which a slow run (-race,
// a cluster) reaches between steps; they are not new, and the tests do not want them.
func (f *fixture) readNew() []store.Entry {
	f.t.Helper()
	var out []store.Entry
	for _, e := range f.readAll("batch") {
		if e.Deliveries == 1 {
			out = append(out, e)
		}
	}
	return out
}

// ackM acknowledges entries read by appendM.
func (f *fixture) ackM(md *model, what string, es []store.Entry) {
	f.t.Helper()
	f.ack(es...)
	md.backlog -= int64(len(es))
	if n := f.backlog(); n != md.backlog {
		f.t.Errorf("%s: Backlog after Ack = %d, want %d", what, n, md.backlog)
	}
}

// applyM applies one batch, checks Apply's count and the whole state against the
// model, then applies the same batch again and checks both again.
func (f *fixture) applyM(md *model, what string, its []store.Applied) {
	f.t.Helper()
	want := md.apply(its...)
	if n := f.apply(its...); n != want {
		f.t.Errorf("%s: Apply of %d items = %d, want %d", what, len(its), n, want)
	}
	f.checkModel(md, what)
	want = md.apply(its...)
	if n := f.apply(its...); n != want {
		f.t.Errorf("%s: Apply of the same batch again = %d, want %d", what, n, want)
	}
	f.checkModel(md, what+" (applied again)")
}

// checkModel compares everything readable about derived state with the model: the
// rollups of every workspace (each counter the sum of the applied messages'
// Contributions, no internal field), Message, Messages (workspace, each account and
// channel), Notable, Accounts and AuthorMessages.
func (f *fixture) checkModel(md *model, what string) {
	f.t.Helper()
	t := f.t
	for _, ws := range slices.Sorted(maps.Keys(md.wss)) {
		got := f.rollups(ws, wideFrom, wideTo)
		for _, r := range got {
			for name := range r.Counts {
				if strings.HasPrefix(name, "#") {
					t.Errorf("%s: Rollups(%s) %s shows the internal field %q", what, ws, r.Start.Format(time.RFC3339), name)
				}
			}
		}
		checkRollupsAt(t, what+": Rollups("+ws+")", got, md.recs.expectRollups(ws))

		var cur []store.Stored
		for _, k := range slices.Sorted(maps.Keys(md.recs)) {
			if md.recs[k].Message.Workspace == ws {
				cur = append(cur, md.recs[k])
			}
		}
		f.checkList(what, store.Query{Workspace: ws, Limit: store.MaxQueryLimit}, cur, func(feedbackbot.Message) bool { return true })
		for _, a := range slices.Sorted(maps.Keys(md.seenAcct[ws])) {
			f.checkList(what, store.Query{Workspace: ws, Account: a, Limit: store.MaxQueryLimit}, cur,
				func(m feedbackbot.Message) bool { return m.Account == a })
		}
		for _, c := range slices.Sorted(maps.Keys(md.seenChan[ws])) {
			f.checkList(what, store.Query{Workspace: ws, Channel: c, Limit: store.MaxQueryLimit}, cur,
				func(m feedbackbot.Message) bool { return m.Channel == c })
		}
		for _, kind := range []string{store.NotableNegative, store.NotablePositive} {
			f.checkNotable(what, ws, kind, cur)
		}
		for _, a := range slices.Sorted(maps.Keys(md.seenAuth[ws])) {
			var want []string
			for _, st := range cur {
				if st.Message.Author == a {
					want = append(want, st.Message.Key())
				}
			}
			ex := f.export(ws, a)
			if !sameSet(keys(ex), want) {
				t.Errorf("%s: AuthorMessages(%s, %s) = %v, want %v", what, ws, a, keys(ex), want)
			}
			for i := range ex {
				checkStored(t, fmt.Sprintf("%s: AuthorMessages(%s, %s)", what, ws, a), ex[i], md.recs[ex[i].Message.Key()])
				if i > 0 && ex[i].Message.Time.Before(ex[i-1].Message.Time) {
					t.Errorf("%s: AuthorMessages(%s, %s) not oldest first at %d", what, ws, a, i)
				}
			}
		}

		// Accounts: every account of an applied message, and none that was never
		// applied (a skipped put must not add its account).
		accts, err := f.s.Accounts(f.ctx, ws)
		if err != nil {
			t.Fatalf("%s: Accounts(%s): %v", what, ws, err)
		}
		for _, st := range cur {
			if a := st.Message.Account; a != "" && !slices.Contains(accts, a) {
				t.Errorf("%s: Accounts(%s) = %v misses %q of applied message %s", what, ws, accts, a, st.Message.Key())
			}
		}
		for _, a := range accts {
			if !md.accounts[ws][a] {
				t.Errorf("%s: Accounts(%s) lists %q, which no applied message had", what, ws, a)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(md.latest)) {
		got, err := f.s.Message(f.ctx, k)
		want, ok := md.recs[k]
		switch {
		case !ok && !feedbackbot.IsNotFound(err):
			t.Errorf("%s: Message(%s) = %v, %v; want ENOTFOUND", what, k, dump(got.Tags), err)
		case ok && err != nil:
			t.Errorf("%s: Message(%s): %v", what, k, err)
		case ok:
			checkStored(t, what+": Message("+k+")", got, want)
		}
	}
}

// checkRollupsAt is checkRollups saying which step failed.
func checkRollupsAt(t *testing.T, what string, got, want []feedbackbot.Rollup) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d rollup buckets, want %d:\ngot  %s\nwant %s", what, len(got), len(want), dump(got), dump(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Workspace != w.Workspace || !g.Start.Equal(w.Start) || g.Start.Location() != time.UTC {
			t.Errorf("%s: bucket %d: got %s %s (%s), want %s %s", what, i, g.Workspace, g.Start, g.Start.Location(), w.Workspace, w.Start)
		}
		if !maps.Equal(g.Counts, w.Counts) {
			t.Errorf("%s: bucket %d (%s) counts differ:\ngot  %s\nwant %s", what, i, w.Start.Format(time.RFC3339), dump(sortedCounts(g.Counts)), dump(sortedCounts(w.Counts)))
		}
	}
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

// checkList checks one Messages query: the applied messages keep selects, newest first.
func (f *fixture) checkList(what string, q store.Query, cur []store.Stored, keep func(feedbackbot.Message) bool) {
	f.t.Helper()
	var want []string
	byKey := map[string]store.Stored{}
	for _, st := range cur {
		if keep(st.Message) {
			want = append(want, st.Message.Key())
			byKey[st.Message.Key()] = st
		}
	}
	got := f.messages(q)
	if !sameSet(keys(got), want) {
		f.t.Errorf("%s: Messages(%+v) = %v, want %v", what, q, keys(got), want)
		return
	}
	for i := range got {
		checkStored(f.t, fmt.Sprintf("%s: Messages(%+v)", what, q), got[i], byKey[got[i].Message.Key()])
		if i > 0 && got[i].Message.Time.After(got[i-1].Message.Time) {
			f.t.Errorf("%s: Messages(%+v) not newest first at %d", what, q, i)
		}
	}
}

// checkNotable checks Notable over the whole period: only applied customer messages
// of the right sign with their current tags, most extreme first (newer first on
// ties), and at least the notableKept most extreme of each UTC day.
func (f *fixture) checkNotable(what, ws, kind string, cur []store.Stored) {
	f.t.Helper()
	t := f.t
	sign := -1.0
	if kind == store.NotablePositive {
		sign = 1
	}
	want := map[string]store.Stored{}
	perDay := map[time.Time][]string{}
	for _, st := range cur {
		if st.Message.Role == feedbackbot.RoleCustomer && st.Tags.Sentiment.Score*sign > 0 {
			k := st.Message.Key()
			want[k] = st
			d := st.Message.Time.UTC().Truncate(24 * time.Hour)
			perDay[d] = append(perDay[d], k)
		}
	}
	got, err := f.s.Notable(f.ctx, ws, kind, wideFrom, wideTo, store.MaxQueryLimit)
	if err != nil {
		t.Fatalf("%s: Notable(%s, %s): %v", what, ws, kind, err)
	}
	in := map[string]bool{}
	for i, st := range got {
		k := st.Message.Key()
		in[k] = true
		w, ok := want[k]
		if !ok {
			t.Errorf("%s: Notable(%s, %s) lists %s (score %v), which is not an applied %s message", what, ws, kind, k, st.Tags.Sentiment.Score, kind)
			continue
		}
		checkStored(t, fmt.Sprintf("%s: Notable(%s, %s)", what, ws, kind), st, w)
		if i > 0 {
			p := got[i-1]
			a, b := p.Tags.Sentiment.Score*sign, st.Tags.Sentiment.Score*sign
			if a < b || (a == b && p.Message.Time.Before(st.Message.Time)) {
				t.Errorf("%s: Notable(%s, %s) out of order at %d", what, ws, kind, i)
			}
		}
	}
	for d, ks := range perDay {
		found := 0
		for _, k := range ks {
			if in[k] {
				found++
			}
		}
		if found < min(len(ks), notableKept) {
			t.Errorf("%s: Notable(%s, %s) has %d of the %d messages of %s, want at least %d", what, ws, kind, found, len(ks), d.Format(time.DateOnly), min(len(ks), notableKept))
		}
	}
}

// tagBy gives each message tags of its own (score, themes, intent) that also depend
// on the analyzer, so re-analysis changes them.
func tagBy(analyzer string) tagger {
	return func(m *feedbackbot.Message) feedbackbot.Tags {
		h := fnv.New32a()
		h.Write([]byte(analyzer + "\x00" + m.Key() + "\x00" + m.Text))
		v := h.Sum32()
		score := float64(int(v%11)-5) / 5
		return Tags(score, analyzer, []string{"export", "billing", "login", "pricing"}[:v/11%4]...)
	}
}

func item(e store.Entry, tag tagger) store.Applied {
	it := store.Applied{Entry: e}
	if e.Event.Kind == feedbackbot.EventPut {
		it.Tags = tag(&e.Event.Message)
	}
	return it
}

// edited returns a new revision of m with text.
func edited(m feedbackbot.Message, text string) feedbackbot.Message {
	m.Text = text
	m.EditedAt = m.Time.Add(time.Hour)
	return m
}

// entryOf finds the entry of message key and revision ("" for a delete) in es.
func entryOf(t *testing.T, es []store.Entry, m feedbackbot.Message, del bool) store.Entry {
	t.Helper()
	for _, e := range es {
		if e.Event.Message.Key() != m.Key() {
			continue
		}
		if del && e.Event.Kind == feedbackbot.EventDelete {
			return e
		}
		if !del && e.Event.Kind == feedbackbot.EventPut && e.Event.Message.Revision() == m.Revision() {
			return e
		}
	}
	t.Fatalf("no entry of %s (delete %v, text %q) was read", m.Key(), del, m.Text)
	return store.Entry{}
}

func puts(ms ...feedbackbot.Message) []feedbackbot.Event {
	out := make([]feedbackbot.Event, len(ms))
	for i, m := range ms {
		out[i] = Put(m)
	}
	return out
}

// seed appends ms and applies them in one batch, acknowledged.
func (f *fixture) seed(md *model, what string, tag tagger, ms ...feedbackbot.Message) {
	f.t.Helper()
	es := f.appendM(md, what, puts(ms...)...)
	f.applyM(md, what, items(es, tag))
	f.ackM(md, what, es)
}

// spread builds n messages in ws with ids prefix%04d over 9 days and 4 hours a day,
// with a few accounts, channels and authors and every role.
func spread(ws, prefix string, n int) []feedbackbot.Message {
	var ms []feedbackbot.Message
	for i := range n {
		role := feedbackbot.RoleCustomer
		switch i % 9 {
		case 4:
			role = feedbackbot.RoleStaff
		case 7:
			role = feedbackbot.RoleBot
		}
		at := Base.Add(time.Duration(i%9)*24*time.Hour + time.Duration(i/9%4)*time.Hour + time.Duration(i)*time.Second)
		m := Msg(ws, fmt.Sprintf("%s%04d", prefix, i), fmt.Sprintf("message %s %d", prefix, i), role,
			[]string{"A1", "A2", "A3", "", "A4"}[i%5], []string{"C1", "C2", "C3"}[i%3], at)
		m = by(fmt.Sprintf("U%d", i%7), m)
		ms = append(ms, m)
	}
	return ms
}

func testBatchAppendSameMessage(t *testing.T, f *fixture) {
	md := newModel()
	tag := tagBy("v1")
	x := Msg("W1", "x", "the export fails", "", "A1", "C1", Base)
	y1 := Msg("W1", "y", "login is slow", "", "A1", "C1", Base.Add(time.Minute))
	y2, y3 := edited(y1, "login is slow on mobile"), edited(y1, "login is fine now, thanks")
	z1 := Msg("W1", "z", "billing page is confusing", "", "A2", "C2", Base.Add(2*time.Minute))
	z2 := edited(z1, "billing page is wrong")
	w := Msg("W1", "w", "hello", "", "A2", "C2", Base.Add(3*time.Minute))

	var all []store.Entry
	for _, st := range []struct {
		name   string
		events []feedbackbot.Event
		want   int
	}{
		{"same revision three times", []feedbackbot.Event{Put(x), Put(x), Put(x)}, 1},
		{"three revisions", []feedbackbot.Event{Put(y1), Put(y2), Put(y3)}, 3},
		{"revisions and redeliveries", []feedbackbot.Event{Put(z1), Put(z1), Put(z2), Put(z2), Put(z1)}, 3},
		{"latest redelivered beside a new message", []feedbackbot.Event{Put(y3), Put(x), Put(w), Put(z1)}, 1},
	} {
		es := f.appendM(md, st.name, st.events...)
		if len(es) != st.want {
			t.Errorf("%s: appended %d, want %d", st.name, len(es), st.want)
		}
		all = append(all, es...)
	}
	// Applied in reverse, every stale revision first: only the latest of each counts.
	rev := slices.Clone(items(all, tag))
	slices.Reverse(rev)
	f.applyM(md, "all entries reversed", rev)
	f.applyM(md, "all entries in order", items(all, tag))
	f.ackM(md, "ack", all)
	for _, c := range []struct {
		m    feedbackbot.Message
		text string
	}{{y1, y3.Text}, {z1, z1.Text}, {x, x.Text}} {
		got, err := f.s.Message(f.ctx, c.m.Key())
		if err != nil || got.Message.Text != c.text {
			t.Errorf("Message(%s) = %q, %v; want the latest appended revision %q", c.m.Key(), got.Message.Text, err, c.text)
		}
	}
}

func testBatchAppendPutDelete(t *testing.T, f *fixture) {
	md := newModel()
	tag := tagBy("v1")
	at := func(i int) time.Time { return Base.Add(time.Duration(i) * time.Minute) }
	a := Msg("W1", "a", "typo", "", "A1", "C1", at(0))
	b := Msg("W1", "b", "the export is broken", "", "A1", "C1", at(1))
	c := Msg("W1", "c", "great support", "", "A2", "C2", at(2))
	d := Msg("W1", "d", "double delete", "", "A2", "C1", at(3))
	u := Msg("W1", "u", "never captured", "", "A3", "C3", at(4))
	u2 := Msg("W1", "u2", "deleted before its put", "", "A3", "C3", at(5))
	e := Msg("W1", "e", "applied, then edited and deleted", "", "A1", "C2", at(6))
	g := Msg("W1", "g", "applied, then deleted with others", "", "A4", "C3", at(7))

	f.seed(md, "seed", tag, e, g)
	var all []store.Entry
	for _, st := range []struct {
		name   string
		events []feedbackbot.Event
		want   int
	}{
		{"put and its delete", []feedbackbot.Event{Put(a), Delete(a)}, 2},
		{"put of the deleted message", []feedbackbot.Event{Put(a)}, 0},
		{"delete of an unknown message inside a batch", []feedbackbot.Event{Put(b), Delete(u), Put(c)}, 2},
		{"delete before the first put", []feedbackbot.Event{Delete(u2), Put(u2)}, 0},
		{"the put redelivered after its delete", []feedbackbot.Event{Put(u2)}, 0},
		{"put, delete, delete, put", []feedbackbot.Event{Put(d), Delete(d), Delete(d), Put(d)}, 2},
		{"edit and delete of an applied message", []feedbackbot.Event{Put(edited(e, "edited")), Delete(e), Put(e)}, 2},
		{"delete among puts", []feedbackbot.Event{Put(edited(b, "the export is broken again")), Delete(g), Delete(u), Put(a)}, 2},
	} {
		es := f.appendM(md, st.name, st.events...)
		if len(es) != st.want {
			t.Errorf("%s: appended %d, want %d", st.name, len(es), st.want)
		}
		all = append(all, es...)
	}
	f.applyM(md, "everything at once", items(all, tag))
	f.ackM(md, "ack", all)
	for _, m := range []feedbackbot.Message{a, d, e, g, u, u2} {
		if _, err := f.s.Message(f.ctx, m.Key()); !feedbackbot.IsNotFound(err) {
			t.Errorf("Message(%s) = %v, want ENOTFOUND", m.Key(), err)
		}
	}
}

func testBatchAppendForgotten(t *testing.T, f *fixture) {
	md := newModel()
	tag := tagBy("v1")
	a1 := by("alice", Msg("W1", "a1", "the export is broken", "", "A1", "C1", Base))
	a2 := by("alice", Msg("W1", "a2", "billing is confusing", "", "A1", "C2", Base.Add(time.Minute)))
	b1 := by("bob", Msg("W1", "b1", "me too", "", "A1", "C1", Base.Add(2*time.Minute)))
	w2 := by("alice", Msg("W2", "a1", "other workspace", "", "A1", "C1", Base))
	f.seed(md, "seed", tag, a1, a2, b1, w2)
	want := md.forget("W1", "alice")
	if n := f.forget("W1", "alice"); n != want {
		t.Errorf("Forget = %d, want %d", n, want)
	}
	f.checkModel(md, "after Forget")

	a3 := by("alice", Msg("W1", "a3", "back again", "", "A2", "C1", Base.Add(3*time.Minute)))
	b2 := by("bob", Msg("W1", "b2", "new from bob", "", "A3", "C2", Base.Add(4*time.Minute)))
	takeover := by("bob", edited(a1, "bob edits alice's message"))
	w2new := by("alice", Msg("W2", "a9", "alice is not forgotten here", "", "A1", "C1", Base.Add(time.Hour)))
	es := f.appendM(md, "batch with the forgotten author", Put(b2), Put(a3), Put(edited(a1, "edited")), Delete(a2),
		Put(edited(b1, "me too, edited")), Put(w2new), Put(takeover), Put(a3), Delete(a1))
	if len(es) != 3 {
		t.Errorf("appended %d, want 3 (bob's put and edit, alice's put in W2)", len(es))
	}
	f.applyM(md, "apply after Forget", items(es, tag))
	f.ackM(md, "ack", es)
	if got := f.export("W1", "alice"); len(got) != 0 {
		t.Errorf("AuthorMessages(W1, alice) = %v, want nothing", keys(got))
	}
}

// testBatchAppendThenForget: several events of one message in one Append call (the
// log-entry and author indexes are gathered per batch), some delivered and pending,
// some not delivered, then Forget: none of them is handed out, replayed, counted by
// Backlog or applied, whatever the batch held.
func testBatchAppendThenForget(t *testing.T, f *fixture) {
	md := newModel()
	tag := tagBy("v1")
	a := by("alice", Msg("W1", "a", "alice's first", "", "A1", "C1", Base))
	b := by("bob", Msg("W1", "b", "bob's", "", "A1", "C1", Base.Add(time.Minute)))
	c := by("alice", Msg("W1", "c", "alice's second", "", "A2", "C2", Base.Add(2*time.Minute)))
	s := by("bob", Msg("W1", "s", "started by bob", "", "A2", "C1", Base.Add(3*time.Minute)))
	s2 := by("carol", edited(s, "edited by carol"))
	d := by("dave", Msg("W1", "d", "dave's", "", "A3", "C2", Base.Add(4*time.Minute)))
	// Delivered and pending.
	pending := f.appendM(md, "pending batch", Put(a), Put(edited(a, "a2")), Put(b), Put(s), Put(s2))
	// Appended, not delivered.
	evs := []feedbackbot.Event{Put(edited(a, "a3")), Put(c), Delete(c), Put(d), Put(edited(b, "b2")), Put(a)}
	kept := md.append(evs...)
	if n := f.append(evs...); n != len(kept) {
		t.Errorf("Append = %d, want %d", n, len(kept))
	}
	for _, who := range []string{"carol", "alice"} {
		want := md.forget("W1", who)
		if n := f.forget("W1", who); n != want {
			t.Errorf("Forget(%s) = %d, want %d", who, n, want)
		}
	}
	// Left: bob's b and its edit, dave's d.
	md.backlog = 3
	if n := f.backlog(); n != md.backlog {
		t.Errorf("Backlog after Forget = %d, want %d", n, md.backlog)
	}
	fresh := f.readNew()
	if got, want := entryKeys(fresh), []string{d.Key(), b.Key()}; !slices.Equal(got, want) {
		t.Errorf("Read after Forget = %v, want %v", got, want)
	}
	f.applyM(md, "pending and new entries after Forget", items(append(slices.Clone(pending), fresh...), tag))
	f.ack(append(pending, fresh...)...)
	if n := f.backlog(); n != 0 {
		t.Errorf("Backlog after Ack = %d, want 0", n)
	}
	var replayed []store.Entry
	if err := f.s.Replay(f.ctx, "W1", func(e store.Entry) error { replayed = append(replayed, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if got, want := entryKeys(replayed), []string{b.Key(), d.Key(), b.Key()}; !slices.Equal(got, want) {
		t.Errorf("Replay after Forget = %v, want %v", got, want)
	}
}

// chunkEvents builds n events of one workspace in which the events around positions
// 255/256 and 511/512 (the ends of 256-event chunks) are the same message: a
// redelivery, two revisions, a put and its delete, a delete and a redelivered delete.
func chunkEvents(ws string, n int) []feedbackbot.Event {
	ms := spread(ws, "m", n)
	evs := puts(ms...)
	set := func(i int, ev feedbackbot.Event) {
		if i < len(evs) {
			evs[i] = ev
		}
	}
	for _, b := range []int{256, 512} {
		if b+3 >= n {
			continue
		}
		m := ms[b-1]
		switch b {
		case 256:
			set(b, Put(m))                         // redelivery across the boundary
			set(b+1, Put(edited(m, "revision 2"))) // then a new revision
			set(b-3, Put(ms[b-40]))                // a redelivery of an earlier chunk's put
			set(b+2, Delete(ms[b-4]))              // delete of a put of the previous chunk
			set(b+3, Delete(ms[b-4]))              // and again
		case 512:
			set(b-2, Put(edited(ms[b-2], "v2"))) // two revisions straddling
			set(b, Put(edited(ms[b-2], "v3")))
			set(b+1, Delete(ms[b-1])) // the put is the last event of a chunk
			set(b+2, Put(ms[b-1]))    // a replay after the delete
			set(b+3, Delete(Msg(ws, "never", "", "", "", "C1", Base)))
		}
	}
	return evs
}

func testBatchAppendChunks(t *testing.T, f *fixture) {
	md := newModel()
	w1 := chunkEvents("W1", 600)
	w2 := chunkEvents("W2", 300)
	// Interleaved, so each workspace's chunks end at other places of the call.
	var evs []feedbackbot.Event
	for i, j := 0, 0; i < len(w1) || j < len(w2); {
		for k := 0; k < 2 && i < len(w1); k++ {
			evs = append(evs, w1[i])
			i++
		}
		if j < len(w2) {
			evs = append(evs, w2[j])
			j++
		}
	}
	es := f.appendM(md, "one call of 900 events", evs...)
	f.applyM(md, "apply everything in one call", items(es, tagBy("v1")))
	f.ackM(md, "ack", es)
	// The same call again: only what is not the latest revision any more is appended
	// (an older revision sent again becomes the latest, and then the newer one).
	es = f.appendM(md, "the same call again", evs...)
	f.applyM(md, "apply the second call", items(es, tagBy("v1")))
	f.ackM(md, "ack", es)
}

func testBatchApplySameEntryTwice(t *testing.T, f *fixture) {
	md := newModel()
	tag := tagBy("v1")
	ms := spread("W1", "m", 30)
	es := f.appendM(md, "append", puts(ms...)...)
	its := items(es, tag)
	var batch []store.Applied
	batch = append(batch, its[0], its[0])
	batch = append(batch, its[1:10]...)
	batch = append(batch, its[5], its[5], its[9])
	batch = append(batch, its[10:]...)
	batch = append(batch, its[29], its[0], its[15])
	f.applyM(md, "duplicates inside one batch", batch)
	// A new entry between duplicates of applied ones.
	more := f.appendM(md, "one more", Put(Msg("W1", "late", "late message", "", "A1", "C1", Base.Add(time.Hour))))
	f.applyM(md, "new entry between applied duplicates", []store.Applied{its[3], item(more[0], tag), its[3], item(more[0], tag)})
	f.ackM(md, "ack", append(es, more...))
}

func testBatchApplyRevisions(t *testing.T, f *fixture) {
	md := newModel()
	tag := tagBy("v1")
	at := func(i int) time.Time { return Base.Add(time.Duration(i) * time.Minute) }
	x1 := Msg("W1", "x", "x one", "", "A1", "C1", at(0))
	y1 := Msg("W1", "y", "y one", "", "A1", "C2", at(1))
	z1 := Msg("W1", "z", "z one", "", "A2", "C1", at(2))
	w1 := Msg("W1", "w", "w one", "", "A2", "C2", at(3))
	f.seed(md, "seed", tag, z1, w1)

	x2 := edited(x1, "x two")
	y2, y3 := edited(y1, "y two"), edited(y1, "y three")
	z2 := edited(z1, "z two")
	w2 := edited(w1, "w two")
	w2.Role = feedbackbot.RoleStaff // leaves the customer counters and the notable sets
	// A revision that changes the account: the older revision's account is not applied.
	y3.Account, y3.AccountName = "A3", "Account A3"
	es := f.appendM(md, "revisions", Put(x1), Put(x2), Put(y1), Put(y2), Put(y3), Put(z2), Put(w2))
	e := func(m feedbackbot.Message) store.Applied { return item(entryOf(t, es, m, false), tag) }
	old := f.readAllReplay("W1")
	oldZ := item(entryOf(t, old, z1, false), tag)
	oldW := item(entryOf(t, old, w1, false), tag)
	f.applyM(md, "older revision first", []store.Applied{e(x1), e(x2)})
	f.applyM(md, "latest in the middle", []store.Applied{e(y3), e(y1), e(y2), e(y3), e(y1)})
	f.applyM(md, "applied revision around its edit", []store.Applied{oldZ, e(z2), oldZ})
	f.applyM(md, "only the applied revision again", []store.Applied{oldW, oldW})
	f.applyM(md, "then its edit", []store.Applied{oldW, e(w2)})
	f.ackM(md, "ack", es)
}

// readAllReplay returns every entry of ws's log (from Replay).
func (f *fixture) readAllReplay(ws string) []store.Entry {
	f.t.Helper()
	var out []store.Entry
	if err := f.s.Replay(f.ctx, ws, func(e store.Entry) error {
		out = append(out, e)
		return nil
	}); err != nil {
		f.t.Fatalf("Replay(%s): %v", ws, err)
	}
	return out
}

func testBatchApplyPutAndDelete(t *testing.T, f *fixture) {
	md := newModel()
	tag := tagBy("v1")
	at := func(i int) time.Time { return Base.Add(time.Duration(i) * 13 * time.Minute) }
	x := Msg("W1", "x", "never applied", "", "A1", "C1", at(0))
	y := Msg("W1", "y", "applied, edited, deleted", "", "A1", "C1", at(1))
	z := Msg("W1", "z", "applied, deleted", "", "A2", "C2", at(2))
	v := Msg("W1", "v", "applied, deleted, delete first", "", "A2", "C1", at(3))
	k := Msg("W1", "k", "kept", "", "A1", "C2", at(4))
	f.seed(md, "seed", tag, y, z, v, k)
	old := f.readAllReplay("W1")
	y2 := edited(y, "edited before its delete")
	es := f.appendM(md, "puts and deletes", Put(x), Delete(x), Put(y2), Delete(y), Delete(z), Delete(v))
	put := func(m feedbackbot.Message) store.Applied { return item(entryOf(t, es, m, false), tag) }
	del := func(m feedbackbot.Message) store.Applied { return item(entryOf(t, es, m, true), tag) }
	f.applyM(md, "put and delete of a never-applied message", []store.Applied{put(x), del(x)})
	f.applyM(md, "edit and delete of an applied message", []store.Applied{put(y2), del(y), put(y2)})
	f.applyM(md, "old put redelivered beside its delete", []store.Applied{item(entryOf(t, old, z, false), tag), del(z), item(entryOf(t, old, z, false), tag)})
	f.applyM(md, "delete before the old put", []store.Applied{del(v), item(entryOf(t, old, v, false), tag), del(v)})
	f.ackM(md, "ack", es)
	for _, m := range []feedbackbot.Message{x, y, z, v} {
		if _, err := f.s.Message(f.ctx, m.Key()); !feedbackbot.IsNotFound(err) {
			t.Errorf("Message(%s) = %v, want ENOTFOUND", m.Key(), err)
		}
	}
}

// flipped re-analyses with another analyzer that inverts every score, so messages
// move between the notable sets and between the label counters.
func flipped(analyzer string, base tagger) tagger {
	return func(m *feedbackbot.Message) feedbackbot.Tags {
		t := base(m)
		t = Tags(-t.Sentiment.Score, analyzer, append(slices.Clone(t.Themes), "reanalysed")...)
		return t
	}
}

func testBatchApplyTwoAnalyzers(t *testing.T, f *fixture) {
	md := newModel()
	v1 := tagBy("v1")
	v2 := flipped("v2", v1)
	ms := spread("W1", "m", 24)
	es := f.appendM(md, "append", puts(ms...)...)
	// Analysis and re-analysis of never-applied messages in one batch: each message
	// counts once, with the later tags.
	var batch []store.Applied
	for _, e := range es[:12] {
		batch = append(batch, item(e, v1), item(e, v2))
	}
	f.applyM(md, "v1 then v2", batch)
	for _, e := range es[:12] {
		got, err := f.s.Message(f.ctx, e.Event.Message.Key())
		if err != nil || got.Tags.Analyzer != "v2" {
			t.Errorf("Message(%s) analyzer = %q, %v; want the later v2", e.Event.Message.Key(), got.Tags.Analyzer, err)
		}
	}
	// Re-applying only the later analyzer's items is a no-op.
	var later []store.Applied
	for _, e := range es[:12] {
		later = append(later, item(e, v2))
	}
	f.applyM(md, "v2 again", later)
	// Applied under v1 first, then a batch of v2 and v1 (v1 last wins), with duplicates.
	f.applyM(md, "v1 alone", items(es[12:], v1))
	batch = nil
	for _, e := range es[12:] {
		batch = append(batch, item(e, v2), item(e, v1), item(e, v2), item(e, v1))
	}
	f.applyM(md, "v2, v1, v2, v1", batch)
	f.ackM(md, "ack", es)
}

func testBatchApplyMovedEdits(t *testing.T, f *fixture) {
	md := newModel()
	tag := tagBy("v1")
	h := func(d, hr int) time.Time {
		return Base.Add(time.Duration(d)*24*time.Hour + time.Duration(hr)*time.Hour)
	}
	x := Msg("W1", "x", "moves to a later hour", "", "A1", "C1", h(0, 0))
	y := Msg("W1", "y", "moves to another day", "", "A1", "C1", h(0, 0).Add(time.Minute))
	z := Msg("W1", "z", "moves to another account", "", "A2", "C2", h(0, 0).Add(2*time.Minute))
	q := Msg("W1", "q", "moves and is deleted", "", "A5", "C5", h(0, 1))
	r := Msg("W1", "r", "alone in its hour, moves", "", "A6", "C6", h(1, 5))
	s := Msg("W1", "s", "deleted beside moves", "", "A7", "C7", h(2, 2))
	stay := Msg("W1", "stay", "stays", "", "A1", "C1", h(0, 0).Add(3*time.Minute))
	f.seed(md, "seed", tag, x, y, z, q, r, s, stay)

	x2 := edited(x, "moved to a later hour")
	x2.Time = h(0, 6)
	y2 := edited(y, "moved to another day")
	y2.Time = h(3, 2)
	z2 := edited(z, "moved to another account")
	z2.Account, z2.AccountName = "A3", "Account A3"
	q2 := edited(q, "moved, then deleted")
	q2.Time = h(4, 4)
	r2 := edited(r, "moved out of its hour")
	r2.Time, r2.Account = h(1, 7), "A8"
	n1 := Msg("W1", "n1", "new in the new hour", "", "A9", "C9", h(0, 6).Add(time.Minute))
	n2 := Msg("W1", "n2", "new elsewhere", "", "A9", "C9", h(5, 1))
	es := f.appendM(md, "edits", Put(n1), Put(x2), Put(y2), Put(z2), Put(q2), Delete(q), Put(r2), Delete(s), Put(n2))
	v2 := flipped("v2", tag)
	var batch []store.Applied
	for _, e := range es {
		batch = append(batch, item(e, tag))
		if e.Event.Message.ID == "y" {
			batch = append(batch, item(e, v2)) // re-analysis beside the move
		}
		if e.Event.Message.ID == "x" {
			batch = append(batch, item(e, tag)) // a redelivery of the move
		}
	}
	f.applyM(md, "moves with other items", batch)
	// The hour r left is empty and must be gone.
	for _, b := range f.rollups("W1", h(1, 5), h(1, 6)) {
		t.Errorf("the hour a message moved out of still has counts: %s", dump(b))
	}
	f.ackM(md, "ack", es)

	// A move alone in its batch, and a move back, then re-analysed.
	x3 := edited(x2, "moved back")
	x3.Time = h(0, 0).Add(4 * time.Minute)
	es = f.appendM(md, "move back", Put(x3))
	f.applyM(md, "move back alone", items(es, tag))
	f.applyM(md, "re-analysis of the move back", items(es, v2))
	f.ackM(md, "ack", es)
}

func testBatchApplyTwoWorkspaces(t *testing.T, f *fixture) {
	md := newModel()
	tag := tagBy("v1")
	a := spread("W1", "m", 20)
	b := spread("W2", "m", 20) // same ids, other workspace
	f.seed(md, "seed W1", tag, a[:10]...)
	f.seed(md, "seed W2", tag, b[:10]...)
	moved := func(m feedbackbot.Message, d time.Duration) feedbackbot.Message {
		m = edited(m, m.Text+" (moved)")
		m.Time = m.Time.Add(d)
		return m
	}
	var evs []feedbackbot.Event
	for i := range 10 {
		evs = append(evs, Put(a[10+i]), Put(b[10+i]))
	}
	evs = append(evs, Put(moved(a[1], 5*time.Hour)), Put(moved(b[2], 30*time.Hour)), Delete(a[3]), Delete(b[3]),
		Put(edited(a[4], "edited in W1")), Put(edited(b[5], "edited in W2")))
	es := f.appendM(md, "both workspaces", evs...)
	var batch []store.Applied
	for i, e := range es {
		batch = append(batch, item(e, tag))
		if i%3 == 0 {
			batch = append(batch, item(es[len(es)-1-i], tag))
		}
	}
	f.applyM(md, "one call, two workspaces", batch)
	f.ackM(md, "ack", es)
}

// chunkBatch builds the items of entries es with tag, then places each pair of items
// at positions at-1 and at, so that they straddle a chunk boundary (Redis: 200
// items per apply script, 256 events per append script).
func chunkBatch(t *testing.T, es []store.Entry, tag tagger, pairs map[int][2]store.Applied) []store.Applied {
	batch := items(es, tag)
	for at, p := range pairs {
		if at >= len(batch) {
			t.Fatalf("batch of %d items has no position %d", len(batch), at)
		}
		batch[at-1], batch[at] = p[0], p[1]
	}
	return batch
}

func testBatchApplyChunks(t *testing.T, f *fixture) {
	md := newModel()
	tag := tagBy("v1")
	v2 := flipped("v2", tag)
	prior := spread("W1", "p", 120)
	f.seed(md, "seed", tag, prior...)

	fresh := spread("W1", "n", 330)
	var evs []feedbackbot.Event
	evs = append(evs, puts(fresh...)...)
	var edits []feedbackbot.Message
	for i := 0; i < 60; i++ {
		m := edited(prior[i], fmt.Sprintf("edit %d", i))
		switch i % 4 {
		case 1:
			m.Time = m.Time.Add(3 * time.Hour) // another hour
		case 2:
			m.Time = m.Time.Add(49 * time.Hour) // another day
		case 3:
			m.Account = "A9" // another account
		}
		edits = append(edits, m)
		evs = append(evs, Put(m))
	}
	for i := 60; i < 90; i++ {
		evs = append(evs, Delete(prior[i]))
	}
	two1 := Msg("W1", "two", "two revisions", "", "A1", "C1", Base.Add(90*time.Minute))
	two2 := edited(two1, "two revisions, second")
	pd := Msg("W1", "pd", "put and delete", "", "A2", "C2", Base.Add(100*time.Minute))
	evs = append(evs, Put(two1), Put(two2), Put(pd), Delete(pd))
	es := f.appendM(md, "append", evs...)
	if len(es) < 420 {
		t.Fatalf("only %d entries", len(es))
	}
	put := func(m feedbackbot.Message, tg tagger) store.Applied { return item(entryOf(t, es, m, false), tg) }
	batch := chunkBatch(t, es, tag, map[int][2]store.Applied{
		200: {put(fresh[3], tag), put(fresh[3], tag)},                           // the same entry across 200
		256: {put(two1, tag), put(two2, tag)},                                   // two revisions across 256
		400: {put(fresh[7], tag), put(fresh[7], v2)},                            // two analyzers across 400
		300: {put(pd, tag), item(entryOf(t, es, pd, true), tag)},                // a put and its delete
		100: {put(edits[1], tag), put(edits[2], tag)},                           // moves in the first chunk
		402: {put(edits[5], tag), item(entryOf(t, es, prior[61], true), tag)},   // and in the third
		202: {put(fresh[300], tag), item(entryOf(t, es, prior[62], true), tag)}, // delete after the boundary
	})
	// Duplicates of the whole first chunk at the end, in another order.
	tail := slices.Clone(batch[:200])
	slices.Reverse(tail)
	batch = append(batch, tail...)
	f.applyM(md, fmt.Sprintf("one call of %d items", len(batch)), batch)
	f.ackM(md, "ack", es)
}

func testBatchApplyChunksTwoWorkspaces(t *testing.T, f *fixture) {
	md := newModel()
	tag := tagBy("v1")
	f.seed(md, "seed", tag, append(spread("W1", "p", 40), spread("W2", "p", 40)...)...)
	a, b := spread("W1", "n", 260), spread("W2", "n", 230)
	var evs []feedbackbot.Event
	for i := range max(len(a), len(b)) {
		if i < len(a) {
			evs = append(evs, Put(a[i]))
		}
		if i < len(b) {
			evs = append(evs, Put(b[i]))
		}
	}
	for i := range 20 {
		for _, ws := range []string{"W1", "W2"} {
			m := spread(ws, "p", 40)[i]
			if i%2 == 0 {
				m = edited(m, "edited")
				m.Time = m.Time.Add(time.Duration(i+1) * time.Hour)
				evs = append(evs, Put(m))
			} else {
				evs = append(evs, Delete(m))
			}
		}
	}
	es := f.appendM(md, "append", evs...)
	batch := items(es, tag)
	// Redeliveries across each workspace's chunk ends.
	batch = append(batch, batch[390:420]...)
	batch = append(batch, batch[:30]...)
	f.applyM(md, fmt.Sprintf("one call of %d items over two workspaces", len(batch)), batch)
	f.ackM(md, "ack", es)
}

// bigHour builds n customer messages in one hour, each with its own account and
// channel (hundreds of counters in one rollup).
func bigHour(ws string, n int) []feedbackbot.Message {
	var ms []feedbackbot.Message
	for i := range n {
		ms = append(ms, Msg(ws, fmt.Sprintf("b%03d", i), fmt.Sprintf("big hour %d", i), "",
			fmt.Sprintf("A%03d", i), fmt.Sprintf("C%03d", i), Base.Add(time.Duration(i)*20*time.Second)))
	}
	return ms
}

func testBatchBigRollupHour(t *testing.T, f *fixture) {
	md := newModel()
	tag := tagBy("v1")
	ms := bigHour("W1", 80)
	small := Msg("W1", "small", "another hour", "", "A1", "C1", Base.Add(2*time.Hour))
	f.seed(md, "80 accounts and 80 channels in one hour", tag, append(ms, small)...)
	if rs := f.rollups("W1", Base, Base.Add(time.Hour)); len(rs) != 1 || len(rs[0].Counts) < 300 {
		t.Fatalf("the big hour has %d buckets, %s", len(rs), dump(rs))
	}
	// Re-analysis of the whole hour, then delete every message of it in one batch.
	all := f.readAllReplay("W1")
	f.applyM(md, "re-analysis", items(all, flipped("v2", tag)))
	var dels []feedbackbot.Event
	for _, m := range ms {
		dels = append(dels, Delete(m))
	}
	es := f.appendM(md, "delete all", dels...)
	f.applyM(md, "delete every message of the hour", items(es, tag))
	f.ackM(md, "ack", es)
	if rs := f.rollups("W1", Base, Base.Add(time.Hour)); len(rs) != 0 {
		t.Errorf("Rollups of the emptied hour = %s, want nothing", dump(rs))
	}
	// The hour filled again from nothing.
	again := bigHour("W1", 80)
	for i := range again {
		again[i].ID = fmt.Sprintf("c%03d", i)
	}
	for i := range again {
		again[i] = by("ua", again[i])
	}
	f.seed(md, "the hour filled again", tag, again...)
	// Forget, which subtracts message by message, empties it too.
	want := md.forget("W1", "ua")
	if n := f.forget("W1", "ua"); n != want {
		t.Errorf("Forget = %d, want %d", n, want)
	}
	f.checkModel(md, "the hour forgotten")
	if rs := f.rollups("W1", Base, Base.Add(time.Hour)); len(rs) != 0 {
		t.Errorf("Rollups of the forgotten hour = %s, want nothing", dump(rs))
	}
}

func testBatchBigRollupHourSteps(t *testing.T, f *fixture) {
	md := newModel()
	tag := tagBy("v1")
	ms := bigHour("W1", 80)
	// Grown a few messages at a time, so the rollup crosses any size threshold in
	// the middle of a batch, then emptied the same way, checked at every step.
	for i := 0; i < len(ms); {
		n := 1 + i%13
		f.seed(md, fmt.Sprintf("grow %d..%d", i, min(i+n, len(ms))), tag, ms[i:min(i+n, len(ms))]...)
		i += n
	}
	for i := 0; i < len(ms)-1; {
		n := min(1+i%17, len(ms)-1-i)
		var evs []feedbackbot.Event
		for _, m := range ms[i:min(i+n, len(ms))] {
			if i%2 == 0 {
				evs = append(evs, Delete(m))
			} else {
				evs = append(evs, Put(edited(m, "shrunk")), Delete(m))
			}
		}
		what := fmt.Sprintf("shrink %d..%d", i, min(i+n, len(ms)))
		es := f.appendM(md, what, evs...)
		f.applyM(md, what, items(es, tag))
		f.ackM(md, what, es)
		i += n
	}
	// One message left: exactly its counters, nothing internal.
	checkRollupsAt(t, "one message left", f.rollups("W1", Base, Base.Add(time.Hour)), md.recs.expectRollups("W1"))
	es := f.appendM(md, "delete the last", Delete(ms[len(ms)-1]))
	f.applyM(md, "delete the last", items(es, tag))
	f.ackM(md, "delete the last", es)
	if rs := f.rollups("W1", wideFrom, wideTo); len(rs) != 0 {
		t.Errorf("Rollups after every message was deleted = %s, want nothing", dump(rs))
	}
}

// testBatchApplyRetryOrder: re-analysis of a moved message whose two analyses fall in
// different chunks of one call (Redis: 200 items per script). The first chunk does
// not name the moved message's old keys, so its item is retried; the second does
// (another message in the old hour, account and day). Applied one item at a time,
// the later analysis wins and the redelivered first analysis changes nothing.
func testBatchApplyRetryOrder(t *testing.T, f *fixture) {
	md := newModel()
	v1 := func(*feedbackbot.Message) feedbackbot.Tags { return Tags(-0.8, "v1", "export") }
	v2 := func(*feedbackbot.Message) feedbackbot.Tags { return Tags(0.6, "v2", "praise") }
	x := by("ux", Msg("W1", "x", "the export is broken", "", "A1", "C1", Base))
	f.seed(md, "seed", v1, x)

	x2 := edited(x, "the export is broken, and it moved")
	x2.Time, x2.Account, x2.AccountName = Base.Add(3*24*time.Hour+5*time.Hour), "A9", "Account A9"
	y := by("ux", Msg("W1", "y", "same hour, account and day as x was", "", "A1", "C1", Base.Add(10*time.Minute)))
	var fillers []feedbackbot.Message
	for i := range 199 {
		fillers = append(fillers, by("uf", Msg("W1", fmt.Sprintf("f%03d", i), "filler", "", "F", "CF",
			Base.Add(5*24*time.Hour+time.Duration(i)*time.Second))))
	}
	es := f.appendM(md, "append", append([]feedbackbot.Event{Put(x2), Put(y)}, puts(fillers...)...)...)
	ex2 := entryOf(t, es, x2, false)
	batch := []store.Applied{item(ex2, v1)} // item 0, first chunk: x's old keys undeclared
	for _, m := range fillers {
		batch = append(batch, item(entryOf(t, es, m, false), v1))
	}
	// Items 200..202, second chunk: y declares x's old keys; x redelivered, then re-analysed.
	batch = append(batch, item(entryOf(t, es, y, false), v1), item(ex2, v1), item(ex2, v2))
	f.applyM(md, "moved message analysed in two chunks", batch)
	got, err := f.s.Message(f.ctx, x.Key())
	if err != nil || got.Tags.Analyzer != "v2" {
		t.Errorf("Message(x) analyzer = %q, %v; want v2, the later item", got.Tags.Analyzer, err)
	}
	f.ackM(md, "ack", es)
}

// testBatchNotableAfterDeletes: a day with more negative messages than a backend may
// keep in its notable index, applied in one batch, then its most negative messages
// deleted in one batch: Notable still returns the 50 most negative of what is left.
func testBatchNotableAfterDeletes(t *testing.T, f *fixture) {
	md := newModel()
	var ms []feedbackbot.Message
	for i := range 160 {
		ms = append(ms, Msg("W1", fmt.Sprintf("n%03d", i), fmt.Sprintf("bad %d", i), "", "A1", "C1", Base.Add(time.Duration(i)*time.Minute)))
	}
	tag := func(m *feedbackbot.Message) feedbackbot.Tags {
		var i int
		fmt.Sscanf(m.ID, "n%d", &i)
		return Tags(-float64(i+1)/200, "v1")
	}
	f.seed(md, "160 negative messages in a day", tag, ms...)
	var dels []feedbackbot.Event
	for _, m := range ms[90:] { // the 70 most negative
		dels = append(dels, Delete(m))
	}
	es := f.appendM(md, "delete the most negative", dels...)
	f.applyM(md, "delete the most negative", items(es, tag))
	f.ackM(md, "ack", es)
}

// testBatchApplyDeleteWithMovedEdits: one Apply of a delete (which declares none
// of its old record's keys), edits that move messages to other hours, accounts
// and channels, and a new message, with no other client: it applies at once. On
// Redis each retry round, carrying the blocked items alone, lost the keys other
// items had declared, and the call gave up after five rounds ("the index keys of
// 1 message(s) kept changing", a review found); the worker then logged an outage
// that was none.
func testBatchApplyDeleteWithMovedEdits(t *testing.T, f *fixture) {
	day := func(d, h int) time.Time { return time.Date(2025, time.March, d, h, 0, 0, 0, time.UTC) }
	msg := func(id string, role feedbackbot.Role, acct, ch string, at time.Time) feedbackbot.Message {
		return Msg("W1", id, "the export fails again "+at.Format(time.Kitchen)+ch+acct, role, acct, ch, at)
	}
	gone := msg("mD", "", "AD", "CD", day(10, 9))
	f.put(scoreByID, gone, msg("m2", "", "AD", "C2", day(11, 10)), msg("m3", "", "A3", "CD", day(10, 13)), msg("m4", "", "AD", "CD", day(11, 16)))
	f.append(Delete(gone), Put(msg("m1", feedbackbot.RoleStaff, "", "CD", day(12, 9))), Put(msg("m2", "", "AD", "C2", day(11, 14))),
		Put(msg("m3", "", "A3", "C3", day(10, 15))), Put(msg("m4", "", "A4", "C4", day(11, 18))))
	es := f.readAll("worker")
	if _, err := f.s.Apply(f.ctx, items(es, scoreByID)...); err != nil {
		t.Fatalf("Apply of a delete and moved edits in one call: %v", err)
	}
	f.ack(es...)
	if got := feedbackbot.Totals(f.rollups("W1", day(10, 0), day(13, 0)))[feedbackbot.CntMessages]; got != 4 {
		t.Errorf("the hours count %d messages, want 4 (m1 to m4; mD deleted)", got)
	}
}
