package bot

import (
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// periodJob is a job of spec in zone with period, failing the test (or skipping
// it without a time zone database).
func periodJob(t *testing.T, spec, zone string, period time.Duration) Job {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		t.Fatal(err)
	}
	return Job{Name: "digest", Schedule: s, Location: loc, Period: period}
}

// TestPeriodsStartAtTheRunBefore: through all of 2026, every run's period starts
// at the run before it, whatever the schedule leaves out and whatever the clocks
// do. A period was Period counted back from the run: Monday's digest of a
// weekday schedule covered Sunday 09:00 to Monday 09:00 (Saturday's messages were
// in no digest), and an hourly Berlin digest's first run after the autumn change
// (the second 02:00 is not a run) covered one hour of the two since the run
// before.
func TestPeriodsStartAtTheRunBefore(t *testing.T) {
	for _, c := range []struct {
		spec, zone string
		period     time.Duration
	}{
		{"0 9 * * 1-5", "Europe/Berlin", 24 * time.Hour}, // the example configuration's
		{"0 * * * *", "Europe/Berlin", time.Hour},
		{"0 * * * *", "America/New_York", time.Hour},
		{"0 * * * *", "Australia/Adelaide", time.Hour},     // +10:30 / +9:30
		{"30 * * * *", "Australia/Lord_Howe", time.Hour},   // a change of half an hour, at 02:00 / 01:30
		{"0 * * * *", "Australia/Lord_Howe", time.Hour},    // 02:00 moved to 02:30: 30 minutes by the clock before 03:00
		{"0 * * * *", "Antarctica/Troll", time.Hour},       // clocks back two hours (nextRun recursed for ever)
		{"30 2 * * *", "Antarctica/Troll", 24 * time.Hour}, // skipped in spring, shown twice in autumn
		{"0 9-17 * * 1-5", "Europe/Berlin", time.Hour},     // business hours: 09:00 covers the night (or the weekend)
		{"30 2 * * *", "Europe/Berlin", 24 * time.Hour},    // a time skipped in spring and shown twice in autumn
		{"30 1 * * *", "America/New_York", 24 * time.Hour}, // shown twice in autumn, west of UTC
		{"0 9 * * 1,4", "Asia/Kolkata", 24 * time.Hour},
		{"0 9 * * 1", "Europe/Berlin", 7 * 24 * time.Hour}, // 169 hours over the autumn change
		{"0 9 1 * *", "UTC", 28 * 24 * time.Hour},          // months of 28 to 31 days
	} {
		j := periodJob(t, c.spec, c.zone, c.period)
		start, end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		prev := nextRun(j, start)
		runs := 0
		for run := nextRun(j, prev); run.Before(end); prev, run = run, nextRun(j, run) {
			runs++
			if got := periodFrom(j, run); !got.Equal(prev) {
				t.Errorf("%q in %s, period %s: the run of %s covers from %s; the run before was %s",
					c.spec, c.zone, c.period, run.In(j.Location), got.In(j.Location), prev.In(j.Location))
				break
			}
		}
		if runs < 11 {
			t.Errorf("%q in %s: %d runs in 2026", c.spec, c.zone, runs)
		}
	}
}

// TestPeriodFromBounds: a period reaches back to the run before it, and at least
// Period (a week's digest posted daily still covers a week); a run before it more
// than eight days, and more than two periods, back is not looked for (the period
// is then Period).
func TestPeriodFromBounds(t *testing.T) {
	for _, c := range []struct {
		name, spec, zone string
		period           time.Duration
		run, want        string // with the zone's offset
	}{
		{"Monday of a weekday schedule", "0 9 * * 1-5", "Europe/Berlin", 24 * time.Hour, "2026-11-09 09:00 +0100", "2026-11-06 09:00 +0100"},
		{"Tuesday of a weekday schedule", "0 9 * * 1-5", "Europe/Berlin", 24 * time.Hour, "2026-11-10 09:00 +0100", "2026-11-09 09:00 +0100"},
		{"a week posted daily", "0 9 * * *", "Europe/Berlin", 7 * 24 * time.Hour, "2026-11-10 09:00 +0100", "2026-11-03 09:00 +0100"},
		{"a week posted daily, over the autumn change", "0 9 * * *", "Europe/Berlin", 7 * 24 * time.Hour, "2026-10-28 09:00 +0100", "2026-10-21 09:00 +0200"},
		{"business hours after the weekend", "0 9-17 * * 1-5", "Europe/Berlin", time.Hour, "2026-11-09 09:00 +0100", "2026-11-06 17:00 +0100"},
		{"hourly, after the autumn hour", "0 * * * *", "Europe/Berlin", time.Hour, "2026-10-25 03:00 +0100", "2026-10-25 02:00 +0200"},
		{"monthly, a period of a day", "0 9 1 * *", "UTC", 24 * time.Hour, "2026-08-01 09:00 +0000", "2026-07-31 09:00 +0000"},
		{"monthly, a period of 30 days, after 31", "0 9 1 * *", "UTC", 30 * 24 * time.Hour, "2026-08-01 09:00 +0000", "2026-07-01 09:00 +0000"},
		{"monthly, a period of 30 days, after 28", "0 9 1 * *", "UTC", 30 * 24 * time.Hour, "2026-03-01 09:00 +0000", "2026-01-30 09:00 +0000"},
		{"29 February, a period of a day", "0 9 29 2 *", "UTC", 24 * time.Hour, "2028-02-29 09:00 +0000", "2028-02-28 09:00 +0000"},
	} {
		j := periodJob(t, c.spec, c.zone, c.period)
		run, err1 := time.Parse("2006-01-02 15:04 -0700", c.run)
		want, err2 := time.Parse("2006-01-02 15:04 -0700", c.want)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if got := periodFrom(j, run); !got.Equal(want) {
			t.Errorf("%s: the run of %s covers from %s, want %s", c.name, run, got.In(j.Location), want)
		}
	}
}

// TestRepeatedTimeRunsAtItsFirstShowing: a time the clocks show twice in autumn
// runs once, at its first showing, east of UTC as west of it. Go's time.Date
// reads such a time as its second showing east of UTC (Berlin, Adelaide, Lord
// Howe), where nextRun said it ran at the first.
func TestRepeatedTimeRunsAtItsFirstShowing(t *testing.T) {
	for _, c := range []struct {
		spec, zone string
		after      time.Time
		want       []time.Time // the runs that follow, UTC
	}{
		{"30 2 * * *", "Europe/Berlin", time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), time.Date(2026, 10, 26, 1, 30, 0, 0, time.UTC)}},
		{"0 * * * *", "Europe/Berlin", time.Date(2026, 10, 24, 22, 30, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 10, 24, 23, 0, 0, 0, time.UTC), time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 25, 2, 0, 0, 0, time.UTC)}},
		{"30 1 * * *", "America/New_York", time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), time.Date(2026, 11, 2, 6, 30, 0, 0, time.UTC)}},
		{"30 2 * * *", "Australia/Adelaide", time.Date(2026, 4, 4, 0, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 4, 4, 16, 0, 0, 0, time.UTC), time.Date(2026, 4, 5, 17, 0, 0, 0, time.UTC)}},
		{"45 1 * * *", "Australia/Lord_Howe", time.Date(2026, 4, 4, 0, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 4, 4, 14, 45, 0, 0, time.UTC), time.Date(2026, 4, 5, 15, 15, 0, 0, time.UTC)}},
	} {
		j := periodJob(t, c.spec, c.zone, 24*time.Hour)
		at := c.after
		for _, want := range c.want {
			at = nextRun(j, at)
			if !at.Equal(want) {
				t.Errorf("%q in %s: ran at %s (%s), want %s (%s)", c.spec, c.zone, at.UTC(), at.In(j.Location), want, want.In(j.Location))
				break
			}
		}
	}
}
