package main

import (
	"bytes"
	"image"
	"image/png"
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

// TestDemoChecksItsExportFirst: an export path the demo cannot write at is said
// before anything is made: it created and announced its temporary store folder
// ("Store: /tmp/feedbackbot-demo-…"), then failed on the export and left the
// folder behind, empty (a new user's review). One that fails only when written
// leaves no folder either.
func TestDemoChecksItsExportFirst(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	tmp := filepath.Join(dir, "tmp") // where the demo makes its temporary store
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	file := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(file, []byte("notes"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"a directory that is not there", []string{"--slack-export", filepath.Join(dir, "nonexistent", "dir", "x.zip")}, 2,
			"--slack-export " + filepath.Join(dir, "nonexistent", "dir", "x.zip") + ": the directory " + filepath.Join(dir, "nonexistent", "dir") + " does not exist"},
		{"a directory", []string{"--slack-export", dir}, 2,
			"demo: --slack-export " + dir + " is a directory: give a file name, such as " + filepath.Join(dir, "northwind-slack-export.zip")},
		{"a file for a directory", []string{"--slack-export", filepath.Join(file, "x.zip")}, 2, "--slack-export " + filepath.Join(file, "x.zip") + ": " + file + " is a file, not a directory"},
		{"a new --dir and a directory that is not there", []string{"--dir", filepath.Join(dir, "d"), "--slack-export", filepath.Join(dir, "nope", "x.zip")}, 2,
			"the directory " + filepath.Join(dir, "nope") + " does not exist"},
		// (passes the checks, fails when written: a name longer than the system's)
		{"a name too long", []string{"--slack-export", filepath.Join(dir, strings.Repeat("x", 300)+".zip")}, 1, "file name too long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, nil, append([]string{"demo"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.says) {
				t.Errorf("exit %d, want %d; stderr lacks %q:\n%s", code, tc.code, tc.says, stderr)
			}
			if tc.code == 2 && stdout != "" {
				t.Errorf("a mistake wrote to stdout before it was said:\n%s", stdout)
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("the demo left %s behind", filepath.Join(tmp, left[0].Name()))
				os.RemoveAll(filepath.Join(tmp, left[0].Name()))
			}
			if _, err := os.Stat(filepath.Join(dir, "d")); err == nil {
				t.Errorf("the demo made its --dir %s", filepath.Join(dir, "d"))
			}
		})
	}
}

// TestDemoChartWritesOverNothingItDidNotWrite: the demo's digest.png is written
// over only when the demo wrote it (its charts carry a PNG text chunk saying so),
// beside and renamed; a file of the user's there, or a symbolic link (even to a
// chart of the demo's), is refused before anything is made and left as it is (it
// was written over, through the link, a review's find).
func TestDemoChartWritesOverNothingItDidNotWrite(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	asof := "2026-11-20T09:00:00Z"
	own := filepath.Join(dir, "own")
	for run := range 2 { // (the second over the first's chart)
		if code, _, stderr := runCLI(t, nil, "demo", "--dir", own, "--as-of", asof); code != 0 {
			t.Fatalf("demo run %d: exit %d\n%s", run+1, code, stderr)
		}
	}
	chart := filepath.Join(own, "digest.png")
	f, err := os.Open(chart)
	if err != nil {
		t.Fatal(err)
	}
	_, err = png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("the demo's chart is no PNG image: %v", err)
	}

	user := filepath.Join(dir, "mine.png")
	for _, tc := range []struct {
		name  string
		place func(path string) error
	}{
		{"a file of the user's", func(path string) error { return os.WriteFile(path, []byte("mine"), 0o600) }},
		{"a PNG of the user's", func(path string) error {
			var b bytes.Buffer
			png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1)))
			return os.WriteFile(path, b.Bytes(), 0o600)
		}},
		{"a symbolic link to a file of the user's", func(path string) error {
			os.WriteFile(user, []byte("mine"), 0o600)
			return os.Symlink(user, path)
		}},
		{"a symbolic link to the demo's chart", func(path string) error { return os.Symlink(chart, path) }},
		{"a dangling symbolic link", func(path string) error { return os.Symlink(filepath.Join(dir, "nowhere.png"), path) }},
		{"a directory", func(path string) error { return os.Mkdir(path, 0o700) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := filepath.Join(t.TempDir(), "d")
			os.Mkdir(d, 0o700)
			path := filepath.Join(d, "digest.png")
			if err := tc.place(path); err != nil {
				t.Fatal(err)
			}
			before, _ := os.Lstat(path)
			code, stdout, stderr := runCLI(t, nil, "demo", "--dir", d, "--as-of", asof)
			if code != 2 || !strings.Contains(stderr, path+" exists and the demo did not write it") || stdout != "" {
				t.Errorf("exit %d, want 2 and a refusal:\n%s%s", code, stdout, stderr)
			}
			if after, err := os.Lstat(path); err != nil || after.Mode() != before.Mode() || after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
				t.Errorf("%s was changed: %v, %v", path, after, err)
			}
			if b, err := os.ReadFile(user); err == nil && string(b) != "mine" {
				t.Errorf("the link's file now holds %d bytes", len(b))
			}
			if fileExists(filepath.Join(d, "feedbackbot.db")) {
				t.Error("the demo made its store before refusing")
			}
		})
	}
	// A directory an earlier version made: its chart unmarked, beside the demo's
	// own configuration file. Run again there, the demo writes over it (it was
	// refused, a review found).
	t.Run("an earlier version's directory", func(t *testing.T) {
		d := filepath.Join(t.TempDir(), "d")
		if code, _, stderr := runCLI(t, nil, "demo", "--dir", d, "--as-of", asof); code != 0 {
			t.Fatalf("demo: exit %d\n%s", code, stderr)
		}
		var b bytes.Buffer
		png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1)))
		if err := os.WriteFile(filepath.Join(d, "digest.png"), b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		if code, _, stderr := runCLI(t, nil, "demo", "--dir", d, "--as-of", asof); code != 0 {
			t.Errorf("demo over an earlier version's directory: exit %d\n%s", code, stderr)
		}
	})
}
