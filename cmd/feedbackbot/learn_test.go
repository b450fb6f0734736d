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
	// Twelve corrections beside 7,675 rows teach the layer nothing that changes a
	// tag: it says so and writes nothing (it wrote a layer, and said to re-tag all
	// history with it).
	stdout, stderr, err := run(t, dir, "learn", "--out", out, "--folds", "2")
	if err != nil || !strings.Contains(stdout, "nothing was written: keep the analyzer you have") {
		t.Fatalf("learn at weight 1: %v\n%s%s", err, stdout, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("learn wrote a layer that does no better")
	}
	// A team whose customers report one fault in words of their own, which staff
	// correct the same way each time: the layer learns it, on folds it did not see.
	inStore(t, dir, func(st store.Store) {
		var evs []feedbackbot.Event
		for i := range 30 {
			m := feedbackbot.Message{ID: fmt.Sprintf("CEXTACME:%d.000100", 1795000000+i), Platform: feedbackbot.PlatformSlack, Workspace: DemoWorkspace,
				Channel: "CEXTACME", Author: "dana.k", Role: feedbackbot.RoleCustomer, Account: "acme",
				Text: []string{"the frobnicator went wobbly again on board %d", "board %d: frobnicator wobbly after lunch", "frobnicator on board %d is wobbly, third time"}[i%3],
				Time: time.Date(2026, 11, 10, 9, 0, i, 0, time.UTC)}
			m.Text = fmt.Sprintf(m.Text, i)
			if err := m.Normalize(); err != nil {
				t.Fatal(err)
			}
			evs = append(evs, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
		}
		if _, err := st.Append(t.Context(), evs...); err != nil {
			t.Fatal(err)
		}
		a, _ := analysis.New(analysis.DefaultTaxonomy())
		if _, err := (&bot.Worker{Store: st, Analyzer: a, Consumer: "t"}).Drain(t.Context()); err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			raw, _ := json.Marshal(feedbackbot.Correction{Sentiment: feedbackbot.Negative, Intent: feedbackbot.IntentBugReport, MessageTime: ev.Message.Time})
			if err := st.PutDoc(t.Context(), DemoWorkspace, bot.DocCorrection, ev.Message.Key(), raw); err != nil {
				t.Fatal(err)
			}
		}
		corrections += len(evs)
	})
	stdout, stderr, err = run(t, dir, "learn", "--out", out, "--folds", "3", "--weight", "20")
	if err != nil {
		t.Fatalf("learn: %v\n%s", err, stderr)
	}
	t.Logf("learn --weight 20:\n%s", stdout)
	for _, want := range []string{"On your corrections, cross-validated (3 folds", "sentiment right:", "intent right:", "themes F1:",
		"Wrote " + out, fmt.Sprintf("%d corrections, each counted 20 times", corrections), "set analysis.layer: " + out, "latest customer messages nobody corrected, it changes the sentiment of"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("no %q in\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "Learning from "+feedbackbot.CountNoun(corrections, "staff correction", "staff corrections")) || !strings.Contains(stderr, "fold 3 of 3") {
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
	if stdout, stderr, err := run(t, dir, "reanalyze", "--config", cfgPath); err != nil || !strings.Contains(stdout, feedbackbot.CountNoun(corrections, "message keeps", "messages keep")+" staff's correction") {
		t.Errorf("reanalyze with the learned layer: %v\n%s%s", err, stdout, stderr)
	}
	// A file that is not a layer is refused by name.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("analysis:\n  layer: "+cfgPath+"\n"), 0o600)
	if _, _, err := run(t, dir, "analyze", "--config", bad); err == nil || !strings.Contains(err.Error(), "cannot be used") {
		t.Errorf("a config file as the layer: %v", err)
	}
	// config check builds the analyzer as run does: a file that is no layer is a
	// problem (it said "Configuration OK"), the learned one is named.
	if _, _, err := run(t, dir, "config", "check", "--config", bad); err == nil || !strings.Contains(err.Error(), "cannot be used") {
		t.Errorf("config check of a config file as the layer: %v", err)
	}
	if stdout, _, err := run(t, dir, "config", "check", "--config", cfgPath); err != nil || !strings.Contains(stdout, "analyzer:  "+learned.Version()+" (learned, "+out+")") {
		t.Errorf("config check with the learned layer: %v\n%s", err, stdout)
	}
	missing := filepath.Join(dir, "missing.yaml")
	os.WriteFile(missing, []byte("analysis:\n  layer: "+filepath.Join(dir, "nope.json")+"\n"), 0o600)
	if _, _, err := run(t, dir, "config", "check", "--config", missing); err == nil || !strings.Contains(err.Error(), "analysis.layer:") {
		t.Errorf("config check of a missing layer: %v", err)
	}
	// Forgetting a person whose corrected messages the layer in use learned from
	// says that its weights still carry them, and how to learn it again; a person
	// it did not learn from gets no such word.
	stdout, stderr, err = run(t, dir, "forget", "--config", cfgPath, "--workspace", DemoWorkspace, "--user", "dana.k", "--yes")
	if err != nil || !strings.Contains(stdout, "The learned layer in use (analysis.layer) was trained on staff's corrections of") ||
		!strings.Contains(stdout, "run feedbackbot learn again") {
		t.Errorf("forget of a person the layer learned from: %v\n%s%s", err, stdout, stderr)
	}
	// The file names the messages by their keys keyed with the workspace's learn
	// secret, kept in the store: the file and a key alone tell nothing.
	key := fmt.Sprintf("slack/%s/CEXTACME:1795000000.000100", DemoWorkspace)
	var secret []byte
	inStore(t, dir, func(st store.Store) {
		if secret, err = bot.LearnSecret(t.Context(), st, DemoWorkspace, false); err != nil || len(secret) != 32 {
			t.Fatalf("the workspace's learn secret: %x, %v", secret, err)
		}
	})
	if n := learned.LearnedFromWith(secret, key); n != 1 {
		t.Errorf("the layer learned from %d of a corrected message's key, want 1", n)
	}
	layerFile, _ := os.ReadFile(out)
	if n := learned.LearnedFrom(key); n != 0 || strings.Contains(string(layerFile), analysis.LearnedKey(key)) || !strings.Contains(string(layerFile), `"learned_keyed":true`) {
		t.Errorf("the layer file names the message without the secret (%d found)", n)
	}
	stdout, stderr, err = run(t, dir, "forget", "--config", cfgPath, "--workspace", DemoWorkspace, "--user", "li.eng", "--yes")
	if err != nil || strings.Contains(stdout, "learned layer") {
		t.Errorf("forget of a person the layer did not learn from: %v\n%s%s", err, stdout, stderr)
	}
}
