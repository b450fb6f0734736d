package analysis

import (
	"path/filepath"
	"reflect"
	"testing"
)

// TestRuleGatesChangeNothing: a rule skipped for a message without any of its
// words (ruleClass) gives what running it gives: the same tags, with and without
// the layer, on every labelled message and on phrases built on each gated rule's
// words.
func TestRuleGatesChangeNothing(t *testing.T) {
	a := newA(t)
	ref := &Analyzer{}
	*ref = *a
	ref.ungated, ref.bufs = true, make(chan *scratch, 1)
	texts := []string{
		"please send the signed DPA", "Pls advise", "plz fix", "pleasee help", "kindly update our billing address",
		"need help setting up SSO", "we could use some assistance", "let me know when it's fixed", "let us know if you need anything",
		"lmk", "lmk if you need anything", "can you take a look at this", "Could someone check our account", "would you reset it",
		"will someone answer", "we need our money back", "I need an invoice", "we'd like a copy of the invoice", "I would like to add five seats",
		"I'd love dark mode", "we'd love an API for this", "I love it", "the totals don't match", "the numbers don’t match",
		"SSO fails with invalid audience", "the invoice shows the wrong VAT number", "the importer creates duplicates",
		"we won't be renewing", "we aren't going to renew", "I'm not planning to renew", "we've decided not to renew", "the card won't renew",
		"THE EXPORT IS BROKEN AGAIN", "this is GREAT", "NOT happy with SUPPORT", "OK", "I", "A B C", "HELP!!!", "PLEASE LET ME KNOW",
		"ÉNORME problème", "déçu", "🙄 great, another outage",
	}
	files, err := filepath.Glob("testdata/chat*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no labelled chat sets: %v", err)
	}
	for _, f := range files {
		for _, e := range readExamples(t, f) {
			texts = append(texts, e.Text)
		}
	}
	for _, s := range texts {
		if got, want := a.AnalyzeChat(s), ref.AnalyzeChat(s); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: chat %+v with the gates, %+v without", s, got, want)
		}
		if got, want := a.Analyze(s), ref.Analyze(s); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: text %+v with the gates, %+v without", s, got, want)
		}
	}
	if len(texts) < 5000 {
		t.Errorf("%d texts compared; the labelled sets hold more", len(texts))
	}
}
