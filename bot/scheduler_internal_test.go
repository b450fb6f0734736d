package bot

import (
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// TestPeriodStartFollowsTheLocalCalendar: a daily 09:00 digest covers from the day
// before's 09:00 on the team's clock, 23 hours on the spring change and 25 on the
// autumn one; the run minus 24 hours overlapped the previous digest by an hour in
// spring and left an hour out in autumn (a review's find). Periods that are not
// whole days stay durations.
func TestPeriodStartFollowsTheLocalCalendar(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		name     string
		run      time.Time
		period   time.Duration
		loc      *time.Location
		want     time.Time
		covering time.Duration
	}{
		{"an ordinary day", at("2026-11-18 09:00"), 24 * time.Hour, berlin, at("2026-11-17 09:00"), 24 * time.Hour},
		{"the spring change", at("2026-03-29 09:00"), 24 * time.Hour, berlin, at("2026-03-28 09:00"), 23 * time.Hour},
		{"the autumn change", at("2026-10-25 09:00"), 24 * time.Hour, berlin, at("2026-10-24 09:00"), 25 * time.Hour},
		{"a week over the autumn change", at("2026-10-26 09:00"), 7 * 24 * time.Hour, berlin, at("2026-10-19 09:00"), 7*24*time.Hour + time.Hour},
		{"twelve hours", at("2026-03-29 09:00"), 12 * time.Hour, berlin, at("2026-03-29 09:00").Add(-12 * time.Hour), 12 * time.Hour},
		{"no zone: UTC days", at("2026-03-29 09:00"), 24 * time.Hour, nil, at("2026-03-29 09:00").Add(-24 * time.Hour), 24 * time.Hour},
	} {
		got := periodStart(Job{Period: c.period, Location: c.loc}, c.run)
		if !got.Equal(c.want) || c.run.Sub(got) != c.covering {
			t.Errorf("%s: the period starts %s (%s long), want %s (%s)", c.name, got.In(berlin), c.run.Sub(got), c.want, c.covering)
		}
	}
}

// TestPeriodStartOfAMovedRun: a daily 02:30 Berlin digest runs at 03:30 on the
// spring change (the clocks skip 02:30); its period starts at the run before it,
// 02:30 the day before, where a day back from 03:30 left an hour in no digest (a
// review's find).
func TestPeriodStartOfAMovedRun(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	s, err := cron.ParseStandard("30 2 * * *")
	if err != nil {
		t.Fatal(err)
	}
	j := Job{Name: "daily", Schedule: s, Location: berlin, Period: 24 * time.Hour}
	prev := nextRun(j, time.Date(2026, 3, 27, 12, 0, 0, 0, berlin)) // 03-28 02:30 CET
	run := nextRun(j, prev)                                         // 03-29 03:30 CEST
	if got := periodStart(j, run); !got.Equal(prev) {
		t.Errorf("run %s: the period starts %s; the run before was %s", run, got.In(berlin), prev)
	}
	after := nextRun(j, run) // 03-30 02:30 CEST: its period starts where the moved run ended
	if got := periodStart(j, after); !got.Equal(run) {
		t.Errorf("run %s: the period starts %s; the run before was %s", after, got.In(berlin), run)
	}
}
