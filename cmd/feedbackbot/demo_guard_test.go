package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// TestDemoKeepsToItself: the demo refuses a --dir holding a store it did not make
// (the default ./feedbackbot-data got four weeks of fictional customers, whose
// alerts a bot on it posted to the real channel), runs on its own settings rather
// than a ./feedbackbot.yaml it says it leaves alone, and its "Try next" commands
// clear REDIS_URL, which would have pointed them at Redis rather than its store (a
// review's finds).
func TestDemoKeepsToItself(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	// a team's own store, and a configuration with a taxonomy of its own
	data := filepath.Join(dir, "feedbackbot-data")
	code, _, stderr := runCLI(t, map[string]string{"FEEDBACKBOT_DATA": data}, "demo", "--dir", filepath.Join(dir, "seed"), "--slack-export", filepath.Join(dir, "seed", "x.zip"))
	if code != 0 {
		t.Fatalf("demo with an export in a new --dir: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runCLI(t, map[string]string{"FEEDBACKBOT_DATA": data}, "import", "--slack-export", filepath.Join(dir, "seed", "x.zip"), "--team", DemoWorkspace); code != 0 {
		t.Fatalf("import: exit %d\n%s", code, stderr)
	}
	inStore(t, data, func(st store.Store) {
		if err := st.DeleteDoc(t.Context(), DemoWorkspace, demoDocKind, demoAsOfID); err != nil && !feedbackbot.IsNotFound(err) {
			t.Fatal(err)
		}
	})
	code, stdout, stderr := runCLI(t, nil, "demo", "--dir", data)
	if code != 2 || !strings.Contains(stderr, data+" holds a store the demo did not make (workspaces "+DemoWorkspace+")") || strings.Contains(stdout, "Captured") {
		t.Errorf("demo onto a team's store: exit %d\n%s%s", code, stdout, stderr)
	}

	os.WriteFile(filepath.Join(dir, "feedbackbot.yaml"), []byte("analysis:\n  themes:\n    - name: sso\n      keywords: [sso]\n"), 0o600)
	code, stdout, stderr = runCLI(t, map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0"}, "demo", "--dir", filepath.Join(dir, "d2"))
	if code != 0 || !strings.Contains(stderr, "demo: not reading ./feedbackbot.yaml: the demo runs on its own settings") {
		t.Fatalf("demo beside a feedbackbot.yaml: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "REDIS_URL= go run ./cmd/feedbackbot risk --config") || strings.Contains(stdout, "• sso") {
		t.Errorf("demo's output with REDIS_URL set and a taxonomy beside it:\n%s", stdout[strings.Index(stdout, "Try next"):])
	}
}
