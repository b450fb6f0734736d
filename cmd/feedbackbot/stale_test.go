package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStaleTagsWarned: after the taxonomy changes, digest and risk say that the
// stored messages were tagged by another analyzer and that reanalyze re-tags them
// (the digest showed the old themes with no word, a review's find); once reanalyze
// has run, and with the configuration the messages were tagged under, they say
// nothing.
func TestStaleTagsWarned(t *testing.T) {
	dir := demoStore(t)
	demoCfg := filepath.Join(dir, "feedbackbot-demo.yaml")
	base, err := os.ReadFile(demoCfg)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(base), "\nanalysis:") {
		t.Fatal("the demo's configuration has an analysis section: edit the test")
	}
	edited := filepath.Join(dir, "edited.yaml")
	tax := "\nanalysis:\n  themes:\n    - name: sso\n      keywords: [sso, saml, login]\n    - name: exports\n      keywords: [export, csv]\n"
	if err := os.WriteFile(edited, append(base, tax...), 0o600); err != nil {
		t.Fatal(err)
	}
	asOf := "--as-of=2026-11-20T09:00:00Z"
	const warned = "were tagged by analyzer"
	for _, cmd := range []string{"digest", "risk"} {
		if _, stderr, err := run(t, dir, cmd, "--config", demoCfg, asOf); err != nil || strings.Contains(stderr, warned) {
			t.Errorf("%s with the demo's configuration: %v\n%s", cmd, err, stderr)
		}
		_, stderr, err := run(t, dir, cmd, "--config", edited, asOf)
		if err != nil || !strings.Contains(stderr, "warning: 200 of the 200 latest messages of workspace") || !strings.Contains(stderr, warned) ||
			!strings.Contains(stderr, "until you run feedbackbot reanalyze") {
			t.Errorf("%s with an edited taxonomy: %v\n%s", cmd, err, stderr)
		}
	}
	if _, stderr, err := run(t, dir, "reanalyze", "--config", edited); err != nil {
		t.Fatalf("reanalyze: %v\n%s", err, stderr)
	}
	if _, stderr, err := run(t, dir, "digest", "--config", edited, asOf); err != nil || strings.Contains(stderr, warned) {
		t.Errorf("digest after reanalyze: %v\n%s", err, stderr)
	}
}
