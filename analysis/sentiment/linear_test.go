package sentiment

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// BenchmarkScoreLongText times 1 KiB and 16 KiB of one pattern repeated: a cue word
// in one endless clause ("if "), and punctuation segment reads around (". …").
// Linear scoring takes about 16 times as long for the 16 KiB; before the cue bound
// (maxCues) and innerBreaks, a review measured 124–255 times and 174–228 times
// (16 KiB of "if " took 114 ms). Run: go test -run '^$' -bench ScoreLongText
// ./analysis/sentiment
func BenchmarkScoreLongText(b *testing.B) {
	e, err := New()
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range []string{"if ", "until ", "again ", "still ", "don't ", "i guess ", "heads up ", ". …", ". – ", "x? x.Y ", "the end. it works—mostly "} {
		for _, size := range []int{1 << 10, 16 << 10} {
			text := strings.Repeat(p, size/len(p))
			b.Run(fmt.Sprintf("%q/%dKiB", p, size>>10), func(b *testing.B) {
				for b.Loop() {
					e.Score(text)
				}
			})
		}
	}
}

// TestInnerBreaksAsSearchedAnew: innerBreaks answers, for positions asked in
// increasing order, what a search from each position finds (the search it replaces,
// which read the rest of the text at every token).
func TestInnerBreaksAsSearchedAnew(t *testing.T) {
	anew := func(raw string, from int) int {
		for p := from; p < len(raw); p++ {
			switch raw[p] {
			case 0xE2:
				return p
			case '?', '!', '.':
				if p+1 < len(raw) && !isSpace(raw[p+1]) {
					return p
				}
			}
		}
		return len(raw)
	}
	r := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "b ", ". ", ".x", "?", "!", "! ", "…", "–", "\n", " ", "...", "?!"}
	for range 500 {
		var sb strings.Builder
		for range r.IntN(40) {
			sb.WriteString(pieces[r.IntN(len(pieces))])
		}
		raw := sb.String()
		ib := innerBreaks{at: [4]int{-1, -1, -1, -1}}
		for from := 0; from <= len(raw); from += 1 + r.IntN(3) {
			if got, want := ib.next(raw, from), anew(raw, from); got != want {
				t.Fatalf("%q from %d: %d, want %d", raw, from, got, want)
			}
		}
	}
}
