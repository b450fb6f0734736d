package analysis

import (
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/sentiment"
)

func newA(t testing.TB) *Analyzer {
	a, err := New(DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestIntentAndNeedsReply(t *testing.T) {
	a := newA(t)
	tests := []struct {
		text   string
		intent feedbackbot.Intent
		reply  bool
	}{
		{"how do I invite a teammate to the workspace?", feedbackbot.IntentQuestion, true},
		{"the CSV export is broken since the release", feedbackbot.IntentBugReport, true},
		{"we were charged twice and nobody answers, this is unacceptable", feedbackbot.IntentComplaint, true},
		{"would be great if dashboards had dark mode", feedbackbot.IntentFeatureRequest, true},
		{"we're evaluating other vendors before renewal", feedbackbot.IntentChurnSignal, true},
		{"you folks are amazing, the new editor is fantastic!", feedbackbot.IntentPraise, false},
		{"thanks!", feedbackbot.IntentPraise, false},
		{"ok 👍", feedbackbot.IntentPraise, false},
		{"deploying our pipeline tomorrow", feedbackbot.IntentOther, false},
		{"the checkbox state isn't saved when you go back a page", feedbackbot.IntentBugReport, true},
		{"support was friendly but couldn't solve it", feedbackbot.IntentComplaint, true},
		{"What a mess", feedbackbot.IntentComplaint, true},
	}
	for _, tt := range tests {
		tags := a.Analyze(tt.text)
		if tags.Intent != tt.intent || tags.NeedsReply != tt.reply {
			t.Errorf("%q: intent %s needs_reply %v (sentiment %.2f, themes %v); want %s %v", tt.text, tags.Intent, tags.NeedsReply, tags.Sentiment.Score, tags.Themes, tt.intent, tt.reply)
		}
	}
}

func TestStaffNeverNeedsReply(t *testing.T) {
	a := newA(t)
	m := &feedbackbot.Message{Text: "can you share the logs?", Role: feedbackbot.RoleStaff}
	if a.AnalyzeMessage(m).NeedsReply {
		t.Fatal("staff messages do not wait for replies")
	}
}

func TestVersionTracksTaxonomy(t *testing.T) {
	a := newA(t)
	tax := DefaultTaxonomy()
	tax[0].Keywords = append(tax[0].Keywords, "dunning")
	b, err := New(tax)
	if err != nil {
		t.Fatal(err)
	}
	if a.Version() == b.Version() || a.Analyze("x").Analyzer != a.Version() {
		t.Fatal("version must change with the taxonomy and be stamped on tags")
	}
}

func TestHostileInput(t *testing.T) {
	a := newA(t)
	for _, s := range []string{"", "\xff\xfe\xfd", strings.Repeat("broken ", 1<<20), strings.Repeat("🙄", 10000), "<@", "```"} {
		tags := a.Analyze(s)
		if tags.Sentiment.Score < -1 || tags.Sentiment.Score > 1 || tags.Themes == nil {
			t.Errorf("bad tags for hostile input (len %d): %+v", len(s), tags.Sentiment)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	a := newA(t)
	want := a.Analyze("the export is broken since the release")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if got := a.Analyze("the export is broken since the release"); got.Sentiment != want.Sentiment || got.Intent != want.Intent {
					t.Error("results differ under concurrency")
					return
				}
			}
		})
	}
	wg.Wait()
}

func FuzzAnalyze(f *testing.F) {
	a := newA(f)
	for _, s := range []string{"not bad at all", "<https://x|y> :tada:", "> q\n```c```", "\xff"} {
		f.Add(s)
	}
	sc := a.scratchBuf()
	sums := make([]float64, a.comb.both.Width())
	f.Fuzz(func(t *testing.T, s string) {
		for _, tags := range []feedbackbot.Tags{a.Analyze(s), a.AnalyzeMessage(&feedbackbot.Message{Text: s})} {
			if tags.Sentiment.Score < -1 || tags.Sentiment.Score > 1 || tags.Sentiment.Label != feedbackbot.LabelFor(tags.Sentiment.Score) {
				t.Fatalf("inconsistent sentiment %+v", tags.Sentiment)
			}
		}
		// the word cache's sums are the full feature list's, whatever the text
		clean, sent, rep, th, intent := a.rules(s, sc)
		full := features(nil, a.comb.hashBits, a.comb.charGrams, &facts{low: sc.low, clean: clean}, sc.words.Stems, sent, rep, th, intent)
		dense := features(nil, 0, 0, &facts{low: sc.low, clean: clean}, nil, sent, rep, th, intent)
		clear(sums)
		a.comb.wordSums(sums, &sc.wc, sc.ix)
		want, got := make([]float64, len(sums)), make([]float64, len(sums))
		a.comb.both.Logits(full, want)
		a.comb.both.LogitsFrom(sums, dense, got)
		// (sums of thousands of terms in another order, each word's row sum kept
		// as float32: the tolerance grows with them)
		tol := 1e-5 * (1 + float64(len(full))/1000)
		for k := range want {
			if math.Abs(want[k]-got[k]) > tol*(1+math.Abs(want[k])) {
				t.Fatalf("%q: logits %v from the word cache, want %v", s, got, want)
			}
		}
	})
}

func BenchmarkAnalyze(b *testing.B) {
	a := newA(b)
	s := "Hey <@U042>, the CSV export is broken AGAIN since Tuesday's release :rage: and we were charged twice. Any update?"
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		a.Analyze(s)
	}
}

// BenchmarkAnalyzeMessage is BenchmarkAnalyze for a chat message: the rules and
// the combination layer.
func BenchmarkAnalyzeMessage(b *testing.B) {
	a := newA(b)
	m := &feedbackbot.Message{Role: feedbackbot.RoleCustomer,
		Text: "Hey <@U042>, the CSV export is broken AGAIN since Tuesday's release :rage: and we were charged twice. Any update?"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		a.AnalyzeMessage(m)
	}
}

func BenchmarkIntent(b *testing.B) {
	a := newA(b)
	s := a.Analyze("how do I invite a teammate?")
	low := []string{"how", "do", "i", "invite", "a", "teammate"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		classify(&facts{low: low, clean: "how do I invite a teammate?"}, s.Sentiment, sentiment.Report{}, s.Themes)
	}
}

func TestThemeNegationStaysInClause(t *testing.T) {
	a := newA(t)
	for _, tt := range []struct {
		text string
		bug  bool
	}{
		{"That didn't help, same error", true},
		{"this is not a bug, just me misreading the chart", false},
	} {
		got := false
		for _, th := range a.Analyze(tt.text).Themes {
			got = got || th == "bug"
		}
		if got != tt.bug {
			t.Errorf("%q: bug theme %v, want %v", tt.text, got, tt.bug)
		}
	}
}
