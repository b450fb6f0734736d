package main

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
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

// TestRefusedSlackArchiveLeavesNoStore: a Slack archive the import refuses for
// its structure or contents (a ../ member, a symbolic link, too many members, no
// users.json or channel list, a --team none of its users belong to) is refused
// before any store is opened: it left a new, empty store behind, after which
// digest said "the store holds no messages yet" rather than "no store" (a
// review's find). An archive that imports makes the store.
func TestRefusedSlackArchiveLeavesNoStore(t *testing.T) {
	good := map[string]string{
		"users.json":               `[{"id":"UMARIA","team_id":"THOME","name":"maria"},{"id":"UDANA","team_id":"TACME","name":"dana"}]`,
		"channels.json":            `[{"id":"CACME","name":"ext-acme"}]`,
		"ext-acme/2026-11-20.json": `[{"type":"message","user":"UDANA","text":"the export is broken","ts":"1795168800.000100"}]`,
	}
	with := func(extra map[string]string, drop ...string) func(*zip.Writer) error {
		return func(zw *zip.Writer) error {
			for name, body := range good {
				if !slices.Contains(drop, name) {
					extra[name] = body
				}
			}
			for _, name := range slices.Sorted(maps.Keys(extra)) {
				w, err := zw.Create(name)
				if err != nil {
					return err
				}
				io.WriteString(w, extra[name])
			}
			return nil
		}
	}
	for _, tc := range []struct {
		name  string
		team  string
		write func(*zip.Writer) error
		says  string
	}{
		{"a ../ member", "THOME", with(map[string]string{"ext-acme/../../evil.json": "[]"}), "has an absolute or parent-directory path"},
		{"a symbolic link", "THOME", func(zw *zip.Writer) error {
			h := &zip.FileHeader{Name: "ext-acme/2026-11-21.json"}
			h.SetMode(fs.ModeSymlink | 0o777)
			w, err := zw.CreateHeader(h)
			if err != nil {
				return err
			}
			io.WriteString(w, "/etc/passwd")
			return with(map[string]string{})(zw)
		}, "is a symbolic link"},
		{"too many members", "THOME", func(zw *zip.Writer) error {
			for i := range 100_001 {
				if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("x/%d", i), Method: zip.Store}); err != nil {
					return err
				}
			}
			return nil
		}, "members, more than the limit of 100000"},
		{"no users.json", "THOME", with(map[string]string{}, "users.json"), "has no users.json"},
		{"no channel list", "THOME", with(map[string]string{}, "channels.json"), "has no channels.json"},
		{"a --team of none of its users", "TTYPO", with(map[string]string{}), "--team TTYPO: no user in the export's users.json"},
		// (every daily file in a folder no channel list names: a review's find)
		{"no folder a channel list names", "THOME", with(map[string]string{"channels.json": `[{"id":"CACME","name":"ext-acme"}]`,
			"general/2026-11-20.json": `[{"type":"message","user":"UDANA","text":"hi","ts":"1795168800.000100"}]`}, "ext-acme/2026-11-20.json"),
			"no channel list (channels.json, groups.json, mpims.json, dms.json) names any of its 1 channel folder (general)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "typo")
			zipPath := filepath.Join(dir, "export.zip")
			f, err := os.Create(zipPath)
			if err != nil {
				t.Fatal(err)
			}
			zw := zip.NewWriter(f)
			if err := tc.write(zw); err != nil {
				t.Fatal(err)
			}
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			f.Close()
			env := map[string]string{"FEEDBACKBOT_DATA": data}
			code, _, stderr := runCLI(t, env, "import", "--slack-export", zipPath, "--team", tc.team)
			if code != 1 || !strings.Contains(stderr, tc.says) || strings.Contains(stderr, "Importing into") {
				t.Errorf("import: exit %d, want 1 and %q before the store is opened:\n%s", code, tc.says, stderr)
			}
			if _, err := os.Stat(data); err == nil {
				t.Errorf("the refused import created %s", data)
			}
			if code, _, stderr := runCLI(t, env, "digest"); code != 1 || !strings.Contains(stderr, "no store in "+data) {
				t.Errorf("digest after the refused import: exit %d\n%s", code, stderr)
			}
		})
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	p := writeExportZip(t, dir, good)
	if code, _, stderr := runCLI(t, map[string]string{"FEEDBACKBOT_DATA": data}, "import", "--slack-export", p, "--team", "THOME"); code != 0 || !fileExists(filepath.Join(data, "feedbackbot.db")) {
		t.Errorf("import of a good archive: exit %d\n%s", code, stderr)
	}
}

// cancelOn is a writer that cancels when what was written holds its trigger.
type cancelOn struct {
	bytes.Buffer
	trigger string
	cancel  context.CancelFunc
}

func (w *cancelOn) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	if strings.Contains(w.String(), w.trigger) {
		w.cancel()
	}
	return n, err
}

// TestImportInterruptedSaysWhatItDid: an import interrupted (Ctrl-C) says what it
// had stored and analysed, and that running it again is safe; it said
// "feedbackbot: context canceled" alone. Run again, it finishes: nothing stored
// twice, the rest analysed.
func TestImportInterruptedSaysWhatItDid(t *testing.T) {
	files := map[string]string{
		"users.json":               `[{"id":"UMARIA","team_id":"THOME","name":"maria"},{"id":"UDANA","team_id":"TACME","name":"dana"}]`,
		"channels.json":            `[{"id":"CACME","name":"ext-acme"}]`,
		"ext-acme/2026-11-20.json": `[{"type":"message","user":"UDANA","text":"the export is broken","ts":"1795168800.000100"}]`,
		"ext-acme/2026-11-21.json": `[{"type":"message","user":"UMARIA","text":"fixed, sorry","ts":"1795255200.000100"}]`,
	}
	for _, tc := range []struct {
		name     string
		stdout   bool   // the trigger is on standard output (else standard error)
		trigger  string // what is written when Ctrl-C comes
		says     string
		reimport string // what the second run says
	}{
		{"while importing", false, "Importing into the", "import interrupted (context canceled): 0 new messages stored, 0 log entries analysed so far; " +
			"running the same command again finishes it (nothing is stored twice)", "(acme for acme.slack.com). Messages already stored keep what they were first imported with (an import only adds).\nAnalysed 2 log entries."},
		{"while analysing", true, "Imported ", "import interrupted (context canceled) while analysing: everything was stored, ", "2 messages, 0 new"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := writeExportZip(t, dir, files)
			env := map[string]string{"FEEDBACKBOT_DATA": filepath.Join(dir, "data")}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			m, out, errb := testMain(env)
			hook := &cancelOn{trigger: tc.trigger, cancel: cancel}
			if tc.stdout {
				m.Stdout = &terminalSafe{w: hook}
			} else {
				m.Stderr = hook
			}
			code := exitCode(m.Stderr, m.Run(ctx, []string{"import", "--slack-export", p, "--team", "THOME"}))
			said := hook.String() + out.String() + errb.String()
			if code != 1 || !strings.Contains(said, tc.says) {
				t.Errorf("interrupted import: exit %d, want 1 and %q:\n%s", code, tc.says, said)
			}
			code, stdout, stderr := runCLI(t, env, "import", "--slack-export", p, "--team", "THOME")
			if code != 0 || !strings.Contains(stdout, tc.reimport) {
				t.Errorf("import again: exit %d, want %q:\n%s%s", code, tc.reimport, stdout, stderr)
			}
		})
	}
}
