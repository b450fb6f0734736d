package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

var applyTests = []test{
	{"Counts", testApplyCounts},
	{"Twice", testApplyTwice},
	{"Edit", testApplyEdit},
	{"Stale", testApplyStale},
	{"Reanalyze", testApplyReanalyze},
	{"Delete", testApplyDelete},
	{"Workspaces", testApplyWorkspaces},
	{"AnalyzerLineBreak", testApplyAnalyzerLineBreak},
	{"AnalyzerNamesDistinct", testApplyAnalyzerNamesDistinct},
}

// corpus builds a varied set of messages in one workspace over three hours: roles,
// channels, accounts (some none), and a tagger giving each a distinct analysis.
func corpus(ws string, n int) ([]feedbackbot.Message, tagger) {
	var ms []feedbackbot.Message
	for i := range n {
		role := feedbackbot.RoleCustomer
		switch i % 7 {
		case 3:
			role = feedbackbot.RoleStaff
		case 6:
			role = feedbackbot.RoleBot
		}
		acct := []string{"A1", "A2", ""}[i%3]
		ch := []string{"C1", "C2"}[i%2]
		at := Base.Add(time.Duration(i) * 7 * time.Minute)
		ms = append(ms, Msg(ws, fmt.Sprintf("m%03d", i), fmt.Sprintf("message %d", i), role, acct, ch, at))
	}
	tag := func(m *feedbackbot.Message) feedbackbot.Tags {
		var i int
		fmt.Sscanf(m.ID, "m%d", &i)
		score := float64(i%11-5) / 5 // -1 .. 1 in steps of 0.2
		return Tags(score, "v1", []string{"export", "billing", "login"}[:i%4]...)
	}
	return ms, tag
}

func expectAll(ms []feedbackbot.Message, tag tagger) applied {
	a := applied{}
	for _, m := range ms {
		a.set(m, tag(&m))
	}
	return a
}

// day covers every time the suite uses.
var dayFrom, dayTo = Base.Add(-24 * time.Hour), Base.Add(72 * time.Hour)

func testApplyCounts(t *testing.T, f *fixture) {
	ms, tag := corpus("W1", 40)
	var events []feedbackbot.Event
	for _, m := range ms {
		events = append(events, Put(m))
	}
	f.append(events...)
	if n := f.consume(tag); n != len(ms) {
		t.Errorf("Apply changed %d items, want %d", n, len(ms))
	}
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), expectAll(ms, tag).expectRollups("W1"))
}

func testApplyTwice(t *testing.T, f *fixture) {
	ms, tag := corpus("W1", 30)
	var events []feedbackbot.Event
	for _, m := range ms {
		events = append(events, Put(m))
	}
	f.append(events...)
	es := f.readAll("c")
	its := items(es, tag)
	if n := f.apply(its[:10]...); n != 10 {
		t.Errorf("first Apply changed %d, want 10", n)
	}
	// A crash after applying part of a batch: the whole batch comes again.
	if n := f.apply(its...); n != 20 {
		t.Errorf("retried Apply changed %d, want 20", n)
	}
	if n := f.apply(its...); n != 0 {
		t.Errorf("third Apply changed %d, want 0", n)
	}
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), expectAll(ms, tag).expectRollups("W1"))
	// Redelivery after a reclaim: another consumer applies the same entries again.
	f.ack(es[:5]...)
	time.Sleep(ClaimIdle + ClaimIdle/2)
	again := f.readAll("other")
	if len(again) != len(es)-5 {
		t.Fatalf("reclaimed %d entries, want %d", len(again), len(es)-5)
	}
	if n := f.apply(items(again, tag)...); n != 0 {
		t.Errorf("Apply of redelivered entries changed %d, want 0", n)
	}
	f.ack(again...)
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), expectAll(ms, tag).expectRollups("W1"))
}

func testApplyEdit(t *testing.T, f *fixture) {
	want := applied{}
	m := Msg("W1", "m1", "the export is broken", "", "A1", "C1", Base)
	other := Msg("W1", "m2", "thanks!", "", "A1", "C1", Base.Add(time.Minute))
	neg := func(*feedbackbot.Message) feedbackbot.Tags { return Tags(-0.8, "v1", "export") }
	f.put(neg, m, other)
	want.set(m, neg(&m))
	want.set(other, neg(&other))
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), want.expectRollups("W1"))

	edit := m
	edit.Text = "the export works now, thanks"
	edit.EditedAt = Base.Add(10 * time.Minute)
	pos := func(*feedbackbot.Message) feedbackbot.Tags { return Tags(0.7, "v1", "export", "praise") }
	f.append(Put(edit))
	if n := f.consume(pos); n != 1 {
		t.Errorf("Apply of an edit changed %d, want 1", n)
	}
	want.set(edit, pos(&edit))
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), want.expectRollups("W1"))

	got, err := f.s.Message(f.ctx, m.Key())
	if err != nil {
		t.Fatalf("Message: %v", err)
	}
	checkStored(t, "edited message", got, want[m.Key()])
	list := f.messages(store.Query{Workspace: "W1"})
	if len(list) != 2 {
		t.Fatalf("Messages after an edit = %d, want 2 (the edit replaces)", len(list))
	}
	checkStored(t, "edited message in Messages", list[1], want[m.Key()])
}

func testApplyStale(t *testing.T, f *fixture) {
	tag := func(m *feedbackbot.Message) feedbackbot.Tags { return Tags(-0.4, "v1", "login") }
	want := applied{}

	// v2 appended before v1 is applied: v1 is stale whichever order they are applied in.
	v1 := Msg("W1", "m1", "login fails", "", "A1", "C1", Base)
	v2 := v1
	v2.Text = "login fails on mobile"
	f.append(Put(v1))
	f.append(Put(v2))
	es := f.readAll("c")
	if len(es) != 2 {
		t.Fatalf("read %d, want 2", len(es))
	}
	if n := f.apply(items(es[1:], tag)...); n != 1 {
		t.Errorf("Apply of the latest revision changed %d, want 1", n)
	}
	if n := f.apply(items(es[:1], tag)...); n != 0 {
		t.Errorf("Apply of a stale revision after the latest changed %d, want 0", n)
	}
	want.set(v2, tag(&v2))

	// Both in one batch, older first.
	w1 := Msg("W1", "m2", "slow", "", "A2", "C2", Base.Add(time.Hour))
	w2 := w1
	w2.Text = "very slow"
	f.append(Put(w1), Put(w2))
	if n := f.consume(tag); n != 1 {
		t.Errorf("Apply of [old, new] changed %d, want 1", n)
	}
	want.set(w2, tag(&w2))

	// A put applied after its delete was appended.
	d := Msg("W1", "m3", "oops", "", "A2", "C2", Base.Add(2*time.Hour))
	f.append(Put(d), Delete(d))
	es = f.readAll("c")
	if n := f.apply(items(es[:1], tag)...); n != 0 {
		t.Errorf("Apply of a put whose delete is in the log changed %d, want 0", n)
	}
	if _, err := f.s.Message(f.ctx, d.Key()); !feedbackbot.IsNotFound(err) {
		t.Errorf("Message of a deleted message: %v, want ENOTFOUND", err)
	}
	f.apply(items(es[1:], tag)...)
	f.ack(es...)

	for _, k := range []string{v1.Key(), w1.Key()} {
		got, err := f.s.Message(f.ctx, k)
		if err != nil {
			t.Fatalf("Message(%s): %v", k, err)
		}
		checkStored(t, k, got, want[k])
	}
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), want.expectRollups("W1"))
}

func testApplyReanalyze(t *testing.T, f *fixture) {
	ms, tagV1 := corpus("W1", 21)
	var events []feedbackbot.Event
	for _, m := range ms {
		events = append(events, Put(m))
	}
	// An edit of the first message, so Replay also yields a stale revision.
	edit := ms[0]
	edit.Text = "edited"
	events = append(events, Put(edit))
	ms[0] = edit
	f.append(events...)
	f.consume(tagV1)
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), expectAll(ms, tagV1).expectRollups("W1"))

	// A new taxonomy: every score flips and themes change.
	tagV2 := func(m *feedbackbot.Message) feedbackbot.Tags {
		t := tagV1(m)
		t.Sentiment.Score = -t.Sentiment.Score
		t.Sentiment.Label = feedbackbot.LabelFor(t.Sentiment.Score)
		t.Themes = append(t.Themes, "onboarding")
		t.Analyzer = "v2"
		return t
	}
	var replayed []store.Entry
	if err := f.s.Replay(f.ctx, "W1", func(e store.Entry) error {
		replayed = append(replayed, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n := f.apply(items(replayed, tagV2)...); n != len(ms) {
		t.Errorf("re-analysis changed %d, want %d (the stale revision is a no-op)", n, len(ms))
	}
	want := expectAll(ms, tagV2)
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), want.expectRollups("W1"))
	got, err := f.s.Message(f.ctx, ms[1].Key())
	if err != nil {
		t.Fatal(err)
	}
	checkStored(t, "re-analysed", got, want[ms[1].Key()])

	// Same analyzer, different tags: a redelivery, so nothing changes.
	tagV2b := func(m *feedbackbot.Message) feedbackbot.Tags {
		t := tagV2(m)
		t.Sentiment.Score = 0.99
		return t
	}
	if n := f.apply(items(replayed, tagV2b)...); n != 0 {
		t.Errorf("Apply with the same analyzer again changed %d, want 0", n)
	}
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), want.expectRollups("W1"))
	// Back to the old analyzer: replaces again (the analyzer differs from the applied one).
	if n := f.apply(items(replayed, tagV1)...); n != len(ms) {
		t.Errorf("Apply with the first analyzer again changed %d, want %d", n, len(ms))
	}
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), expectAll(ms, tagV1).expectRollups("W1"))
}

func testApplyDelete(t *testing.T, f *fixture) {
	neg := func(*feedbackbot.Message) feedbackbot.Tags { return Tags(-0.9, "v1", "export") }
	gone := Msg("W1", "m1", "this is terrible", "", "A1", "C1", Base)
	kept := Msg("W1", "m2", "meh", "", "A1", "C1", Base.Add(2*time.Hour))
	f.put(neg, gone, kept)
	if n := len(f.messages(store.Query{Workspace: "W1"})); n != 2 {
		t.Fatalf("Messages = %d, want 2", n)
	}
	f.append(Delete(gone))
	es := f.readAll("c")
	if n := f.apply(items(es, neg)...); n != 1 {
		t.Errorf("Apply of a delete changed %d, want 1", n)
	}
	if n := f.apply(items(es, neg)...); n != 0 {
		t.Errorf("Apply of the same delete again changed %d, want 0", n)
	}
	f.ack(es...)

	if _, err := f.s.Message(f.ctx, gone.Key()); !feedbackbot.IsNotFound(err) {
		t.Errorf("Message of a deleted message: %v, want ENOTFOUND", err)
	}
	for _, q := range []store.Query{
		{Workspace: "W1"},
		{Workspace: "W1", Account: "A1"},
		{Workspace: "W1", Channel: "C1"},
		{Workspace: "W1", From: Base, To: Base.Add(time.Hour)},
	} {
		got := f.messages(q)
		for _, s := range got {
			if s.Message.Key() == gone.Key() {
				t.Errorf("Messages(%+v) still lists the deleted message", q)
			}
		}
	}
	notable, err := f.s.Notable(f.ctx, "W1", store.NotableNegative, dayFrom, dayTo, 10)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(keys(notable)) != fmt.Sprint([]string{kept.Key()}) {
		t.Errorf("Notable after delete = %v, want only %s", keys(notable), kept.Key())
	}
	want := applied{}
	want.set(kept, neg(&kept))
	// The deleted message's bucket is now empty and must not be returned.
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), want.expectRollups("W1"))

	// A delete of a message appended but never applied changes nothing.
	never := Msg("W1", "m3", "x", "", "A1", "C1", Base)
	f.append(Put(never), Delete(never))
	es = f.readAll("c")
	if n := f.apply(items(es, neg)...); n != 0 {
		t.Errorf("Apply of put+delete of a never-applied message changed %d, want 0", n)
	}
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), want.expectRollups("W1"))
}

func testApplyWorkspaces(t *testing.T, f *fixture) {
	a, tagA := corpus("W1", 14)
	b, _ := corpus("W2", 9) // same ids, other workspace
	tagB := func(m *feedbackbot.Message) feedbackbot.Tags { return Tags(0.5, "v1", "pricing") }
	f.put(tagA, a...)
	f.put(tagB, b...)
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), expectAll(a, tagA).expectRollups("W1"))
	checkRollups(t, f.rollups("W2", dayFrom, dayTo), expectAll(b, tagB).expectRollups("W2"))
	if got := f.messages(store.Query{Workspace: "W2"}); len(got) != len(b) {
		t.Errorf("Messages(W2) = %d, want %d", len(got), len(b))
	}
	got, err := f.s.Message(f.ctx, b[0].Key())
	if err != nil {
		t.Fatal(err)
	}
	checkStored(t, "W2 message", got, store.Stored{Message: b[0], Tags: tagB(&b[0])})
	if rs := f.rollups("W3", dayFrom, dayTo); len(rs) != 0 {
		t.Errorf("Rollups of an unknown workspace = %d buckets", len(rs))
	}
}

// testApplyAnalyzerLineBreak guards Apply against failing a batch on an analyzer
// name with a line break in it (a configured name, "lexicon\nv2"): the item is
// applied like any other and keeps its name, applying it again is a no-op, and
// the batch's other items are applied (Redis refused the whole batch with
// EINVALID, so a worker retried it for ever; bolt applied it).
func testApplyAnalyzerLineBreak(t *testing.T, f *fixture) {
	a := Msg("W1", "m1", "the export fails", "", "A1", "C1", Base)
	b := Msg("W1", "m2", "the export works", "", "A1", "C1", Base.Add(time.Minute))
	f.append(Put(a), Put(b))
	es := f.readAll("c")
	if len(es) != 2 {
		t.Fatalf("read %d entries, want 2", len(es))
	}
	odd := Tags(-0.6, "lexicon\nv2")
	odd.Analyzer = "lexicon\nv2\r\n"
	its := []store.Applied{{Entry: es[0], Tags: odd}, {Entry: es[1], Tags: Tags(0.4, "v1")}}
	n, err := f.s.Apply(f.ctx, its...)
	if err != nil || n != 2 {
		t.Fatalf("Apply with an analyzer name holding line breaks = %d, %v; want 2, nil", n, err)
	}
	if n := f.apply(its...); n != 0 {
		t.Errorf("Apply of the same items again = %d, want 0", n)
	}
	got, err := f.s.Message(f.ctx, a.Key())
	if err != nil {
		t.Fatal(err)
	}
	checkStored(t, "message analysed under a name with line breaks", got, store.Stored{Message: a, Tags: odd})
	// Another analyzer (no line break) re-analyses it: the names differ.
	again := Tags(0.2, "lexicon")
	if n := f.apply(store.Applied{Entry: es[0], Tags: again}); n != 1 {
		t.Errorf("Apply under another analyzer = %d, want 1", n)
	}
	want := expectAll([]feedbackbot.Message{a}, func(*feedbackbot.Message) feedbackbot.Tags { return again })
	want.set(b, Tags(0.4, "v1"))
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), want.expectRollups("W1"))
}

// testApplyAnalyzerNamesDistinct guards the analyzer's name as Apply's test of a
// re-analysis: applying a put again under another analyzer is a real apply, however
// alike the two names are written, so no escaping of one name may spell another
// (Redis stamped a line break as the two characters \n, so "lexicon\nv2" with a
// line break and the same name with a backslash and an n stamped alike, and the
// second analyzer's apply was dropped as a no-op).
func testApplyAnalyzerNamesDistinct(t *testing.T, f *fixture) {
	m := Msg("W1", "m1", "the export fails", "", "A1", "C1", Base)
	f.append(Put(m))
	es := f.readAll("c")
	if len(es) != 1 {
		t.Fatalf("read %d entries, want 1", len(es))
	}
	// Each name after the first is another analyzer than the one before it.
	names := []string{"lexicon\nv2", `lexicon\nv2`, "lexicon\nv2", `lexicon\\nv2`, `lexicon\` + "\n" + `v2`, `lexicon\\` + "\n" + `v2`}
	for i, name := range names {
		tags := Tags(float64(i%2)-0.5, "v1")
		tags.Analyzer = name
		if n := f.apply(store.Applied{Entry: es[0], Tags: tags}); n != 1 {
			t.Errorf("Apply under analyzer %q after %q = %d, want 1 (another analyzer)", name, names[max(i-1, 0)], n)
		}
		got, err := f.s.Message(f.ctx, m.Key())
		if err != nil {
			t.Fatal(err)
		}
		checkStored(t, fmt.Sprintf("message analysed under %q", name), got, store.Stored{Message: m, Tags: tags})
		if n := f.apply(store.Applied{Entry: es[0], Tags: tags}); n != 0 {
			t.Errorf("Apply under analyzer %q again = %d, want 0", name, n)
		}
	}
}
