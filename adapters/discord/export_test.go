package discordadapter

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
)

func importOpts() ImportOptions {
	return ImportOptions{StaffRoles: []string{roleStaff}, RoleAccounts: map[string]string{roleAcme: "acme"},
		AccountNames: map[string]string{"acme": "Acme Corp"}}
}

func openBolt(t testing.TB) store.Store {
	t.Helper()
	st, err := boltstore.Open(context.Background(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func replay(t *testing.T, st store.Store) map[string]feedbackbot.Message {
	t.Helper()
	out := map[string]feedbackbot.Message{}
	err := st.Replay(context.Background(), guild, func(e store.Entry) error {
		out[e.Event.Message.ID] = e.Event.Message
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestImportExportRealisticFiles(t *testing.T) {
	st := openBolt(t)
	var progress bytes.Buffer
	opts := importOpts()
	opts.Progress = &progress
	sum, err := ImportExport(context.Background(), "testdata/dce", opts, st)
	if err != nil {
		t.Fatal(err)
	}
	// general.json: 14 messages, of which a bot post, a join, a pin and an
	// attachment-only message are skipped; the thread file: 3 messages.
	if sum.Files != 2 || sum.Messages != 17 || sum.Appended != 13 {
		t.Errorf("summary = %+v; want 2 files, 17 messages, 13 appended", sum)
	}
	if sum.Skipped["bot message"] != 1 || sum.Skipped["system message (GuildMemberJoin)"] != 1 ||
		sum.Skipped["system message (ChannelPinnedMessage)"] != 1 || sum.Skipped["no text (attachments or stickers only)"] != 1 {
		t.Errorf("skipped = %v", sum.Skipped)
	}
	if !strings.Contains(progress.String(), "[1/2] general.json") || !strings.Contains(progress.String(), "[2/2] support-thread.json") {
		t.Errorf("progress = %q", progress.String())
	}
	got := replay(t, st)
	tests := []struct {
		name, id, account, thread, channel string
		role                               feedbackbot.Role
	}{
		{"member is own account", "1250000000000000001", "200000000000000001", "", "400000000000000001", feedbackbot.RoleCustomer},
		{"customer role maps to account", "1250000000000000002", "acme", "", "400000000000000001", feedbackbot.RoleCustomer},
		{"staff reply counts for the customer replied to", "1250000000000000003", "acme", "", "400000000000000001", feedbackbot.RoleStaff},
		{"forum root", "400000000000000100", "200000000000000001", "", "400000000000000002", feedbackbot.RoleCustomer},
		{"thread reply by staff", "1250000000000000016", "200000000000000001", "400000000000000100", "400000000000000002", feedbackbot.RoleStaff},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := got[tc.id]
			if !ok {
				t.Fatalf("%s not imported", tc.id)
			}
			if m.Account != tc.account || m.Thread != tc.thread || m.Channel != tc.channel || m.Role != tc.role {
				t.Errorf("account=%s thread=%s channel=%s role=%s; want %s %s %s %s", m.Account, m.Thread, m.Channel, m.Role, tc.account, tc.thread, tc.channel, tc.role)
			}
		})
	}
	if m := got["1250000000000000002"]; m.Reactions["😤"] != 2 || m.AccountName != "Acme Corp" || m.AuthorName != "Bob (Acme)" {
		t.Errorf("reactions/names = %v %q %q", m.Reactions, m.AccountName, m.AuthorName)
	}
	if m := got["1250000000000000007"]; m.EditedAt.IsZero() || m.ReplyTo != "1250000000000000006" {
		t.Errorf("edited/reply = %v %q", m.EditedAt, m.ReplyTo)
	}
	// Importing again stores nothing twice.
	again, err := ImportExport(context.Background(), "testdata/dce", importOpts(), st)
	if err != nil || again.Appended != 0 || again.Messages != 17 {
		t.Errorf("re-import = %+v, %v; want 0 appended", again, err)
	}
}

func TestImportExportRefusesBadInput(t *testing.T) {
	good, err := os.ReadFile("testdata/dce/general.json")
	if err != nil {
		t.Fatal(err)
	}
	half := len(good) / 2
	tests := []struct {
		name, body, want string
	}{
		{"truncated", string(good[:half]), "malformed"},
		{"not an object", `[1,2,3]`, "must be a JSON object"},
		{"no messages", `{"guild":{"id":"1"},"channel":{"id":"2"}}`, `no "messages" list`},
		{"messages before the header", `{"messages":[],"guild":{"id":"1"},"channel":{"id":"2"}}`, `"guild.id" must come before`},
		{"path-like guild id", `{"guild":{"id":"../../etc"},"channel":{"id":"2"},"messages":[]}`, "be a Discord id"},
		{"message without id", `{"guild":{"id":"1"},"channel":{"id":"2"},"messages":[{"type":"Default","timestamp":"2026-01-01T00:00:00Z","content":"x","author":{"id":"3"}}]}`, "not a Discord id"},
		{"bad timestamp", `{"guild":{"id":"1"},"channel":{"id":"2"},"messages":[{"id":"4","type":"Default","timestamp":"yesterday","content":"x","author":{"id":"3"}}]}`, "bad timestamp"},
		{"messages not a list", `{"guild":{"id":"1"},"channel":{"id":"2"},"messages":{"a":1}}`, "not a list"},
		{"trailing whitespace", `{"guild":{"id":"1"},"channel":{"id":"2"},"messages":[]}` + "\n\t ", ""},
		// a second export pasted after the first: its messages would be lost unseen
		{"a second object after it", `{"guild":{"id":"1"},"channel":{"id":"2"},"messages":[]} {"messages":[{"id":"4"}]}`, "data after the export's JSON object"},
		{"a guild object over a MiB", `{"guild":{"id":"1","name":"` + strings.Repeat("a", 1<<20) + `"},"channel":{"id":"2"},"messages":[]}`, "over the 1048576-byte limit of a header field"},
		{"trailing garbage", `{"guild":{"id":"1"},"channel":{"id":"2"},"messages":[]} x`, "data after the export's JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			// A good file first: a bad file next to it must stop the whole import
			// before anything is written.
			if err := os.WriteFile(filepath.Join(dir, "a-good.json"), good, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "b-bad.json"), []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			st := openBolt(t)
			_, err := ImportExport(context.Background(), dir, importOpts(), st)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("ImportExport: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "b-bad.json") {
				t.Fatalf("err = %v; want one naming b-bad.json and %q", err, tc.want)
			}
			if n, _ := st.Backlog(context.Background()); n != 0 {
				t.Errorf("%d events were written from a refused import", n)
			}
		})
	}
	t.Run("over the size limit", func(t *testing.T) {
		st := openBolt(t)
		opts := importOpts()
		opts.MaxFileBytes = 1000
		_, err := ImportExport(context.Background(), "testdata/dce/general.json", opts, st)
		if err == nil || !strings.Contains(err.Error(), "over the 1000-byte limit") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a FIFO", func(t *testing.T) {
		// opening one would block until someone writes to it, beyond SIGTERM
		p := filepath.Join(t.TempDir(), "export.json")
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		_, err := ImportExport(context.Background(), p, importOpts(), openBolt(t))
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an empty directory", func(t *testing.T) {
		_, err := ImportExport(context.Background(), t.TempDir(), importOpts(), openBolt(t))
		if err == nil || !strings.Contains(err.Error(), "no .json files") {
			t.Fatalf("err = %v", err)
		}
	})
}

// collect is a Sink that keeps what it is given, for the fuzz test.
type collect struct{ events []feedbackbot.Event }

func (c *collect) Append(_ context.Context, evs ...feedbackbot.Event) (int, error) {
	c.events = append(c.events, evs...)
	return len(evs), nil
}

// FuzzImportExport: any input is either refused with an EINVALID error and nothing
// written, or imported as valid, normalised messages.
func FuzzImportExport(f *testing.F) {
	for _, name := range []string{"testdata/dce/general.json", "testdata/dce/support-thread.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"guild":{"id":"1"},"channel":{"id":"2","type":"GuildPublicThread","categoryId":"3"},"messages":[{"id":"2","type":"Reply","timestamp":"2026-01-01T00:00:00Z","content":"\xff\xfe","author":{"id":"3","roles":[{"id":"9"}]},"reference":{"messageId":"1"}}]}`))
	f.Add([]byte(`{"guild":{"id":"1"},"channel":{"id":"2"},"messages":[` + strings.Repeat(`[`, 200) + `]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The same two passes ImportExport makes: check, then write.
		opts := importOpts()
		opts.MaxFileBytes, opts.Batch = 1<<20, 500
		var sink collect
		err := importReader(context.Background(), "x.json", bytes.NewReader(data), opts, nil, &ImportSummary{Skipped: map[string]int{}})
		if err == nil {
			err = importReader(context.Background(), "x.json", bytes.NewReader(data), opts, &sink, &ImportSummary{Skipped: map[string]int{}})
		}
		if err != nil {
			if feedbackbot.ErrorCode(err) != feedbackbot.EINVALID {
				t.Fatalf("error without a clear code: %v", err)
			}
			if len(sink.events) != 0 {
				t.Fatalf("refused input wrote %d events", len(sink.events))
			}
			return
		}
		for _, ev := range sink.events {
			m := ev.Message
			if m.Normalize() != nil || m.Platform != feedbackbot.PlatformDiscord || !snowflake(m.Workspace) || !snowflake(m.ID) {
				t.Fatalf("imported an invalid message: %+v", m)
			}
		}
	})
}
