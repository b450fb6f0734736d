package bot

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// chunkLog is a Redis store that records the first account of each AccountsDays
// call.
type chunkLog struct {
	*redisstore.Store
	mu    sync.Mutex
	calls []string
}

func (c *chunkLog) AccountsDays(ctx context.Context, ws string, accounts []string, from, to time.Time, counters ...string) (map[string][]feedbackbot.Rollup, error) {
	c.mu.Lock()
	c.calls = append(c.calls, accounts[0])
	c.mu.Unlock()
	return c.Store.AccountsDays(ctx, ws, accounts, from, to, counters...)
}

// TestDaysBatchOneChunkAhead: the batched read of account days reads a chunk only
// once an account of the chunk before it asks (not every account's days at once),
// drops a chunk once each of its accounts has its days, reads an account asked
// again after that on its own (the same days), and stops when closed whatever it
// was waiting for.
func TestDaysBatchOneChunkAhead(t *testing.T) {
	ctx := t.Context()
	client, prefix := redistest.Client(t)
	st := &chunkLog{Store: redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle})}
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	p := health.Params{}
	from, to := daysWindow(now, p)
	var ids []string
	for i := range 2*daysBatchSize + 3 {
		ids = append(ids, fmt.Sprintf("acct-%04d", i))
	}
	// one message in acct-0001's baseline, so a day is there to be read
	m := storetest.Msg("W1", "m1", "the export fails", feedbackbot.RoleCustomer, ids[1], "C1", from.Add(36*time.Hour))
	storetest.AppendApplyAll(ctx, t, st.Store, []feedbackbot.Event{storetest.Put(m)}, func(int) feedbackbot.Tags { return storetest.Tags(-0.5, "v1") })
	days, err := st.Store.AccountDays(ctx, "W1", ids[1], from, to, baseCounters...)
	if err != nil || len(days) != 1 {
		t.Fatalf("AccountDays = %v, %v; want one day", days, err)
	}
	want := store.DayCountsOf(days, baseCounters...) // (customer messages and score first)
	if want[0].Counts[0] == 0 || want[0].Counts[1] == 0 {
		t.Fatalf("AccountDays = %v: want a customer message's count and score", days)
	}

	b := readDaysBatched(ctx, st, "W1", ids, now, p)
	<-b.done[0]
	select {
	case <-b.done[1]:
		t.Fatal("the second chunk was read before any account of the first asked for its days")
	default:
	}
	for _, id := range ids[:daysBatchSize] {
		got, err := b.of(ctx, id, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if id == ids[1] && fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s's days from the batch: %v, want %v", id, got, want)
		}
	}
	<-b.done[1] // an account of chunk 0 asked: chunk 1 is read, and no more
	select {
	case <-b.done[2]:
		t.Fatal("the third chunk was read before any account of the second asked")
	default:
	}
	b.mu.Lock()
	dropped := b.days[0] == nil
	b.mu.Unlock()
	if !dropped {
		t.Error("every account of the first chunk has its days, and the chunk is still held")
	}
	if got, err := b.of(ctx, ids[1], from, to); err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("asked again after its chunk was dropped: %v, %v; want %v", got, err, want)
	}
	b.close() // returns: the reader waited for the second chunk's accounts
	st.mu.Lock()
	defer st.mu.Unlock()
	if wantCalls := []string{ids[0], ids[daysBatchSize], ids[1]}; !slices.Equal(st.calls, wantCalls) {
		t.Errorf("AccountsDays calls began with %v, want %v (two chunks, then the account asked again)", st.calls, wantCalls)
	}
}
