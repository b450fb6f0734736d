package bot

import (
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// TestPeriodAfterAMovedRunWestOfUTC: in New York a daily 02:30 digest runs at
// 03:30 EDT on 8 March 2026 (the clocks skip 02:30); the next day's period must start
// where that run ended (03:30 EDT), not an hour before it.
func TestPeriodAfterAMovedRunWestOfUTC(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	s, err := cron.ParseStandard("30 2 * * *")
	if err != nil {
		t.Fatal(err)
	}
	j := Job{Name: "daily", Schedule: s, Location: ny, Period: 24 * time.Hour}
	prev := nextRun(j, time.Date(2026, 3, 6, 12, 0, 0, 0, ny)) // 03-07 02:30 EST
	run := nextRun(j, prev)                                    // 03-08 03:30 EDT
	if got := periodStart(j, run); !got.Equal(prev) {
		t.Errorf("moved run %s: the period starts %s; the run before was %s", run, got.In(ny), prev.In(ny))
	}
	after := nextRun(j, run) // 03-09 02:30 EDT
	if got := periodStart(j, after); !got.Equal(run) {
		t.Errorf("run %s: the period starts %s; the run before ended %s (overlap %s)", after.In(ny), got.In(ny), run.In(ny), run.Sub(got))
	}
}
