package main

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// slackUserID turns a demo author name ("kai.t") into a Slack-like user id ("UKAIT").
func slackUserID(author string) string {
	var b strings.Builder
	b.WriteByte('U')
	for _, r := range strings.ToUpper(author) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// demoExportComment marks the zip archives the demo writes.
const demoExportComment = "feedbackbot demo: sample conversations as a Slack export"

// writeSlackExport writes the demo conversations as a Slack workspace export: the
// format `import --slack-export` reads. Staff belong to the demo workspace; each
// customer belongs to their account's team (Slack Connect), so the accounts keep
// their ids. Its entries are dated at, the moment the demo pretends it is.
func writeSlackExport(path string, msgs []feedbackbot.Message, at time.Time) error {
	type user struct {
		ID     string `json:"id"`
		TeamID string `json:"team_id"`
		Name   string `json:"name"`
	}
	type channel struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	type message struct {
		Type     string `json:"type"`
		User     string `json:"user"`
		Text     string `json:"text"`
		TS       string `json:"ts"`
		ThreadTS string `json:"thread_ts,omitempty"`
		UserTeam string `json:"user_team,omitempty"`
	}
	users := map[string]user{}
	channels := map[string]channel{}
	days := map[string][]message{} // "channel/2026-11-20.json"
	for _, m := range msgs {
		id := slackUserID(m.Author)
		team := m.Account
		if m.Role == feedbackbot.RoleStaff {
			team = DemoWorkspace
		}
		if u, ok := users[id]; ok && u.TeamID != team {
			return fmt.Errorf("demo author %s appears in two teams (%s, %s)", m.Author, u.TeamID, team)
		}
		users[id] = user{ID: id, TeamID: team, Name: m.Author}
		channels[m.Channel] = channel{ID: m.Channel, Name: m.ChannelName}
		_, ts, _ := strings.Cut(m.ID, ":")
		msg := message{Type: "message", User: id, Text: m.Text, TS: ts, UserTeam: team}
		if m.Thread != "" {
			_, msg.ThreadTS, _ = strings.Cut(m.Thread, ":")
		}
		file := m.ChannelName + "/" + m.Time.UTC().Format("2006-01-02") + ".json"
		days[file] = append(days[file], msg)
	}
	if err := demoExportFree(path); err != nil {
		return err
	}
	// Written beside and renamed when complete: a run stopped part-way leaves no
	// archive without its comment, which the next run would refuse to replace.
	err := writeBeside(path, 0o644, func(f io.Writer) error { // (sample data, no secret)
		zw := zip.NewWriter(f)
		if err := zw.SetComment(demoExportComment); err != nil {
			return err
		}
		put := func(name string, v any) error {
			// dated at the demo's moment (Create leaves the date zero, which unzip
			// lists as 1980-00-00)
			w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: at.UTC()})
			if err != nil {
				return err
			}
			enc := json.NewEncoder(w)
			enc.SetIndent("", " ")
			return enc.Encode(v)
		}
		err := put("users.json", sortedByKey(users))
		if err == nil {
			err = put("channels.json", sortedByKey(channels))
		}
		for _, name := range slices.Sorted(maps.Keys(days)) {
			if err == nil {
				err = put(name, days[name])
			}
		}
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("slack export %s: %w", path, err)
	}
	return nil
}

// demoExportFree refuses a file at path that the demo did not write (one it
// wrote, or none, it may write over): demo --slack-export report.zip replaced a
// file of the user's (a review's find). Its own carry demoExportComment.
func demoExportFree(path string) error {
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	zr, err := zip.OpenReader(path)
	ours := err == nil && zr.Comment == demoExportComment
	if err == nil {
		zr.Close()
	}
	if !ours {
		return refusef("--slack-export %s exists and the demo did not write it: it is left as it is (give another file name)", path)
	}
	return nil
}

// demoExportPathOK checks, before the demo makes anything, that its export can
// be written at path: not over a directory or a file of the user's, and in a
// directory that exists, or that is the --dir the demo makes (dir; "" for a
// temporary one).
func demoExportPathOK(path, dir string) error {
	if dir != "" && !fileExists(dir) && sameDir(filepath.Dir(path), dir) {
		return nil // (nothing can be there yet: the demo makes dir before it writes)
	}
	if err := checkOutPath("demo", "slack-export", path, "northwind-slack-export.zip"); err != nil {
		return err
	}
	return demoExportFree(path)
}

// sameDir reports whether the paths a and b name one directory, as written (the
// directory need not exist).
func sameDir(a, b string) bool {
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}

// sortedByKey returns the map's values in key order, for reproducible files.
func sortedByKey[V any](m map[string]V) []V {
	out := make([]V, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}
