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
