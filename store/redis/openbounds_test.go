package redisstore_test

import (
	"slices"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// TestOpenBoundsReadDaysWithData guards the cost of an open bound: Notable and
// AccountDays with a zero bound read the days that hold a rollup hour, never
// every day from the workspace's first hour to its last (store.Derived: the cost
// grows with the days asked for, never with the history). A workspace with one
// message dated in the year 1 and two now is read in a few commands, one HMGET of
// account days and one notable set a day with data. (They refused such a
// workspace as a period longer than 3,700 days; the conformance cases
// Query/NotableOpenLongHistory and AccountDays/AccountDaysOpenLongHistory check
// what they return.)
func TestOpenBoundsReadDaysWithData(t *testing.T) {
	ctx := t.Context()
	s, client, _ := newStore(t, redisstore.Options{})
	var evs []feedbackbot.Event
	for i, at := range []time.Time{time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC), storetest.Base, storetest.Base.Add(30 * time.Hour)} {
		evs = append(evs, storetest.Put(storetest.Msg("W1", string(rune('a'+i)), "the export is broken", "", "A1", "C1", at)))
	}
	storetest.AppendApplyAll(ctx, t, s, evs, func(int) feedbackbot.Tags { return storetest.Tags(-0.5, "v1") })
	rec := &cmdLog{}
	client.AddHook(rec)
	var zero time.Time
	for _, c := range []struct {
		name     string
		from, to time.Time
	}{
		{"both open", zero, zero}, {"open start", zero, storetest.Base.AddDate(0, 0, 3)}, {"open end", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), zero},
	} {
		rec.start()
		got, err := s.AccountDays(ctx, "W1", "A1", c.from, c.to)
		rec.stop()
		if err != nil || len(got) != 3 {
			t.Errorf("AccountDays(%s) = %d days, %v; want 3", c.name, len(got), err)
		}
		if n := len(rec.named("hmget")); n != 3 {
			t.Errorf("AccountDays(%s) sent %d HMGETs, want 3 (one a day with data)", c.name, n)
		}
		if n := len(rec.cmds); n > 10 {
			t.Errorf("AccountDays(%s) sent %d commands, want a few", c.name, n)
		}
		rec.start()
		notable, err := s.Notable(ctx, "W1", store.NotableNegative, c.from, c.to, 10)
		rec.stop()
		if err != nil || len(notable) != 3 {
			t.Errorf("Notable(%s) = %d, %v; want 3", c.name, len(notable), err)
		}
		var sets []string
		for _, a := range slices.Concat(rec.named("zrange"), rec.named("zrevrange")) {
			sets = append(sets, a[1].(string))
		}
		slices.Sort(sets)
		if sets = slices.Compact(sets); len(sets) != 3 {
			t.Errorf("Notable(%s) read the sets %v, want the 3 days with data", c.name, sets)
		}
		if n := len(rec.cmds); n > 20 {
			t.Errorf("Notable(%s) sent %d commands, want a few", c.name, n)
		}
	}
}
