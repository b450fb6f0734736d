package analysis

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/feedbackbot/feedbackbot"
)

// TestWordCacheMatchesFeatures: the layer's scores from the word cache (each word's
// row summed once, the stem pairs per message) are those of the full feature list
// the layer was trained on, for every labelled chat row.
func TestWordCacheMatchesFeatures(t *testing.T) {
	a := newA(t)
	paths, err := filepath.Glob("testdata/chat_*.jsonl")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no chat sets: %v", err)
	}
	sc := a.scratchBuf()
	w := a.comb.both.Width()
	n := 0
	for _, p := range paths {
		for _, r := range readExamples(t, p) {
			clean, sent, rep, th, intent := a.rules(r.Text, sc)
			full := features(nil, a.comb.hashBits, a.comb.charGrams, &facts{low: sc.low, clean: clean}, sc.words.Stems, sent, rep, th, intent)
			dense := features(nil, 0, 0, &facts{low: sc.low, clean: clean}, nil, sent, rep, th, intent)
			sums := make([]float64, w)
			a.comb.wordSums(sums, &sc.wc, sc.ix)
			want, got := make([]float64, w), make([]float64, w)
			a.comb.both.Logits(full, want)
			a.comb.both.LogitsFrom(sums, dense, got)
			for k := range want {
				// (each word's row sum is kept as float32: within 2^-24 of itself)
				if math.Abs(want[k]-got[k]) > 1e-5*(1+math.Abs(want[k])) {
					t.Fatalf("%s: %q: logits %v from the cache, want %v", p, r.Text, got, want)
				}
			}
			n++
		}
	}
	if n < 4000 {
		t.Fatalf("compared %d rows, want the labelled sets' 4,000 and more", n)
	}
}

// TestWordCacheEviction: a full cache is emptied between messages, never within
// one, and what it gives after is what a fresh analyzer gives; a RulesOnly
// analyzer (which shares its source's scratch space) reads the same cache.
func TestWordCacheEviction(t *testing.T) {
	a := newA(t)
	msgs := []string{
		"the CSV export is broken AGAIN since Tuesday's release :rage:",
		"thanks, that fixed it! 🎉",
		"Can we get SSO with Okta? we'd love that",
		"D: the invoice is wrong and we were charged twice",
	}
	want := map[string][2]feedbackbot.Tags{}
	for _, m := range msgs {
		want[m] = [2]feedbackbot.Tags{newA(t).AnalyzeChat(m), newA(t).RulesOnly().Analyze(m)}
	}
	rules := a.RulesOnly()
	for round := range 3 {
		for i := 0; i < maxWordCache+1000; i += 500 {
			junk := ""
			for j := range 500 {
				junk += fmt.Sprintf("w%dx%d ", round, i+j)
			}
			a.AnalyzeChat(junk) // 500 new words a message
			for _, m := range msgs {
				if got := a.AnalyzeChat(m); fmt.Sprint(got) != fmt.Sprint(want[m][0]) {
					t.Fatalf("round %d after %d junk words: AnalyzeChat(%q) = %+v, want %+v", round, i, m, got, want[m][0])
				}
				if got := rules.Analyze(m); fmt.Sprint(got) != fmt.Sprint(want[m][1]) {
					t.Fatalf("round %d: RulesOnly().Analyze(%q) = %+v, want %+v", round, m, got, want[m][1])
				}
			}
		}
	}
	sc := a.scratchBuf()
	defer a.release(sc)
	if len(sc.wc.ents) > maxWordCache+600 {
		t.Errorf("the cache holds %d words, bound %d (plus one message)", len(sc.wc.ents), maxWordCache)
	}
	// Long tokens: the cache's strings stay bounded too.
	for i := range 400 {
		long := fmt.Sprintf("%06d", i) + strings.Repeat("Zq", 4000) // 8 KB, upper case: a lower-case copy too
		a.AnalyzeChat(long + " " + long[:7000] + "x")
		if got := a.AnalyzeChat(msgs[0]); fmt.Sprint(got) != fmt.Sprint(want[msgs[0]][0]) {
			t.Fatalf("after %d long tokens: %+v, want %+v", i, got, want[msgs[0]][0])
		}
	}
	sc2 := a.scratchBuf()
	defer a.release(sc2)
	for _, c := range []*wordCache{&sc.wc, &sc2.wc} {
		if c.bytes > maxWordCacheBytes+2*MaxAnalyzedBytes*3 {
			t.Errorf("the cache holds %d bytes of strings, bound %d (plus one message's)", c.bytes, maxWordCacheBytes)
		}
	}
}

// TestSession: a session tags as the analyzer does, message after message, several
// at once on their own goroutines, and gives its scratch space back on Close.
func TestSession(t *testing.T) {
	a := newA(t)
	var texts []string
	for _, r := range readExamples(t, "testdata/chat_dev.jsonl") {
		texts = append(texts, r.Text)
	}
	want := make([][3]feedbackbot.Tags, len(texts))
	for i, s := range texts {
		m := &feedbackbot.Message{Text: s, Role: feedbackbot.RoleStaff}
		want[i] = [3]feedbackbot.Tags{a.Analyze(s), a.AnalyzeChat(s), a.AnalyzeMessage(m)}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Go(func() {
			ses := a.Session()
			defer ses.Close()
			for round := range 2 {
				for i, s := range texts {
					m := &feedbackbot.Message{Text: s, Role: feedbackbot.RoleStaff}
					got := [3]feedbackbot.Tags{ses.Analyze(s), ses.AnalyzeChat(s), ses.AnalyzeMessage(m)}
					if fmt.Sprint(got) != fmt.Sprint(want[i]) {
						errs <- fmt.Sprintf("goroutine %d, round %d: %q: %+v, want %+v", g, round, s, got, want[i])
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	before := len(a.bufs)
	ses := a.Session()
	during := len(a.bufs)
	ses.Close()
	ses.Close() // twice is harmless
	if after := len(a.bufs); during != max(before-1, 0) || after != during+1 {
		t.Errorf("idle scratch spaces %d, %d with a session open, %d after Close: want it taken, then given back once", before, during, after)
	}
}

// TestKey8TellsShortTokensApart: with its length, key8 tells every token of up to
// eight bytes from every other (the word cache's index then finds them without
// reading their entries), over an alphabet with a NUL and a byte above 0x7f.
func TestKey8TellsShortTokensApart(t *testing.T) {
	alphabet := []byte{0, 'a', 'b', 0xe2}
	for n := 0; n <= 8; n++ {
		seen := map[uint64]string{}
		buf := make([]byte, n)
		var walk func(k int)
		walk = func(k int) {
			if k == n {
				s := string(buf)
				if prev, ok := seen[key8(s)]; ok {
					t.Fatalf("key8(%q) == key8(%q)", s, prev)
				}
				seen[key8(s)] = s
				return
			}
			for _, c := range alphabet {
				buf[k] = c
				walk(k + 1)
			}
		}
		walk(0)
	}
}

// TestWordCacheIndex: every token finds its own entry, made once, among tokens
// that share their first eight bytes, lengths and prefixes, across the index's
// growth.
func TestWordCacheIndex(t *testing.T) {
	a := newA(t)
	sc := a.scratchBuf()
	defer a.release(sc)
	sc.wc.fit(a)
	var toks []string
	for i := range 3000 {
		toks = append(toks, fmt.Sprintf("abcdefgh%d", i), fmt.Sprint(i), strings.Repeat("x", i%20), fmt.Sprintf("w%c", 'a'+i%26))
	}
	got := map[string]int32{}
	for round := range 2 {
		for _, tok := range toks {
			i := sc.wc.lookup(tok)
			if k := sc.wc.ents[i].key; k != tok {
				t.Fatalf("round %d: %q found the entry of %q", round, tok, k)
			}
			if prev, ok := got[tok]; ok && prev != i {
				t.Fatalf("round %d: %q found entry %d, then %d", round, tok, prev, i)
			}
			got[tok] = i
		}
	}
	if len(sc.wc.ents) != len(got) {
		t.Errorf("%d entries for %d distinct tokens", len(sc.wc.ents), len(got))
	}
}
