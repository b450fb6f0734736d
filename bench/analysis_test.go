package main

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/feedbackbot/feedbackbot/analysis"
)

// TestPortRate times the VADER port on a few texts, as bench analysis does beside its
// speed figures (from the repository root, the tweets in ../shared beside it).
func TestPortRate(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed: bench analysis then quotes the reference's 18,600 texts/s only")
	}
	t.Chdir("..")
	data := "../shared/data/vader"
	if _, err := os.Stat(data + "/tweets_GroundTruth.txt"); err != nil {
		t.Skipf("no labelled tweets beside the repository: %v", err)
	}
	r, err := portRate(context.Background(), data, 500)
	if err != nil {
		t.Fatal(err)
	}
	if r <= 0 {
		t.Fatalf("port rate %v, want > 0", r)
	}
	if _, err := portRate(context.Background(), "no-such-dir", 10); err == nil {
		t.Error("the port without its data: no error")
	}
}

// TestThemeCounts: measureChat counts each theme's hits, false hits and misses, and
// themeTable refuses a set that was not measured.
func TestThemeCounts(t *testing.T) {
	a, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	rows := []labelled{
		{Text: "we were charged twice on the last invoice", Label: "negative", Intent: "complaint", Themes: []string{"billing"}},
		{Text: "the dashboard takes forever to load", Label: "negative", Intent: "complaint", Themes: []string{"docs"}},
	}
	m := measureChat(a, rows, false)
	if c := m.byTheme["billing"]; c == nil || c.TP != 1 || c.FP != 0 || c.FN != 0 {
		t.Errorf("billing counts = %+v, want one hit", c)
	}
	if c := m.byTheme["docs"]; c == nil || c.FN != 1 || c.TP != 0 {
		t.Errorf("docs counts = %+v, want one miss", c)
	}
	if c := m.byTheme["performance"]; c == nil || c.FP != 1 {
		t.Errorf("performance counts = %+v, want one false hit", c)
	}
	if err := themeTable([]string{"nope"}, map[string]chatFigures{"dev": m}); err == nil {
		t.Error("themeTable took a set that was not measured")
	}
}
