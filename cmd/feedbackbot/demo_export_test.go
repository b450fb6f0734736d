package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedbackbot/feedbackbot/cmd/feedbackbot/demodata"
)

// TestScenariosAsSlackExport: the bundled scenarios, written as a Slack workspace
// export and imported like a customer's real export, give the same verdicts: risk
// flags exactly the slipping accounts, for their reasons.
func TestScenariosAsSlackExport(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	asof := "2026-11-20T09:00:00Z"
	export := filepath.Join(dir, "scenarios.zip")
	m, out, errb := testMain(map[string]string{"FEEDBACKBOT_DATA": filepath.Join(dir, "demo")})
	if err := m.Run(context.Background(), []string{"demo", "--dir", filepath.Join(dir, "demo"), "--as-of", asof, "--slack-export", export}); err != nil {
		t.Fatalf("demo: %v\n%s", err, errb)
	}
	if !strings.Contains(out.String(), "as a Slack export: "+export) {
		t.Fatalf("demo output does not mention the export:\n%s", firstLines(out.String(), 4))
	}
	// Its own export it writes over; a file of someone else's it leaves alone (it
	// replaced one, a review's find), as it does a directory given as a file.
	if err := (testMainRun(t, "demo", "--dir", filepath.Join(dir, "demo"), "--as-of", asof, "--slack-export", export)); err != nil {
		t.Errorf("demo over its own export: %v", err)
	}
	theirs := filepath.Join(dir, "report.zip")
	os.WriteFile(theirs, []byte("quarterly report"), 0o600)
	if err := testMainRun(t, "demo", "--dir", filepath.Join(dir, "demo"), "--as-of", asof, "--slack-export", theirs); err == nil || !strings.Contains(err.Error(), "the demo did not write it") {
		t.Errorf("demo over a file it did not write: %v", err)
	}
	if b, _ := os.ReadFile(theirs); string(b) != "quarterly report" {
		t.Errorf("the user's file was changed: %q", b)
	}
	if err := testMainRun(t, "demo", "--dir", theirs); err == nil || !strings.Contains(err.Error(), "is a file: give a directory") {
		t.Errorf("demo --dir FILE: %v", err)
	}
	// A fresh store, the accounts in config (JSON is YAML), and the import command.
	cfgPath := filepath.Join(dir, "feedbackbot.yaml")
	if err := os.WriteFile(cfgPath, append([]byte("accounts: "), demodata.Accounts...), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"FEEDBACKBOT_DATA": filepath.Join(dir, "imported")}
	m2, out2, errb2 := testMain(env)
	if err := m2.Run(context.Background(), []string{"import", "--config", cfgPath, "--slack-export", export, "--team", DemoWorkspace}); err != nil {
		t.Fatalf("import: %v\n%s", err, errb2)
	}
	if !strings.Contains(out2.String(), " new ") || strings.Contains(out2.String(), "problem:") {
		t.Fatalf("import output:\n%s", out2)
	}
	m3, out3, errb3 := testMain(env)
	if err := m3.Run(context.Background(), []string{"risk", "--config", cfgPath, "--workspace", DemoWorkspace, "--as-of", asof, "--json"}); err != nil {
		t.Fatalf("risk: %v\n%s", err, errb3)
	}
	assertScenarioRisk(t, out3.Bytes())
}

// testMainRun runs the program in-process with no environment and returns its error.
func testMainRun(t *testing.T, args ...string) error {
	t.Helper()
	m, _, _ := testMain(nil)
	return m.Run(context.Background(), args)
}
