package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

var retentionTests = []test{
	{"Expire", testExpire},
	{"ExpireChunks", testExpireChunks},
	{"ExpireThenReanalyze", testExpireThenReanalyze},
	{"ExpireJudgesTheCurrentTime", testExpireJudgesTheCurrentTime},
	{"ExpireAuthorChangedByEdit", testExpireAuthorChangedByEdit},
	{"ExpireCutoffWithNanoseconds", testExpireCutoffWithNanoseconds},
}

// testExpireCutoffWithNanoseconds: retention's cutoff is now less the age, with
// nanoseconds, and a message of whole microseconds less than one before it is
// older: it goes, and one at the cutoff's next microsecond stays (Redis rounded
// the cutoff down and kept the older one, a review found).
func testExpireCutoffWithNanoseconds(t *testing.T, f *fixture) {
	at := Base.Add(123456 * time.Microsecond)
	older := Msg("W1", "m1", "the export fails", "", "A1", "C1", at)
	newer := Msg("W1", "m2", "the export fails again", "", "A1", "C1", at.Add(time.Microsecond))
	f.put(scoreByID, older, newer)
	before := at.Add(700 * time.Nanosecond)
	if n := f.expire("W1", before); n != 1 {
		t.Errorf("Expire(%s) = %d, want 1 (the message at %s)", before.Format(time.RFC3339Nano), n, at.Format(time.RFC3339Nano))
	}
	if _, err := f.s.Message(f.ctx, older.Key()); !feedbackbot.IsNotFound(err) {
		t.Errorf("the message older than the cutoff: %v, want ENOTFOUND", err)
	}
	if _, err := f.s.Message(f.ctx, newer.Key()); err != nil {
		t.Errorf("the message after the cutoff: %v", err)
	}
}

// testExpireJudgesTheCurrentTime: a message put at an old time and edited to a recent
// one is judged by its time now: the log walk (for messages deleted before they
// expired) erased it because an old version's time was before the cut, and marked
// its key erased, so its later delete was skipped and its hour counted it for ever
// (a review's find). A deleted message whose versions are old still goes.
func testExpireJudgesTheCurrentTime(t *testing.T, f *fixture) {
	old := Base
	moved := Msg("W1", "m1", "the export is broken", "", "A1", "C1", old)
	gone := Msg("W1", "m2", "never mind", "", "A1", "C1", old.Add(time.Hour))
	f.put(scoreByID, moved, gone)
	edited := moved
	edited.Time = old.Add(30 * 24 * time.Hour)
	f.put(scoreByID, edited)
	f.append(Delete(gone))
	f.consume(scoreByID)
	cut := old.Add(10 * 24 * time.Hour)
	if n := f.expire("W1", cut); n != 1 {
		t.Errorf("Expire(before %s) = %d, want 1 (the deleted message, not the one edited to %s)", cut.Format(time.DateOnly), n, edited.Time.Format(time.DateOnly))
	}
	if _, err := f.s.Message(f.ctx, moved.Key()); err != nil {
		t.Fatalf("the message edited to a recent time was expired: %v", err)
	}
	f.append(Delete(edited))
	f.consume(scoreByID)
	if got := feedbackbot.Totals(f.rollups("W1", cut, edited.Time.Add(time.Hour)))[feedbackbot.CntMessages]; got != 0 {
		t.Errorf("after its delete, the recent hours count %d message(s), want 0", got)
	}
}

func (f *fixture) expire(ws string, before time.Time) int {
	f.t.Helper()
	n, err := f.s.Expire(f.ctx, ws, before)
	if err != nil {
		f.t.Fatalf("Expire(%s, %s): %v", ws, before.Format(time.RFC3339), err)
	}
	return n
}

func (f *fixture) replayIDs(ws string) []string {
	f.t.Helper()
	var ids []string
	if err := f.s.Replay(f.ctx, ws, func(e store.Entry) error {
		ids = append(ids, string(e.Event.Kind)+":"+e.Event.Message.ID)
		return nil
	}); err != nil {
		f.t.Fatalf("Replay(%s): %v", ws, err)
	}
	return ids
}

func testExpire(t *testing.T, f *fixture) {
	cutoff := Base.Add(2 * time.Hour)
	old := []feedbackbot.Message{
		by("alice", Msg("W1", "o1", "the export is broken again", "", "A1", "C1", Base)),
		by("bob", Msg("W1", "o2", "love the new dashboard", "", "A2", "C2", Base.Add(10*time.Minute))),
		by("alice", Msg("W1", "o3", "this will be edited", "", "A1", "C1", Base.Add(time.Hour))),
		by("carol", Msg("W1", "o4", "we are on it", feedbackbot.RoleStaff, "A1", "C1", Base.Add(90*time.Minute))),
	}
	deleted := by("bob", Msg("W1", "o5", "deleted before it expired", "", "A1", "C2", Base.Add(20*time.Minute)))
	young := []feedbackbot.Message{
		by("alice", Msg("W1", "y1", "still fresh", "", "A1", "C1", cutoff)),
		by("bob", Msg("W1", "y2", "great support", "", "A2", "C2", cutoff.Add(time.Hour))),
	}
	elsewhere := by("alice", Msg("W2", "o1", "another workspace", "", "A1", "C1", Base))
	f.put(scoreByID, append(append(slices.Clone(old), young...), deleted, elsewhere)...)
	edit := old[2]
	edit.Text = "edited text"
	edit.EditedAt = Base.Add(4 * time.Hour)
	f.append(Put(edit), Delete(deleted))
	f.consume(scoreByID)
	want := applied{}
	for _, m := range append(slices.Clone(old), young...) {
		want.set(m, scoreByID(&m))
	}
	want.set(edit, scoreByID(&edit))
	wantRollups := want.expectRollups("W1")
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), wantRollups)

	// In flight: an old message delivered and not acknowledged, another not delivered.
	pend := by("dave", Msg("W1", "p1", "read but not acked", "", "A1", "C1", Base.Add(30*time.Minute)))
	f.append(Put(pend))
	held := f.readAll("w1")
	late := by("dave", Msg("W1", "p2", "not read yet", "", "A1", "C1", Base.Add(40*time.Minute)))
	f.append(Put(late))

	// o1, o2, o3 (two versions), o4 and the deleted o5.
	if n := f.expire("W1", cutoff); n != 5 {
		t.Errorf("Expire = %d, want 5 messages", n)
	}
	// Rollups are kept as they were: the hours still count the expired messages.
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), wantRollups)
	for _, m := range append(slices.Clone(old), deleted) {
		if _, err := f.s.Message(f.ctx, m.Key()); !feedbackbot.IsNotFound(err) {
			t.Errorf("Message(%s) after Expire = %v, want ENOTFOUND", m.Key(), err)
		}
	}
	for _, m := range young {
		if _, err := f.s.Message(f.ctx, m.Key()); err != nil {
			t.Errorf("Message(%s) after Expire: %v, want it kept", m.Key(), err)
		}
	}
	for _, q := range []store.Query{{Workspace: "W1"}, {Workspace: "W1", Account: "A1"}, {Workspace: "W1", Channel: "C2"}} {
		for _, st := range f.messages(q) {
			if st.Message.Time.Before(cutoff) {
				t.Errorf("Messages(%+v) after Expire still returns %s (%s)", q, st.Message.Key(), st.Message.Time)
			}
		}
	}
	for _, kind := range []string{store.NotableNegative, store.NotablePositive} {
		got, err := f.s.Notable(f.ctx, "W1", kind, dayFrom, dayTo, 50)
		if err != nil {
			t.Fatalf("Notable: %v", err)
		}
		for _, st := range got {
			if st.Message.Time.Before(cutoff) {
				t.Errorf("Notable(%s) after Expire still returns %s", kind, st.Message.Key())
			}
		}
	}
	if got := f.export("W1", "alice"); !slices.Equal(keys(got), []string{young[0].Key()}) {
		t.Errorf("AuthorMessages(alice) after Expire = %v, want only %s", keys(got), young[0].Key())
	}
	// The log keeps only the young messages and the entries analysis has not finished.
	if got, wantIDs := f.replayIDs("W1"), []string{"put:y1", "put:y2", "put:p1", "put:p2"}; !slices.Equal(got, wantIDs) {
		t.Errorf("Replay after Expire = %v, want %v", got, wantIDs)
	}
	if n := f.backlog(); n != 2 {
		t.Errorf("Backlog after Expire = %d, want 2 (the pending and the undelivered entry)", n)
	}
	// Another workspace is untouched.
	if _, err := f.s.Message(f.ctx, elsewhere.Key()); err != nil {
		t.Errorf("Message(%s) in W2 after expiring W1: %v", elsewhere.Key(), err)
	}

	// Analysis finishes the in-flight entries; they are counted, then a later run
	// expires them too, keeping their counts.
	f.apply(items(held, scoreByID)...)
	f.ack(held...)
	f.consume(scoreByID)
	want.set(pend, scoreByID(&pend))
	want.set(late, scoreByID(&late))
	wantRollups = want.expectRollups("W1")
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), wantRollups)
	if n := f.expire("W1", cutoff); n != 2 {
		t.Errorf("second Expire = %d, want 2 (the entries analysed since)", n)
	}
	if n := f.expire("W1", cutoff); n != 0 {
		t.Errorf("third Expire = %d, want 0", n)
	}
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), wantRollups)

	// A re-import or redelivery of expired messages neither brings them back nor
	// counts them twice; an old message never seen before is stored as usual.
	news := by("erin", Msg("W1", "o9", "first seen in an old export", "", "A1", "C1", Base.Add(5*time.Minute)))
	if n := f.append(Put(old[0]), Put(edit), Delete(old[1]), Put(pend), Put(news)); n != 1 {
		t.Errorf("re-import after Expire appended %d events, want 1 (the never-seen message)", n)
	}
	f.consume(scoreByID)
	want.set(news, scoreByID(&news))
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), want.expectRollups("W1"))
	if _, err := f.s.Message(f.ctx, old[0].Key()); !feedbackbot.IsNotFound(err) {
		t.Errorf("re-imported %s came back: %v", old[0].Key(), err)
	}
}

func testExpireChunks(t *testing.T, f *fixture) {
	// More than a chunk of applied messages and of deleted ones, so both walks
	// continue across transactions or pages.
	var ms []feedbackbot.Message
	for i := range 700 {
		m := by(fmt.Sprintf("u%d", i%5), Msg("W1", fmt.Sprintf("m%04d", i), "x", "", "A1", "C1", Base.Add(time.Duration(i)*time.Second)))
		ms = append(ms, m)
	}
	f.put(scoreByID, ms...)
	var events []feedbackbot.Event
	for i := 0; i < 700; i += 2 {
		events = append(events, Delete(ms[i]))
	}
	f.append(events...)
	f.consume(scoreByID)
	want := applied{}
	for i := 1; i < 700; i += 2 {
		want.set(ms[i], scoreByID(&ms[i]))
	}
	before := f.rollups("W1", dayFrom, dayTo)
	checkRollups(t, before, want.expectRollups("W1"))
	// Expire all but the last 100 seconds' messages.
	cutoff := Base.Add(600 * time.Second)
	if n := f.expire("W1", cutoff); n != 600 {
		t.Errorf("Expire = %d, want 600", n)
	}
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), before)
	left := f.messages(store.Query{Workspace: "W1", Limit: 1000})
	if len(left) != 50 {
		t.Errorf("%d messages left after Expire, want 50", len(left))
	}
	if got := f.replayIDs("W1"); len(got) != 150 {
		t.Errorf("Replay after Expire returned %d entries, want 150 (the 100 young puts and 50 deletes)", len(got))
	}
}

func testExpireThenReanalyze(t *testing.T, f *fixture) {
	ms, tag := corpus("W1", 30) // 7 minutes apart: about 3.5 hours
	f.put(tag, ms...)
	cutoff := Base.Add(2 * time.Hour)
	f.expire("W1", cutoff)
	// Re-analysis with another analyzer replays what is left: the expired hours keep
	// the tags they had, the rest is re-tagged.
	tagV2 := func(m *feedbackbot.Message) feedbackbot.Tags {
		t := tag(m)
		t.Analyzer = "v2"
		t.Sentiment.Score = -t.Sentiment.Score
		return t
	}
	var es []store.Entry
	if err := f.s.Replay(f.ctx, "W1", func(e store.Entry) error { es = append(es, e); return nil }); err != nil {
		t.Fatal(err)
	}
	f.apply(items(es, tagV2)...)
	want := applied{}
	for _, m := range ms {
		if m.Time.Before(cutoff) {
			want.set(m, tag(&m))
		} else {
			want.set(m, tagV2(&m))
		}
	}
	checkRollups(t, f.rollups("W1", dayFrom, dayTo), want.expectRollups("W1"))
}

// BenchExpire measures a retention pass over a workspace of n applied messages:
// mode "all" expires every message (reported as messages/s), mode "none" is a daily
// pass that finds nothing old enough but still walks the retained log (its
// steady-state cost). open must return a fresh, empty store.
func BenchExpire(b *testing.B, open func() store.Store, n int, mode string) {
	ctx := b.Context()
	load := func(s store.Store) {
		for i := 0; i < n; i += 500 {
			var evs []feedbackbot.Event
			for j := i; j < min(i+500, n); j++ {
				m := Msg("W1", fmt.Sprintf("m%07d", j), "the nightly export failed again", "",
					fmt.Sprintf("A%d", j%20), fmt.Sprintf("C%d", j%5), Base.Add(time.Duration(j)*time.Second))
				evs = append(evs, Put(by(fmt.Sprintf("u%d", j%300), m)))
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
				if _, err := s.Apply(ctx, items(es, scoreByID)...); err != nil {
					b.Fatal(err)
				}
				if err := s.Ack(ctx, es...); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	before, want := Base.Add(time.Duration(n)*time.Second), n
	if mode == "none" {
		before, want = Base, 0
	}
	var s store.Store
	if mode == "none" {
		s = open()
		load(s)
	}
	for b.Loop() {
		if mode == "all" {
			b.StopTimer()
			s = open()
			load(s)
			b.StartTimer()
		}
		if got, err := s.Expire(ctx, "W1", before); err != nil || got != want {
			b.Fatalf("Expire = %d, %v; want %d", got, err, want)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// testExpireAuthorChangedByEdit: a message whose author changed by an edit (alice
// put it, bob edited it), and one deleted before it expired whose author changed
// too, are expired whole: neither author's AuthorKeys, AuthorEntries or
// AuthorMessages names them any more, forgetting any of them erases nothing, and
// a later message of alice's is kept. (Redis's expiry used to leave the message in
// the first author's index; its own test, TestExpireRemovesEveryAuthorsKey, looks
// at that index. This case runs the expiry of several authors' indexes on every
// backend, Redis Cluster included, where each must be declared to the script.)
func testExpireAuthorChangedByEdit(t *testing.T, f *fixture) {
	m := by("alice", Msg("W1", "m1", "the export is broken", "", "A1", "C1", Base))
	edit := by("bob", m)
	edit.Text, edit.EditedAt = "the export is fixed", Base.Add(time.Minute)
	gone := by("carol", Msg("W1", "m2", "the import is broken", "", "A1", "C1", Base.Add(time.Hour)))
	goneEdit := by("dave", gone)
	goneEdit.Text, goneEdit.EditedAt = "the import is fixed", Base.Add(2*time.Hour)
	kept := by("alice", Msg("W1", "m3", "all good", "", "A1", "C1", Base.AddDate(0, 0, 3)))
	f.put(scoreByID, m, gone, kept)
	f.put(scoreByID, edit, goneEdit)
	f.append(Delete(gone))
	f.consume(scoreByID)
	if n := f.expire("W1", Base.AddDate(0, 0, 1)); n != 2 {
		t.Fatalf("Expire = %d, want 2", n)
	}
	for _, a := range []string{"alice", "bob", "carol", "dave"} {
		want := []string{}
		if a == "alice" {
			want = []string{kept.Key()}
		}
		got, err := f.s.AuthorKeys(f.ctx, "W1", a)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("AuthorKeys(%s) after expiry = %v, want %v", a, got, want)
		}
		var entries []string
		if err := f.s.AuthorEntries(f.ctx, "W1", a, func(e store.Entry) error {
			entries = append(entries, e.Event.Message.Key())
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(entries) != fmt.Sprint(want) {
			t.Errorf("AuthorEntries(%s) after expiry = %v, want %v", a, entries, want)
		}
		if got := keys(f.export("W1", a)); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("AuthorMessages(%s) after expiry = %v, want %v", a, got, want)
		}
	}
	for _, a := range []string{"bob", "carol", "dave"} {
		if n := f.forget("W1", a); n != 0 {
			t.Errorf("Forget(%s) after expiry = %d, want 0", a, n)
		}
	}
	if n := f.expire("W1", Base.AddDate(0, 0, 1)); n != 0 {
		t.Errorf("Expire again = %d, want 0", n)
	}
}
