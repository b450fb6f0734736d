package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// TestImportRefusesWhatIsNoExport: a --slack-export that is a directory (the
// unzipped export) or a file that is no zip, and a --discord-export that holds
// no JSON, are usage mistakes said before any store is opened: they created an
// empty store and failed with status 1 ("x is not a regular file", a new user's
// find).
func TestImportRefusesWhatIsNoExport(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	unzipped := filepath.Join(dir, "unzipped")
	empty := filepath.Join(dir, "empty")
	for _, d := range []string{unzipped, empty} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(unzipped, "users.json"), []byte("[]"), 0o600)
	notZip := filepath.Join(dir, "export.zip")
	os.WriteFile(notZip, []byte("these are notes, not an archive"), 0o600)
	aZip := writeExportZip(t, empty, map[string]string{"users.json": "[]"})
	// (files that are no DiscordChatExporter export: they left an empty store
	// behind, a review found)
	notJSON := filepath.Join(dir, "notes.json")
	os.WriteFile(notJSON, []byte("not json"), 0o600)
	noMessages := filepath.Join(dir, "other.json")
	os.WriteFile(noMessages, []byte(`{"nothing":1}`), 0o600)
	wrongDir := filepath.Join(dir, "wrong")
	os.Mkdir(wrongDir, 0o700)
	os.WriteFile(filepath.Join(wrongDir, "a.json"), []byte(`{"guild":{"id":"1"},"messageCount":0}`), 0o600)
	data := filepath.Join(dir, "data")
	tests := []struct {
		name string
		args []string
		says string
	}{
		{"a Slack export unzipped", []string{"--slack-export", unzipped, "--team", "T1"},
			"import: --slack-export " + unzipped + " is a directory: give the export's .zip, not the unzipped folder"},
		{"a Slack export unzipped, no --team", []string{"--slack-export", unzipped}, "give the export's .zip, not the unzipped folder"},
		{"a file that is no zip", []string{"--slack-export", notZip, "--team", "T1"}, "import: --slack-export " + notZip + " is not a zip archive"},
		{"a Discord directory holding no .json", []string{"--discord-export", empty}, "import: --discord-export " + empty + " holds no .json files"},
		{"a zip given to --discord-export", []string{"--discord-export", aZip}, "import: --discord-export " + aZip + " is a zip archive"},
		{"a Discord file that is no JSON", []string{"--discord-export", notJSON}, "import: --discord-export " + notJSON + " is not a JSON object"},
		{"a Discord file without messages", []string{"--discord-export", noMessages}, "import: --discord-export " + noMessages + ` has no "messages" list`},
		{"a Discord directory of no export", []string{"--discord-export", wrongDir}, "import: --discord-export " + wrongDir + " holds 1 .json file, and none is DiscordChatExporter's JSON export"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, map[string]string{"FEEDBACKBOT_DATA": data}, append([]string{"import"}, tt.args...)...)
			if code != 2 || !strings.Contains(stderr, tt.says) || strings.Contains(stderr, "Importing into") || stdout != "" {
				t.Errorf("exit %d, want 2 and %q\nstdout: %s\nstderr: %s", code, tt.says, stdout, stderr)
			}
			if _, err := os.Stat(data); err == nil {
				t.Fatalf("the refused import created the store %s", data)
			}
		})
	}
}

// TestConfigNamedButMissing: a --config FILE that is not there is a usage mistake
// (exit 2) said plainly, for every command that reads a configuration; the
// default feedbackbot.yaml may be absent without a word.
func TestConfigNamedButMissing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	env := map[string]string{"FEEDBACKBOT_DATA": filepath.Join(dir, "data")}
	for _, args := range [][]string{
		{"digest", "--config", "nonexist.yaml"},
		{"config", "check", "--config", "nonexist.yaml"},
		{"backfill", "--channel", "C1", "--config", "nonexist.yaml"},
		{"import", "--slack-export", writeExportZip(t, dir, map[string]string{"users.json": "[]"}), "--team", "T1", "--config", "nonexist.yaml"},
	} {
		code, _, stderr := runCLI(t, env, args...)
		if code != 2 || !strings.Contains(stderr, "--config nonexist.yaml: no such file") || strings.Contains(stderr, "open nonexist.yaml") {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, stderr)
		}
	}
	if code, _, stderr := runCLI(t, env, "config", "check"); code != 0 || strings.Contains(stderr, "feedbackbot.yaml") {
		t.Errorf("config check without a feedbackbot.yaml: exit %d\n%s", code, stderr)
	}
}

// TestCountsInTheSingular: one of a thing is said in the singular ("1 daily
// files, 1 messages", "Analysed 1 log entries" said the imports).
func TestCountsInTheSingular(t *testing.T) {
	for _, tt := range []struct {
		n         int
		one, many string
		want      string
	}{
		{0, "file", "files", "0 files"},
		{1, "file", "files", "1 file"},
		{2, "file", "files", "2 files"},
		{1, "log entry", "log entries", "1 log entry"},
		{-1, "message", "messages", "-1 messages"},
	} {
		if got := feedbackbot.CountNoun(tt.n, tt.one, tt.many); got != tt.want {
			t.Errorf("feedbackbot.CountNoun(%d, %q, %q) = %q, want %q", tt.n, tt.one, tt.many, got, tt.want)
		}
	}
	src, err := filepath.Abs("../../adapters/discord/testdata/dce/general.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	p := writeExportZip(t, dir, map[string]string{
		"users.json":               `[{"id":"UMARIA","team_id":"THOME","name":"maria"},{"id":"UDANA","team_id":"TACME","name":"dana"}]`,
		"channels.json":            `[{"id":"CACME","name":"ext-acme"}]`,
		"ext-acme/2026-11-20.json": `[{"type":"message","user":"UDANA","text":"the export is broken","ts":"1795168800.000100"}]`,
	})
	code, stdout, stderr := runCLI(t, map[string]string{"FEEDBACKBOT_DATA": filepath.Join(dir, "slack")}, "import", "--slack-export", p, "--team", "THOME")
	if code != 0 || !strings.Contains(stdout, ": 1 daily file, 1 message, 1 new (") || !strings.Contains(stdout, "Analysed 1 log entry.") {
		t.Errorf("import of one message: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, map[string]string{"FEEDBACKBOT_DATA": filepath.Join(dir, "discord")}, "import", "--discord-export", src)
	if code != 0 || !strings.Contains(stdout, ": 1 file, ") {
		t.Errorf("import of one Discord file: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestDemoAgainSaysWhatItDid: a second demo on the same --dir says it had
// nothing new to analyse and that the correction was made before, rather than
// "Analysed 0 log entries: sentiment, themes and intent for every message" and
// "Staff corrected…" (a new user's find).
func TestDemoAgainSaysWhatItDid(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	args := []string{"demo", "--dir", dir, "--as-of", "2026-11-20T09:00:00Z"}
	code, first, stderr := runCLI(t, nil, args...)
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, stderr)
	}
	captured := regexp.MustCompile(`Captured (\d+) messages`).FindStringSubmatch(first)
	if captured == nil || !strings.Contains(first, "Staff corrected a tag analysis got wrong") {
		t.Fatalf("first demo run:\n%s", first)
	}
	code, again, stderr := runCLI(t, nil, args...)
	if code != 0 {
		t.Fatalf("demo again: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(again, "2. Nothing new to analyse: the store holds "+captured[1]+" messages already analysed") ||
		strings.Contains(again, "Analysed 0") || strings.Contains(again, "Staff corrected") ||
		!strings.Contains(again, "made by an earlier run on this --dir, is not made again") || !strings.Contains(again, "/feedback correct https://") {
		t.Errorf("second demo run:\n%s", firstLines(again, 12))
	}
}

// TestZoneNamesSuggested: digest --tz with a name that is no zone says which
// command refused it, what a zone name looks like and, for a city without its
// region, the zone meant.
func TestZoneNamesSuggested(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, tt := range []struct{ tz, says string }{
		{"Paris", `digest: --tz "Paris" is not a known time zone (did you mean Europe/Paris?): use an IANA name, such as Europe/Paris or America/New_York`},
		{"Nowhere/Atall", `digest: --tz "Nowhere/Atall" is not a known time zone: use an IANA name, such as Europe/Paris or America/New_York`},
	} {
		code, _, stderr := runCLI(t, map[string]string{"FEEDBACKBOT_DATA": dir}, "digest", "--tz", tt.tz)
		if code != 2 || !strings.Contains(stderr, tt.says) {
			t.Errorf("digest --tz %s: exit %d, want 2 and %q\n%s", tt.tz, code, tt.says, stderr)
		}
	}
}

// TestDemoRefusesFirst: a --dir whose store the demo did not make, or made as of
// another moment, is refused before the demo says anything ("Pretending it is …
// Store: …" came first).
func TestDemoRefusesFirst(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	data := filepath.Join(dir, "data")
	p := namesExportZip(t, dir)
	if code, _, stderr := runCLI(t, map[string]string{"FEEDBACKBOT_DATA": data}, "import", "--slack-export", p, "--team", "THOME"); code != 0 {
		t.Fatalf("import: exit %d\n%s", code, stderr)
	}
	demo := filepath.Join(dir, "demo")
	if code, _, stderr := runCLI(t, nil, "demo", "--dir", demo, "--as-of", "2026-11-20T09:00:00Z"); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, stderr)
	}
	for _, tt := range []struct {
		name string
		args []string
		says string
	}{
		{"a team's store", []string{"--dir", data}, data + " holds a store the demo did not make"},
		{"a demo of another moment", []string{"--dir", demo, "--as-of", "2026-11-21T09:00:00Z"}, demo + " already holds the demo as of 2026-11-20T09:00:00Z"},
		{"with an export", []string{"--dir", data, "--slack-export", filepath.Join(dir, "x.zip")}, data + " holds a store the demo did not make"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, nil, append([]string{"demo"}, tt.args...)...)
			if code != 2 || stdout != "" || !strings.Contains(stderr, tt.says) {
				t.Errorf("exit %d, want 2 and %q alone\nstdout: %s\nstderr: %s", code, tt.says, stdout, stderr)
			}
		})
	}
	if fileExists(filepath.Join(dir, "x.zip")) {
		t.Error("a refused demo wrote its export")
	}
}

// TestDemoExportDated: the demo's Slack export dates its entries at the demo's
// moment, not 1980-00-00 (the zip's zero date).
func TestDemoExportDated(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	msgs, err := demoMessages(now, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "x.zip")
	if err := writeSlackExport(p, msgs, now); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if !f.Modified.Equal(now) {
			t.Errorf("%s is dated %v, want %v", f.Name, f.Modified, now)
		}
	}
}

// TestHelpForEveryCommand: help COMMAND is COMMAND's usage for every command,
// and help help says what help does ("unknown command", it said).
func TestHelpForEveryCommand(t *testing.T) {
	for _, args := range [][]string{{"help", "help"}, {"help", "--help"}, {"help", "-h"}} {
		code, stdout, stderr := runCLI(t, nil, args...)
		if code != 0 || !strings.HasPrefix(stdout, "Usage: feedbackbot help [COMMAND]\n") || stderr != "" {
			t.Errorf("%v: exit %d\nstdout: %s\nstderr: %s", args, code, stdout, stderr)
		}
	}
	for _, name := range commandNames() {
		want := "Usage: feedbackbot " + name
		if name == "config" {
			want += " check"
		}
		code, stdout, stderr := runCLI(t, nil, "help", name)
		if code != 0 || !strings.HasPrefix(stdout, want) || stderr != "" {
			t.Errorf("help %s: exit %d\nstdout: %s\nstderr: %s", name, code, stdout, stderr)
		}
	}
}

// TestRequestsTopHelpGivesRange: --top's help gives the range it takes.
func TestRequestsTopHelpGivesRange(t *testing.T) {
	code, stdout, _ := runCLI(t, nil, "requests", "--help")
	if code != 0 || !regexp.MustCompile(`-top N\n\s+list at most N requests \(1\.\.100\)`).MatchString(stdout) {
		t.Errorf("requests --help: exit %d\n%s", code, stdout)
	}
}
