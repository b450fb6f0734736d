package bolt

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	"github.com/feedbackbot/feedbackbot/store/storetest"
	"go.etcd.io/bbolt"
)

func openTest(t testing.TB, dir string, opts Options) *Store {
	t.Helper()
	if opts.ClaimIdle == 0 {
		opts.ClaimIdle = storetest.ClaimIdle
	}
	s, err := Open(t.Context(), dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t, t.TempDir(), Options{}) })
}

// TestConformanceNoFreelistSync runs the suite as the bot and imports open the store.
func TestConformanceNoFreelistSync(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t, t.TempDir(), Options{NoFreelistSync: true}) })
}

// TestNoFreelistSyncCloseSavesFreelist: a store written without the free-page list
// writes it at Close, so the next Open does not read the whole file, and everything
// written is there after reopening either way.
func TestNoFreelistSyncCloseSavesFreelist(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := Open(ctx, dir, Options{NoFreelistSync: true})
	if err != nil {
		t.Fatal(err)
	}
	var events []feedbackbot.Event
	for i := range 300 {
		events = append(events, storetest.Put(storetest.Msg("W1", fmt.Sprintf("m%d", i), "slow", "", "A1", "C1", storetest.Base.Add(time.Duration(i)*time.Second))))
	}
	if n, err := s.Append(ctx, events...); err != nil || n != 300 {
		t.Fatalf("Append = %d, %v", n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// bbolt marks a file without a saved free-page list with the largest page id
	// in the meta page's freelist field; read both meta pages (pages 0 and 1).
	raw, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(filepath.Join(dir, FileName), 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	pageSize := db.Info().PageSize
	db.Close()
	// meta layout: page header (16 bytes), magic, version, page size, flags (4 each),
	// root bucket (16), freelist page id (8), high-water page id (8), txid (8). The
	// meta page with the larger txid is the current one.
	field := func(page, off int) uint64 { return binary.LittleEndian.Uint64(raw[page*pageSize+16+4*4+16+off:]) }
	cur := 0
	if field(1, 16) > field(0, 16) {
		cur = 1
	}
	if field(cur, 0) == ^uint64(0) {
		t.Errorf("the current meta page (%d) has no saved free-page list after Close", cur)
	}
	s, err = Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.Backlog(ctx); err != nil || n != 300 {
		t.Errorf("Backlog after reopening = %d, %v; want 300", n, err)
	}
}

func TestOpenCreatesDirAndFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s := openTest(t, dir, Options{})
	if s.Path() != filepath.Join(dir, FileName) {
		t.Errorf("Path = %s", s.Path())
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		t.Fatal(err)
	}
}

func TestOpenLocked(t *testing.T) {
	dir := t.TempDir()
	openTest(t, dir, Options{})
	// bbolt's flock belongs to the open file description, so a second Open in the same
	// process conflicts exactly as another process would.
	start := time.Now()
	s, err := Open(t.Context(), dir, Options{LockTimeout: 100 * time.Millisecond})
	if err == nil {
		s.Close()
		t.Fatal("a second Open of a locked file succeeded")
	}
	msg := err.Error()
	for _, want := range []string{filepath.Join(dir, FileName), "is in use by another feedbackbot process"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if code := feedbackbot.ErrorCode(err); code != feedbackbot.EUNAVAILABLE {
		t.Errorf("code %q, want %q", code, feedbackbot.EUNAVAILABLE)
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Errorf("Open waited %s despite a 100ms lock timeout", waited)
	}
}

func TestOpenCorrupt(t *testing.T) {
	foreign := func(t *testing.T, path string) {
		db, err := bbolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Update(func(tx *bbolt.Tx) error {
			_, err := tx.CreateBucket([]byte("someone else's"))
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	otherFormat := func(t *testing.T, path string) {
		db, err := bbolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Update(func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucket(bMeta)
			if err != nil {
				return err
			}
			return b.Put(kFormat, []byte("99"))
		}); err != nil {
			t.Fatal(err)
		}
	}
	garbage := func(n int) func(*testing.T, string) {
		return func(t *testing.T, path string) {
			if err := os.WriteFile(path, bytes.Repeat([]byte("not a db"), n/8+1)[:n], 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name  string
		write func(*testing.T, string)
	}{
		{"short garbage", garbage(10)},
		{"one page of garbage", garbage(4096)},
		{"garbage", garbage(70_000)},
		{"another application's bbolt file", foreign},
		{"another format version", otherFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			tc.write(t, path)
			s, err := Open(t.Context(), dir, Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open of a corrupt file succeeded")
			}
			msg := err.Error()
			for _, want := range []string{path, "not a feedbackbot database or is corrupt"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not mention %q", msg, want)
				}
			}
		})
	}
}

// clock is a settable clock for Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestReopen(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	clk := &clock{now: time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)}
	opts := Options{ClaimIdle: time.Minute, Now: clk.Now}
	s, err := Open(ctx, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	var ms []feedbackbot.Message
	var events []feedbackbot.Event
	for i := range 5 {
		m := storetest.Msg("W1", fmt.Sprintf("m%d", i), "the export fails", "", "A1", "C1", storetest.Base.Add(time.Duration(i)*time.Minute))
		ms = append(ms, m)
		events = append(events, storetest.Put(m))
	}
	if n, err := s.Append(ctx, events...); err != nil || n != 5 {
		t.Fatalf("Append = %d, %v", n, err)
	}
	es, err := s.Read(ctx, "crashed", 3, 0)
	if err != nil || len(es) != 3 {
		t.Fatalf("Read = %d, %v", len(es), err)
	}
	tags := storetest.Tags(-0.7, "v1", "export")
	items := []store.Applied{{Entry: es[0], Tags: tags}, {Entry: es[1], Tags: tags}}
	if n, err := s.Apply(ctx, items...); err != nil || n != 2 {
		t.Fatalf("Apply = %d, %v", n, err)
	}
	if err := s.Ack(ctx, es[0]); err != nil {
		t.Fatal(err)
	}
	if err := s.PutDoc(ctx, "W1", "alert", "a1", []byte(`{"open":true}`)); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.AcquireLease(ctx, "scheduler", "host-1", 10*time.Minute); err != nil || !ok {
		t.Fatalf("AcquireLease = %v, %v", ok, err)
	}
	rollups, err := s.Rollups(ctx, "W1", storetest.Base, storetest.Base.Add(time.Hour))
	if err != nil || len(rollups) != 1 {
		t.Fatalf("Rollups = %v, %v", rollups, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A restart after the claim timeout: the crashed worker's entries come back.
	clk.Add(time.Minute + time.Second)
	s = openTest(t, dir, opts)
	if n, err := s.Backlog(ctx); err != nil || n != 4 {
		t.Errorf("Backlog after reopen = %d, %v; want 4 (2 pending, 2 undelivered)", n, err)
	}
	got, err := s.Read(ctx, "fresh", 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	var deliveries []int64
	for _, e := range got {
		ids = append(ids, e.Event.Message.ID)
		deliveries = append(deliveries, e.Deliveries)
	}
	if fmt.Sprint(ids) != "[m1 m2 m3 m4]" || fmt.Sprint(deliveries) != "[2 2 1 1]" {
		t.Errorf("after reopen Read gave %v with deliveries %v; want [m1 m2 m3 m4] [2 2 1 1]", ids, deliveries)
	}
	if n, err := s.Append(ctx, events...); err != nil || n != 0 {
		t.Errorf("re-appending after reopen = %d, %v; want 0", n, err)
	}
	if n, err := s.Apply(ctx, items...); err != nil || n != 0 {
		t.Errorf("re-applying after reopen = %d, %v; want 0", n, err)
	}
	st, err := s.Message(ctx, ms[1].Key())
	if err != nil || st.Tags.Sentiment.Score != -0.7 || st.Message.Text != ms[1].Text {
		t.Errorf("Message after reopen = %+v, %v", st, err)
	}
	again, err := s.Rollups(ctx, "W1", storetest.Base, storetest.Base.Add(time.Hour))
	if err != nil || len(again) != 1 || fmt.Sprint(again[0].Counts) != fmt.Sprint(rollups[0].Counts) {
		t.Errorf("Rollups after reopen = %v, %v; want %v", again, err, rollups)
	}
	if doc, err := s.GetDoc(ctx, "W1", "alert", "a1"); err != nil || string(doc) != `{"open":true}` {
		t.Errorf("GetDoc after reopen = %q, %v", doc, err)
	}
	if ok, err := s.AcquireLease(ctx, "scheduler", "host-2", time.Minute); err != nil || ok {
		t.Errorf("another holder got an unexpired lease after reopen: %v, %v", ok, err)
	}
	clk.Add(10 * time.Minute)
	if ok, err := s.AcquireLease(ctx, "scheduler", "host-2", time.Minute); err != nil || !ok {
		t.Errorf("another holder could not take an expired lease: %v, %v", ok, err)
	}
}

// childEnv makes the test binary run as the writer TestKillDurability kills.
const childEnv = "FEEDBACKBOT_BOLT_KILL_CHILD_DIR"

// TestKillDurability kills a writing process at an arbitrary moment and checks that
// every append it had acknowledged (printed after Append returned) is in the file.
func TestKillDurability(t *testing.T) {
	if dir := os.Getenv(childEnv); dir != "" {
		killChild(t, dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillDurability$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{}
	sc := bufio.NewScanner(out)
	for len(acked) < 300 && sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "acked "); ok {
			acked[id] = true
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() { // acknowledgements printed before the kill landed count too
		if id, ok := strings.CutPrefix(sc.Text(), "acked "); ok {
			acked[id] = true
		}
	}
	_ = cmd.Wait()
	if len(acked) < 300 {
		t.Fatalf("the child acknowledged only %d appends before exiting", len(acked))
	}
	s := openTest(t, dir, Options{})
	stored := map[string]bool{}
	if err := s.Replay(t.Context(), "W1", func(e store.Entry) error {
		stored[e.Event.Message.ID] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for id := range acked {
		if !stored[id] {
			t.Errorf("acknowledged append %s is missing after the kill", id)
		}
	}
	t.Logf("%d acknowledged, %d stored", len(acked), len(stored))
}

// killChild appends from several goroutines until it is killed, printing each
// acknowledged message id.
func killChild(t *testing.T, dir string) {
	s, err := Open(t.Context(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				id := fmt.Sprintf("g%d-%d", g, i)
				m := storetest.Msg("W1", id, "x", "", "A1", "C1", storetest.Base)
				if _, err := s.Append(t.Context(), storetest.Put(m)); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				fmt.Printf("acked %s\n", id)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestReadWaitReclaims checks a waiting Read also wakes for entries that become
// reclaimable while it waits, not only for new ones.
func TestReadWaitReclaims(t *testing.T) {
	ctx := t.Context()
	s := openTest(t, t.TempDir(), Options{})
	if _, err := s.Append(ctx, storetest.Put(storetest.Msg("W1", "m1", "x", "", "", "C1", storetest.Base))); err != nil {
		t.Fatal(err)
	}
	if es, err := s.Read(ctx, "crashed", 10, 0); err != nil || len(es) != 1 {
		t.Fatalf("Read = %d, %v", len(es), err)
	}
	es, err := s.Read(ctx, "other", 10, time.Minute)
	if err != nil || len(es) != 1 || es[0].Deliveries != 2 {
		t.Fatalf("waiting Read = %+v, %v; want the reclaimed entry", es, err)
	}
}

// TestClosed checks calls after Close fail cleanly and a waiting Read returns.
func TestClosed(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Read(ctx, "c", 10, time.Hour)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond) // let Read start waiting; the result holds either way
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Error("a Read waiting across Close returned no error")
	}
	if _, err := s.Append(ctx, storetest.Put(storetest.Msg("W1", "m", "x", "", "", "C1", storetest.Base))); feedbackbot.ErrorCode(err) != feedbackbot.EUNAVAILABLE {
		t.Errorf("Append after Close = %v, want EUNAVAILABLE", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestGroupCommit checks concurrent single-event appends are all durable and counted,
// whatever way the committer groups them.
func TestGroupCommit(t *testing.T) {
	ctx := t.Context()
	s := openTest(t, t.TempDir(), Options{})
	var wg sync.WaitGroup
	var appended atomic.Int64
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				m := storetest.Msg("W1", fmt.Sprintf("g%d-%d", g, i), "x", "", "", "C1", storetest.Base)
				n, err := s.Append(ctx, storetest.Put(m))
				if err != nil {
					t.Error(err)
					return
				}
				appended.Add(int64(n))
			}
		})
	}
	wg.Wait()
	if appended.Load() != 200 {
		t.Errorf("appended %d, want 200", appended.Load())
	}
	if n, err := s.Backlog(ctx); err != nil || n != 200 {
		t.Errorf("Backlog = %d, %v; want 200", n, err)
	}
}

// TestGroupCommitFailure checks a call failing inside a shared transaction gets its
// error and leaves nothing behind, while the calls grouped with it still commit.
func TestGroupCommitFailure(t *testing.T) {
	s := openTest(t, t.TempDir(), Options{})
	bucket := []byte("test")
	fail := errors.New("this call fails")
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			err := s.commit.run(func(tx *bbolt.Tx) error {
				b, err := tx.CreateBucketIfNotExists(bucket)
				if err != nil {
					return err
				}
				if err := b.Put(u64(uint64(i)), nil); err != nil {
					return err
				}
				if i%7 == 0 {
					return fail
				}
				return nil
			})
			if (i%7 == 0) != errors.Is(err, fail) {
				t.Errorf("call %d: err = %v", i, err)
			}
		})
	}
	wg.Wait()
	err := s.db.View(func(tx *bbolt.Tx) error {
		for i := range 200 {
			has := tx.Bucket(bucket).Get(u64(uint64(i))) != nil
			if has != (i%7 != 0) {
				t.Errorf("key %d present = %v", i, has)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkAppendApply measures the capture-to-derived path in batches of 100: one
// Append, one Read, one Apply and one Ack per batch, each a durable commit.
func BenchmarkAppendApply(b *testing.B) {
	ctx := b.Context()
	s := openTest(b, b.TempDir(), Options{})
	tags := storetest.Tags(-0.4, "v1", "export", "billing")
	const batch = 100
	seq := 0
	b.ResetTimer()
	for b.Loop() {
		events := make([]feedbackbot.Event, batch)
		for i := range events {
			seq++
			m := storetest.Msg("W1", fmt.Sprintf("m%d", seq), "the nightly export failed again with a timeout", "",
				fmt.Sprintf("A%d", seq%20), fmt.Sprintf("C%d", seq%5), storetest.Base.Add(time.Duration(seq)*time.Second))
			events[i] = storetest.Put(m)
		}
		if _, err := s.Append(ctx, events...); err != nil {
			b.Fatal(err)
		}
		es, err := s.Read(ctx, "bench", batch, 0)
		if err != nil || len(es) != batch {
			b.Fatalf("Read = %d, %v", len(es), err)
		}
		items := make([]store.Applied, len(es))
		for i, e := range es {
			items[i] = store.Applied{Entry: e, Tags: tags}
		}
		if n, err := s.Apply(ctx, items...); err != nil || n != batch {
			b.Fatalf("Apply = %d, %v", n, err)
		}
		if err := s.Ack(ctx, es...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(seq)/b.Elapsed().Seconds(), "messages/s")
}

// BenchmarkAppendParallel measures single-event appends from many goroutines, the
// adapters' pattern; group commit shares one fsync among concurrent callers.
func BenchmarkAppendParallel(b *testing.B) {
	ctx := b.Context()
	s := openTest(b, b.TempDir(), Options{})
	var seq atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			m := storetest.Msg("W1", fmt.Sprintf("m%d", n), "hello there", "", "A1", "C1", storetest.Base)
			if _, err := s.Append(ctx, storetest.Put(m)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(seq.Load())/b.Elapsed().Seconds(), "messages/s")
}

// TestAccountDaysMigration: a file written before account-day counters existed gets
// them on its next Open, summed from the hourly rollups.
func TestAccountDaysMigration(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, Options{})
	storetest.RunAccountDaysMigration(t, s, func(st store.Store) store.Store {
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		if err := DropAccountDays(dir); err != nil {
			t.Fatal(err)
		}
		return openTest(t, dir, Options{})
	})
}

// TestAccountDaysMigrationLogs: Open says when it builds the account-day counters
// of an older file (before, and after with what it did), and says nothing about
// them on a new file or on one already built; the counters it builds equal the
// ones the data had before they were dropped.
func TestAccountDaysMigrationLogs(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	var buf bytes.Buffer
	opts := Options{ClaimIdle: storetest.ClaimIdle, Logger: slog.New(slog.NewTextHandler(&buf, nil))}
	s, err := Open(ctx, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Errorf("a new file logged %q", buf.String())
	}
	var events []feedbackbot.Event
	for i := range 3 {
		events = append(events, storetest.Put(storetest.Msg("W1", fmt.Sprintf("m%d", i), "the export fails", feedbackbot.RoleCustomer,
			"A1", "C1", storetest.Base.Add(time.Duration(i)*20*time.Hour))))
	}
	if _, err := s.Append(ctx, events...); err != nil {
		t.Fatal(err)
	}
	es, err := s.Read(ctx, "w", 10, 0)
	if err != nil || len(es) != 3 {
		t.Fatalf("Read = %d, %v", len(es), err)
	}
	var items []store.Applied
	for _, e := range es {
		items = append(items, store.Applied{Entry: e, Tags: storetest.Tags(-0.5, "v1")})
	}
	if n, err := s.Apply(ctx, items...); err != nil || n != 3 {
		t.Fatalf("Apply = %d, %v", n, err)
	}
	from, to := storetest.Base.Add(-48*time.Hour), storetest.Base.Add(5*24*time.Hour)
	want, err := s.AccountDays(ctx, "W1", "A1", from, to)
	if err != nil || len(want) != 3 {
		t.Fatalf("AccountDays = %v, %v; want 3 days", want, err)
	}
	for _, step := range []struct {
		name    string
		drop    bool
		wantLog []string
	}{
		{"reopen", false, nil},
		{"older file", true, []string{
			`level=INFO msg="building the account-day counters of data from an older version`, "workspaces=1\n",
			`level=INFO msg="built the account-day counters"`, "workspaces=1 hours=3 account_days=3 seconds="}},
		{"reopen after the migration", false, nil},
	} {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if step.drop {
			if err := DropAccountDays(dir); err != nil {
				t.Fatal(err)
			}
		}
		buf.Reset()
		if s, err = Open(ctx, dir, opts); err != nil {
			t.Fatalf("%s: Open: %v", step.name, err)
		}
		got := buf.String()
		if step.wantLog == nil && got != "" {
			t.Errorf("%s: Open logged %q, want nothing", step.name, got)
		}
		for _, w := range step.wantLog {
			if !strings.Contains(got, w) {
				t.Errorf("%s: Open logged %q, want it to contain %q", step.name, got, w)
			}
		}
		if got, err := s.AccountDays(ctx, "W1", "A1", from, to); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: AccountDays = %v, %v; want %v", step.name, got, err, want)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestPagesPackedInOrder checks how full the in-order buckets keep their pages, for
// messages of twenty channels written in time order as live traffic writes them (one
// message a channel a transaction) and as an import does (a run of each channel's
// messages a transaction). bbolt's default, splitting a page half full, left the
// append-only buckets (log, time index) half empty whatever the pattern, and the
// revisions a third full (35% and 53% here).
func TestPagesPackedInOrder(t *testing.T) {
	tests := []struct {
		name string
		run  int // consecutive messages of a channel in one transaction
	}{{"live", 1}, {"import", 30}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fill := packedFill(t, 20, 150, tc.run)
			for _, name := range appendOnly {
				if name := string(name); name != string(bPend) && fill[name] < 0.8 {
					t.Errorf("bucket %s: leaf pages %.0f%% full, want at least 80%%", name, 100*fill[name])
				}
			}
			for _, name := range byRun {
				name := string(name)
				if f, ok := fill[name]; ok && f < 0.6 {
					t.Errorf("bucket %s: leaf pages %.0f%% full, want at least 60%%", name, 100*fill[name])
				}
			}
			// The messages: three records of the five a page holds where live
			// traffic splits it (see packInOrder), four where an import does.
			want := map[string]float64{"live": 0.55, "import": 0.75}[tc.name]
			if fill[string(bMsg)] < want {
				t.Errorf("bucket msg: leaf pages %.0f%% full, want at least %.0f%%", 100*fill[string(bMsg)], 100*want)
			}
			t.Logf("fill %v", fill)
		})
	}
}

// packedFill writes channels*perChannel messages in time order, run messages of
// each channel a transaction, analyses them and returns each bucket's share of its
// leaf pages in use.
func packedFill(t *testing.T, channels, perChannel, run int) map[string]float64 {
	ctx := t.Context()
	s := openTest(t, t.TempDir(), Options{})
	// Records of about 770 bytes with their keys, five to a page. The text was 312
	// bytes until the records' contributions took the emotion counters (fb-9),
	// which made them some 800 bytes, four to a page: a test of how splits pack
	// four (live traffic then leaves two a page, 41% full), not five.
	text := strings.Repeat("the export has been failing since the last release, ", 6)[:290]
	for i := 0; i < perChannel; i += run {
		var evs []feedbackbot.Event
		for c := range channels {
			for j := i; j < min(i+run, perChannel); j++ {
				at := storetest.Base.Add(time.Duration(j*channels+c) * time.Minute)
				ch := fmt.Sprintf("C%02d", c)
				evs = append(evs, storetest.Put(storetest.Msg("W1", fmt.Sprintf("%s-%04d", ch, j), text, "", "A"+ch, ch, at)))
			}
		}
		if _, err := s.Append(ctx, evs...); err != nil {
			t.Fatal(err)
		}
		entries, err := s.Read(ctx, "c1", len(evs), 0)
		if err != nil {
			t.Fatal(err)
		}
		items := make([]store.Applied, len(entries))
		for j, e := range entries {
			items[j] = store.Applied{Entry: e, Tags: storetest.Tags(-0.6, "v1", "export")}
		}
		if _, err := s.Apply(ctx, items...); err != nil {
			t.Fatal(err)
		}
		if err := s.Ack(ctx, entries...); err != nil {
			t.Fatal(err)
		}
	}
	fill := map[string]float64{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bWS).Bucket([]byte("W1"))
		return b.ForEachBucket(func(name []byte) error {
			// (A bucket of a page or two says nothing of how its splits pack:
			// the account days of twenty accounts over two days are one page.)
			if st := b.Bucket(name).Stats(); st.LeafPageN >= 3 {
				fill[string(name)] = float64(st.LeafInuse) / float64(st.LeafAlloc)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return fill
}

// BenchmarkAccountMessages reads an account's fifteen newest days, as account
// health does, from a history of -bolt.history messages at 1,000 a day, in the
// bench's shape: 200 accounts over 40 channels (five to a channel, so an account's
// records are every fifth of its channel's), a quarter of them staff's; each read
// is the next account's.
func BenchmarkAccountMessages(b *testing.B) {
	ctx := b.Context()
	s := openTest(b, b.TempDir(), Options{})
	const perDay, batch = 1000, 1000
	n := *benchHistory
	step := 24 * time.Hour / perDay
	end := storetest.Base.Add(time.Duration(n) * step)
	for start := 0; start < n; start += batch {
		events := make([]feedbackbot.Event, 0, batch)
		for i := start; i < min(n, start+batch); i++ {
			at := storetest.Base.Add(time.Duration(i) * step)
			ch := fmt.Sprintf("C%d", i%40)
			role := feedbackbot.RoleCustomer
			if i%4 == 3 {
				role = feedbackbot.RoleStaff
			}
			m := storetest.Msg("W1", fmt.Sprintf("%s:%d.%06d", ch, at.Unix(), at.Nanosecond()/1000),
				"the nightly export failed again with a timeout, can someone look at it today?", role,
				fmt.Sprintf("A%d", i%200), ch, at)
			events = append(events, storetest.Put(m))
		}
		if _, err := s.Append(ctx, events...); err != nil {
			b.Fatal(err)
		}
		es, err := s.Read(ctx, "bench", len(events), 0)
		if err != nil {
			b.Fatal(err)
		}
		items := make([]store.Applied, len(es))
		for i, e := range es {
			items[i] = store.Applied{Entry: e, Tags: storetest.Tags(-0.6, "v1", "bug", "reliability")}
		}
		if _, err := s.Apply(ctx, items...); err != nil {
			b.Fatal(err)
		}
		if err := s.Ack(ctx, es...); err != nil {
			b.Fatal(err)
		}
	}
	// Each read is the next account's, as the at-risk pass reads them: one
	// account read over and over finds its pages in the CPU's caches.
	q := store.Query{Workspace: "W1", From: end.Add(-15 * 24 * time.Hour), To: end, Limit: store.MaxQueryLimit}
	accounts := make([]string, 200)
	for i := range accounts {
		accounts[i] = fmt.Sprintf("A%d", i)
	}
	read, reads := 0, 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		q.Account = accounts[reads%len(accounts)]
		rows, err := s.Messages(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		read += len(rows)
		reads++
	}
	b.ReportMetric(float64(read)/float64(reads), "messages/op")
}

var benchHistory = flag.Int("bolt.history", 100_000, "messages in BenchmarkAccountMessages' history")
