package main

import (
	"os"
	"strings"
	"testing"
)

// TestTryNextNamesTheProgram: the demo's "Try next" lines and the help's "Start
// here" name the program as it was run (a built binary, the container's), and go
// run only when go run built it: they said go run to a binary with no Go beside it
// (a review's find).
func TestTryNextNamesTheProgram(t *testing.T) {
	// The test binary is built by go test in a go-build directory, as go run builds.
	if got := selfCommand(os.Args[0]); got != goRunSelf {
		t.Errorf("selfCommand under go test = %q, want %q", got, goRunSelf)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	m, out, errb := testMain(nil)
	m.Self = "/opt/feedbackbot/bin/feedbackbot"
	if err := m.Run(t.Context(), []string{"demo", "--dir", dir, "--as-of", "2026-11-20T09:00:00Z"}); err != nil {
		t.Fatalf("demo: %v\n%s", err, errb)
	}
	if s := out.String(); !strings.Contains(s, m.Self+" risk --config") || !strings.Contains(s, "| "+m.Self+" analyze") || strings.Contains(s, "go run") {
		t.Errorf("demo's Try next does not name %s:\n%s", m.Self, s[strings.Index(s, "Try next"):])
	}
	out.Reset()
	m.usage(out)
	if !strings.Contains(out.String(), "Start here:   "+m.Self+" demo") {
		t.Errorf("help:\n%s", out)
	}
}
