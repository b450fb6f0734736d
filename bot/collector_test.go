package bot_test

import (
	"runtime/debug"
	"testing"

	"github.com/feedbackbot/feedbackbot/bot"
)

func TestSetCollector(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(77))
	for _, tc := range []struct {
		name, gogc string
		during     int
	}{
		{"GOGC unset: the given target", "", 400},
		{"GOGC set: the process's own", "150", 77},
	} {
		t.Run(tc.name, func(t *testing.T) {
			restore := bot.SetCollector(func(k string) string {
				if k == "GOGC" {
					return tc.gogc
				}
				return ""
			}, 400)
			if got := debug.SetGCPercent(77); got != tc.during {
				t.Errorf("during: GC percent %d, want %d", got, tc.during)
			}
			debug.SetGCPercent(tc.during)
			restore()
			if got := debug.SetGCPercent(77); got != 77 {
				t.Errorf("after restore: GC percent %d, want the 77 it had before", got)
			}
		})
	}
}
