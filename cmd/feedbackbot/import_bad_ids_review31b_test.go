package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// badIDsExport reads adapters/slack/testdata/export_bad_ids (three channels with
// Slack ids, seven without) as zip entries; with onlyBad, the three good channels
// are left out of the lists and their folders dropped.
func badIDsExport(t *testing.T, onlyBad bool) map[string]string {
	t.Helper()
	const root = "../../adapters/slack/testdata/export_bad_ids"
	good := map[string]string{"C05KXRJ1G2L": "ext-acme", "GESC": "acme-escalations", "DACMEDM": "DACMEDM"}
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !onlyBad {
		return files
	}
	for name, body := range files {
		dir, _, nested := strings.Cut(name, "/")
		if nested {
			if slices.Contains([]string{good["C05KXRJ1G2L"], good["GESC"], good["DACMEDM"]}, dir) {
				delete(files, name)
			}
			continue
		}
		var list []map[string]any
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			continue // (users.json is kept as it is)
		}
		list = slices.DeleteFunc(list, func(c map[string]any) bool {
			id, _ := c["id"].(string)
			_, ok := good[id]
			return ok
		})
		b, _ := json.Marshal(list)
		files[name] = string(b)
	}
	return files
}

// TestImportSlackEveryChannelBadIDSaysNoneImported: an import whose every channel
// is skipped for an id that is no Slack id ended "everything else was imported and
// analysed": the skipped channels' messages were counted as messages read. It now
// says it imported none; with good channels beside the bad, it still says the rest
// was imported.
func TestImportSlackEveryChannelBadIDSaysNoneImported(t *testing.T) {
	tests := []struct {
		name     string
		onlyBad  bool
		twice    bool   // imported again: the good channels' messages are held already
		none     bool   // the closing line says nothing was imported
		problems string // as the closing line counts them
	}{
		{name: "good channels beside the bad", onlyBad: false, none: false, problems: "9 problems"},
		{name: "good channels beside the bad, imported again", twice: true, none: false, problems: "9 problems"},
		{name: "every channel a bad id", onlyBad: true, none: true, problems: "9 problems"},
		{name: "every channel a bad id, imported again", onlyBad: true, twice: true, none: true, problems: "9 problems"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := badIDsExport(t, tt.onlyBad) // (read before the Chdir)
			dir := t.TempDir()
			t.Chdir(dir)
			p := writeExportZip(t, dir, files)
			env := map[string]string{"FEEDBACKBOT_DATA": filepath.Join(dir, "data")}
			if tt.twice {
				runCLI(t, env, "import", "--slack-export", p, "--team", "THOME")
			}
			code, stdout, stderr := runCLI(t, env, "import", "--slack-export", p, "--team", "THOME")
			if code != 1 || !strings.Contains(stderr, tt.problems) || !strings.Contains(stdout, "skipped 9: channel id not a Slack id") {
				t.Fatalf("import: exit %d, want 1 and %s\nstdout:\n%s\nstderr:\n%s", code, tt.problems, stdout, stderr)
			}
			none := strings.Contains(stderr, "read no message")
			rest := strings.Contains(stderr, "everything else was imported")
			if none != tt.none || rest == tt.none {
				t.Errorf("closing line says none imported: %v, the rest imported: %v; want none %v\n%s", none, rest, tt.none, stderr)
			}
		})
	}
}
