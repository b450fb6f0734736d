package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// TestLearnCommand: learn refuses with too few corrections, saying how to make
// more; with enough it measures the retrained layer on them, writes it (the
// owner's alone: its weights come from customers' words), and run, reanalyze and
// config check take it as analysis.layer, under another analyzer version than
// the shipped layer's.
func TestLearnCommand(t *testing.T) {
	if raceEnabled {
		t.Skip("trains whole layers: run without -race (.ci/run does)")
	}
	dir := demoStore(t)
	out := filepath.Join(dir, "layer.json")
	if _, _, err := run(t, dir, "learn", "--out", out); err == nil || !strings.Contains(err.Error(), "at least 10 corrections") ||
		!strings.Contains(err.Error(), "/feedback correct") {
		t.Fatalf("learn with no corrections = %v; want a refusal saying how many it needs and how to make them", err)
	}
	var corrections int
	// Twelve customer messages corrected the way a team with other conventions
	// would: every one a complaint about billing, negative.
	inStore(t, dir, func(st store.Store) {
		rows, err := st.Messages(t.Context(), store.Query{Workspace: DemoWorkspace, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range rows {
			if s.Message.Role != feedbackbot.RoleCustomer || n == 12 {
				continue
			}
			c := feedbackbot.Correction{Sentiment: feedbackbot.Negative, Intent: feedbackbot.IntentComplaint, AddThemes: []string{"billing"},
				MessageTime: s.Message.Time, By: "USTAFF", At: time.Now()}
			raw, _ := json.Marshal(c)
			if err := st.PutDoc(t.Context(), DemoWorkspace, bot.DocCorrection, s.Message.Key(), raw); err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n < 12 {
			t.Fatalf("the demo has %d customer messages", n)
		}
		docs, err := st.ListDocs(t.Context(), DemoWorkspace, bot.DocCorrection)
		if err != nil {
			t.Fatal(err)
		}
		corrections = len(docs) // (the demo makes one of its own)
	})
	stdout, stderr, err := run(t, dir, "learn", "--out", out, "--folds", "2")
	if err != nil {
		t.Fatalf("learn: %v\n%s", err, stderr)
	}
	for _, want := range []string{"On your corrections, cross-validated (2 folds", "sentiment right:", "intent right:", "themes F1:",
		"Wrote " + out, fmt.Sprintf("%d correction(s)", corrections), "set analysis.layer: " + out, "latest customer messages nobody corrected, it changes the sentiment of"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("no %q in\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, fmt.Sprintf("Learning from %d staff correction(s)", corrections)) || !strings.Contains(stderr, "fold 2 of 2") {
		t.Errorf("no progress on stderr:\n%s", stderr)
	}
	fi, err := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("layer file %v, %v; want it readable by the owner alone", fi, err)
	}
	cfgPath := filepath.Join(dir, "learned.yaml")
	if err := os.WriteFile(cfgPath, []byte("analysis:\n  layer: "+out+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, _, errb := testMain(map[string]string{"FEEDBACKBOT_DATA": dir})
	cfg, err := m.load(cfgPath)
	if err != nil {
		t.Fatalf("config with the layer: %v\n%s", err, errb)
	}
	learned, err := newAnalyzer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	shipped, _ := analysis.New(analysis.DefaultTaxonomy())
	if learned.Version() == shipped.Version() {
		t.Errorf("the learned layer has the shipped layer's version %s: reanalyze would not re-tag", shipped.Version())
	}
	if stdout, stderr, err := run(t, dir, "reanalyze", "--config", cfgPath); err != nil || !strings.Contains(stdout, fmt.Sprintf("%d message(s) keep staff's correction", corrections)) {
		t.Errorf("reanalyze with the learned layer: %v\n%s%s", err, stdout, stderr)
	}
	// A file that is not a layer is refused by name.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("analysis:\n  layer: "+cfgPath+"\n"), 0o600)
	if _, _, err := run(t, dir, "analyze", "--config", bad); err == nil || !strings.Contains(err.Error(), "not a layer file written by feedbackbot learn") {
		t.Errorf("a config file as the layer: %v", err)
	}
	missing := filepath.Join(dir, "missing.yaml")
	os.WriteFile(missing, []byte("analysis:\n  layer: "+filepath.Join(dir, "nope.json")+"\n"), 0o600)
	if _, _, err := run(t, dir, "config", "check", "--config", missing); err == nil || !strings.Contains(err.Error(), "analysis.layer:") {
		t.Errorf("config check of a missing layer: %v", err)
	}
}
