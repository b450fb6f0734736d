package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/config"
	"github.com/feedbackbot/feedbackbot/store"
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
		if err != nil || !strings.Contains(stderr, "messages read in workspace T0DEMO (the period's newest and earliest)") || !strings.Contains(stderr, warned) ||
			!strings.Contains(stderr, "until you run feedbackbot reanalyze") {
			t.Errorf("%s with an edited taxonomy: %v\n%s", cmd, err, stderr)
		}
	}
	// New messages are tagged by the new analyzer at once: 210 of them, the newest,
	// and the period's older ones still carry the old tags (the newest 200 alone
	// went quiet here, a second review's find).
	inStore(t, dir, func(st store.Store) {
		cfg, err := config.Load(edited, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		a, err := analysis.New(cfg.Taxonomy())
		if err != nil {
			t.Fatal(err)
		}
		var evs []feedbackbot.Event
		for i := range 210 {
			m := feedbackbot.Message{ID: fmt.Sprintf("CEXTACME:%d.000200", 1795500000+i), Platform: feedbackbot.PlatformSlack, Workspace: DemoWorkspace,
				Channel: "CEXTACME", Author: "dana.k", Role: feedbackbot.RoleCustomer, Account: "acme", Text: fmt.Sprintf("sso login loops, try %d", i),
				Time: time.Date(2026, 11, 20, 8, 50, i, 0, time.UTC)}
			if err := m.Normalize(); err != nil {
				t.Fatal(err)
			}
			evs = append(evs, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
		}
		if _, err := st.Append(t.Context(), evs...); err != nil {
			t.Fatal(err)
		}
		if _, err := (&bot.Worker{Store: st, Analyzer: a, Consumer: "t"}).Drain(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	if _, stderr, err := run(t, dir, "digest", "--config", edited, asOf, "--period", "28d"); err != nil || !strings.Contains(stderr, warned) {
		t.Errorf("digest of 28 days whose 210 newest messages have the new tags: %v\n%s", err, stderr)
	}
	if _, stderr, err := run(t, dir, "reanalyze", "--config", edited); err != nil {
		t.Fatalf("reanalyze: %v\n%s", err, stderr)
	}
	if _, stderr, err := run(t, dir, "digest", "--config", edited, asOf); err != nil || strings.Contains(stderr, warned) {
		t.Errorf("digest after reanalyze: %v\n%s", err, stderr)
	}
}
