package slackadapter

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// namesExport is testdata/export_names as the files of an export: users.json in
// Slack's shape (profiles with display and real names, a deleted user, a display
// name of the wrong type, one over Slack's length with a line break and a NUL), the
// three channel lists (a DM has no name), and messages carrying their author's
// user_profile, as exports do (a Slack Connect member users.json leaves out).
func namesExport(t *testing.T) map[string]string {
	t.Helper()
	dir := filepath.Join("testdata", "export_names")
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// newestMessage is the newest version of the message ts of channel in st.
func newestMessage(t *testing.T, st store.Store, channel, ts string) feedbackbot.Message {
	t.Helper()
	m, found, err := st.Newest(context.Background(), key(channel, ts))
	if err != nil || !found {
		t.Fatalf("message %s:%s: found %v, %v", channel, ts, found, err)
	}
	return m
}

// TestImportKeepsNames: an imported message carries its author's name as Slack
// shows it (users.json's display name, else real name, else user name; else the
// message's own user_profile) and its channel's name; it carried neither (quotes
// read "— acme (UDANA)"), although the export has both.
func TestImportKeepsNames(t *testing.T) {
	st := openStore(t)
	sum, err := ImportExport(context.Background(), writeZip(t, namesExport(t)), ImportOptions{HomeTeam: home}, st)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Appended != 9 || sum.Problems() != 0 || len(sum.Errors) != 0 {
		t.Fatalf("summary %+v; want all 9 messages in and no problem", sum)
	}
	long := []rune(strings.Repeat("Dana from Acme Logistics, ", 8))
	tests := []struct {
		name, channel, ts       string
		authorName, channelName string
	}{
		{"display name first (not the message's older profile)", "CACME", "1793692800.000100", "Dana (Acme)", "ext-acme"},
		{"staff too", "CACME", "1793692900.000200", "Maria L.", "ext-acme"},
		{"real name when the display name is empty", "GESC", "1793693400.000100", "Tom Berg", "acme-escalations"},
		{"user name when the profile has none", "GESC", "1793693500.000200", "old.account", "acme-escalations"},
		{"a display name of the wrong type loses only itself", "CACME", "1793693200.000500", "Odd Person", "ext-acme"},
		{"one line, cut to Slack's 80", "CACME", "1793693300.000600", string(long[:maxNameRunes-1]) + "…", "ext-acme"},
		{"not in users.json: the message's user_profile", "CACME", "1793693000.000300", "Marco Rossi", "ext-acme"},
		{"not in users.json, a user_profile of the wrong shape: no name, still imported", "CACME", "1793693100.000400", "", "ext-acme"},
		{"a DM has no name", "DACMEDM", "1793693600.000100", "Dana (Acme)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newestMessage(t, st, tt.channel, tt.ts)
			if m.AuthorName != tt.authorName || m.ChannelName != tt.channelName {
				t.Errorf("author name %q, channel name %q; want %q, %q", m.AuthorName, m.ChannelName, tt.authorName, tt.channelName)
			}
			if m.Permalink != "" {
				t.Errorf("permalink %q without a team domain", m.Permalink)
			}
		})
	}
	// the names are the stored message's, as the digest's quotes read them
	drainStore(t, st)
	s, err := st.Message(context.Background(), key("CACME", "1793693000.000300"))
	if err != nil || s.Message.AuthorName != "Marco Rossi" || s.Message.ChannelName != "ext-acme" {
		t.Errorf("stored (analysed) message: %+v, %v", s.Message, err)
	}
}

// TestImportTeamDomainLinks: with the workspace's domain, each imported message
// links to Slack as live capture's do; the domain is read as people write it, and
// one that is no Slack domain is refused before anything is written.
func TestImportTeamDomainLinks(t *testing.T) {
	const want = "https://acme.slack.com/archives/CACME/p1793692800000100"
	tests := []struct {
		domain, permalink, err string
	}{
		{domain: "", permalink: ""},
		{domain: "acme", permalink: want},
		{domain: "Acme.slack.com", permalink: want},
		{domain: "https://acme.slack.com/", permalink: want},
		{domain: "acme.enterprise", permalink: "https://acme.enterprise.slack.com/archives/CACME/p1793692800000100"},
		{domain: "evil.example/x?", err: "is not a Slack workspace's domain"},
		{domain: "https://evil.example/", err: "is not a Slack workspace's domain"},
		{domain: "acme corp", err: "is not a Slack workspace's domain"},
		{domain: "acme..slack.com", err: "is not a Slack workspace's domain"},
		{domain: "acme.com", err: "is not a Slack workspace's domain"},
		{domain: "https://acme.slack.com.evil.example/", err: "is not a Slack workspace's domain"},
		{domain: "https://app.slack.com/client/T01/C02", err: "is Slack's own address, not your workspace's"},
		{domain: "-acme", err: "is not a Slack workspace's domain"},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			st := openStore(t)
			_, err := ImportExport(context.Background(), writeZip(t, namesExport(t)), ImportOptions{HomeTeam: home, TeamDomain: tt.domain}, st)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || feedbackbot.ErrorCode(err) != feedbackbot.EINVALID {
					t.Fatalf("want an invalid-input error containing %q, got %v", tt.err, err)
				}
				if n, _ := st.Backlog(context.Background()); n != 0 {
					t.Fatalf("a refused domain wrote %d entries", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m := newestMessage(t, st, "CACME", "1793692800.000100"); m.Permalink != tt.permalink {
				t.Errorf("permalink %q, want %q", m.Permalink, tt.permalink)
			}
		})
	}
}

// TestImportThreadReplyLinksToItsThread: a thread reply's link names its thread
// (?thread_ts=&cid=, as chat.getPermalink gives it), so a quote's link opens the
// thread at the reply; the thread's first message links as any other.
func TestImportThreadReplyLinksToItsThread(t *testing.T) {
	st := openStore(t)
	if _, err := ImportExport(context.Background(), writeZip(t, realisticExport()), ImportOptions{HomeTeam: home, TeamDomain: "acme"}, st); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ ts, want string }{
		{"1793606400.000100", "https://acme.slack.com/archives/CACME/p1793606400000100"},
		{"1793607000.000200", "https://acme.slack.com/archives/CACME/p1793607000000200?thread_ts=1793606400.000100&cid=CACME"},
	} {
		if m := newestMessage(t, st, "CACME", tt.ts); m.Permalink != tt.want {
			t.Errorf("%s: permalink %q, want %q", tt.ts, m.Permalink, tt.want)
		}
	}
}

// TestImportNamesOnReimport: re-importing stores nothing twice, with names and a
// domain given or not: a message the store holds is left as it is (the store takes
// a version that differs only in its names or link for the same one), and the
// summary counts those. An edit in the export later than the stored version comes
// in whole, with the names and link of this import.
func TestImportNamesOnReimport(t *testing.T) {
	st := openStore(t)
	files := namesExport(t)
	first, err := ImportExport(context.Background(), writeZip(t, files), ImportOptions{HomeTeam: home}, st)
	if err != nil || first.Appended != 9 || first.AlreadyStored != 0 {
		t.Fatalf("first import: %+v, %v", first, err)
	}
	drainStore(t, st)
	// The same export, a person renamed since, the domain given now; and an edit of
	// Dana's message, later than what is stored.
	var users []map[string]any
	if err := json.Unmarshal([]byte(files["users.json"]), &users); err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u["id"] == "UTOM" {
			u["profile"].(map[string]any)["display_name"] = "Tommy"
		}
	}
	b, _ := json.Marshal(users)
	files["users.json"] = string(b)
	files["ext-acme/2026-11-03.json"] = strings.Replace(files["ext-acme/2026-11-03.json"], `"text": "the CSV export is broken",`,
		`"text": "the CSV export is broken again", "edited": {"user": "UDANA", "ts": "1793699999.000000"},`, 1)
	again, err := ImportExport(context.Background(), writeZip(t, files), ImportOptions{HomeTeam: home, TeamDomain: "acme"}, st)
	if err != nil {
		t.Fatal(err)
	}
	if again.Appended != 1 || again.AlreadyStored != 8 || again.Messages != 9 {
		t.Fatalf("re-import: %+v; want the later edit appended and the 8 others counted as already stored", again)
	}
	if m := newestMessage(t, st, "GESC", "1793693400.000100"); m.AuthorName != "Tom Berg" || m.Permalink != "" {
		t.Errorf("a stored message was changed by the re-import: author name %q, permalink %q", m.AuthorName, m.Permalink)
	}
	m := newestMessage(t, st, "CACME", "1793692800.000100")
	if m.Text != "the CSV export is broken again" || m.AuthorName != "Dana (Acme)" || m.ChannelName != "ext-acme" ||
		m.Permalink != "https://acme.slack.com/archives/CACME/p1793692800000100" {
		t.Errorf("the later edit: %+v; want its text with the names and link", m)
	}
	// and a third import changes nothing
	third, err := ImportExport(context.Background(), writeZip(t, files), ImportOptions{HomeTeam: home, TeamDomain: "acme"}, st)
	if err != nil || third.Appended != 0 || third.AlreadyStored != 9 {
		t.Fatalf("third import: %+v, %v", third, err)
	}
}
