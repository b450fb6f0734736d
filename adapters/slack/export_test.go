package slackadapter

import (
	"archive/zip"
	"bytes"
	"cmp"
	"compress/flate"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
)

// realisticExport is a small Slack export: the home team THOME, a Slack Connect
// channel shared with TACME (two external users), a thread, an edit, a file share,
// reactions, a bot message and a join.
func realisticExport() map[string]string {
	users := []map[string]any{
		{"id": "UMARIA", "team_id": "THOME", "name": "maria"},
		{"id": "UTOM", "team_id": "THOME", "name": "tom"},
		{"id": "UDANA", "team_id": "TACME", "name": "dana"},
		{"id": "UMARCO", "team_id": "TACME", "name": "marco"},
		{"id": "BDEPLOY", "team_id": "THOME", "name": "deploybot", "is_bot": true},
	}
	j := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	return map[string]string{
		"users.json":    j(users),
		"channels.json": j([]map[string]any{{"id": "CGENERAL", "name": "general"}, {"id": "CACME", "name": "ext-acme"}}),
		"ext-acme/2026-11-02.json": j([]map[string]any{
			{"type": "message", "user": "UDANA", "text": "Morning! the CSV export is broken since the release", "ts": "1793606400.000100",
				"reactions": []map[string]any{{"name": "eyes", "count": 1}}},
			{"type": "message", "user": "UMARIA", "text": "Sorry Dana, looking now", "ts": "1793607000.000200", "thread_ts": "1793606400.000100"},
			{"type": "message", "user": "UDANA", "text": "thanks!", "ts": "1793607100.000300", "thread_ts": "1793606400.000100"},
			{"type": "message", "subtype": "channel_join", "user": "UMARCO", "text": "<@UMARCO> has joined the channel", "ts": "1793607200.000400"},
		}),
		"ext-acme/2026-11-03.json": j([]map[string]any{
			{"type": "message", "user": "UMARCO", "text": "Still waiting on a fix, we were charged twice as well", "ts": "1793692800.000100",
				"edited": map[string]any{"user": "UMARCO", "ts": "1793692900.000000"}},
			{"type": "message", "subtype": "file_share", "user": "UDANA", "text": "screenshot of the empty file", "ts": "1793693000.000200"},
			{"type": "message", "subtype": "bot_message", "bot_id": "BDEPLOY", "text": "deploy v2.3 done", "ts": "1793693100.000300"},
		}),
		"general/2026-11-03.json": j([]map[string]any{
			{"type": "message", "user": "UTOM", "text": "Heads up: Acme is unhappy about exports", "ts": "1793693200.000100"},
		}),
		"ext-acme/2026-11-04.json": `[{"type":"message","user":"UDANA","text":"oops`, // malformed: reported, skipped
	}
}

func writeZip(t testing.TB, files map[string]string) string {
	t.Helper()
	var members [][2]string
	for _, name := range slices.Sorted(maps.Keys(files)) {
		members = append(members, [2]string{name, files[name]})
	}
	return zipInOrder(t, members)
}

func openStore(t testing.TB) store.Store {
	st, err := boltstore.Open(context.Background(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestImportRealisticExport(t *testing.T) {
	st := openStore(t)
	zipPath := writeZip(t, realisticExport())
	var progress bytes.Buffer
	sum, err := ImportExport(context.Background(), zipPath, ImportOptions{HomeTeam: "THOME", Progress: &progress}, st)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files != 3 || sum.Messages != 8 || sum.Appended != 6 || sum.Skipped["bot, join or other noise"] != 2 {
		t.Fatalf("summary %+v", sum)
	}
	if len(sum.Errors) != 1 || !strings.Contains(sum.Errors[0], "2026-11-04.json") || !strings.Contains(sum.Errors[0], "skipped") {
		t.Fatalf("the malformed day must be reported by name: %v", sum.Errors)
	}
	if !strings.Contains(progress.String(), "daily files") {
		t.Errorf("no progress shown: %q", progress.String())
	}
	// Re-importing stores nothing new.
	again, err := ImportExport(context.Background(), zipPath, ImportOptions{HomeTeam: "THOME"}, st)
	if err != nil || again.Appended != 0 {
		t.Fatalf("re-import appended %d (%v)", again.Appended, err)
	}
	roles := map[string]feedbackbot.Role{}
	accounts := map[string]string{}
	st.Replay(context.Background(), "THOME", func(e store.Entry) error {
		roles[e.Event.Message.Author] = e.Event.Message.Role
		accounts[e.Event.Message.ID] = e.Event.Message.Account
		if e.Event.Message.ID == "CACME:1793607000.000200" && e.Event.Message.Thread != "CACME:1793606400.000100" {
			t.Errorf("thread reply lost its thread: %+v", e.Event.Message)
		}
		return nil
	})
	if roles["UDANA"] != feedbackbot.RoleCustomer || roles["UMARIA"] != feedbackbot.RoleStaff || roles["UTOM"] != feedbackbot.RoleStaff {
		t.Fatalf("roles %v", roles)
	}
	if accounts["CACME:1793692800.000100"] != "TACME" || accounts["CACME:1793607000.000200"] != "TACME" {
		t.Fatalf("Slack Connect customers (and staff replies in their channel) belong to TACME: %v", accounts)
	}
}

func TestImportRefusesHostileArchives(t *testing.T) {
	base := realisticExport()
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{"users.json": base["users.json"], "channels.json": base["channels.json"]}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name string
		zip  func(t *testing.T) string
		opts ImportOptions
		want string
	}{
		{"parent path", func(t *testing.T) string { return writeZip(t, with(map[string]string{"../../etc/x.json": "[]"})) }, ImportOptions{}, "parent-directory"},
		{"absolute path", func(t *testing.T) string { return writeZip(t, with(map[string]string{"/etc/passwd": "x"})) }, ImportOptions{}, "absolute"},
		{"symlink", symlinkZip, ImportOptions{}, "symbolic link"},
		{"too many files", func(t *testing.T) string {
			m := with(nil)
			for i := range 10_001 {
				m[fmt.Sprintf("general/f%05d.json", i)] = "[]"
			}
			return writeZip(t, m)
		}, ImportOptions{MaxFiles: 10_000}, "more than the limit"},
		{"huge member", func(t *testing.T) string {
			return writeZip(t, with(map[string]string{"general/2026-01-01.json": "[" + strings.Repeat(" ", 3<<20) + "]"}))
		}, ImportOptions{MaxMemberBytes: 1 << 20}, "declares"},
		{"lying zip bomb", bombZip, ImportOptions{}, "inflates past its declared size"},
		{"2 GiB member, default limits", gigaZip, ImportOptions{}, "declares 2147483648 bytes"},
		{"not a zip", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "x.zip")
			os.WriteFile(p, []byte("definitely not a zip"), 0o600)
			return p
		}, ImportOptions{}, "not a readable zip"},
		{"no users.json", func(t *testing.T) string { return writeZip(t, map[string]string{"channels.json": "[]"}) }, ImportOptions{}, "no users.json"},
		{"no channels.json", func(t *testing.T) string {
			return writeZip(t, map[string]string{"users.json": base["users.json"], "general/2026-11-03.json": `[{"type":"message","user":"UMARIA","text":"hi","ts":"1762160000.000100"}]`})
		}, ImportOptions{}, "no channels.json"},
		// (it said "not a JSON array (starts with <nil>)": Go's word, not JSON's)
		{"channels.json that is null", func(t *testing.T) string { return writeZip(t, with(map[string]string{"channels.json": "null"})) },
			ImportOptions{}, "channels.json: not a JSON array (starts with null)"},
		{"users.json that is a string", func(t *testing.T) string { return writeZip(t, with(map[string]string{"users.json": `"U1"`})) },
			ImportOptions{}, `users.json: not a JSON array (starts with the string "U1")`},
		{"two members of one name", func(t *testing.T) string {
			return zipInOrder(t, [][2]string{{"users.json", base["users.json"]}, {"channels.json", base["channels.json"]},
				{"general/2026-11-03.json", "[]"}, {"general/./2026-11-03.json", "[]"}})
		}, ImportOptions{}, `are the same file`},
		{"more declared than the total cap", func(t *testing.T) string {
			return writeZip(t, with(map[string]string{"general/2026-11-03.json": "[" + strings.Repeat(" ", 2<<20) + "]"}))
		}, ImportOptions{MaxTotalBytes: 1 << 20}, "declares more than"},
		{"users.json of a million tiny users", func(t *testing.T) string {
			return writeZip(t, with(map[string]string{"users.json": "[" + strings.Repeat(`{"id":"U1"},`, 2000) + `{"id":"U2"}]`}))
		}, ImportOptions{MaxUsers: 1000}, "more than 1000 users"},
		{"a home team that is no team id", func(t *testing.T) string { return writeZip(t, with(nil)) }, ImportOptions{HomeTeam: "T/X"}, "not a Slack team id"},
		// a typo in --team: every staff member would have counted as a customer, under
		// a workspace of that name, with no word
		{"a home team no user belongs to", func(t *testing.T) string { return writeZip(t, with(nil)) }, ImportOptions{HomeTeam: "TTYPO"},
			"--team TTYPO: no user in the export's users.json belongs to that workspace"},
		// (it said "TOTHER (1 users)")
		{"a home team no user belongs to, one user elsewhere", func(t *testing.T) string {
			return writeZip(t, with(map[string]string{"users.json": `[{"id":"U1","team_id":"TOTHER"}]`}))
		}, ImportOptions{HomeTeam: "TTYPO"}, "its users belong to TOTHER (1 user)."},
		{"a FIFO", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "export.zip")
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			return p
		}, ImportOptions{}, "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			tt.opts.HomeTeam = cmp.Or(tt.opts.HomeTeam, "THOME")
			_, err := ImportExport(context.Background(), tt.zip(t), tt.opts, st)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("want an error containing %q, got %v", tt.want, err)
			}
			if n, _ := st.Backlog(context.Background()); n != 0 {
				t.Fatalf("a refused archive wrote %d entries", n)
			}
		})
	}
}

// zipInOrder writes the members in the order given (writeZip's map cannot hold two
// of one name).
func zipInOrder(t testing.TB, members [][2]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		w, err := zw.Create(m[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(m[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "export.zip")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestImportSkipsBadMessagesAlone: a message of the wrong shape (a number for its ts,
// an object for its text) is skipped and named by file and index, and the valid
// messages of its daily file are imported; a daily file of more messages than the
// cap (a few bytes each: a bomb by count) is skipped whole, named, and the import
// goes on.
func TestImportSkipsBadMessagesAlone(t *testing.T) {
	base := realisticExport()
	many := "[" + strings.Repeat(`{},`, 5000) + `{}]`
	zipPath := writeZip(t, map[string]string{"users.json": base["users.json"], "channels.json": base["channels.json"],
		"general/2026-11-03.json": `[{"type":"message","user":"UMARIA","text":"first","ts":"1762160000.000100"},` +
			`{"type":"message","user":"UMARIA","text":"bad ts","ts":123},` +
			`{"type":"message","user":"UMARIA","text":{"rich":true},"ts":"1762160001.000100"},` +
			`{"type":"message","user":"UMARIA","text":"last","ts":"1762160002.000100"}]`,
		"general/2026-11-04.json": many,
	})
	st := openStore(t)
	sum, err := ImportExport(context.Background(), zipPath, ImportOptions{HomeTeam: "THOME", MaxFileMessages: 1000}, st)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Appended != 2 || sum.Skipped["invalid message"] != 2 {
		t.Errorf("appended %d, skipped %v; want the 2 valid messages in and the 2 bad ones skipped", sum.Appended, sum.Skipped)
	}
	errs := strings.Join(sum.Errors, "\n")
	for _, want := range []string{"general/2026-11-03.json: message 1:", "general/2026-11-03.json: message 2:", "general/2026-11-04.json: more than 1000 messages in one daily file (file skipped)"} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors do not say %q:\n%s", want, errs)
		}
	}
}

// TestImportSkipsBadUsersAlone: a users.json entry of the wrong shape (a number for
// its id, a string for a flag) is left out and named, its author's messages are
// skipped as invalid, and everyone else's import; a name of the wrong type loses only
// the name. A malformed users.json (not JSON) still refuses the whole archive.
func TestImportSkipsBadUsersAlone(t *testing.T) {
	base := realisticExport()
	users := `[{"id":"UMARIA","team_id":"THOME","name":"maria"},{"id":42,"team_id":"THOME"},` +
		`{"id":"UBAD","team_id":"TACME","is_restricted":"yes"},{"id":"UDANA","team_id":"TACME","name":{"first":"Dana"}}]`
	daily := `[{"type":"message","user":"UMARIA","text":"staff here","ts":"1762160000.000100"},` +
		`{"type":"message","user":"UBAD","text":"who am I","ts":"1762160001.000100"},` +
		`{"type":"message","user":"UDANA","text":"the export is broken","ts":"1762160002.000100"}]`
	st := openStore(t)
	sum, err := ImportExport(context.Background(), writeZip(t, map[string]string{"users.json": users, "channels.json": base["channels.json"],
		"general/2026-11-03.json": daily}), ImportOptions{HomeTeam: "THOME"}, st)
	if err != nil {
		t.Fatal(err)
	}
	if sum.UsersSkipped != 2 || sum.Appended != 2 || sum.Skipped["invalid message"] != 1 || sum.Problems() != 3 {
		t.Errorf("users skipped %d, appended %d, skipped %v, problems %d; want 2 users left out, UMARIA's and UDANA's messages in, UBAD's skipped, 3 problems",
			sum.UsersSkipped, sum.Appended, sum.Skipped, sum.Problems())
	}
	errs := strings.Join(sum.Errors, "\n")
	for _, want := range []string{"users.json: user 1:", "users.json: user 2:", "user UBAD is not in the export's users.json"} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors do not say %q:\n%s", want, errs)
		}
	}
	if _, err := ImportExport(context.Background(), writeZip(t, map[string]string{"users.json": `[{"id":"U1"},{"id":`, "channels.json": base["channels.json"]}),
		ImportOptions{HomeTeam: "THOME"}, st); err == nil || !strings.Contains(err.Error(), "users.json") {
		t.Errorf("a truncated users.json: want the archive refused naming users.json, got %v", err)
	}
}

// TestImportOnlyAdds: a message_deleted event in an export is skipped, not applied:
// an import never erases what is stored.
func TestImportOnlyAdds(t *testing.T) {
	base := realisticExport()
	msg := `{"type":"message","user":"UMARIA","text":"keep me","ts":"1762160000.000100"}`
	st := openStore(t)
	files := map[string]string{"users.json": base["users.json"], "channels.json": base["channels.json"], "general/2026-11-03.json": "[" + msg + "]"}
	if _, err := ImportExport(context.Background(), writeZip(t, files), ImportOptions{HomeTeam: "THOME"}, st); err != nil {
		t.Fatal(err)
	}
	files["general/2026-11-04.json"] = `[{"type":"message","subtype":"message_deleted","deleted_ts":"1762160000.000100","ts":"1762246400.000200"}]`
	sum, err := ImportExport(context.Background(), writeZip(t, files), ImportOptions{HomeTeam: "THOME"}, st)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Appended != 0 || sum.Skipped["deletion (an import only adds)"] != 1 {
		t.Errorf("appended %d, skipped %v; want the deletion skipped", sum.Appended, sum.Skipped)
	}
	var dels int
	st.Replay(context.Background(), "THOME", func(e store.Entry) error {
		if e.Event.Kind == feedbackbot.EventDelete {
			dels++
		}
		return nil
	})
	if dels != 0 {
		t.Errorf("the import appended %d deletions", dels)
	}
}

func symlinkZip(t *testing.T) string {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "general/link.json"}
	h.SetMode(fs.ModeSymlink | 0o777)
	w, _ := zw.CreateHeader(h)
	w.Write([]byte("/etc/passwd"))
	u, _ := zw.Create("users.json")
	u.Write([]byte("[]"))
	zw.Close()
	p := filepath.Join(t.TempDir(), "sym.zip")
	os.WriteFile(p, buf.Bytes(), 0o600)
	return p
}

// bombZip declares a 100-byte member that inflates to 8 MiB of zeros.
func bombZip(t *testing.T) string {
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	zeros := make([]byte, 8<<20)
	fw.Write(zeros)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	u, _ := zw.Create("users.json")
	u.Write([]byte("[]"))
	c, _ := zw.Create("channels.json")
	c.Write([]byte(`[{"id":"C1","name":"general"}]`))
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "general/2026-01-01.json", Method: zip.Deflate,
		CRC32: crc32.ChecksumIEEE(zeros), CompressedSize64: uint64(comp.Len()), UncompressedSize64: 100})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	zw.Close()
	p := filepath.Join(t.TempDir(), "bomb.zip")
	os.WriteFile(p, buf.Bytes(), 0o600)
	return p
}

// gigaZip holds a member whose header declares 2 GiB (its body is a short deflate
// stream: the importer must refuse it from the header, before inflating anything).
func gigaZip(t *testing.T) string {
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestSpeed)
	fw.Write(make([]byte, 1<<20))
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{"users.json": "[]", "channels.json": `[{"id":"C1","name":"general"}]`} {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "general/2026-01-01.json", Method: zip.Deflate,
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: 2 << 30})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	zw.Close()
	p := filepath.Join(t.TempDir(), "giga.zip")
	os.WriteFile(p, buf.Bytes(), 0o600)
	return p
}

func FuzzImportExport(f *testing.F) {
	var seed bytes.Buffer
	zw := zip.NewWriter(&seed)
	for name, body := range realisticExport() {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	f.Add(seed.Bytes())
	f.Add([]byte("PK\x03\x04garbage"))
	st := openStore(f)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "fuzz.zip")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, _ = ImportExport(context.Background(), p, ImportOptions{HomeTeam: "THOME", MaxMemberBytes: 1 << 20, MaxTotalBytes: 4 << 20}, st)
	})
}

// recordingSink is a store that also remembers each Append's events.
type recordingSink struct {
	store.Store
	batches [][]feedbackbot.Event
}

func (r *recordingSink) Append(ctx context.Context, events ...feedbackbot.Event) (int, error) {
	r.batches = append(r.batches, slices.Clone(events))
	return r.Store.Append(ctx, events...)
}

// failingSink is a store whose Append fails from its failAt-th call on.
type failingSink struct {
	store.Store
	calls, failAt int
}

func (f *failingSink) Append(ctx context.Context, events ...feedbackbot.Event) (int, error) {
	if f.calls++; f.calls >= f.failAt {
		return 0, errors.New("store unreachable")
	}
	return f.Store.Append(ctx, events...)
}

// TestImportAppendFails: when an append fails, the import stops with an error naming
// that batch's daily files, appends nothing after it, and counts only what was
// appended.
func TestImportAppendFails(t *testing.T) {
	j := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	files := map[string]string{
		"users.json":    j([]map[string]any{{"id": "UDANA", "team_id": "TACME", "name": "dana"}, {"id": "USAM", "team_id": "THOME", "name": "sam"}}),
		"channels.json": j([]map[string]any{{"id": "CACME", "name": "ext-acme"}}),
	}
	base := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for d := range 5 {
		at := base.AddDate(0, 0, d)
		files["ext-acme/"+at.Format("2006-01-02")+".json"] = j([]map[string]any{
			{"type": "message", "user": "UDANA", "text": fmt.Sprintf("day %d", d), "ts": fmt.Sprintf("%d.000100", at.Unix())}})
	}
	sink := &failingSink{Store: openStore(t), failAt: 2}
	sum, err := ImportExport(t.Context(), writeZip(t, files), ImportOptions{HomeTeam: "THOME", BatchEvents: 2}, sink)
	if err == nil || !strings.Contains(err.Error(), "ext-acme/2026-11-04.json … ext-acme/2026-11-05.json (2 daily files)") ||
		!strings.Contains(err.Error(), "store unreachable") {
		t.Fatalf("ImportExport error = %v; want the second batch's files and the store's error", err)
	}
	if sink.calls != 2 || sum.Appended != 2 {
		t.Errorf("%d appends, %d messages appended; want 2 appends (the second failing) and the first batch's 2 messages", sink.calls, sum.Appended)
	}
}

// TestImportBatchesWholeDaysInTimeOrder: daily files go to the store together, whole,
// a batch at a time, day by day across channels (as the messages were written), so
// an import of thousands of small files costs a few durable writes.
func TestImportBatchesWholeDaysInTimeOrder(t *testing.T) {
	j := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	files := map[string]string{
		"users.json":    j([]map[string]any{{"id": "UDANA", "team_id": "TACME", "name": "dana"}, {"id": "UIDA", "team_id": "TBETA", "name": "ida"}, {"id": "USAM", "team_id": "THOME", "name": "sam"}}),
		"channels.json": j([]map[string]any{{"id": "CACME", "name": "ext-acme"}, {"id": "CBETA", "name": "ext-beta"}}),
	}
	base := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for d := range 4 {
		for c, ch := range []string{"ext-acme", "ext-beta"} {
			var msgs []map[string]any
			for i := range 3 {
				at := base.AddDate(0, 0, d).Add(time.Duration(c*3+i) * time.Minute)
				msgs = append(msgs, map[string]any{"type": "message", "user": []string{"UDANA", "UIDA"}[c],
					"text": fmt.Sprintf("day %d message %d", d, i), "ts": fmt.Sprintf("%d.%06d", at.Unix(), i)})
			}
			files[fmt.Sprintf("%s/%s.json", ch, base.AddDate(0, 0, d).Format("2006-01-02"))] = j(msgs)
		}
	}
	sink := &recordingSink{Store: openStore(t)}
	sum, err := ImportExport(t.Context(), writeZip(t, files), ImportOptions{HomeTeam: "THOME", BatchEvents: 7}, sink)
	if err != nil || sum.Appended != 24 {
		t.Fatalf("ImportExport = %+v, %v; want 24 appended", sum, err)
	}
	// 8 files of 3 events, gathered until a batch holds at least 7: 9, 9, 6.
	var sizes []int
	var last time.Time
	for _, b := range sink.batches {
		sizes = append(sizes, len(b))
		for _, ev := range b {
			if day := ev.Message.Time.Truncate(24 * time.Hour); day.Before(last) {
				t.Errorf("message of %s appended after one of %s: files must go day by day", day, last)
			} else {
				last = day
			}
		}
	}
	if !slices.Equal(sizes, []int{9, 9, 6}) {
		t.Errorf("Append batch sizes = %v, want [9 9 6] (whole daily files, at least BatchEvents each)", sizes)
	}
}

// drainStore analyses everything appended to st, so that its messages can be read
// (and reactions would find them).
func drainStore(t *testing.T, st store.Store) {
	t.Helper()
	a, _ := analysis.New(analysis.DefaultTaxonomy())
	if _, err := (&bot.Worker{Store: st, Analyzer: a, Consumer: "t"}).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestImportReadsOnlyMessages: a daily file's elements that are not messages (a
// reaction event naming a message of another channel, say) are skipped and counted,
// never applied: an archive cannot change other channels' messages, on any import.
func TestImportReadsOnlyMessages(t *testing.T) {
	base := realisticExport()
	const ts = "1762160000.000100"
	files := map[string]string{"users.json": base["users.json"], "channels.json": base["channels.json"],
		"general/2026-11-03.json": `[{"type":"message","user":"UTOM","text":"keep my reactions","ts":"` + ts + `","reactions":[{"name":"eyes","count":1}]}]`}
	st := openStore(t)
	if _, err := ImportExport(context.Background(), writeZip(t, files), ImportOptions{HomeTeam: "THOME"}, st); err != nil {
		t.Fatal(err)
	}
	drainStore(t, st)
	item := `"item":{"type":"message","channel":"CGENERAL","ts":"` + ts + `"}`
	files["ext-acme/2026-11-04.json"] = `[{"type":"reaction_added","user":"UDANA","reaction":"thumbsdown",` + item + `},` +
		`{"type":"reaction_removed","user":"UDANA","reaction":"eyes",` + item + `},` +
		`{"type":"channel_created","user":"UDANA","ts":"1762246400.000100"},` +
		`{"user":"UDANA","text":"no type: a message","ts":"1762246401.000100"}]`
	for range 2 { // every import of the archive
		sum, err := ImportExport(context.Background(), writeZip(t, files), ImportOptions{HomeTeam: "THOME"}, st)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Skipped[skipNotMessage] != 3 || sum.Messages != 5 || sum.Problems() != 0 {
			t.Errorf("summary %+v; want the 3 elements that are not messages skipped, and no problem", sum)
		}
		drainStore(t, st)
		s, err := st.Message(context.Background(), "slack/THOME/CGENERAL:"+ts)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(s.Message.Reactions, map[string]int{"eyes": 1}) {
			t.Fatalf("reactions of the message in #general = %v; an archive of another channel changed them", s.Message.Reactions)
		}
	}
	if _, err := st.Message(context.Background(), "slack/THOME/CACME:1762246401.000100"); err != nil {
		t.Errorf("the message without a type was not imported: %v", err)
	}
}

// TestImportHonoursIgnoreLists: messages by ignored users and in ignored channels
// are never captured, as in live capture, and the summary counts them.
func TestImportHonoursIgnoreLists(t *testing.T) {
	tests := []struct {
		name          string
		channels      []string
		users         []string
		appended      int
		ignored       map[string]int
		absentAuthor  string
		absentChannel string
		skippedNoise  int
	}{
		{name: "none", appended: 6, ignored: map[string]int{}, skippedNoise: 2},
		{name: "channel", channels: []string{"CGENERAL"}, appended: 5, ignored: map[string]int{skipIgnoredChan: 1}, absentChannel: "CGENERAL", skippedNoise: 2},
		// UMARCO's join is counted as ignored, not as noise.
		{name: "user", users: []string{"UMARCO"}, appended: 5, ignored: map[string]int{skipIgnoredUser: 2}, absentAuthor: "UMARCO", skippedNoise: 1},
		{name: "both", channels: []string{"CGENERAL"}, users: []string{"UDANA"}, appended: 2, ignored: map[string]int{skipIgnoredChan: 1, skipIgnoredUser: 3},
			absentAuthor: "UDANA", absentChannel: "CGENERAL", skippedNoise: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			sum, err := ImportExport(context.Background(), writeZip(t, realisticExport()),
				ImportOptions{HomeTeam: "THOME", IgnoreChannels: tt.channels, IgnoreUsers: tt.users}, st)
			if err != nil {
				t.Fatal(err)
			}
			ignored := map[string]int{}
			for _, k := range []string{skipIgnoredChan, skipIgnoredUser} {
				if n := sum.Skipped[k]; n > 0 {
					ignored[k] = n
				}
			}
			if sum.Appended != tt.appended || !maps.Equal(ignored, tt.ignored) || sum.Skipped[skipNoise] != tt.skippedNoise || sum.Problems() != 1 {
				t.Errorf("summary %+v; want %d appended, %v ignored, %d noise and only the malformed day as a problem", sum, tt.appended, tt.ignored, tt.skippedNoise)
			}
			st.Replay(context.Background(), "THOME", func(e store.Entry) error {
				if m := e.Event.Message; (tt.absentAuthor != "" && m.Author == tt.absentAuthor) || (tt.absentChannel != "" && m.Channel == tt.absentChannel) {
					t.Errorf("captured %s by %s in %s, which the ignore lists exclude", m.ID, m.Author, m.Channel)
				}
				return nil
			})
		})
	}
}

// TestImportKeepsLaterEdits: an export taken before the customer edited a secret
// out (the edit captured live) does not put the secret back when imported; it did,
// as the newest version (a review's find). What the store never held is imported,
// and so is an edit in the export later than the stored version.
func TestImportKeepsLaterEdits(t *testing.T) {
	f := newFixture(t)
	const ts, ts2, ts3 = "1700000000.000100", "1700000000.000200", "1700000000.000300"
	f.event("E1", map[string]any{"type": "message", "user": "XDANA", "user_team": "TACME", "channel": "CACME", "ts": ts, "text": "my api key is sk-SECRET123"})
	f.event("E3", map[string]any{"type": "message", "user": "XDANA", "user_team": "TACME", "channel": "CACME", "ts": ts3, "text": "the sync is slow"})
	f.event("E2", map[string]any{"type": "message", "subtype": "message_changed", "channel": "CACME", "ts": "1700000100.000100",
		"message": map[string]any{"type": "message", "user": "XDANA", "user_team": "TACME", "ts": ts, "text": "why does the api fail?",
			"edited": map[string]any{"user": "XDANA", "ts": "1700000100.000000"}}})
	j := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	zip := writeZip(t, map[string]string{
		"users.json":    j([]map[string]any{{"id": "XDANA", "team_id": "TACME", "name": "dana"}, {"id": "XSAM", "team_id": "THOME", "name": "sam"}}),
		"channels.json": j([]map[string]any{{"id": "CACME", "name": "ext-acme"}}),
		"ext-acme/2023-11-14.json": j([]map[string]any{
			{"type": "message", "user": "XDANA", "text": "my api key is sk-SECRET123", "ts": ts},
			{"type": "message", "user": "XDANA", "text": "and the webhook fails too", "ts": ts2},
			{"type": "message", "user": "XDANA", "text": "the sync is slow since Monday", "ts": ts3, "edited": map[string]any{"user": "XDANA", "ts": "1700000900.000000"}},
		}),
	})
	sum, err := ImportExport(t.Context(), zip, ImportOptions{HomeTeam: home}, f.st)
	if err != nil {
		t.Fatal(err)
	}
	if m, _, err := f.st.Newest(t.Context(), key("CACME", ts)); err != nil || strings.Contains(m.Text, "SECRET") {
		t.Errorf("after the import the message reads %q (%v); want the edit captured since", m.Text, err)
	}
	if _, found, _ := f.st.Newest(t.Context(), key("CACME", ts2)); !found || sum.Appended != 2 {
		t.Errorf("the message the store never held: found %v, %d appended; want it, and 2 appended", found, sum.Appended)
	}
	if m, _, err := f.st.Newest(t.Context(), key("CACME", ts3)); err != nil || m.Text != "the sync is slow since Monday" {
		t.Errorf("a message the export holds edited after what was captured reads %q (%v); want the export's edit", m.Text, err)
	}
}

// TestImportHomeGuestsAndMissingMembers: an export's guest of the home workspace
// (users.json's is_restricted or is_ultra_restricted) is imported as a customer,
// as capture files one; a message naming the home team by an author users.json
// lacks is still imported, as staff (a member as far as the export tells), not
// skipped.
func TestImportHomeGuestsAndMissingMembers(t *testing.T) {
	j := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	files := map[string]string{
		"users.json": j([]map[string]any{
			{"id": "UMARIA", "team_id": "THOME", "name": "maria"},
			{"id": "UGUEST", "team_id": "THOME", "name": "gus", "is_ultra_restricted": true},
			{"id": "UMULTI", "team_id": "THOME", "name": "mo", "is_restricted": true},
		}),
		"channels.json": j([]map[string]any{{"id": "CGENERAL", "name": "general"}}),
		"general/2026-11-03.json": j([]map[string]any{
			{"type": "message", "user": "UGUEST", "text": "the export is broken", "ts": "1793693200.000100"},
			{"type": "message", "user": "UMULTI", "text": "same here", "ts": "1793693300.000100"},
			{"type": "message", "user": "UMARIA", "text": "looking now", "ts": "1793693400.000100"},
			{"type": "message", "user": "UGHOST", "team": "THOME", "text": "fixed on our side", "ts": "1793693500.000100"},
		}),
	}
	st := openStore(t)
	sum, err := ImportExport(context.Background(), writeZip(t, files), ImportOptions{HomeTeam: "THOME"}, st)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Appended != 4 || len(sum.Errors) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	roles := map[string]feedbackbot.Role{}
	st.Replay(context.Background(), "THOME", func(e store.Entry) error {
		roles[e.Event.Message.Author] = e.Event.Message.Role
		return nil
	})
	want := map[string]feedbackbot.Role{"UGUEST": feedbackbot.RoleCustomer, "UMULTI": feedbackbot.RoleCustomer,
		"UMARIA": feedbackbot.RoleStaff, "UGHOST": feedbackbot.RoleStaff}
	if !maps.Equal(roles, want) {
		t.Errorf("roles %v, want %v", roles, want)
	}
}

// TestImportNamesUnknownFolders: daily files in a folder no channel list names
// are skipped and reported once a folder, by name and count (the summary said
// only "skipped 2: unknown channel folder", naming none).
func TestImportNamesUnknownFolders(t *testing.T) {
	files := realisticExport()
	delete(files, "ext-acme/2026-11-04.json")
	files["mystery/2026-11-03.json"] = `[{"type":"message","user":"UDANA","text":"hi","ts":"1793693300.000100"}]`
	files["mystery/2026-11-04.json"] = `[{"type":"message","user":"UDANA","text":"hi again","ts":"1793779700.000100"}]`
	sum, err := ImportExport(context.Background(), writeZip(t, files), ImportOptions{HomeTeam: "THOME"}, openStore(t))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Problems() != 2 || len(sum.Errors) != 1 || !strings.HasPrefix(sum.Errors[0], "mystery/: 2 daily files skipped: no channel list") {
		t.Errorf("problems %d, errors %q", sum.Problems(), sum.Errors)
	}
}

// TestImportSkipsOnlyTheMessageTheStoreCannotHold: a message stamped after the
// year 9999 and one by a user of a 2,000-byte id are skipped and named; the
// messages of the same files, before and after them, are imported (a review of
// hostile input: the store refused the whole batch, and the import stopped).
func TestImportSkipsOnlyTheMessageTheStoreCannotHold(t *testing.T) {
	long := "U" + strings.Repeat("X", 2000)
	j := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	files := map[string]string{
		"users.json":    j([]map[string]any{{"id": "UMARIA", "team_id": "THOME"}, {"id": "UDANA", "team_id": "TACME"}, {"id": long, "team_id": "TACME"}}),
		"channels.json": j([]map[string]any{{"id": "CACME", "name": "ext-acme"}}),
		"ext-acme/2026-11-02.json": j([]map[string]any{
			{"type": "message", "user": "UDANA", "text": "first", "ts": "1793606400.000100"},
			{"type": "message", "user": "UDANA", "text": "from the far future", "ts": "999999999999.000100"},
			{"type": "message", "user": long, "text": "an id of 2,000 bytes", "ts": "1793606500.000100"},
		}),
		"ext-acme/2026-11-03.json": j([]map[string]any{{"type": "message", "user": "UDANA", "text": "second", "ts": "1793692800.000100"}}),
	}
	st := openStore(t)
	sum, err := ImportExport(context.Background(), writeZip(t, files), ImportOptions{HomeTeam: "THOME"}, st)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Appended != 2 || sum.Skipped[skipInvalid] != 2 {
		t.Errorf("appended %d, invalid %d; want the two good messages, two skipped: %+v", sum.Appended, sum.Skipped[skipInvalid], sum)
	}
	all := strings.Join(sum.Errors, "\n")
	if !strings.Contains(all, `bad ts "999999999999.000100"`) || !strings.Contains(all, "longer than 1024 bytes") {
		t.Errorf("the skipped messages are not named: %v", sum.Errors)
	}
}

// TestImportChannelListsReadAnEntryAtATime: a channel list is read an entry at a
// time, entries of neither id nor name left out and at most MaxUsers counted (a
// list of 22 million "{}" took 2.9 GB decoded whole, a review found).
func TestImportChannelListsReadAnEntryAtATime(t *testing.T) {
	j := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	chans := []map[string]any{{"id": "CACME", "name": "ext-acme"}}
	for range 50 {
		chans = append(chans, map[string]any{})
	}
	files := map[string]string{
		"users.json":               j([]map[string]any{{"id": "UMARIA", "team_id": "THOME"}, {"id": "UDANA", "team_id": "TACME"}}),
		"channels.json":            j(chans),
		"ext-acme/2026-11-02.json": j([]map[string]any{{"type": "message", "user": "UDANA", "text": "hello", "ts": "1793606400.000100"}}),
	}
	st := openStore(t)
	sum, err := ImportExport(context.Background(), writeZip(t, files), ImportOptions{HomeTeam: "THOME", MaxUsers: 3}, st)
	if err != nil || sum.Appended != 1 {
		t.Fatalf("empty entries are left out, not counted: %v %+v", err, sum)
	}
	for i := range 3 {
		chans = append(chans, map[string]any{"id": fmt.Sprintf("C%d", i), "name": fmt.Sprintf("c%d", i)})
	}
	files["channels.json"] = j(chans)
	if _, err := ImportExport(context.Background(), writeZip(t, files), ImportOptions{HomeTeam: "THOME", MaxUsers: 3}, st); feedbackbot.ErrorCode(err) != feedbackbot.EINVALID ||
		!strings.Contains(err.Error(), "more than 3 channels") {
		t.Fatalf("a list past the bound: %v", err)
	}
}

// TestImportGridColleaguesAreStaff: on an Enterprise Grid, a colleague of
// another workspace of the home organisation (users.json's enterprise_user) is
// staff in an import, as live capture files one (TestGridColleagueCapturedAsStaff);
// they were imported as customers of their own workspace (a review's find). A
// customer of another organisation stays one, in users.json or not.
func TestImportGridColleaguesAreStaff(t *testing.T) {
	j := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	grid := func(id, team, ent string) map[string]any {
		return map[string]any{"id": id, "team_id": team, "name": id, "enterprise_user": map[string]any{"id": "W" + id, "enterprise_id": ent}}
	}
	files := map[string]string{
		"users.json":    j([]map[string]any{grid("UMARIA", "THOME", "EHOME"), grid("WSAM", "TGRID2", "EHOME"), grid("UDANA", "TACME", "EACME")}),
		"channels.json": j([]map[string]any{{"id": "CACME", "name": "ext-acme"}}),
		"ext-acme/2026-11-03.json": j([]map[string]any{
			{"type": "message", "user": "UDANA", "text": "the export is broken", "ts": "1793693200.000100"},
			{"type": "message", "user": "WSAM", "text": "looking now", "ts": "1793693300.000100", "thread_ts": "1793693200.000100"},
			{"type": "message", "user": "UMARIA", "text": "fixed", "ts": "1793693400.000100"},
			{"type": "message", "user": "UBEN", "user_team": "TBETA", "text": "same for us", "ts": "1793693500.000100"},
		}),
	}
	st := openStore(t)
	sum, err := ImportExport(context.Background(), writeZip(t, files), ImportOptions{HomeTeam: "THOME"}, st)
	if err != nil || sum.Appended != 4 || len(sum.Errors) != 0 {
		t.Fatalf("ImportExport: %+v, %v", sum, err)
	}
	roles := map[string]feedbackbot.Role{}
	st.Replay(context.Background(), "THOME", func(e store.Entry) error {
		roles[e.Event.Message.Author] = e.Event.Message.Role
		return nil
	})
	want := map[string]feedbackbot.Role{"UDANA": feedbackbot.RoleCustomer, "WSAM": feedbackbot.RoleStaff,
		"UMARIA": feedbackbot.RoleStaff, "UBEN": feedbackbot.RoleCustomer}
	if !maps.Equal(roles, want) {
		t.Errorf("roles %v, want %v", roles, want)
	}
}
