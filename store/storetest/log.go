package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

var logTests = []test{
	{"AppendIdempotent", testAppendIdempotent},
	{"AppendNew", testAppendNew},
	{"AppendInvalid", testAppendInvalid},
	{"ReadOrderAndFields", testReadOrder},
	{"ReadMax", testReadMax},
	{"AckRemoves", testAckRemoves},
	{"Reclaim", testReclaim},
	{"ReadWaitEmpty", testReadWaitEmpty},
	{"ReadWaitWakes", testReadWaitWakes},
	{"ReadTwoWorkspaces", testReadTwoWorkspaces},
	{"Backlog", testBacklog},
	{"Replay", testReplay},
	{"ReplayStops", testReplayStops},
	{"TextRoundTrip", testTextRoundTrip},
	{"InvalidUTF8Fields", testInvalidUTF8Fields},
	{"Workspaces", testWorkspaces},
	{"WorkspacesSkippedOnly", testWorkspacesSkippedOnly},
	{"AckSkipsMalformedID", testAckSkipsMalformedID},
	{"ReadDefaultMax", testReadDefaultMax},
	{"AppendDeleteLongID", testAppendDeleteLongID},
}

func testAppendIdempotent(t *testing.T, f *fixture) {
	m := Msg("W1", "m1", "the export fails", "", "A1", "C1", Base)
	edit := m
	edit.Text = "the export fails every night"
	edit.EditedAt = Base.Add(time.Minute)
	react := edit
	react.Reactions = map[string]int{"+1": 2}
	other := Msg("W1", "m2", "hello", "", "A1", "C1", Base.Add(time.Second))
	otherWS := Msg("W2", "m1", "the export fails", "", "A1", "C1", Base)
	gone := Msg("W1", "m3", "ignore my last message", "", "A1", "C1", Base.Add(2*time.Second))
	later := Msg("W1", "m4", "oops, wrong channel", "", "A1", "C1", Base.Add(3*time.Second))
	discord := m
	discord.Platform = feedbackbot.PlatformDiscord

	steps := []struct {
		name   string
		events []feedbackbot.Event
		want   int
	}{
		{"first put", []feedbackbot.Event{Put(m)}, 1},
		{"redelivery", []feedbackbot.Event{Put(m)}, 0},
		{"delete of a message never stored", []feedbackbot.Event{Delete(gone)}, 0},
		{"its put arriving after its delete", []feedbackbot.Event{Put(gone)}, 0},
		{"edit", []feedbackbot.Event{Put(edit)}, 1},
		{"edit redelivered", []feedbackbot.Event{Put(edit)}, 0},
		{"reaction changes revision", []feedbackbot.Event{Put(react)}, 1},
		{"same id in another workspace", []feedbackbot.Event{Put(otherWS)}, 1},
		{"same id on another platform", []feedbackbot.Event{Put(discord)}, 1},
		{"batch with duplicates inside", []feedbackbot.Event{Put(other), Put(other), Put(react), Put(other)}, 1},
		{"delete", []feedbackbot.Event{Delete(m)}, 1},
		{"delete twice", []feedbackbot.Event{Delete(m)}, 0},
		{"re-import of the deleted message", []feedbackbot.Event{Put(m), Put(edit), Put(react)}, 0},
		{"delete and redelivered delete in one batch", []feedbackbot.Event{Delete(other), Delete(other)}, 1},
		{"delete, then put, of a message never stored, in one batch", []feedbackbot.Event{Delete(later), Put(later)}, 0},
		{"its put again", []feedbackbot.Event{Put(later)}, 0},
		{"empty batch", nil, 0},
	}
	total := 0
	for _, st := range steps {
		got := f.append(st.events...)
		if got != st.want {
			t.Errorf("%s: Append = %d, want %d", st.name, got, st.want)
		}
		total += st.want
	}
	es := f.readAll("c")
	if len(es) != total {
		t.Fatalf("log holds %d entries, want %d", len(es), total)
	}
}

func testAppendInvalid(t *testing.T, f *fixture) {
	good := Msg("W1", "m1", "hi", "", "", "C1", Base)
	noChannel := good
	noChannel.Channel = ""
	noTime := good
	noTime.Time = time.Time{}
	badRole := good
	badRole.Role = "admin"
	noID := good
	noID.ID = ""
	cases := []struct {
		name string
		ev   feedbackbot.Event
	}{
		{"put without channel", Put(noChannel)},
		{"put without time", Put(noTime)},
		{"put with unknown role", Put(badRole)},
		{"put without id", Put(noID)},
		{"delete without id", Delete(noID)},
		{"unknown kind", feedbackbot.Event{Kind: "upsert", Message: good}},
	}
	for _, tc := range cases {
		_, err := f.s.Append(f.ctx, tc.ev)
		checkCode(t, tc.name, err, feedbackbot.EINVALID)
	}
	if n := f.append(Put(good)); n != 1 {
		t.Errorf("valid put after invalid ones: Append = %d, want 1", n)
	}
}

// entryMatches checks an entry read back against the event appended.
func entryMatches(t *testing.T, what string, e store.Entry, ev feedbackbot.Event, deliveries int64) {
	t.Helper()
	if e.ID == "" {
		t.Errorf("%s: entry has no ID", what)
	}
	if e.Workspace != ev.Message.Workspace {
		t.Errorf("%s: Workspace = %q, want %q", what, e.Workspace, ev.Message.Workspace)
	}
	if e.Event.Kind != ev.Kind {
		t.Errorf("%s: Kind = %q, want %q", what, e.Event.Kind, ev.Kind)
	}
	if ev.Kind == feedbackbot.EventPut && !sameMessage(e.Event.Message, ev.Message) {
		t.Errorf("%s: message differs:\ngot  %s\nwant %s", what, dump(e.Event.Message), dump(ev.Message))
	}
	if e.Event.Message.Key() != ev.Message.Key() {
		t.Errorf("%s: key = %q, want %q", what, e.Event.Message.Key(), ev.Message.Key())
	}
	if e.Deliveries != deliveries {
		t.Errorf("%s: Deliveries = %d, want %d", what, e.Deliveries, deliveries)
	}
}

func testReadOrder(t *testing.T, f *fixture) {
	var events []feedbackbot.Event
	for i := range 5 {
		m := Msg("W1", fmt.Sprintf("m%d", i), fmt.Sprintf("text %d", i), "", "A1", "C1", Base.Add(time.Duration(i)*time.Minute))
		m.Thread = "m0"
		m.Reactions = map[string]int{"tada": i + 1}
		events = append(events, Put(m))
	}
	events = append(events, Delete(events[1].Message))
	f.append(events[:3]...)
	f.append(events[3:]...)
	es := f.readAll("c1")
	if len(es) != len(events) {
		t.Fatalf("read %d entries, want %d", len(es), len(events))
	}
	seen := map[string]bool{}
	for i, e := range es {
		entryMatches(t, fmt.Sprintf("entry %d", i), e, events[i], 1)
		if seen[e.ID] {
			t.Errorf("entry %d: duplicate ID %q", i, e.ID)
		}
		seen[e.ID] = true
	}
}

func testReadMax(t *testing.T, f *fixture) {
	var events []feedbackbot.Event
	for i := range 7 {
		events = append(events, Put(Msg("W1", fmt.Sprintf("m%d", i), "x", "", "", "C1", Base.Add(time.Duration(i)*time.Second))))
	}
	f.append(events...)
	var got []store.Entry
	for _, want := range []int{3, 3, 1, 0} {
		es := f.read("c", 3)
		if len(es) != want {
			t.Fatalf("Read(max 3) returned %d entries, want %d", len(es), want)
		}
		got = append(got, es...)
	}
	for i, e := range got {
		entryMatches(t, fmt.Sprintf("entry %d", i), e, events[i], 1)
	}
}

func testAckRemoves(t *testing.T, f *fixture) {
	m1 := Msg("W1", "m1", "a", "", "", "C1", Base)
	m2 := Msg("W1", "m2", "b", "", "", "C1", Base.Add(time.Second))
	f.append(Put(m1), Put(m2))
	es := f.readAll("c1")
	if len(es) != 2 {
		t.Fatalf("read %d entries, want 2", len(es))
	}
	f.ack(es...)
	f.ack(es...) // acking twice is a no-op
	f.ack(store.Entry{ID: es[0].ID, Workspace: "W-unknown"})
	if n := f.backlog(); n != 0 {
		t.Errorf("Backlog after ack = %d, want 0", n)
	}
	if es := f.readAll("c1"); len(es) != 0 {
		t.Errorf("acked entries came back to their consumer: %d", len(es))
	}
	time.Sleep(ClaimIdle + ClaimIdle/2)
	if es := f.readAll("c2"); len(es) != 0 {
		t.Errorf("acked entries were reclaimed by another consumer: %d", len(es))
	}
}

func testReclaim(t *testing.T, f *fixture) {
	var events []feedbackbot.Event
	for i := range 3 {
		events = append(events, Put(Msg("W1", fmt.Sprintf("m%d", i), "x", "", "", "C1", Base.Add(time.Duration(i)*time.Second))))
	}
	f.append(events...)
	es := f.readAll("crashed")
	if len(es) != 3 {
		t.Fatalf("read %d entries, want 3", len(es))
	}
	f.ack(es[1])
	if got := f.read("other", 10); len(got) != 0 {
		t.Fatalf("pending entries were handed to another consumer before the claim timeout: %d", len(got))
	}
	time.Sleep(ClaimIdle + ClaimIdle/2)
	got := f.readAll("other")
	if len(got) != 2 {
		t.Fatalf("after the claim timeout another consumer got %d entries, want 2", len(got))
	}
	entryMatches(t, "reclaimed 0", got[0], events[0], 2)
	entryMatches(t, "reclaimed 1", got[1], events[2], 2)
	if got[0].ID != es[0].ID || got[1].ID != es[2].ID {
		t.Errorf("reclaimed IDs %q, %q; want %q, %q", got[0].ID, got[1].ID, es[0].ID, es[2].ID)
	}
	if n := f.backlog(); n != 2 {
		t.Errorf("Backlog with 2 pending = %d, want 2", n)
	}
	f.ack(got...)
	if n := f.backlog(); n != 0 {
		t.Errorf("Backlog after ack = %d, want 0", n)
	}
	if es := f.readAll("crashed"); len(es) != 0 {
		t.Errorf("acked entries came back: %d", len(es))
	}
}

func testReadWaitEmpty(t *testing.T, f *fixture) {
	es, err := f.s.Read(f.ctx, "c", 10, 50*time.Millisecond)
	if err != nil {
		t.Fatalf("Read on an empty log: %v", err)
	}
	if len(es) != 0 {
		t.Fatalf("Read on an empty log returned %d entries", len(es))
	}
	// Something in another workspace, already delivered, does not make Read return.
	f.append(Put(Msg("W1", "m1", "x", "", "", "C1", Base)))
	f.readAll("c")
	es, err = f.s.Read(f.ctx, "c", 10, 50*time.Millisecond)
	if err != nil || len(es) != 0 {
		t.Fatalf("Read with nothing new = %d entries, %v; want 0, nil", len(es), err)
	}
}

func testReadWaitWakes(t *testing.T, f *fixture) {
	ev := Put(Msg("W1", "m1", "x", "", "", "C1", Base))
	type result struct {
		es  []store.Entry
		err error
	}
	const wait = 20 * time.Second
	done := make(chan result, 1)
	go func() {
		es, err := f.s.Read(f.ctx, "c", 10, wait)
		done <- result{es, err}
	}()
	time.Sleep(50 * time.Millisecond) // let Read start waiting; correctness does not depend on it
	f.append(ev)
	var r result
	select {
	case r = <-done:
	case <-time.After(wait / 2):
		t.Fatalf("a waiting Read did not return within %s of an append", wait/2)
	}
	if r.err != nil {
		t.Fatalf("Read: %v", r.err)
	}
	if len(r.es) != 1 {
		t.Fatalf("a waiting Read returned %d entries after an append, want 1", len(r.es))
	}
	entryMatches(t, "woken", r.es[0], ev, 1)
}

func testReadTwoWorkspaces(t *testing.T, f *fixture) {
	var events []feedbackbot.Event
	for i := range 6 {
		ws := []string{"W1", "W2"}[i%2]
		events = append(events, Put(Msg(ws, fmt.Sprintf("m%d", i), "x", "", "", "C1", Base.Add(time.Duration(i)*time.Second))))
	}
	for _, ev := range events {
		f.append(ev)
	}
	es := f.readAll("c")
	if len(es) != len(events) {
		t.Fatalf("read %d entries, want %d", len(es), len(events))
	}
	byWS := map[string][]store.Entry{}
	for _, e := range es {
		byWS[e.Workspace] = append(byWS[e.Workspace], e)
	}
	for _, ws := range []string{"W1", "W2"} {
		var want []feedbackbot.Event
		for _, ev := range events {
			if ev.Message.Workspace == ws {
				want = append(want, ev)
			}
		}
		if len(byWS[ws]) != len(want) {
			t.Fatalf("%s: read %d entries, want %d", ws, len(byWS[ws]), len(want))
		}
		for i, e := range byWS[ws] {
			entryMatches(t, fmt.Sprintf("%s entry %d", ws, i), e, want[i], 1)
		}
	}
}

func testBacklog(t *testing.T, f *fixture) {
	check := func(what string, want int64) {
		t.Helper()
		if n := f.backlog(); n != want {
			t.Errorf("%s: Backlog = %d, want %d", what, n, want)
		}
	}
	check("empty store", 0)
	for i := range 5 {
		f.append(Put(Msg([]string{"W1", "W2"}[i%2], fmt.Sprintf("m%d", i), "x", "", "", "C1", Base)))
	}
	check("5 appended", 5)
	first := f.read("c", 3)
	check("3 delivered", 5)
	f.ack(first[:2]...)
	check("2 acked", 3)
	rest := f.readAll("c")
	check("all delivered", 3)
	f.ack(first[2])
	f.ack(rest...)
	check("all acked", 0)
}

func testReplay(t *testing.T, f *fixture) {
	var w1 []feedbackbot.Event
	for i := range 4 {
		m := Msg("W1", fmt.Sprintf("m%d", i), "x", "", "", "C1", Base.Add(time.Duration(i)*time.Second))
		w1 = append(w1, Put(m))
		f.append(Put(m))
		f.append(Put(Msg("W2", fmt.Sprintf("o%d", i), "y", "", "", "C1", Base)))
	}
	w1 = append(w1, Delete(w1[0].Message))
	f.append(w1[4])
	// Some delivered and acked, some delivered and pending, some undelivered.
	es := f.read("c", 4)
	f.ack(es[:2]...)
	before := f.backlog()

	var got []store.Entry
	err := f.s.Replay(f.ctx, "W1", func(e store.Entry) error {
		got = append(got, e)
		return nil
	})
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	if len(got) != len(w1) {
		t.Fatalf("Replay gave %d entries, want %d", len(got), len(w1))
	}
	for i, e := range got {
		entryMatches(t, fmt.Sprintf("replayed %d", i), e, w1[i], e.Deliveries)
	}
	if after := f.backlog(); after != before {
		t.Errorf("Replay changed Backlog from %d to %d", before, after)
	}
	rest := f.readAll("c")
	if len(rest) != 9-4 {
		t.Errorf("after Replay, Read returned %d undelivered entries, want 5", len(rest))
	}
	if err := f.s.Replay(f.ctx, "W-none", func(store.Entry) error {
		t.Error("Replay of an unknown workspace called fn")
		return nil
	}); err != nil {
		t.Errorf("Replay of an unknown workspace: %v", err)
	}
}

func testReplayStops(t *testing.T, f *fixture) {
	for i := range 3 {
		f.append(Put(Msg("W1", fmt.Sprintf("m%d", i), "x", "", "", "C1", Base)))
	}
	stop := errors.New("stop here")
	calls := 0
	err := f.s.Replay(f.ctx, "W1", func(store.Entry) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) {
		t.Errorf("Replay returned %v, want fn's error", err)
	}
	if calls != 1 {
		t.Errorf("fn called %d times after returning an error, want 1", calls)
	}
}

func testTextRoundTrip(t *testing.T, f *fixture) {
	invalid := Msg("W1", "C1:1700000000.000100", "caf\xe9 \xff\xfe broken", "", "A1", "C1", Base)
	long := Msg("W1", "C1:1700000000.000200", strings.Repeat("é", feedbackbot.MaxTextBytes), "", "A1", "C1", Base.Add(time.Second))
	exact := Msg("W1", "1234567890123456789", strings.Repeat("ab", feedbackbot.MaxTextBytes/2), "", "A1", "C1", Base.Add(2*time.Second))
	odd := Msg("W1", "a/b c|d:e{f}", "id with separators", feedbackbot.RoleStaff, "A|1", "C|1", Base.Add(3*time.Second))
	odd.EditedAt = Base.Add(time.Hour)
	odd.Reactions = map[string]int{"+1": 3, "heart": 1}
	for _, c := range []struct {
		m    feedbackbot.Message
		text string
		cut  bool
	}{
		{invalid, "caf\uFFFD \uFFFD broken", false}, // a run of invalid bytes becomes one U+FFFD
		{long, strings.Repeat("é", feedbackbot.MaxTextBytes/2), true},
		{exact, exact.Text, false},
	} {
		if c.m.Text != c.text || c.m.Truncated != c.cut || len(c.m.Text) > feedbackbot.MaxTextBytes {
			t.Fatalf("Normalize gave %d bytes truncated=%v, want %d bytes truncated=%v", len(c.m.Text), c.m.Truncated, len(c.text), c.cut)
		}
	}
	ms := []feedbackbot.Message{invalid, long, exact, odd}
	var events []feedbackbot.Event
	for _, m := range ms {
		events = append(events, Put(m))
	}
	if n := f.append(events...); n != len(ms) {
		t.Fatalf("Append = %d, want %d", n, len(ms))
	}
	es := f.readAll("c")
	if len(es) != len(ms) {
		t.Fatalf("read %d, want %d", len(es), len(ms))
	}
	for i, e := range es {
		entryMatches(t, fmt.Sprintf("entry %d", i), e, events[i], 1)
	}
	tag := func(*feedbackbot.Message) feedbackbot.Tags { return Tags(-0.6, "v1", "export") }
	if n := f.apply(items(es, tag)...); n != len(ms) {
		t.Fatalf("Apply = %d, want %d", n, len(ms))
	}
	for _, m := range ms {
		got, err := f.s.Message(f.ctx, m.Key())
		if err != nil {
			t.Fatalf("Message(%q): %v", m.Key(), err)
		}
		checkStored(t, m.Key(), got, store.Stored{Message: m, Tags: tag(&m)})
	}
	// Re-appending what was read back is a redelivery: the revision survived the trip.
	if n := f.append(events...); n != 0 {
		t.Errorf("re-appending the same messages appended %d", n)
	}
}

func testWorkspaces(t *testing.T, f *fixture) {
	got, err := f.s.Workspaces(f.ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("Workspaces of an empty store = %v, %v", got, err)
	}
	m := Msg("T2", "m1", "x", "", "", "C1", Base)
	f.append(Put(m), Put(Msg("G1", "m1", "x", "", "", "C1", Base)))
	f.append(Delete(m))
	f.append(Put(Msg("T1", "m1", "x", "", "", "C1", Base)))
	if err := f.s.PutDoc(f.ctx, "T9", "cursor", "x", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	got, err = f.s.Workspaces(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"G1", "T1", "T2"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Workspaces = %v, want %v", got, want)
	}
}

// testInvalidUTF8Fields appends a message with invalid UTF-8 outside the fields
// Normalize repairs (thread, account, channel, author, a reaction). Whatever the
// backend stores, the entry read back must keep its key and revision, so it can be
// applied (and counted) and a redelivery of either form is still a duplicate.
func testInvalidUTF8Fields(t *testing.T, f *fixture) {
	m := Msg("W1", "m1", "broken \xff text", "", "A\xff1", "C\xfe1", Base)
	m.Thread = "1700000000.\xff"
	m.ReplyTo = "\xc3"
	m.Author = "U\xff"
	m.Permalink = "https://x/\xff"
	m.Reactions = map[string]int{"ok": 1, "bad\xff": 2}
	if n := f.append(Put(m)); n != 1 {
		t.Fatalf("Append = %d, want 1", n)
	}
	es := f.readAll("c")
	if len(es) != 1 {
		t.Fatalf("read %d entries, want 1", len(es))
	}
	back := es[0].Event.Message
	if back.Key() != m.Key() {
		t.Errorf("key changed on the way through the log: %q, want %q", back.Key(), m.Key())
	}
	tag := func(*feedbackbot.Message) feedbackbot.Tags { return Tags(-0.7, "v1", "export") }
	if n := f.apply(items(es, tag)...); n != 1 {
		t.Fatalf("Apply of the entry read back changed %d, want 1 (its revision must survive the log)", n)
	}
	f.ack(es...)
	got, err := f.s.Message(f.ctx, back.Key())
	if err != nil {
		t.Fatalf("Message: %v", err)
	}
	checkStored(t, "applied", got, store.Stored{Message: back, Tags: tag(&back)})
	want := applied{}
	want.set(back, tag(&back))
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), want.expectRollups("W1"))
	if n := f.append(Put(m), Put(back)); n != 0 {
		t.Errorf("redelivery of the raw or the read-back message appended %d, want 0", n)
	}
	if m.Reactions["bad\xff"] != 2 || len(m.Reactions) != 2 {
		t.Errorf("Append changed the caller's reactions map: %v", m.Reactions)
	}
	accts, err := f.s.Accounts(f.ctx, "W1")
	if err != nil || len(accts) != 1 || accts[0] != back.Account {
		t.Errorf("Accounts = %q, %v; want [%q]", accts, err, back.Account)
	}
}

// testAppendNew: AppendNew fills in what the log never held and leaves alone what
// it holds in any version: an old export's copy of a message edited since, a
// deleted message, an erased one; deletes go as Append's.
func testAppendNew(t *testing.T, f *fixture) {
	fl, ok := f.s.(store.Filler)
	if !ok {
		t.Fatal("the store does not implement store.Filler")
	}
	appendNew := func(evs ...feedbackbot.Event) int {
		t.Helper()
		n, err := fl.AppendNew(f.ctx, evs...)
		if err != nil {
			t.Fatalf("AppendNew: %v", err)
		}
		return n
	}
	m := Msg("W1", "m1", "my api key is sk-SECRET123", "", "A1", "C1", Base)
	edited := m
	edited.Text, edited.EditedAt = "why does the api fail?", Base.Add(time.Hour)
	gone := Msg("W1", "m2", "wrong channel, sorry", "", "A1", "C1", Base.Add(time.Minute))
	fresh := Msg("W1", "m3", "the export is slow", "", "A1", "C1", Base.Add(2*time.Minute))
	twice := Msg("W1", "m4", "first", "", "A1", "C1", Base.Add(3*time.Minute))
	twiceEdited := twice
	twiceEdited.Text, twiceEdited.EditedAt = "first, edited", Base.Add(4*time.Minute)
	f.append(Put(edited), Put(gone), Delete(gone))
	for _, st := range []struct {
		name   string
		events []feedbackbot.Event
		want   int
	}{
		{"an older copy of a message edited since", []feedbackbot.Event{Put(m)}, 0},
		{"a deleted message", []feedbackbot.Event{Put(gone)}, 0},
		{"a message never held", []feedbackbot.Event{Put(fresh)}, 1},
		{"again", []feedbackbot.Event{Put(fresh)}, 0},
		{"two versions of a new message in one batch: the first", []feedbackbot.Event{Put(twice), Put(twiceEdited)}, 1},
		{"a delete of a held message", []feedbackbot.Event{Delete(fresh)}, 1},
	} {
		if got := appendNew(st.events...); got != st.want {
			t.Errorf("%s: AppendNew = %d, want %d", st.name, got, st.want)
		}
	}
	for key, want := range map[string]string{edited.Key(): edited.Text, twice.Key(): twice.Text} {
		if got, found, err := f.s.Newest(f.ctx, key); err != nil || !found || got.Text != want {
			t.Errorf("Newest(%s) = %q, %v, %v; want %q", key, got.Text, found, err, want)
		}
	}
}

// testWorkspacesSkippedOnly guards a workspace none of whose events were appended:
// a delete of a message never stored and its put arriving after it (the Slack
// retry store.Log describes) append nothing and hand nothing to a reader. The
// workspace may be listed or not (store.Derived: the embedded store lists only a
// workspace something was appended to; Redis lists a workspace before appending
// to it, so that a crash between the two never leaves an appended entry unread,
// and cannot know beforehand that every event will be skipped). A put appended
// later lists it and is read.
func testWorkspacesSkippedOnly(t *testing.T, f *fixture) {
	m := Msg("W1", "m1", "x", "", "", "C1", Base)
	if n := f.append(Delete(m)); n != 0 {
		t.Fatalf("Append(delete of a message never stored) = %d, want 0", n)
	}
	if n := f.append(Put(m)); n != 0 {
		t.Fatalf("Append(put after its delete) = %d, want 0", n)
	}
	if es := f.readAll("c1"); len(es) != 0 {
		t.Errorf("Read after only skipped events = %d entries, want none", len(es))
	}
	got, err := f.s.Workspaces(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprint(got); s != "[]" && s != "[W1]" {
		t.Errorf("Workspaces after only skipped events = %v, want none or [W1]", got)
	}
	m2 := Msg("W1", "m2", "y", "", "", "C1", Base)
	if n := f.append(Put(m2)); n != 1 {
		t.Fatalf("Append(a new message) = %d, want 1", n)
	}
	if got, err = f.s.Workspaces(f.ctx); err != nil || fmt.Sprint(got) != "[W1]" {
		t.Errorf("Workspaces after an appended put = %v, %v; want [W1]", got, err)
	}
	if es := f.readAll("c1"); len(es) != 1 || es[0].Event.Message.Key() != m2.Key() {
		t.Errorf("Read after an appended put = %d entries, want its one", len(es))
	}
}

// testAckSkipsMalformedID guards Ack against refusing a batch for one entry it
// cannot know: acking an unknown entry is a no-op (store.Log), an id of another
// form or none at all included, and the batch's other entries are acknowledged
// (Redis refused the whole batch with EINVALID, leaving the valid entry pending).
func testAckSkipsMalformedID(t *testing.T, f *fixture) {
	f.append(Put(Msg("W1", "m1", "a", "", "", "C1", Base)), Put(Msg("W1", "m2", "b", "", "", "C1", Base)))
	es := f.readAll("c1")
	if len(es) != 2 {
		t.Fatalf("read %d entries, want 2", len(es))
	}
	bad := []store.Entry{{ID: "not-an-id", Workspace: "W1"}, {ID: "", Workspace: "W1"}, {ID: es[1].ID, Workspace: ""}}
	if err := f.s.Ack(f.ctx, append([]store.Entry{bad[0], es[0], bad[1]}, bad[2:]...)...); err != nil {
		t.Errorf("Ack(malformed, valid, malformed) = %v, want nil (acking an unknown entry is a no-op)", err)
	}
	if n := f.backlog(); n != 1 {
		t.Errorf("Backlog after acking one of two entries among malformed ones = %d, want 1", n)
	}
	f.ack(es[1])
	if n := f.backlog(); n != 0 {
		t.Errorf("Backlog after acking both = %d, want 0", n)
	}
}

// testReadDefaultMax guards the contract's default batch: Read with max <= 0
// hands out up to 100 entries (Redis handed out none; bolt 100).
func testReadDefaultMax(t *testing.T, f *fixture) {
	var events []feedbackbot.Event
	for i := range 103 {
		events = append(events, Put(Msg("W1", fmt.Sprintf("m%03d", i), "x", "", "", "C1", Base.Add(time.Duration(i)*time.Second))))
	}
	f.append(events...)
	if es := f.read("c", 0); len(es) != 100 {
		t.Errorf("Read(max 0) = %d entries, want 100 (the default)", len(es))
	}
	if es := f.read("c", -1); len(es) != 3 {
		t.Errorf("Read(max -1) after 100 of 103 = %d entries, want 3", len(es))
	}
}

// testAppendDeleteLongID guards the identifier bound on deletes: a delete whose
// message id, or workspace, is longer than feedbackbot.MaxIDBytes is EINVALID and
// appends nothing, as a put's is (Redis accepted it and remembered the deletion).
func testAppendDeleteLongID(t *testing.T, f *fixture) {
	long := strings.Repeat("x", feedbackbot.MaxIDBytes+1)
	m := Msg("W1", "m1", "x", "", "", "C1", Base)
	longID := feedbackbot.Event{Kind: feedbackbot.EventDelete, Message: feedbackbot.Message{ID: long, Platform: m.Platform, Workspace: "W1"}}
	longWS := feedbackbot.Event{Kind: feedbackbot.EventDelete, Message: feedbackbot.Message{ID: "m1", Platform: m.Platform, Workspace: long}}
	for _, c := range []struct {
		name string
		ev   feedbackbot.Event
	}{{"delete with an id over the bound", longID}, {"delete with a workspace over the bound", longWS}} {
		_, err := f.s.Append(f.ctx, Put(m), c.ev)
		checkCode(t, c.name, err, feedbackbot.EINVALID)
	}
	atBound := feedbackbot.Event{Kind: feedbackbot.EventDelete, Message: feedbackbot.Message{ID: long[1:], Platform: m.Platform, Workspace: "W1"}}
	if n, err := f.s.Append(f.ctx, atBound); err != nil || n != 0 {
		t.Errorf("Append(delete of an unknown id of exactly %d bytes) = %d, %v; want 0, nil", feedbackbot.MaxIDBytes, n, err)
	}
	if n := f.backlog(); n != 0 {
		t.Errorf("Backlog after rejected batches = %d, want 0 (nothing appended)", n)
	}
}
