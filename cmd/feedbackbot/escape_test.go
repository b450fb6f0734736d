package main

import (
	"os"
	"strings"
	"testing"
)

// The terminal shows names as written: the ambiguity error of risk --account came
// from bot.ResolveAccount, which now escapes names for Slack markup.
func TestRiskAccountAmbiguityUnescaped(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	const asof = "2026-12-01T09:00:00Z"
	if code, _, stderr := runCLI(t, nil, "demo", "--dir", dir, "--as-of", asof); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	cfg := "accounts:\n  - {id: acme, name: \"Shop & Co\"}\n  - {id: fennel, name: \"Shop <Sons>\"}\n"
	if err := os.WriteFile("feedbackbot.yaml", []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"FEEDBACKBOT_DATA": dir, "USER": "tester"}
	code, _, stderr := runCLI(t, env, "risk", "--as-of", asof, "--account", "shop")
	if code != 2 || !strings.Contains(stderr, "matches several accounts") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(stderr, "&amp;") || strings.Contains(stderr, "&lt;") || !strings.Contains(stderr, "Shop & Co") {
		t.Errorf("the terminal shows Slack's escapes: %s", stderr)
	}
}
