package storetest

import (
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

var docTests = []test{
	{"PutGetListDelete", testDocs},
	{"ListByPrefix", testDocsPrefix},
	{"CreateOnce", testCreateDoc},
}

var leaseTests = []test{
	{"AcquireRenewRelease", testLeases},
	{"Expiry", testLeaseExpiry},
	{"Once", testOnce},
}

var concurrencyTests = []test{
	{"AppendApply", testConcurrentAppendApply},
}

func testDocs(t *testing.T, f *fixture) {
	ctx := f.ctx
	if _, err := f.s.GetDoc(ctx, "W1", "alert", "a1"); !feedbackbot.IsNotFound(err) {
		t.Fatalf("GetDoc of a missing document = %v, want ENOTFOUND", err)
	}
	if docs, err := f.s.ListDocs(ctx, "W1", "alert"); err != nil || len(docs) != 0 {
		t.Fatalf("ListDocs of an empty kind = %v, %v", docs, err)
	}
	put := func(ws, kind, id, data string) {
		t.Helper()
		if err := f.s.PutDoc(ctx, ws, kind, id, []byte(data)); err != nil {
			t.Fatalf("PutDoc(%s, %s, %s): %v", ws, kind, id, err)
		}
	}
	put("W1", "alert", "a1", `{"v":1}`)
	put("W1", "alert", "a1", `{"v":2}`) // overwrite
	put("W1", "alert", "a2:x/y", `{"v":3}`)
	put("W1", "survey", "a1", `{"s":1}`)
	put("W2", "alert", "a1", `{"w":2}`)
	put("W1", "cursor", "big", string(make([]byte, 64<<10)))

	got, err := f.s.GetDoc(ctx, "W1", "alert", "a1")
	if err != nil || string(got) != `{"v":2}` {
		t.Errorf("GetDoc = %q, %v; want the overwritten value", got, err)
	}
	big, err := f.s.GetDoc(ctx, "W1", "cursor", "big")
	if err != nil || len(big) != 64<<10 {
		t.Errorf("GetDoc of a 64 KiB document = %d bytes, %v", len(big), err)
	}
	list, err := f.s.ListDocs(ctx, "W1", "alert")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{"a1": []byte(`{"v":2}`), "a2:x/y": []byte(`{"v":3}`)}
	if !maps.EqualFunc(list, want, func(a, b []byte) bool { return string(a) == string(b) }) {
		t.Errorf("ListDocs = %s, want %s", dump(list), dump(want))
	}
	if err := f.s.DeleteDoc(ctx, "W1", "alert", "a1"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.DeleteDoc(ctx, "W1", "alert", "a1"); err != nil {
		t.Errorf("DeleteDoc of a missing document: %v", err)
	}
	if _, err := f.s.GetDoc(ctx, "W1", "alert", "a1"); !feedbackbot.IsNotFound(err) {
		t.Errorf("GetDoc after delete = %v, want ENOTFOUND", err)
	}
	for _, c := range []struct{ ws, kind, id, want string }{
		{"W1", "survey", "a1", `{"s":1}`},
		{"W2", "alert", "a1", `{"w":2}`},
		{"W1", "alert", "a2:x/y", `{"v":3}`},
	} {
		got, err := f.s.GetDoc(ctx, c.ws, c.kind, c.id)
		if err != nil || string(got) != c.want {
			t.Errorf("GetDoc(%s, %s, %s) = %q, %v; want %q", c.ws, c.kind, c.id, got, err, c.want)
		}
	}
	list, err = f.s.ListDocs(ctx, "W1", "alert")
	if err != nil || len(list) != 1 {
		t.Errorf("ListDocs after delete = %d docs, %v; want 1", len(list), err)
	}
	// Several by id at once: the missing (deleted, never written, of another kind
	// or workspace) left out.
	put("W1", "alert", "a3", `{"v":4}`)
	several, err := f.s.GetDocs(ctx, "W1", "alert", "a1", "a2:x/y", "nope", "a3", "big")
	want = map[string][]byte{"a2:x/y": []byte(`{"v":3}`), "a3": []byte(`{"v":4}`)}
	if err != nil || !maps.EqualFunc(several, want, func(a, b []byte) bool { return string(a) == string(b) }) {
		t.Errorf("GetDocs = %s, %v; want %s", dump(several), err, dump(want))
	}
	if none, err := f.s.GetDocs(ctx, "W3", "alert", "a1"); err != nil || len(none) != 0 {
		t.Errorf("GetDocs of a workspace with no documents = %s, %v", dump(none), err)
	}
	if none, err := f.s.GetDocs(ctx, "W1", "alert"); err != nil || len(none) != 0 {
		t.Errorf("GetDocs of no ids = %s, %v", dump(none), err)
	}
	if _, err := f.s.GetDocs(ctx, "W1", "alert", ""); err == nil {
		t.Error("GetDocs of an empty id: no error")
	}
}

// testDocsPrefix: ListDocsPrefix returns the documents whose id begins with one of
// the prefixes, whatever characters the prefix holds (a Redis MATCH pattern's
// included), in one kind of one workspace, also past one HSCAN page.
// testCreateDoc: CreateDoc writes a document only where there is none, and of
// replicas creating one at once exactly one does.
func testCreateDoc(t *testing.T, f *fixture) {
	ctx := f.ctx
	if ok, err := f.s.CreateDoc(ctx, "W1", "digest-posted", "run1", []byte(`{"a":1}`)); err != nil || !ok {
		t.Fatalf("CreateDoc of a new document = %v, %v; want it created", ok, err)
	}
	if ok, err := f.s.CreateDoc(ctx, "W1", "digest-posted", "run1", []byte(`{"b":2}`)); err != nil || ok {
		t.Fatalf("CreateDoc of an existing document = %v, %v; want false", ok, err)
	}
	if got, err := f.s.GetDoc(ctx, "W1", "digest-posted", "run1"); err != nil || string(got) != `{"a":1}` {
		t.Errorf("GetDoc = %q, %v; want the first creation's", got, err)
	}
	// (another workspace's, another kind's: their own)
	if ok, err := f.s.CreateDoc(ctx, "W2", "digest-posted", "run1", []byte(`{"c":3}`)); err != nil || !ok {
		t.Errorf("CreateDoc in another workspace = %v, %v; want it created", ok, err)
	}
	if ok, err := f.s.CreateDoc(ctx, "W1", "alert", "run1", []byte(`{"d":4}`)); err != nil || !ok {
		t.Errorf("CreateDoc of another kind = %v, %v; want it created", ok, err)
	}
	if err := f.s.DeleteDoc(ctx, "W1", "digest-posted", "run1"); err != nil {
		t.Fatal(err)
	}
	if ok, err := f.s.CreateDoc(ctx, "W1", "digest-posted", "run1", []byte(`{"e":5}`)); err != nil || !ok {
		t.Errorf("CreateDoc after a delete = %v, %v; want it created", ok, err)
	}
	if _, err := f.s.CreateDoc(ctx, "W1", "digest-posted", "", []byte(`{}`)); feedbackbot.ErrorCode(err) != feedbackbot.EINVALID {
		t.Errorf("CreateDoc with an empty id: %v, want EINVALID", err)
	}
	// Replicas racing: one creates it, and what is stored is its.
	const racers = 8
	var wg sync.WaitGroup
	var created atomic.Int32
	var winner atomic.Int32
	for i := range racers {
		wg.Go(func() {
			ok, err := f.s.CreateDoc(ctx, "W1", "digest-posted", "run2", []byte(fmt.Sprintf(`{"r":%d}`, i)))
			if err != nil {
				t.Errorf("racer %d: %v", i, err)
			}
			if ok {
				created.Add(1)
				winner.Store(int32(i))
			}
		})
	}
	wg.Wait()
	if created.Load() != 1 {
		t.Errorf("%d of %d racers created the document, want 1", created.Load(), racers)
	} else if got, err := f.s.GetDoc(ctx, "W1", "digest-posted", "run2"); err != nil || string(got) != fmt.Sprintf(`{"r":%d}`, winner.Load()) {
		t.Errorf("stored %q, %v; want the creator's, racer %d's", got, err, winner.Load())
	}
}

func testDocsPrefix(t *testing.T, f *fixture) {
	ctx := f.ctx
	ids := []string{"csat|acme|C1|U1", "csat|acme|C2|U2", "nps|acme|C1|U1", "csat|acme-eu|C1|U1", "csat|ac*|C1|U3",
		"csat|a?[x]\\|C1|U4", "nps|kestrel|C9|U1", "csat|\xff\xfe|C1|U5"}
	for i := range 1500 { // more than one HSCAN page of another account's answers
		ids = append(ids, fmt.Sprintf("csat|bulk|C%d|U%d", i, i))
	}
	for _, id := range ids {
		if err := f.s.PutDoc(ctx, "W1", "survey-answer/2026-W47", id, []byte(id)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.s.PutDoc(ctx, "W1", "survey-answer/2026-W48", "csat|acme|C3|U1", []byte("other week")); err != nil {
		t.Fatal(err)
	}
	if err := f.s.PutDoc(ctx, "W2", "survey-answer/2026-W47", "csat|acme|C4|U1", []byte("other workspace")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		prefixes []string
		want     []string
	}{
		{[]string{"csat|acme|"}, []string{"csat|acme|C1|U1", "csat|acme|C2|U2"}},
		{[]string{"csat|acme|", "nps|acme|"}, []string{"csat|acme|C1|U1", "csat|acme|C2|U2", "nps|acme|C1|U1"}},
		{[]string{"csat|ac*|"}, []string{"csat|ac*|C1|U3"}},
		{[]string{"csat|a?[x]\\|"}, []string{"csat|a?[x]\\|C1|U4"}},
		{[]string{"csat|\xff\xfe|"}, []string{"csat|\xff\xfe|C1|U5"}},
		{[]string{"csat|bulk|C1499|"}, []string{"csat|bulk|C1499|U1499"}},
		{[]string{"csat|nobody|"}, nil},
		{nil, nil},
	} {
		got, err := f.s.ListDocsPrefix(ctx, "W1", "survey-answer/2026-W47", c.prefixes...)
		if err != nil {
			t.Fatalf("ListDocsPrefix(%q): %v", c.prefixes, err)
		}
		want := map[string][]byte{}
		for _, id := range c.want {
			want[id] = []byte(id)
		}
		if got == nil || !maps.EqualFunc(got, want, func(a, b []byte) bool { return string(a) == string(b) }) {
			t.Errorf("ListDocsPrefix(%q) = %s, want %s", c.prefixes, dump(got), dump(want))
		}
	}
	bulk, err := f.s.ListDocsPrefix(ctx, "W1", "survey-answer/2026-W47", "csat|bulk|")
	if err != nil || len(bulk) != 1500 {
		t.Errorf("ListDocsPrefix over several HSCAN pages = %d docs, %v; want 1500", len(bulk), err)
	}
	if none, err := f.s.ListDocsPrefix(ctx, "W1", "no-such-kind", "csat|"); err != nil || none == nil || len(none) != 0 {
		t.Errorf("ListDocsPrefix of an empty kind = %v, %v; want an empty map", none, err)
	}
}

func testLeases(t *testing.T, f *fixture) {
	ctx := f.ctx
	acquire := func(name, holder string, want bool) {
		t.Helper()
		got, err := f.s.AcquireLease(ctx, name, holder, time.Minute)
		if err != nil {
			t.Fatalf("AcquireLease(%s, %s): %v", name, holder, err)
		}
		if got != want {
			t.Errorf("AcquireLease(%s, %s) = %v, want %v", name, holder, got, want)
		}
	}
	release := func(name, holder string) {
		t.Helper()
		if err := f.s.ReleaseLease(ctx, name, holder); err != nil {
			t.Fatalf("ReleaseLease(%s, %s): %v", name, holder, err)
		}
	}
	acquire("scheduler", "h1", true)
	acquire("scheduler", "h2", false)
	acquire("scheduler", "h1", true) // renew
	acquire("digest", "h2", true)    // another lease
	release("scheduler", "h2")       // not the holder: no-op
	acquire("scheduler", "h2", false)
	release("scheduler", "h1")
	release("scheduler", "h1") // twice
	release("never", "h1")
	acquire("scheduler", "h2", true)
	acquire("scheduler", "h1", false)
}

func testLeaseExpiry(t *testing.T, f *fixture) {
	ctx := f.ctx
	ttl := 2 * ClaimIdle
	acquire := func(name, holder string, want bool) {
		t.Helper()
		got, err := f.s.AcquireLease(ctx, name, holder, ttl)
		if err != nil {
			t.Fatalf("AcquireLease(%s, %s): %v", name, holder, err)
		}
		if got != want {
			t.Errorf("AcquireLease(%s, %s) = %v, want %v", name, holder, got, want)
		}
	}
	acquire("expires", "h1", true)
	acquire("renewed", "h1", true)
	time.Sleep(ttl * 2 / 3)
	acquire("renewed", "h1", true) // renewal pushes expiry to now+ttl
	time.Sleep(ttl * 2 / 3)
	// "expires" is past its ttl; "renewed" is not, thanks to the renewal.
	acquire("expires", "h2", true)
	acquire("renewed", "h2", false)
}

func testOnce(t *testing.T, f *fixture) {
	ctx := f.ctx
	once := func(name string, ttl time.Duration, want bool) {
		t.Helper()
		got, err := f.s.Once(ctx, name, ttl)
		if err != nil {
			t.Fatalf("Once(%s): %v", name, err)
		}
		if got != want {
			t.Errorf("Once(%s) = %v, want %v", name, got, want)
		}
	}
	once("digest:W1:2025-03-10", time.Hour, true)
	once("digest:W1:2025-03-10", time.Hour, false)
	once("digest:W1:2025-03-10", time.Hour, false)
	once("digest:W2:2025-03-10", time.Hour, true)
	once("short", ClaimIdle, true)
	time.Sleep(ClaimIdle + ClaimIdle/2)
	once("short", ClaimIdle, true)
	once("short", ClaimIdle, false)
}

// testConcurrentAppendApply runs several capture goroutines appending the same
// messages (as redelivering platforms do) and several workers applying concurrently,
// some of them re-applying everything from Replay; counts must come out exact.
func testConcurrentAppendApply(t *testing.T, f *fixture) {
	const writers, workers, perWS = 6, 4, 40
	var ms []feedbackbot.Message
	for _, ws := range []string{"W1", "W2"} {
		m, _ := corpus(ws, perWS)
		ms = append(ms, m...)
	}
	_, tag := corpus("", 0)

	var wg sync.WaitGroup
	var mu sync.Mutex
	appended, errs := 0, []error{}
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	for w := range writers {
		wg.Go(func() {
			// Each writer sends everything, in its own order and batch sizes.
			for i := 0; i < len(ms); {
				n := 1 + (i+w)%5
				var events []feedbackbot.Event
				for j := i; j < min(i+n, len(ms)); j++ {
					events = append(events, Put(ms[(j+w*7)%len(ms)]))
				}
				i += n
				got, err := f.s.Append(f.ctx, events...)
				if err != nil {
					fail(err)
					return
				}
				mu.Lock()
				appended += got
				mu.Unlock()
			}
		})
	}
	applied := 0
	for w := range workers {
		wg.Go(func() {
			consumer := fmt.Sprintf("worker-%d", w)
			for idle := 0; idle < 3; {
				es, err := f.s.Read(f.ctx, consumer, 7, 20*time.Millisecond)
				if err != nil {
					fail(err)
					return
				}
				if len(es) == 0 {
					idle++
					continue
				}
				idle = 0
				n, err := f.s.Apply(f.ctx, items(es, tag)...)
				if err == nil {
					err = f.s.Ack(f.ctx, es...)
				}
				if err != nil {
					fail(err)
					return
				}
				mu.Lock()
				applied += n
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	if appended != len(ms) {
		t.Errorf("concurrent writers appended %d in total, want %d", appended, len(ms))
	}
	// Whatever the workers missed in their last idle rounds, drain now.
	applied += f.consume(tag)
	if applied != len(ms) {
		t.Errorf("workers applied %d in total, want %d", applied, len(ms))
	}
	if n := f.backlog(); n != 0 {
		t.Errorf("Backlog = %d, want 0", n)
	}

	// Re-analysis running beside a redelivering worker: every item applied twice at once.
	tag2 := func(m *feedbackbot.Message) feedbackbot.Tags {
		t := tag(m)
		t.Analyzer = "v2"
		t.Themes = []string{"reanalysed"}
		return t
	}
	var all []store.Entry
	for _, ws := range []string{"W1", "W2"} {
		if err := f.s.Replay(f.ctx, ws, func(e store.Entry) error { all = append(all, e); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	reapplied := 0
	for w := range workers {
		wg.Go(func() {
			for i := w % 3; i < len(all); i += 5 {
				n, err := f.s.Apply(f.ctx, items(all[i:min(i+5, len(all))], tag2)...)
				if err != nil {
					fail(err)
					return
				}
				mu.Lock()
				reapplied += n
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	if reapplied != len(ms) {
		t.Errorf("concurrent re-analysis applied %d, want %d", reapplied, len(ms))
	}
	want := expectAll(ms, tag2)
	for _, ws := range []string{"W1", "W2"} {
		checkRollups(t, f.rollups(ws, dayFrom, dayTo), want.expectRollups(ws))
	}
}
