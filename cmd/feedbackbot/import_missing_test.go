package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportOfAMissingFile: a path that is not there fails before any store is
// opened (it left a new, empty store behind, and commands then said "the store
// holds no messages yet" rather than "no store": a review's find), plainly and as
// a usage mistake, and before --team is asked for (it said "import: stat
// nosuch.zip: no such file or directory", exit 1, and without --team asked for
// that first); learn with too few corrections is no usage error (exit 1, not 2).
func TestImportOfAMissingFile(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "feedbackbot-data")
	missing := filepath.Join(dir, "nosuch.zip")
	for _, args := range [][]string{{"--slack-export", missing, "--team", "T1"}, {"--slack-export", missing}} {
		code, _, stderr := runCLI(t, map[string]string{"FEEDBACKBOT_DATA": data}, append([]string{"import"}, args...)...)
		if code != 2 || !strings.Contains(stderr, "import: --slack-export "+missing+": no such file\n") || strings.Contains(stderr, "--team") {
			t.Errorf("import %v of a missing file: exit %d\n%s", args, code, stderr)
		}
	}
	if _, err := os.Stat(data); err == nil {
		t.Errorf("import of a missing file created the store %s", data)
	}
	demo := demoStore(t)
	code, _, stderr := runCLI(t, map[string]string{"FEEDBACKBOT_DATA": demo}, "learn", "--out", filepath.Join(demo, "layer.json"))
	if code != 1 || !strings.Contains(stderr, "learn needs at least 10 corrections") {
		t.Errorf("learn with too few corrections: exit %d\n%s", code, stderr)
	}
}
