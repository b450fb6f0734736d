package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
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

// TestTryNextPastesIntoAShell: the demo's "Try next" commands, pasted into a
// shell, run the program with the demo's directory and configuration as single
// arguments, whatever their names hold (--dir "my dir" printed
// FEEDBACKBOT_DATA=/tmp/w/my dir …, which ran a command named "dir": a review's
// find); so does the help's "Start here".
func TestTryNextPastesIntoAShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh here")
	}
	root := t.TempDir()
	t.Chdir(root)
	// the program: a script that prints what it was given, one line each
	self := filepath.Join(root, "my tools", "feedback bot")
	os.Mkdir(filepath.Dir(self), 0o700)
	if err := os.WriteFile(self, []byte("#!/bin/sh\nprintf '%s\\n' \"data=$FEEDBACKBOT_DATA\" \"$@\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "my dir's $HOME & #1")
	m, out, errb := testMain(nil)
	m.Self = self
	if err := m.Run(t.Context(), []string{"demo", "--dir", dir, "--as-of", "2026-11-20T09:00:00Z"}); err != nil {
		t.Fatalf("demo: %v\n%s", err, errb)
	}
	_, tryNext, _ := strings.Cut(out.String(), "\nTry next")
	var lines []string
	for _, l := range strings.Split(tryNext, "\n")[1:] {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) != 6 {
		t.Fatalf("Try next holds %d commands, want 6:\n%s", len(lines), tryNext)
	}
	cfg := filepath.Join(dir, demoConfigName)
	for _, l := range lines {
		got, err := exec.Command(sh, "-c", l).CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v\n%s", l, err, got)
			continue
		}
		args := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
		cmd := strings.Fields(l[strings.Index(l, "feedback bot")+len("feedback bot'"):])[0]
		if cmd == "analyze" {
			if !slices.Equal(args, []string{"data=", "analyze"}) {
				t.Errorf("%s\nran with %q", l, args)
			}
			continue
		}
		if len(args) < 4 || args[0] != "data="+dir || args[1] != cmd || args[2] != "--config" || args[3] != cfg {
			t.Errorf("%s\nran with %q; want data=%s %s --config %s …", l, args, dir, cmd, cfg)
		}
	}
	out.Reset()
	m.usage(out)
	_, start, _ := strings.Cut(out.String(), "Start here:")
	start, _, _ = strings.Cut(start, "\n")
	if got, err := exec.Command(sh, "-c", start).CombinedOutput(); err != nil || string(got) != "data=\ndemo\n" {
		t.Errorf("Start here:%s\nran: %q, %v", start, got, err)
	}
}

// TestSelfNameOnPath: a program run by a path that PATH finds by its name (the
// container's ENTRYPOINT runs /usr/local/bin/feedbackbot) is named by its name;
// one PATH finds another program by that name, or none, by its path.
func TestSelfNameOnPath(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "feedbackbot")
	other := filepath.Join(t.TempDir(), "feedbackbot")
	for _, p := range []string{exe, other} {
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	finds := func(p string) func(string) (string, error) {
		return func(string) (string, error) { return p, nil }
	}
	none := func(name string) (string, error) { return "", exec.ErrNotFound }
	for _, tc := range []struct {
		name, arg0 string
		lookPath   func(string) (string, error)
		want       string
	}{
		{"run by name", "feedbackbot", none, "feedbackbot"},
		{"run by its path, on PATH", exe, finds(exe), "feedbackbot"},
		{"run by its path, PATH finds another", exe, finds(other), exe},
		{"run by its path, not on PATH", exe, none, exe},
	} {
		if got := selfName(exe, tc.arg0, tc.lookPath); got != tc.want {
			t.Errorf("%s: selfName = %q, want %q", tc.name, got, tc.want)
		}
	}
}
