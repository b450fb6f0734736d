package storetest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

var privacyTests = []test{
	{"Export", testExport},
	{"ExportStops", testExportStops},
	{"AuthorKeys", testAuthorKeys},
	{"AuthorEntries", testAuthorEntries},
	{"Forget", testForget},
	{"ForgetUnknown", testForgetUnknown},
	{"ForgetOwnAccount", testForgetOwnAccount},
	{"ForgetKeepsSharedAccount", testForgetKeepsSharedAccount},
	{"ForgetBeforeApply", testForgetBeforeApply},
	{"ForgetWhileWorking", testForgetWhileWorking},
}

// by makes m a message written by author.
func by(author string, m feedbackbot.Message) feedbackbot.Message {
	m.Author = author
	m.AuthorName = "Name of " + author
	return m
}

// export collects AuthorMessages.
func (f *fixture) export(ws, author string) []store.Stored {
	f.t.Helper()
	var out []store.Stored
	if err := f.s.AuthorMessages(f.ctx, ws, author, func(st store.Stored) error {
		out = append(out, st)
		return nil
	}); err != nil {
		f.t.Fatalf("AuthorMessages(%s, %s): %v", ws, author, err)
	}
	return out
}

func (f *fixture) forget(ws, author string) int {
	f.t.Helper()
	n, err := f.s.Forget(f.ctx, ws, author)
	if err != nil {
		f.t.Fatalf("Forget(%s, %s): %v", ws, author, err)
	}
	return n
}

// scoreByID tags messages by a score taken from their id's trailing digit, so each
// author has negative, neutral and positive messages.
func scoreByID(m *feedbackbot.Message) feedbackbot.Tags {
	d := int(m.ID[len(m.ID)-1] - '0')
	return Tags(float64(d%5-2)/2.5, "v1", []string{"export", "billing"}[d%2])
}

func testExport(t *testing.T, f *fixture) {
	// Appended out of time order; an edit, a delete, another author, another
	// workspace and a staff message by the same person.
	a1 := by("alice", Msg("W1", "a1", "export broke", "", "A1", "C1", Base.Add(2*time.Hour)))
	a2 := by("alice", Msg("W1", "a2", "billing is confusing", "", "A1", "C2", Base))
	a3 := by("alice", Msg("W1", "a3", "will be edited", "", "A1", "C1", Base.Add(time.Hour)))
	a4 := by("alice", Msg("W1", "a4", "will be deleted", "", "A1", "C1", Base.Add(30*time.Minute)))
	a5 := by("alice", Msg("W1", "a5", "staff hat on", feedbackbot.RoleStaff, "A2", "C3", Base.Add(3*time.Hour)))
	b1 := by("bob", Msg("W1", "b1", "all good", "", "A1", "C1", Base.Add(90*time.Minute)))
	w2 := by("alice", Msg("W2", "a1", "other workspace", "", "A1", "C1", Base))
	f.put(scoreByID, a1, a2, a3, a4, a5, b1, w2)
	edit := a3
	edit.Text = "edited: the report is late"
	edit.EditedAt = Base.Add(5 * time.Hour)
	f.append(Put(edit), Delete(a4))
	f.consume(scoreByID)

	want := []feedbackbot.Message{a2, edit, a1, a5}
	got := f.export("W1", "alice")
	if !slices.Equal(keys(got), keysOf(want)) {
		t.Fatalf("AuthorMessages(alice) = %v, want oldest first %v", keys(got), keysOf(want))
	}
	for i, m := range want {
		checkStored(t, "export "+m.ID, got[i], store.Stored{Message: m, Tags: scoreByID(&m)})
	}
	if got := f.export("W1", "bob"); !slices.Equal(keys(got), []string{b1.Key()}) {
		t.Errorf("AuthorMessages(bob) = %v, want %v", keys(got), []string{b1.Key()})
	}
	if got := f.export("W2", "alice"); !slices.Equal(keys(got), []string{w2.Key()}) {
		t.Errorf("AuthorMessages(W2, alice) = %v, want %v", keys(got), []string{w2.Key()})
	}
	for _, c := range [][2]string{{"W1", "nobody"}, {"W9", "alice"}} {
		if got := f.export(c[0], c[1]); len(got) != 0 {
			t.Errorf("AuthorMessages(%s, %s) = %v, want nothing", c[0], c[1], keys(got))
		}
	}
}

func (f *fixture) authorKeys(ws, author string) []string {
	f.t.Helper()
	got, err := f.s.AuthorKeys(f.ctx, ws, author)
	if err != nil {
		f.t.Fatalf("AuthorKeys(%s, %s): %v", ws, author, err)
	}
	return got
}

// testAuthorKeys: AuthorKeys lists every message of the author the store holds in any
// state (applied, not applied yet, deleted on the platform), exactly those Forget
// then erases, and nothing erased or expired, nor other authors' messages.
func testAuthorKeys(t *testing.T, f *fixture) {
	a0 := by("alice", Msg("W1", "a0", "old enough to expire", "", "A1", "C1", Base.Add(-72*time.Hour)))
	a1 := by("alice", Msg("W1", "a1", "applied", "", "A1", "C1", Base))
	a2 := by("alice", Msg("W1", "a2", "appended, not applied", "", "A1", "C1", Base.Add(time.Minute)))
	a3 := by("alice", Msg("W1", "a3", "applied, then deleted", "", "A1", "C1", Base.Add(2*time.Minute)))
	a4 := by("alice", Msg("W1", "a4", "put then deleted, neither applied", "", "A1", "C1", Base.Add(3*time.Minute)))
	a5 := by("alice", Msg("W1", "a5", "applied, its edit not yet", "", "A1", "C1", Base.Add(4*time.Minute)))
	b1 := by("bob", Msg("W1", "b1", "bob applied", "", "A1", "C1", Base))
	b2 := by("bob", Msg("W1", "b2", "bob not applied", "", "A1", "C1", Base.Add(time.Minute)))
	c1 := by("carol", Msg("W1", "c1", "carol applied", "", "A1", "C1", Base))
	c2 := by("carol", Msg("W1", "c2", "carol not applied", "", "A1", "C1", Base.Add(time.Minute)))
	w1 := by("alice", Msg("W2", "a1", "other workspace", "", "A1", "C1", Base))
	// A message whose later version has another author: erased with him, it leaves
	// her list too.
	s1 := by("alice", Msg("W1", "s1", "alice's version", "", "A1", "C1", Base))
	s1d := by("dave", s1)
	s1d.Text, s1d.EditedAt = "dave's version", Base.Add(time.Minute)
	f.put(scoreByID, a0, a1, a3, a5, b1, c1, w1, s1)
	f.put(scoreByID, s1d)
	if n := f.forget("W1", "dave"); n != 1 {
		t.Fatalf("Forget(dave) = %d, want 1", n)
	}
	f.append(Delete(a3))
	f.consume(scoreByID)
	if _, err := f.s.Expire(f.ctx, "W1", Base.Add(-24*time.Hour)); err != nil {
		t.Fatalf("Expire: %v", err)
	}
	edit := a5
	edit.Text, edit.EditedAt = "edited", Base.Add(time.Hour)
	f.append(Put(a2), Put(a4), Delete(a4), Put(edit), Put(b2), Put(c2))
	if n := f.forget("W1", "carol"); n != 2 {
		t.Fatalf("Forget(carol) = %d, want 2", n)
	}

	want := keysOf([]feedbackbot.Message{a1, a2, a3, a4, a5})
	slices.Sort(want)
	for _, c := range []struct {
		ws, author string
		want       []string
	}{
		{"W1", "alice", want},
		{"W1", "bob", keysOf([]feedbackbot.Message{b1, b2})},
		{"W1", "carol", nil}, // forgotten
		{"W2", "alice", []string{w1.Key()}},
		{"W1", "nobody", nil},
		{"W9", "alice", nil},
	} {
		if got := f.authorKeys(c.ws, c.author); !slices.Equal(got, c.want) {
			t.Errorf("AuthorKeys(%s, %s) = %v, want %v", c.ws, c.author, got, c.want)
		}
	}
	if n := f.forget("W1", "alice"); n != len(want) {
		t.Errorf("Forget(alice) = %d, want the %d messages AuthorKeys listed", n, len(want))
	}
	if got := f.authorKeys("W1", "alice"); len(got) != 0 {
		t.Errorf("AuthorKeys(alice) after Forget = %v, want nothing", got)
	}
	if got := f.authorKeys("W1", "bob"); len(got) != 2 {
		t.Errorf("AuthorKeys(bob) after Forget(alice) = %v, want his 2", got)
	}
}

// authorEntries collects AuthorEntries.
func (f *fixture) authorEntries(ws, author string) []store.Entry {
	f.t.Helper()
	var out []store.Entry
	if err := f.s.AuthorEntries(f.ctx, ws, author, func(e store.Entry) error {
		out = append(out, e)
		return nil
	}); err != nil {
		f.t.Fatalf("AuthorEntries(%s, %s): %v", ws, author, err)
	}
	return out
}

// entryLine shows an entry as a test compares it: kind, key, author and text.
func entryLine(e store.Entry) string {
	m := e.Event.Message
	return fmt.Sprintf("%s %s %s %q", e.Event.Kind, m.Key(), m.Author, m.Text)
}

// testAuthorEntries: AuthorEntries gives, in log order, every entry the log holds of
// the author's messages (first versions, edits, deletes, entries not applied or not
// delivered yet), the very entries Replay holds of them, and nothing of other
// authors (not their versions of a shared key), nor anything forgotten or expired.
func testAuthorEntries(t *testing.T, f *fixture) {
	a0 := by("alice", Msg("W1", "a0", "old enough to expire", "", "A1", "C1", Base.Add(-72*time.Hour)))
	a1 := by("alice", Msg("W1", "a1", "first version", "", "A1", "C1", Base))
	a2 := by("alice", Msg("W1", "a2", "deleted on the platform", "", "A1", "C1", Base.Add(time.Minute)))
	a3 := by("alice", Msg("W1", "a3", "appended, not applied", "", "A1", "C1", Base.Add(2*time.Minute)))
	s1 := by("alice", Msg("W1", "s1", "alice's version", "", "A1", "C1", Base.Add(3*time.Minute)))
	s1d := by("dave", s1)
	s1d.Text, s1d.EditedAt = "dave's version", Base.Add(4*time.Minute)
	b1 := by("bob", Msg("W1", "b1", "bob's", "", "A1", "C1", Base))
	c1 := by("carol", Msg("W1", "c1", "carol's, forgotten", "", "A1", "C1", Base))
	w1 := by("alice", Msg("W2", "a1", "other workspace", "", "A1", "C1", Base))
	e1 := a1
	e1.Text, e1.EditedAt = "second version", Base.Add(time.Hour)
	e2 := e1
	e2.Text, e2.EditedAt = "third version, not applied yet", Base.Add(2*time.Hour)

	f.put(scoreByID, a0, a1, b1, c1, a2, w1, s1)
	f.put(scoreByID, s1d)
	f.append(Put(e1), Delete(a2), Put(by("bob", Msg("W1", "b2", "bob's second", "", "A1", "C1", Base))))
	f.consume(scoreByID)
	if _, err := f.s.Expire(f.ctx, "W1", Base.Add(-24*time.Hour)); err != nil {
		t.Fatalf("Expire: %v", err)
	}
	if n := f.forget("W1", "carol"); n != 1 {
		t.Fatalf("Forget(carol) = %d, want 1", n)
	}
	f.append(Put(a3), Put(e2)) // neither delivered

	want := []string{
		entryLine(store.Entry{Event: Put(a1)}),
		entryLine(store.Entry{Event: Put(a2)}),
		entryLine(store.Entry{Event: Put(s1)}),
		entryLine(store.Entry{Event: Put(e1)}),
		entryLine(store.Entry{Event: Delete(a2)}),
		entryLine(store.Entry{Event: Put(a3)}),
		entryLine(store.Entry{Event: Put(e2)}),
	}
	got := f.authorEntries("W1", "alice")
	lines := make([]string, len(got))
	for i, e := range got {
		lines[i] = entryLine(e)
		if e.Workspace != "W1" || e.Deliveries != 0 {
			t.Errorf("AuthorEntries entry %d: workspace %q, deliveries %d; want W1, 0", i, e.Workspace, e.Deliveries)
		}
	}
	if !slices.Equal(lines, want) {
		t.Fatalf("AuthorEntries(alice) =\n%s\nwant, in log order,\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	// The very entries (ids and order) the whole log holds of her messages.
	mine := map[string]bool{}
	for _, e := range got {
		mine[e.Event.Message.Key()] = true
	}
	var replayed []string
	if err := f.s.Replay(f.ctx, "W1", func(e store.Entry) error {
		if m := e.Event.Message; mine[m.Key()] && (e.Event.Kind == feedbackbot.EventDelete || m.Author == "alice") {
			replayed = append(replayed, e.ID)
		}
		return nil
	}); err != nil {
		t.Fatalf("Replay: %v", err)
	}
	if ids := entryIDs(got); !slices.Equal(ids, replayed) {
		t.Errorf("AuthorEntries(alice) ids = %v, Replay's of her messages %v", ids, replayed)
	}

	for _, c := range []struct {
		ws, author string
		want       []string
	}{
		{"W1", "dave", []string{entryLine(store.Entry{Event: Put(s1d)})}},
		{"W1", "bob", []string{entryLine(store.Entry{Event: Put(b1)}), entryLine(store.Entry{Event: Put(by("bob", Msg("W1", "b2", "bob's second", "", "A1", "C1", Base)))})}},
		{"W2", "alice", []string{entryLine(store.Entry{Event: Put(w1)})}},
		{"W1", "carol", nil}, // forgotten
		{"W1", "nobody", nil},
		{"W9", "alice", nil},
	} {
		var lines []string
		for _, e := range f.authorEntries(c.ws, c.author) {
			lines = append(lines, entryLine(e))
		}
		if !slices.Equal(lines, c.want) {
			t.Errorf("AuthorEntries(%s, %s) = %q, want %q", c.ws, c.author, lines, c.want)
		}
	}

	// fn's error stops the walk and is returned.
	stop, calls := errors.New("stop"), 0
	if err := f.s.AuthorEntries(f.ctx, "W1", "alice", func(store.Entry) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("AuthorEntries with a failing fn: %v after %d call(s), want stop after 1", err, calls)
	}

	if n := f.forget("W1", "alice"); n == 0 {
		t.Fatalf("Forget(alice) erased nothing")
	}
	if got := f.authorEntries("W1", "alice"); len(got) != 0 {
		t.Errorf("AuthorEntries(alice) after Forget = %d entries, want none", len(got))
	}
}

func entryIDs(es []store.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func keysOf(ms []feedbackbot.Message) []string {
	out := make([]string, len(ms))
	for i := range ms {
		out[i] = ms[i].Key()
	}
	return out
}

func testExportStops(t *testing.T, f *fixture) {
	// More than a chunk's worth, so the walk continues across reads.
	var ms []feedbackbot.Message
	for i := range 600 {
		ms = append(ms, by("alice", Msg("W1", fmt.Sprintf("a%04d", i), "x", "", "", "C1", Base.Add(time.Duration(i)*time.Second))))
	}
	f.put(scoreByID, ms...)
	if got := f.export("W1", "alice"); !slices.Equal(keys(got), keysOf(ms)) {
		t.Fatalf("AuthorMessages returned %d messages, want all %d in time order", len(got), len(ms))
	}
	stop := errors.New("stop")
	calls := 0
	err := f.s.AuthorMessages(f.ctx, "W1", "alice", func(store.Stored) error {
		if calls++; calls == 300 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 300 {
		t.Errorf("AuthorMessages returned %v after %d calls, want fn's error after 300", err, calls)
	}
}

func testForget(t *testing.T, f *fixture) {
	alice := []feedbackbot.Message{
		by("alice", Msg("W1", "a1", "the export is broken again", "", "A1", "C1", Base)),
		by("alice", Msg("W1", "a4", "love the new dashboard", "", "A2", "C2", Base.Add(10*time.Minute))),
		by("alice", Msg("W1", "a2", "this will be edited", "", "A1", "C1", Base.Add(time.Hour))),
		by("alice", Msg("W1", "a3", "this will be deleted", "", "A1", "C2", Base.Add(2*time.Hour))),
		by("alice", Msg("W1", "a9", "speaking as staff", feedbackbot.RoleStaff, "A1", "C1", Base.Add(3*time.Hour))),
	}
	others := []feedbackbot.Message{
		by("bob", Msg("W1", "b1", "the export is slow", "", "A1", "C1", Base.Add(5*time.Minute))),
		by("bob", Msg("W1", "b4", "great support", "", "A2", "C2", Base.Add(65*time.Minute))),
		by("bob", Msg("W1", "b2", "meh", "", "A1", "C1", Base.Add(2*time.Hour))),
		by("carol", Msg("W1", "c1", "we are on it", feedbackbot.RoleStaff, "A1", "C1", Base.Add(2*time.Hour+time.Minute))),
	}
	elsewhere := by("alice", Msg("W2", "a1", "the export is broken again", "", "A1", "C1", Base))
	f.put(scoreByID, append(append(slices.Clone(alice), others...), elsewhere)...)
	edit := alice[2]
	edit.Text = "edited text"
	edit.EditedAt = Base.Add(4 * time.Hour)
	f.append(Put(edit), Delete(alice[3]))
	f.consume(scoreByID)

	// Entries in flight: delivered to a worker and not acknowledged, and not delivered.
	pendA := by("alice", Msg("W1", "a5", "read but not acked", "", "A1", "C1", Base.Add(90*time.Minute)))
	pendB := by("bob", Msg("W1", "b5", "read but not acked", "", "A1", "C1", Base.Add(91*time.Minute)))
	newA := by("alice", Msg("W1", "a6", "not read yet", "", "A2", "C1", Base.Add(92*time.Minute)))
	newB := by("bob", Msg("W1", "b6", "not read yet", "", "A2", "C1", Base.Add(93*time.Minute)))
	f.append(Put(pendA), Put(pendB))
	held := f.readAll("w1")
	if len(held) != 2 {
		t.Fatalf("read %d entries, want 2", len(held))
	}
	f.append(Put(newA), Put(newB))

	// a1, a4, a2 (two versions), a3 (put and delete), a9, a5, a6.
	if n := f.forget("W1", "alice"); n != 7 {
		t.Errorf("Forget = %d, want 7 messages", n)
	}
	gone := keysOf(append(slices.Clone(alice), pendA, newA))

	// Derived state: as if alice's messages had been deleted.
	want := applied{}
	for _, m := range others {
		want.set(m, scoreByID(&m))
	}
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), want.expectRollups("W1"))
	for _, k := range gone {
		if _, err := f.s.Message(f.ctx, k); !feedbackbot.IsNotFound(err) {
			t.Errorf("Message(%s) after Forget = %v, want ENOTFOUND", k, err)
		}
	}
	for _, q := range []store.Query{{Workspace: "W1"}, {Workspace: "W1", Account: "A1"}, {Workspace: "W1", Account: "A2"}, {Workspace: "W1", Channel: "C1"}, {Workspace: "W1", Channel: "C2"}} {
		got := f.messages(q)
		var wantKeys []string
		for _, st := range want {
			m := st.Message
			if (q.Account == "" || m.Account == q.Account) && (q.Channel == "" || m.Channel == q.Channel) {
				wantKeys = append(wantKeys, m.Key())
			}
		}
		gk := keys(got)
		slices.Sort(gk)
		slices.Sort(wantKeys)
		if !slices.Equal(gk, wantKeys) {
			t.Errorf("Messages(%+v) after Forget = %v, want %v", q, gk, wantKeys)
		}
	}
	for _, kind := range []string{store.NotableNegative, store.NotablePositive} {
		got, err := f.s.Notable(f.ctx, "W1", kind, dayFrom, dayTo, 50)
		if err != nil {
			t.Fatalf("Notable: %v", err)
		}
		var wantKeys []string
		for _, st := range want {
			sc := st.Tags.Sentiment.Score
			if st.Message.Role == feedbackbot.RoleCustomer && ((kind == store.NotableNegative && sc < 0) || (kind == store.NotablePositive && sc > 0)) {
				wantKeys = append(wantKeys, st.Message.Key())
			}
		}
		gk := keys(got)
		slices.Sort(gk)
		slices.Sort(wantKeys)
		if !slices.Equal(gk, wantKeys) {
			t.Errorf("Notable(%s) after Forget = %v, want %v", kind, gk, wantKeys)
		}
	}
	if got := f.export("W1", "alice"); len(got) != 0 {
		t.Errorf("AuthorMessages after Forget = %v, want nothing", keys(got))
	}

	// The log: Replay (re-analysis) never sees alice's messages again; bob's stay.
	var replayed []string
	if err := f.s.Replay(f.ctx, "W1", func(e store.Entry) error {
		replayed = append(replayed, e.Event.Message.ID)
		return nil
	}); err != nil {
		t.Fatalf("Replay: %v", err)
	}
	if wantIDs := []string{"b1", "b4", "b2", "c1", "b5", "b6"}; !slices.Equal(replayed, wantIDs) {
		t.Errorf("Replay after Forget = %v, want %v", replayed, wantIDs)
	}
	if n := f.backlog(); n != 2 {
		t.Errorf("Backlog after Forget = %d, want 2 (bob's pending and undelivered entries)", n)
	}

	// The worker that held alice's entry applies and acknowledges it late: nothing
	// comes back. Bob's entry in the same batch is applied as usual.
	if n := f.apply(items(held, scoreByID)...); n != 1 {
		t.Errorf("late Apply changed %d items, want 1 (bob's only)", n)
	}
	f.ack(held...)
	want.set(pendB, scoreByID(&pendB))
	if _, err := f.s.Message(f.ctx, pendA.Key()); !feedbackbot.IsNotFound(err) {
		t.Errorf("late Apply resurrected %s: %v", pendA.Key(), err)
	}
	// Only bob's undelivered entry is handed out, and nothing is reclaimed later.
	rest := f.readAll("w2")
	if len(rest) != 1 || rest[0].Event.Message.Key() != newB.Key() {
		t.Fatalf("Read after Forget = %v, want only %s", entryKeys(rest), newB.Key())
	}
	f.apply(items(rest, scoreByID)...)
	f.ack(rest...)
	want.set(newB, scoreByID(&newB))
	time.Sleep(ClaimIdle + ClaimIdle/2)
	if again := f.readAll("w3"); len(again) != 0 {
		t.Errorf("entries reclaimed after Forget: %v", entryKeys(again))
	}
	if n := f.backlog(); n != 0 {
		t.Errorf("Backlog = %d, want 0", n)
	}
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), want.expectRollups("W1"))

	// Later events of alice, or of her messages, are skipped; others' are not.
	later := by("alice", Msg("W1", "a7", "I am back", "", "A1", "C1", Base.Add(5*time.Hour)))
	reborn := by("dave", alice[0]) // same message key, another author
	steps := []struct {
		name   string
		events []feedbackbot.Event
		want   int
	}{
		{"new message by alice", []feedbackbot.Event{Put(later)}, 0},
		{"redelivery of alice's message", []feedbackbot.Event{Put(alice[0])}, 0},
		{"edit of alice's message", []feedbackbot.Event{Put(edit)}, 0},
		{"delete of alice's message", []feedbackbot.Event{Delete(alice[1])}, 0},
		{"forgotten message under another author", []feedbackbot.Event{Put(reborn)}, 0},
		{"alice and bob in one batch", []feedbackbot.Event{Put(later), Put(by("bob", Msg("W1", "b7", "hi", "", "A1", "C1", Base.Add(6*time.Hour))))}, 1},
	}
	for _, st := range steps {
		if got := f.append(st.events...); got != st.want {
			t.Errorf("%s: Append = %d, want %d", st.name, got, st.want)
		}
	}
	if es := f.readAll("w4"); len(es) != 1 || es[0].Event.Message.Author != "bob" {
		t.Errorf("log after later appends: %v, want bob's b7 only", entryKeys(es))
	}

	if n := f.forget("W1", "alice"); n != 0 {
		t.Errorf("second Forget = %d, want 0", n)
	}
	if n := f.forget("W1", "nobody"); n != 0 {
		t.Errorf("Forget of an unknown author = %d, want 0", n)
	}
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), want.expectRollups("W1"))

	// The same person in another workspace is another matter.
	if got := f.export("W2", "alice"); !slices.Equal(keys(got), []string{elsewhere.Key()}) {
		t.Errorf("AuthorMessages(W2, alice) = %v, want %v", keys(got), []string{elsewhere.Key()})
	}
	if n := f.append(Put(by("alice", Msg("W2", "a2", "still here", "", "A1", "C1", Base)))); n != 1 {
		t.Errorf("Append by alice in W2 = %d, want 1", n)
	}
}

func entryKeys(es []store.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Event.Message.Key()
	}
	return out
}

// testForgetOwnAccount: a community member is their own account (its id theirs);
// once they are forgotten, the accounts listed do not name them (both stores
// kept the id listed, a review found), and the others' accounts stay.
func testForgetOwnAccount(t *testing.T, f *fixture) {
	f.put(scoreByID,
		by("dana", Msg("W1", "d1", "the export is broken", "", "dana", "C1", Base)),
		by("dana", Msg("W1", "d2", "still broken", "", "dana", "C1", Base.Add(time.Minute))),
		by("bob", Msg("W1", "b1", "same here", "", "A1", "C1", Base.Add(2*time.Minute))),
		by("erin", Msg("W1", "e1", "me too", "", "erin", "C1", Base.Add(3*time.Minute))))
	if n := f.forget("W1", "dana"); n != 2 {
		t.Fatalf("Forget = %d, want 2", n)
	}
	got, err := f.s.Accounts(f.ctx, "W1")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"A1", "erin"}) {
		t.Errorf("accounts after forgetting dana: %v, want [A1 erin]", got)
	}
}

func testForgetUnknown(t *testing.T, f *fixture) {
	// Forgetting someone before anything was captured still keeps them out.
	if n := f.forget("W1", "alice"); n != 0 {
		t.Errorf("Forget in an empty workspace = %d, want 0", n)
	}
	wss, err := f.s.Workspaces(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(wss) != 0 {
		t.Errorf("Workspaces after Forget = %v, want none (Forget appends nothing)", wss)
	}
	a := by("alice", Msg("W1", "a1", "hello", "", "A1", "C1", Base))
	b := by("bob", Msg("W1", "b1", "hello", "", "A1", "C1", Base))
	if n := f.append(Put(a), Put(b)); n != 1 {
		t.Errorf("Append of alice and bob = %d, want 1 (bob's)", n)
	}
	f.consume(scoreByID)
	if got := f.export("W1", "bob"); len(got) != 1 {
		t.Errorf("AuthorMessages(bob) = %v, want b1", keys(got))
	}
	for _, c := range []struct{ ws, author string }{{"", "alice"}, {"W1", ""}} {
		if _, err := f.s.Forget(f.ctx, c.ws, c.author); feedbackbot.ErrorCode(err) != feedbackbot.EINVALID {
			t.Errorf("Forget(%q, %q) = %v, want EINVALID", c.ws, c.author, err)
		}
		err := f.s.AuthorMessages(f.ctx, c.ws, c.author, func(store.Stored) error { return nil })
		if feedbackbot.ErrorCode(err) != feedbackbot.EINVALID {
			t.Errorf("AuthorMessages(%q, %q) = %v, want EINVALID", c.ws, c.author, err)
		}
	}
}

// testForgetBeforeApply: messages appended and never applied are erased from the log
// too, and the counts of the messages that were applied stay exact.
func testForgetBeforeApply(t *testing.T, f *fixture) {
	ms, tag := corpus("W1", 30)
	for i := range ms {
		ms[i] = by([]string{"alice", "bob", "carol"}[i%3], ms[i])
	}
	f.put(tag, ms[:20]...)
	var events []feedbackbot.Event
	for _, m := range ms[20:] {
		events = append(events, Put(m))
	}
	f.append(events...)
	if n := f.forget("W1", "bob"); n != 10 {
		t.Errorf("Forget(bob) = %d, want 10", n)
	}
	f.consume(tag)
	want := applied{}
	for _, m := range ms {
		if m.Author != "bob" {
			want.set(m, tag(&m))
		}
	}
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), want.expectRollups("W1"))
	got := f.messages(store.Query{Workspace: "W1", Limit: 100})
	if len(got) != len(want) {
		t.Errorf("Messages after Forget: %d, want %d", len(got), len(want))
	}
	for _, st := range got {
		if _, ok := want[st.Message.Key()]; !ok {
			t.Errorf("Messages after Forget holds %s by %s", st.Message.Key(), st.Message.Author)
		}
	}
	for _, author := range []string{"alice", "carol"} {
		var wantKeys []string
		for _, k := range slices.Sorted(maps.Keys(want)) {
			if want[k].Message.Author == author {
				wantKeys = append(wantKeys, k)
			}
		}
		gotKeys := keys(f.export("W1", author))
		if !slices.Equal(gotKeys, wantKeys) { // corpus ids and times sort alike
			t.Errorf("AuthorMessages(%s) = %v, want %v", author, gotKeys, wantKeys)
		}
	}
}

// testForgetWhileWorking erases a person while capture appends their messages and two
// workers apply them: once everything settles, nothing of theirs is left anywhere and
// the counters equal the other author's contributions exactly.
func testForgetWhileWorking(t *testing.T, f *fixture) {
	const n = 300
	tag := func(m *feedbackbot.Message) feedbackbot.Tags { return scoreByID(m) }
	var mu sync.Mutex
	captured := map[string]feedbackbot.Message{} // bob's messages, by key
	capDone := make(chan struct{})
	forgotten := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(capDone)
		for i := 0; i < n; i += 10 {
			if i == n/2 {
				<-forgotten // the second half is appended after Forget returned
			}
			var evs []feedbackbot.Event
			for j := i; j < i+10; j++ {
				author := []string{"alice", "bob"}[j%2]
				m := by(author, Msg("W1", fmt.Sprintf("m%04d", j), "text", "", "A1", "C1", Base.Add(time.Duration(j)*time.Minute)))
				evs = append(evs, Put(m))
				if author == "bob" {
					mu.Lock()
					captured[m.Key()] = m
					mu.Unlock()
				}
			}
			if _, err := f.s.Append(f.ctx, evs...); err != nil {
				errs <- err
				return
			}
		}
	}()
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			consumer := fmt.Sprintf("w%d", w)
			for {
				es, err := f.s.Read(f.ctx, consumer, 7, 20*time.Millisecond)
				if err != nil {
					errs <- err
					return
				}
				if len(es) == 0 {
					select {
					case <-capDone:
						return
					default:
						continue
					}
				}
				if _, err := f.s.Apply(f.ctx, items(es, tag)...); err != nil {
					errs <- err
					return
				}
				if err := f.s.Ack(f.ctx, es...); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	if _, err := f.s.Forget(f.ctx, "W1", "alice"); err != nil {
		t.Errorf("Forget: %v", err)
	}
	close(forgotten)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("worker or capture: %v", err)
	}
	f.consume(tag) // whatever the workers left when capture ended

	if n := f.forget("W1", "alice"); n != 0 {
		t.Errorf("second Forget = %d, want 0: something of alice's got through the first", n)
	}
	if got := f.export("W1", "alice"); len(got) != 0 {
		t.Errorf("AuthorMessages(alice) = %d messages, want none", len(got))
	}
	var inLog int
	if err := f.s.Replay(f.ctx, "W1", func(e store.Entry) error {
		if e.Event.Message.Author != "bob" {
			t.Errorf("Replay: %s by %s survived Forget", e.Event.Message.Key(), e.Event.Message.Author)
		}
		inLog++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := applied{}
	for _, m := range captured {
		want.set(m, tag(&m))
	}
	if inLog != len(want) {
		t.Errorf("log holds %d entries, want bob's %d", inLog, len(want))
	}
	checkRollups(t, f.rollups("W1", dayFrom, Base.Add(n*time.Minute)), want.expectRollups("W1"))
	if got := f.export("W1", "bob"); len(got) != len(want) {
		t.Errorf("AuthorMessages(bob) = %d messages, want %d", len(got), len(want))
	}
	if n := f.backlog(); n != 0 {
		t.Errorf("Backlog = %d, want 0", n)
	}
}

// BenchForget measures Forget of a person with 20 applied messages in a workspace that
// already holds filler messages of others, so backends can show its cost follows the
// person's messages, not the workspace. s must be fresh and empty.
func BenchForget(b *testing.B, s store.Store, filler int) {
	ctx := b.Context()
	tag := func(m *feedbackbot.Message) feedbackbot.Tags { return scoreByID(m) }
	load := func(prefix, author string, n int) {
		for i := 0; i < n; i += 500 {
			var evs []feedbackbot.Event
			for j := i; j < min(i+500, n); j++ {
				m := Msg("W1", fmt.Sprintf("%s%07d", prefix, j), "the nightly export failed again", "",
					fmt.Sprintf("A%d", j%20), fmt.Sprintf("C%d", j%5), Base.Add(time.Duration(j)*time.Second))
				evs = append(evs, Put(by(author, m)))
			}
			if _, err := s.Append(ctx, evs...); err != nil {
				b.Fatal(err)
			}
			for {
				es, err := s.Read(ctx, "bench", 500, 0)
				if err != nil {
					b.Fatal(err)
				}
				if len(es) == 0 {
					break
				}
				if _, err := s.Apply(ctx, items(es, tag)...); err != nil {
					b.Fatal(err)
				}
				if err := s.Ack(ctx, es...); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	for i := range filler / 1000 {
		load(fmt.Sprintf("f%d-", i), fmt.Sprintf("filler%d", i), 1000)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		author := fmt.Sprintf("p%d", i)
		load(author+"-", author, 20)
		b.StartTimer()
		if n, err := s.Forget(ctx, "W1", author); err != nil || n != 20 {
			b.Fatalf("Forget = %d, %v; want 20", n, err)
		}
	}
}

// testForgetKeepsSharedAccount guards Accounts after Forget: a community member
// (dana, her own account) is forgotten while a staff reply filed under her
// account (author sam) is still applied, so the account stays listed, as
// Messages of it still returns the reply (Redis unlisted it: it looked for the
// account's whole-history index, which Apply no longer writes once account weeks
// cover the workspace). Once the reply is deleted, forgetting dana again unlists
// it: nothing of the account is left.
func testForgetKeepsSharedAccount(t *testing.T, f *fixture) {
	reply := by("sam", Msg("W1", "s1", "we are on it", feedbackbot.RoleStaff, "dana", "C1", Base.Add(time.Minute)))
	f.put(scoreByID,
		by("dana", Msg("W1", "d1", "the export is broken", "", "dana", "C1", Base)),
		by("dana", Msg("W1", "d2", "still broken", "", "dana", "C1", Base.Add(9*24*time.Hour))),
		reply,
		by("bob", Msg("W1", "b1", "same here", "", "A1", "C1", Base.Add(2*time.Minute))))
	if n := f.forget("W1", "dana"); n != 2 {
		t.Fatalf("Forget(dana) = %d, want 2", n)
	}
	if left := f.messages(store.Query{Workspace: "W1", Account: "dana"}); len(left) != 1 {
		t.Fatalf("Messages(account dana) after Forget = %d, want 1 (the staff reply)", len(left))
	}
	accounts := func() []string {
		t.Helper()
		got, err := f.s.Accounts(f.ctx, "W1")
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		return got
	}
	if got := accounts(); !slices.Equal(got, []string{"A1", "dana"}) {
		t.Errorf("Accounts after forgetting dana = %v, want [A1 dana] (sam's reply in account dana is still applied)", got)
	}
	f.append(Delete(reply))
	f.consume(scoreByID)
	if n := f.forget("W1", "dana"); n != 0 {
		t.Errorf("Forget(dana) again = %d, want 0", n)
	}
	if got := accounts(); !slices.Equal(got, []string{"A1"}) {
		t.Errorf("Accounts after the reply's delete and forgetting dana again = %v, want [A1] (nothing of account dana is left)", got)
	}
}
