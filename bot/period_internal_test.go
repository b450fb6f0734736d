package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/robfig/cron/v3"
)

// TestParsePeriod: a /feedback period out of range says the range, both ends
// written as people type them (400d was "not a period").
func TestParsePeriod(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want time.Duration
		err  string
	}{
		{"", 7 * 24 * time.Hour, ""},
		{"24h", 24 * time.Hour, ""},
		{"1h", time.Hour, ""},
		{"7d", 7 * 24 * time.Hour, ""},
		{"92d", 92 * 24 * time.Hour, ""},
		{"2w", 14 * 24 * time.Hour, ""},
		{"13w", 91 * 24 * time.Hour, ""},
		{"2208h", 92 * 24 * time.Hour, ""},
		{"400d", 0, `"400d" is out of range 1h..92d`},
		{"93d", 0, `"93d" is out of range 1h..92d`},
		{"14w", 0, `"14w" is out of range 1h..92d`},
		{"2209h", 0, `"2209h" is out of range 1h..92d`},
		{"0d", 0, `"0d" is out of range 1h..92d`},
		{"7days", 0, `"7days" is not a period: use e.g. ` + "`24h`, `7d` or `2w` (1h..92d)"},
		{"soon", 0, `"soon" is not a period`},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			got, err := parsePeriod(tc.arg)
			if tc.err == "" {
				if err != nil || got != tc.want {
					t.Errorf("parsePeriod(%q) = %v, %v; want %v", tc.arg, got, err, tc.want)
				}
				return
			}
			if err == nil || feedbackbot.ErrorCode(err) != feedbackbot.EINVALID || !strings.Contains(feedbackbot.ErrorMessage(err), tc.err) {
				t.Errorf("parsePeriod(%q) = %v, %v; want an EINVALID error saying %q", tc.arg, got, err, tc.err)
			}
		})
	}
}

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
