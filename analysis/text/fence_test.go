package text

import (
	"strings"
	"testing"
)

// TestInlineTripleBackticksDoNotOpenAFence: "```npm i``` fails" is code then text
// on one line; Clean took it for an opening fence that never closes and dropped it
// and every line after it (a review's find). A real fence still hides its lines.
func TestInlineTripleBackticksDoNotOpenAFence(t *testing.T) {
	got := Clean("```npm install``` fails with EACCES\nthe app is broken and unusable")
	for _, w := range []string{"fails", "broken", "unusable"} {
		if !strings.Contains(got, w) {
			t.Errorf("Clean lost %q: %q", w, got)
		}
	}
	if strings.Contains(got, "npm") {
		t.Errorf("Clean kept the code: %q", got)
	}
	if got := Clean("look:\n```\npanic: nil map\n```\nstill broken"); strings.Contains(got, "panic") || !strings.Contains(got, "still broken") {
		t.Errorf("a fenced block: %q", got)
	}
}

// BenchmarkCleanUnmatchedAngles: 40,000 bytes (the stored cap; emerging themes read
// stored texts through Clean) of '<' without markup. Each '<' searched the rest of
// the line for a '>': 2,500 bytes to 40,000 took ~200 times as long (a review's
// find); it now looks no further than the next '<'.
func BenchmarkCleanUnmatchedAngles(b *testing.B) {
	for _, p := range []string{"<", "<a", "<|"} {
		text := strings.Repeat(p, 40000/len(p))
		b.Run(p, func(b *testing.B) {
			for b.Loop() {
				Clean(text)
			}
		})
	}
}
