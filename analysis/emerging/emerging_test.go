package emerging

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot/analysis/themes"
)

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func docs(prefix string, texts ...string) []Doc {
	var out []Doc
	for i, s := range texts {
		out = append(out, Doc{Key: fmt.Sprintf("%s%d", prefix, i), Text: s, Time: t0.Add(time.Duration(i) * time.Hour)})
	}
	return out
}

func history() []Doc {
	var texts []string
	for i := range 60 {
		texts = append(texts,
			fmt.Sprintf("how do I invite a teammate to workspace %d?", i),
			"the dashboard loads slowly in the morning",
			"can we export the report to csv")
	}
	return docs("h", texts...)
}

func TestNewTopicSurfaces(t *testing.T) {
	period := docs("p",
		"the invoice pdf is missing the VAT number",
		"our finance team says the invoice pdf has no VAT line",
		"invoice pdf without VAT again, auditors are asking",
		"how do I invite a teammate?",
		"the dashboard loads slowly today",
		"would love dark mode for late nights",
		"any plans for dark mode? my eyes hurt",
		"dark mode please, the white theme is blinding",
	)
	got := Emerging(period, history(), 3, Vocabulary{})
	if len(got) < 2 {
		t.Fatalf("want the two new topics, got %+v", got)
	}
	var labels []string
	for _, th := range got {
		labels = append(labels, strings.Join(th.Phrases, "/"))
		if th.Size < 2 || th.Quote.Text == "" {
			t.Errorf("theme %+v needs a size and a quote", th)
		}
	}
	all := strings.Join(labels, " | ")
	if !strings.Contains(all, "dark mode") || !(strings.Contains(all, "invoice pdf") || strings.Contains(all, "vat")) {
		t.Fatalf("emerging themes %q miss the new topics", all)
	}
	if strings.Contains(all, "invite") || strings.Contains(all, "dashboard") {
		t.Fatalf("old topics are not new: %q", all)
	}
	again := Emerging(period, history(), 3, Vocabulary{})
	if fmt.Sprint(again) != fmt.Sprint(got) {
		t.Fatal("emerging themes must be deterministic")
	}
}

func TestNothingNew(t *testing.T) {
	period := docs("p", "how do I invite a teammate to workspace 3?", "the dashboard loads slowly in the morning", "can we export the report to csv", "the dashboard loads slowly in the morning")
	if got := Emerging(period, history(), 3, Vocabulary{}); len(got) != 0 {
		t.Fatalf("a period with nothing new yields nothing, got %+v", got)
	}
	if got := Emerging(nil, history(), 3, Vocabulary{}); got != nil {
		t.Fatal("no period, no themes")
	}
}

// TestOtherFormsAreNotNew: history is compared by stem, so "exports" and
// "dashboards" are not new beside a history of "export" and "dashboard" (they were:
// a review's find), while a new topic in any form still is.
func TestOtherFormsAreNotNew(t *testing.T) {
	period := docs("p",
		"exports to csv are failing",
		"csv exports time out",
		"both dashboards load slowly",
		"dashboards loading slowly again",
		"the invoices show no VAT number",
		"invoices without VAT again",
		"how do I invite a teammate?",
	)
	var all []string
	for _, th := range Emerging(period, history(), 3, Vocabulary{}) {
		all = append(all, th.Phrases...)
	}
	for _, old := range []string{"exports", "csv exports", "dashboards"} {
		if slices.Contains(all, old) {
			t.Errorf("%q is an old topic in another form, among the new %q", old, all)
		}
	}
	if !slices.ContainsFunc(all, func(p string) bool { return strings.Contains(p, "invoices") || strings.Contains(p, "vat") }) {
		t.Errorf("the invoices' VAT is new, not among %q", all)
	}
}

func BenchmarkEmerging(b *testing.B) {
	h := history()
	var texts []string
	for i := range 300 {
		texts = append(texts, fmt.Sprintf("message %d about the invoice pdf and dark mode and slow dashboards", i))
	}
	p := docs("p", texts...)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Emerging(p, h, 4, Vocabulary{})
	}
}

// TestConfiguredVocabularyIsNotNew: words and phrases of the configured taxonomy
// (a keyword, a theme's name, a word of a phrase, a phrase, a pair with a keyword)
// are not new; the same period without a taxonomy lists them, and words nobody
// configured stay new either way.
func TestConfiguredVocabularyIsNotNew(t *testing.T) {
	tax := themes.Taxonomy{
		{Name: "docs", Keywords: []string{"documentation", "guide"}},
		{Name: "access", Keywords: []string{"login", "sso"}, Phrases: []string{"log in", "locked out"}},
		{Name: "billing", Keywords: []string{"invoice"}, Phrases: []string{"credit note"}},
	}
	period := docs("p",
		"the docs show the old screenshot", "docs are out of date again", "where are the docs for webhooks",
		"cannot log in since this morning", "still cannot log in at all", "log in fails for the whole team",
		"the invoice pdf is missing the VAT number", "our invoice pdf has no VAT line",
		"the credit note never arrived", "still no credit note for March",
		"the new query editor crashes on paste", "the query editor is sluggish with big queries",
		"would love dark mode for late nights", "any plans for dark mode?",
	)
	phrases := func(v Vocabulary) []string {
		var out []string
		for _, th := range Emerging(period, history(), 8, v) {
			out = append(out, th.Phrases...)
		}
		return out
	}
	got := phrases(NewVocabulary(tax))
	for _, want := range []string{"query editor", "dark mode"} {
		if !slices.Contains(got, want) {
			t.Errorf("%q is new, not found in %q", want, got)
		}
	}
	for _, not := range []string{"docs", "log", "invoice pdf", "invoice", "credit note"} {
		if slices.Contains(got, not) {
			t.Errorf("%q is the taxonomy's, found in %q", not, got)
		}
	}
	got = phrases(Vocabulary{})
	for _, want := range []string{"docs", "invoice pdf", "credit note"} {
		if !slices.Contains(got, want) {
			t.Errorf("without a taxonomy, %q is new, not found in %q", want, got)
		}
	}
}

// TestVocabularyNames: what a vocabulary says is the taxonomy's, term by term.
func TestVocabularyNames(t *testing.T) {
	v := NewVocabulary(themes.Taxonomy{
		{Name: "feature_request", Keywords: []string{"Roadmap"}},
		{Name: "access", Keywords: []string{"log-in"}, Phrases: []string{"sign in", "admin rights", "is down", "go live", "single sign on"}},
		{Name: "cancellation", Keywords: []string{"churn"}, Phrases: []string{"export all our data"}},
	})
	for _, tc := range []struct {
		term string
		want bool
	}{
		{"feature", true}, {"requests", true}, {"roadmaps", true}, {"log-in", true}, {"churn", true},
		{"sign", true}, {"signing", true}, {"down", true}, {"live", true}, {"admin", true}, {"rights", true},
		{"admin rights", true}, {"single sign", true}, {"roadmap pdf", true}, {"churn risk", true}, {"new roadmap", true},
		{"admin panel", false}, {"sign up", false}, {"live chat", false}, {"feature flags", false}, {"access logs", false},
		{"export data", false}, // not adjacent in the phrase: "all our" stands between
		{"panel", false}, {"dark mode", false}, {"editor", false},
	} {
		if got := v.Names(tc.term); got != tc.want {
			t.Errorf("Names(%q) = %v, want %v", tc.term, got, tc.want)
		}
	}
	if (Vocabulary{}).Names("anything") {
		t.Error("the zero vocabulary names nothing")
	}
}

// BenchmarkEmergingBusyWeek is a digest's largest input: a period of 5,000 customer
// messages (the digest reads the period's newest 5,000 messages) against the four
// weeks' 1,000, the texts drawn from the labelled chat sets.
func BenchmarkEmergingBusyWeek(b *testing.B) {
	raw, err := os.ReadFile("../testdata/chat_labelled.jsonl")
	if err != nil {
		b.Skip(err)
	}
	var texts []string
	for line := range strings.Lines(string(raw)) {
		var r struct{ Text string }
		if json.Unmarshal([]byte(line), &r) == nil && r.Text != "" {
			texts = append(texts, r.Text)
		}
	}
	pick := func(n, offset int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = texts[(i*7+offset)%len(texts)]
		}
		return out
	}
	period, hist := docs("p", pick(5000, 0)...), docs("h", pick(1000, 3)...)
	b.ReportAllocs()
	for b.Loop() {
		Emerging(period, hist, 3, Vocabulary{})
	}
}

// TestIDFCountsHistoryByStem: a candidate's weight counts the history's messages of
// any form of it, as its lift does ("exports" in the period, "export" before).
func TestIDFCountsHistoryByStem(t *testing.T) {
	lx := newLexicon()
	ids := lx.appendWords(nil, "exports export csv exports")
	if len(ids) != 4 || ids[0] == ids[1] {
		t.Fatalf("word ids %v", ids)
	}
	term := func(i int) uint64 { return uint64(ids[i])<<32 | noWord }
	if lx.stemKey(term(0)) != lx.stemKey(term(1)) || lx.stemKey(term(0)) == lx.stemKey(term(2)) {
		t.Error("exports and export are one stem, csv another")
	}
	pair := uint64(ids[2])<<32 | uint64(ids[3])
	if got := lx.term(pair); got != "csv exports" {
		t.Errorf("term %q, want csv exports", got)
	}
	if got, want := idf(100, 10, 40), math.Log(101.0/51); math.Abs(got-want) > 1e-12 {
		t.Errorf("idf = %v, want %v: the 40 history messages of \"export\" counted", got, want)
	}
}

// TestDropSubsumedStopsAtTheLimit: stopping at the limit keeps exactly what
// keeping them all and taking the first limit kept.
func TestDropSubsumedStopsAtTheLimit(t *testing.T) {
	terms := []string{"export fails", "export", "fails", "csv export", "csv", "timeout", "sync", "sync timeout", "timeout", "dark mode", "mode"}
	id := func(s string) string { return s }
	all := dropSubsumed(terms, len(terms)+1, id)
	for limit := 1; limit <= len(all); limit++ {
		if got := dropSubsumed(terms, limit, id); !slices.Equal(got, all[:limit]) {
			t.Errorf("limit %d: %q, want %q", limit, got, all[:limit])
		}
	}
}
