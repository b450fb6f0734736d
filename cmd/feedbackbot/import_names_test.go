package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedbackbot/feedbackbot"
)

// writeExportZip writes files (name: content) as dir/export.zip, a Slack export for
// import --slack-export, and returns its path.
func writeExportZip(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "export.zip")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// namesExportZip writes a small Slack export whose users.json names people as
// Slack does (profile display and real names) and returns its path.
func namesExportZip(t *testing.T, dir string) string {
	t.Helper()
	return writeExportZip(t, dir, map[string]string{
		"users.json": `[{"id":"UMARIA","team_id":"THOME","name":"maria","profile":{"display_name":"Maria L.","real_name":"Maria Lopez"}},` +
			`{"id":"UDANA","team_id":"TACME","name":"dana","real_name":"Dana K","profile":{"display_name":"","real_name":"Dana K"}}]`,
		"channels.json": `[{"id":"CACME","name":"ext-acme"}]`,
		"ext-acme/2026-11-20.json": `[{"type":"message","user":"UDANA","text":"the export is broken again, this is really frustrating","ts":"1795168800.000100"},
			{"type":"message","user":"UMARIA","text":"sorry, looking now","ts":"1795169800.000200","thread_ts":"1795168800.000100"}]`,
	})
}

// TestImportSlackNamesAndLinks: `import --slack-export` keeps the export's names
// (quotes read "Dana K" in #ext-acme, not UDANA in CACME) and, with --team-domain,
// links each message to Slack; without a domain the summary says links are left
// out and how to get them, and a re-import says what it left as it was.
func TestImportSlackNamesAndLinks(t *testing.T) {
	const asof = "2026-11-21T09:00:00Z"
	const link = "https://acme.slack.com/archives/CACME/p1795168800000100"
	tests := []struct {
		name      string
		args      []string
		permalink string
		note      bool // the summary says links are left out
	}{
		{name: "no domain", note: true},
		{name: "a domain", args: []string{"--team-domain", "acme"}, permalink: link},
		{name: "a domain as its address", args: []string{"--team-domain", "https://acme.slack.com/"}, permalink: link},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			p := namesExportZip(t, dir)
			env := map[string]string{"FEEDBACKBOT_DATA": filepath.Join(dir, "data")}
			args := append([]string{"import", "--slack-export", p, "--team", "THOME"}, tt.args...)
			code, stdout, stderr := runCLI(t, env, args...)
			if code != 0 || !strings.Contains(stdout, "2 messages, 2 new") {
				t.Fatalf("import: exit %d\n%s\n%s", code, stdout, stderr)
			}
			if note := strings.Contains(stdout, "no links to Slack") && strings.Contains(stdout, "--team-domain"); note != tt.note {
				t.Errorf("the summary says links are left out (and how to get them): %v, want %v\n%s", note, tt.note, stdout)
			}
			code, stdout, stderr = runCLI(t, env, "digest", "--as-of", asof, "--json")
			var d feedbackbot.Digest
			if err := json.Unmarshal([]byte(stdout), &d); code != 0 || err != nil {
				t.Fatalf("digest --json: exit %d, %v: %s", code, err, stderr)
			}
			if len(d.Complaints) != 1 {
				t.Fatalf("complaints %+v, want Dana's", d.Complaints)
			}
			if q := d.Complaints[0]; q.Author != "Dana K" || q.Channel != "ext-acme" || q.Permalink != tt.permalink {
				t.Errorf("quote by %q in %q, link %q; want Dana K in ext-acme, link %q", q.Author, q.Channel, q.Permalink, tt.permalink)
			}
			code, stdout, stderr = runCLI(t, env, "export", "--workspace", "THOME", "--user", "UDANA")
			if code != 0 || !strings.Contains(stdout, `"author_name":"Dana K"`) || !strings.Contains(stdout, `"channel_name":"ext-acme"`) ||
				strings.Contains(stdout, `"permalink"`) != (tt.permalink != "") {
				t.Errorf("export: exit %d\n%s\n%s", code, stdout, stderr)
			}
			// Again: nothing stored twice, and the summary says the stored messages
			// were left as they were.
			code, stdout, stderr = runCLI(t, env, args...)
			if code != 0 || !strings.Contains(stdout, "0 new") || !strings.Contains(stdout, "2 messages were not stored anew: held already, and left as they are") {
				t.Errorf("re-import: exit %d\n%s\n%s", code, stdout, stderr)
			}
			// A domain given again is said not to reach the messages held already.
			if says := strings.Contains(stdout, "--team-domain gives links to the messages this import stored, not to those already held"); says != (tt.permalink != "") {
				t.Errorf("re-import with domain %v: says the held messages get no links: %v\n%s", tt.permalink != "", says, stdout)
			}
		})
	}
}

// TestImportTeamDomainRefused: --team-domain is for Slack exports, and one that is
// no Slack domain (it would make broken links, or links to another site) is a
// usage error, before any store is opened.
func TestImportTeamDomainRefused(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	p := namesExportZip(t, dir)
	// (there: a path that is not is said first, before the flags' mistakes)
	if err := os.WriteFile(filepath.Join(dir, "x.json"), []byte(`{"messages":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"FEEDBACKBOT_DATA": filepath.Join(dir, "data")}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"a Discord export", []string{"import", "--discord-export", filepath.Join(dir, "x.json"), "--team-domain", "acme"}, 2,
			"--team-domain is for Slack exports"},
		{"no Slack domain", []string{"import", "--slack-export", p, "--team", "THOME", "--team-domain", "evil.example/x"}, 2,
			`--team-domain "evil.example/x" is not a Slack workspace's domain`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, env, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) || strings.Contains(stderr, "Importing into") || strings.Contains(stdout, "Imported") {
				t.Errorf("exit %d, want %d, and an error saying %q\nstdout: %s\nstderr: %s", code, tt.code, tt.stderr, stdout, stderr)
			}
		})
	}
}
