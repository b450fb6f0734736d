package storetest

import (
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

var newestTests = []test{
	{"NewestAndAppendOver", testNewestAndAppendOver},
	{"ConcurrentReadModifyWrite", testConcurrentReadModifyWrite},
	{"AppendOverRetried", testAppendOverRetried},
}

var opSeq atomic.Int64

// newOp is an op no other write has.
func newOp() string { return fmt.Sprintf("op-%d-%d", time.Now().UnixNano(), opSeq.Add(1)) }

// testAppendOverRetried: a write over a base that is sent again with the same op
// (its reply was lost, so the caller cannot tell it landed) reports success and
// appends nothing, where a new op over that base is refused; so does the same op
// over the version it made (the platform redelivered the event to another replica,
// which read the message again): the reaction counts once.
func testAppendOverRetried(t *testing.T, f *fixture) {
	m := Msg("W1", "m1", "the export fails", feedbackbot.RoleCustomer, "A1", "C1", Base)
	f.append(Put(m))
	react := withReaction(m, "+1", 1)
	op := newOp()
	for i := range 2 {
		ok, err := f.s.AppendOver(f.ctx, m.Revision(), op, Put(react))
		if err != nil || !ok {
			t.Fatalf("AppendOver, call %d with the same op = %v, %v; want true", i+1, ok, err)
		}
	}
	if ok, err := f.s.AppendOver(f.ctx, m.Revision(), newOp(), Put(react)); err != nil || ok {
		t.Errorf("AppendOver over the same base as another op = %v, %v; want false", ok, err)
	}
	if ok, err := f.s.AppendOver(f.ctx, react.Revision(), op, Put(withReaction(react, "+1", 1))); err != nil || !ok {
		t.Errorf("AppendOver of a redelivered change over the version it made = %v, %v; want true, appending nothing", ok, err)
	}
	if es := f.readAll("worker"); len(es) != 2 {
		t.Errorf("log holds %d entries, want 2 (the put and one reaction)", len(es))
	}
	if got, _ := f.newest(m.Key()); got.Reactions["+1"] != 1 {
		t.Errorf("newest counts %v, want +1 once", got.Reactions)
	}
}

// newest is Newest that fails the test on an error.
func (f *fixture) newest(key string) (feedbackbot.Message, bool) {
	f.t.Helper()
	m, found, err := f.s.Newest(f.ctx, key)
	if err != nil {
		f.t.Fatalf("Newest(%s): %v", key, err)
	}
	return m, found
}

// appendOver is AppendOver, as a new op, that fails the test on an error.
func (f *fixture) appendOver(base string, ev feedbackbot.Event) bool {
	f.t.Helper()
	ok, err := f.s.AppendOver(f.ctx, base, newOp(), ev)
	if err != nil {
		f.t.Fatalf("AppendOver: %v", err)
	}
	return ok
}

// withReaction is m with one more (or, n < 0, one less) of reaction.
func withReaction(m feedbackbot.Message, reaction string, n int) feedbackbot.Message {
	m.Reactions = maps.Clone(m.Reactions)
	if m.Reactions == nil {
		m.Reactions = map[string]int{}
	}
	m.Reactions[reaction] += n
	if m.Reactions[reaction] <= 0 {
		delete(m.Reactions, reaction)
	}
	return m
}

func testNewestAndAppendOver(t *testing.T, f *fixture) {
	m := Msg("W1", "m1", "the export fails", feedbackbot.RoleCustomer, "A1", "C1", Base)
	key := m.Key()
	if _, found := f.newest(key); found {
		t.Fatal("Newest found a message never put")
	}
	f.append(Put(m))
	if got, found := f.newest(key); !found || !sameMessage(got, m) {
		t.Fatalf("Newest before analysis = %+v, %v; want the put", got, found)
	}
	edit := m
	edit.Text = "the export fails every night"
	edit.EditedAt = Base.Add(time.Minute)
	f.append(Put(edit))
	if got, _ := f.newest(key); !sameMessage(got, edit) {
		t.Fatalf("Newest after an edit nobody analysed = %q, want the edit's text", got.Text)
	}

	// A reaction counted on the version before the edit would bring its text back.
	stale := withReaction(m, "+1", 1)
	if f.appendOver(m.Revision(), Put(stale)) {
		t.Fatal("AppendOver appended over a base an edit had replaced")
	}
	react := withReaction(edit, "+1", 1)
	if !f.appendOver(edit.Revision(), Put(react)) {
		t.Fatal("AppendOver refused the newest version as its base")
	}
	if got, _ := f.newest(key); !sameMessage(got, react) {
		t.Fatalf("Newest after the reaction = %+v, want the edit with its reaction", got)
	}
	// Nothing changed (a removal of a reaction nobody added): not a conflict, and
	// nothing appended.
	if !f.appendOver(react.Revision(), Put(withReaction(react, "eyes", -1))) {
		t.Error("AppendOver of an unchanged message reported a conflict")
	}
	es := f.readAll("worker")
	if len(es) != 3 {
		t.Fatalf("log holds %d entries, want 3 (put, edit, reaction)", len(es))
	}
	if !sameMessage(es[2].Event.Message, react) {
		t.Errorf("the last entry is %q %v, want the reaction on the edit", es[2].Event.Message.Text, es[2].Event.Message.Reactions)
	}
	f.apply(items(es, func(m *feedbackbot.Message) feedbackbot.Tags { return Tags(-0.6, "a1") })...)
	f.ack(es...)
	if got, _ := f.newest(key); !sameMessage(got, react) {
		t.Errorf("Newest once applied = %+v, want the reaction on the edit", got)
	}

	f.append(Delete(m))
	if _, found := f.newest(key); found {
		t.Error("Newest found a deleted message")
	}
	if f.appendOver(react.Revision(), Put(withReaction(react, "+1", 1))) {
		t.Error("AppendOver brought a deleted message back")
	}
	if _, err := f.s.AppendOver(f.ctx, "", newOp(), Put(react)); feedbackbot.ErrorCode(err) != feedbackbot.EINVALID {
		t.Errorf("AppendOver without a base: %v, want EINVALID", err)
	}
	if _, err := f.s.AppendOver(f.ctx, react.Revision(), "", Put(react)); feedbackbot.ErrorCode(err) != feedbackbot.EINVALID {
		t.Errorf("AppendOver without an op: %v, want EINVALID", err)
	}
}

// testConcurrentReadModifyWrite has writers count reactions on one message at the
// same time, each reading the newest version and appending over it until it is not
// overtaken, while another writer edits the text: no reaction is lost, and the last
// version holds the edit.
func testConcurrentReadModifyWrite(t *testing.T, f *fixture) {
	m := Msg("W1", "m1", "the export fails", feedbackbot.RoleCustomer, "A1", "C1", Base)
	f.append(Put(m))
	const writers, each = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	rmw := func(change func(feedbackbot.Message) feedbackbot.Message) {
		for {
			cur, found, err := f.s.Newest(f.ctx, m.Key())
			if err != nil || !found {
				errs <- err
				return
			}
			ok, err := f.s.AppendOver(f.ctx, cur.Revision(), newOp(), Put(change(cur)))
			if err != nil {
				errs <- err
				return
			}
			if ok {
				return
			}
		}
	}
	for range writers {
		wg.Go(func() {
			for range each {
				rmw(func(cur feedbackbot.Message) feedbackbot.Message { return withReaction(cur, "+1", 1) })
			}
		})
	}
	wg.Go(func() {
		rmw(func(cur feedbackbot.Message) feedbackbot.Message {
			cur.Text = "the export fails every night"
			return cur
		})
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("read-modify-write: %v", err)
	}
	got, _ := f.newest(m.Key())
	if got.Reactions["+1"] != writers*each || got.Text != "the export fails every night" {
		t.Errorf("after %d reactions and an edit, concurrently: %q with %v", writers*each, got.Text, got.Reactions)
	}
}
