package main

import (
	"os"
	"runtime/debug"
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

// TestVersionString: a build without a version set names its commit (or, without
// one recorded, its toolchain and how to set one); a set version stands alone.
func TestVersionString(t *testing.T) {
	info := func(settings ...debug.BuildSetting) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) {
			return &debug.BuildInfo{GoVersion: "go1.26.0", Settings: settings}, true
		}
	}
	for _, tc := range []struct {
		v    string
		info func() (*debug.BuildInfo, bool)
		want string
	}{
		{"1.4.0", info(debug.BuildSetting{Key: "vcs.revision", Value: "abc"}), "1.4.0"},
		{"dev", info(debug.BuildSetting{Key: "vcs.revision", Value: "0123456789abcdef0123"}, debug.BuildSetting{Key: "vcs.time", Value: "2026-12-05T16:00:00Z"}),
			"dev (commit 0123456789ab of 2026-12-05T16:00:00Z, go1.26.0)"},
		{"dev", info(debug.BuildSetting{Key: "vcs.revision", Value: "0123456789abcdef0123"}, debug.BuildSetting{Key: "vcs.modified", Value: "true"}),
			"dev (commit 0123456789ab, with uncommitted changes, go1.26.0)"},
		{"dev", info(), "dev (go1.26.0; no commit recorded: build with -ldflags \"-X main.version=…\", as the Dockerfile does)"},
		{"dev", func() (*debug.BuildInfo, bool) { return nil, false }, "dev"},
	} {
		if got := versionString(tc.v, tc.info); got != tc.want {
			t.Errorf("versionString(%q) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

// TestEditDistanceCountsCharacters: a typo in a name of another script is one edit
// (it counted the bytes, so 渡辺 typed for 渡邊 was three edits and never suggested).
func TestEditDistanceCountsCharacters(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"渡辺", "渡邊", 1}, {"dgest", "digest", 1}, {"", "abc", 3}, {"noah.g", "noah.g", 0}, {"zoë", "zoe", 1}} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
