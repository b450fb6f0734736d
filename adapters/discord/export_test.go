package discordadapter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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

func TestImportExportSkipsBadInput(t *testing.T) {
	good, err := os.ReadFile("testdata/dce/general.json")
	if err != nil {
		t.Fatal(err)
	}
	const head = `{"guild":{"id":"1"},"channel":{"id":"2"},"messages":[`
	const ok = `{"id":"5","type":"Default","timestamp":"2026-01-01T00:00:00Z","content":"the export works","author":{"id":"3"}}`
	half := len(good) / 2
	tests := []struct {
		name, body, want string
		// message: the file is sound but one message is skipped (the one in ok is
		// imported); otherwise the whole file is skipped.
		message bool
	}{
		{"truncated", string(good[:half]), "the file ends in message", false},
		{"not an object", `[1,2,3]`, "must be a JSON object", false},
		{"no messages", `{"guild":{"id":"1"},"channel":{"id":"2"}}`, `no "messages" list`, false},
		{"messages before the header", `{"messages":[],"guild":{"id":"1"},"channel":{"id":"2"}}`, `"guild.id" must come before`, false},
		{"path-like guild id", `{"guild":{"id":"../../etc"},"channel":{"id":"2"},"messages":[]}`, "be a Discord id", false},
		{"messages not a list", `{"guild":{"id":"1"},"channel":{"id":"2"},"messages":{"a":1}}`, "not a list", false},
		// a second export pasted after the first: its messages would be lost unseen
		{"a second object after it", `{"guild":{"id":"1"},"channel":{"id":"2"},"messages":[]} {"messages":[{"id":"4"}]}`, "data after the export's JSON object", false},
		{"a guild object over a MiB", `{"guild":{"id":"1","name":"` + strings.Repeat("a", 1<<20) + `"},"channel":{"id":"2"},"messages":[]}`, `"guild" is over the 1048576-byte limit`, false},
		{"another field over a MiB", `{"exportedAt":"` + strings.Repeat("a", 1<<20) + `","guild":{"id":"1"},"channel":{"id":"2"},"messages":[]}`, `"exportedAt" is over the 1048576-byte limit`, false},
		// the oversized message alone is skipped, read past rather than buffered
		{"a message over the limit", head + ok + `,{"id":"6","content":"` + strings.Repeat("a", 5<<20) + `"}]}`, `message #2 skipped: over the 4194304-byte limit`, true},
		{"a message over the limit, strings and escapes in it", head + `{"id":"6","content":"` + strings.Repeat(`\"}]{[`, 1<<20) + `"},` + ok + `]}`, `message #1 skipped: over the 4194304-byte limit`, true},
		// broken JSON inside a message whose brackets and strings are sound: the
		// message alone is skipped, the rest of the list imported
		{"a syntax error inside a message", head + ok + `,{"id":"7","content":"x",}]}`, `message #2 skipped: not valid JSON`, true},
		{"a syntax error inside the first message", head + `{"id":"7","content":tru},` + ok + `]}`, `message #1 skipped: not valid JSON`, true},
		{"unbalanced brackets in a message", head + ok + `,{"id":"7","content":"x"]}`, "broken JSON", false},
		{"a missing comma between messages", head + ok + ok + `]}`, "broken JSON in the messages list after message #1", false},
		{"trailing garbage", `{"guild":{"id":"1"},"channel":{"id":"2"},"messages":[]} x`, "data after the export's JSON object", false},
		{"message without id", head + `{"type":"Default","timestamp":"2026-01-01T00:00:00Z","content":"x","author":{"id":"3"}},` + ok + `]}`, `message #1 skipped: the id is not a Discord id`, true},
		{"bad timestamp", head + ok + `,{"id":"4","type":"Default","timestamp":"yesterday","content":"x","author":{"id":"3"}}]}`, `message #2 (id "4") skipped: bad timestamp`, true},
		{"a field of the wrong type", head + `{"id":4,"content":"x"},` + ok + `]}`, `message #1 skipped: a field has the wrong type`, true},
		{"a number for a message", head + `7,` + ok + `]}`, "message #1", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			// A good file first: a bad file after it loses none of it.
			if err := os.WriteFile(filepath.Join(dir, "a-good.json"), good, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "b-bad.json"), []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			st := openBolt(t)
			sum, err := ImportExport(context.Background(), dir, importOpts(), st)
			if err != nil {
				t.Fatalf("ImportExport: %v", err)
			}
			if len(sum.Errors) != 1 || !strings.Contains(sum.Errors[0], tc.want) || !strings.Contains(sum.Errors[0], "b-bad.json") {
				t.Fatalf("errors = %q; want one naming b-bad.json and %q", sum.Errors, tc.want)
			}
			if sum.Problems() != 1 {
				t.Errorf("problems = %d; want 1", sum.Problems())
			}
			got := replay(t, st)
			if _, ok := got["1250000000000000002"]; !ok {
				t.Error("the good file was not imported")
			}
			if tc.message {
				if sum.Files != 2 || sum.FilesSkipped != 0 || sum.Skipped[skipInvalid] != 1 {
					t.Errorf("summary = %+v; want 2 files, one invalid message", sum)
				}
				if n := len(replayGuild(t, st, "1")); n != 1 {
					t.Errorf("the bad file's good message: %d stored; want 1", n)
				}
				return
			}
			if sum.Files != 1 || sum.FilesSkipped != 1 || !strings.Contains(sum.Errors[0], "the file was skipped") {
				t.Errorf("summary = %+v; want the bad file skipped", sum)
			}
			if n := len(replayGuild(t, st, "1")); n != 0 {
				t.Errorf("%d messages were written from a skipped file", n)
			}
		})
	}
	t.Run("over the size limit", func(t *testing.T) {
		st := openBolt(t)
		opts := importOpts()
		opts.MaxFileBytes = 1000
		sum, err := ImportExport(context.Background(), "testdata/dce/general.json", opts, st)
		if err != nil || sum.FilesSkipped != 1 || !strings.Contains(sum.Errors[0], "over the 1000-byte limit") {
			t.Fatalf("summary = %+v, err = %v", sum, err)
		}
	})
	t.Run("many bad messages are counted, the first named", func(t *testing.T) {
		dir := t.TempDir()
		body := head + strings.Repeat(`{"id":"x"},`, 50) + ok + `]}`
		if err := os.WriteFile(filepath.Join(dir, "many.json"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		sum, err := ImportExport(context.Background(), dir, importOpts(), openBolt(t))
		if err != nil || sum.Skipped[skipInvalid] != 50 || len(sum.Errors) != maxReported || sum.Appended != 1 || sum.Messages != 51 {
			t.Fatalf("summary = %+v, err = %v; want 50 invalid, %d named, 1 appended", sum, err, maxReported)
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

// replayGuild returns the messages stored for one guild.
func replayGuild(t *testing.T, st store.Store, guild string) []feedbackbot.Message {
	t.Helper()
	var out []feedbackbot.Message
	err := st.Replay(context.Background(), guild, func(e store.Entry) error {
		out = append(out, e.Event.Message)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// collect is a Sink that keeps what it is given, for the fuzz test.
type collect struct{ events []feedbackbot.Event }

func (c *collect) Append(_ context.Context, evs ...feedbackbot.Event) (int, error) {
	c.events = append(c.events, evs...)
	return len(evs), nil
}

// FuzzImportExport: any input is either skipped with an EINVALID badFile and nothing
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
		// A small message limit lets short inputs reach the over-the-limit path: with
		// 64 KiB, each input that found it was a large one, and minimising those kept
		// the fuzzer from running anything else for a minute at a time.
		opts.MaxFileBytes, opts.MaxMessageBytes, opts.Batch = 1<<20, 512, 500
		var sink collect
		err := importReader(context.Background(), "x.json", bytes.NewReader(data), opts, nil, &ImportSummary{Skipped: map[string]int{}})
		if err == nil {
			err = importReader(context.Background(), "x.json", bytes.NewReader(data), opts, &sink, &ImportSummary{Skipped: map[string]int{}})
			if err != nil {
				t.Fatalf("checked, then failed to write: %v", err)
			}
		}
		if err != nil {
			var bad badFile
			if !errors.As(err, &bad) || feedbackbot.ErrorCode(err) != feedbackbot.EINVALID {
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

// BenchmarkImportReader reads a generated export of 10,000 messages (each with an
// author, roles, a reaction and a reply reference, as DiscordChatExporter writes
// them) the way an import's checking pass does: parsed and converted, not stored.
func BenchmarkImportReader(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`{"guild":{"id":"1","name":"Acme community"},"channel":{"id":"2","type":"GuildTextChat","name":"support"},"dateRange":{"after":null,"before":null},"exportedAt":"2026-01-02T00:00:00Z","messages":[`)
	const n = 10_000
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"id":"%d","type":"Default","timestamp":"2026-01-01T%02d:%02d:%02d.000+00:00","timestampEdited":null,"isPinned":false,`+
			`"content":"message %d: the export to CSV has been timing out since the last release, any update? \u00e9\u00e8 \ud83d\ude43",`+
			`"author":{"id":"%d","name":"user%d","discriminator":"0000","nickname":"User %d","color":null,"isBot":false,"roles":[{"id":"%s","name":"Acme","color":null,"position":1}],"avatarUrl":"https://cdn.discordapp.com/embed/avatars/0.png"},`+
			`"attachments":[],"embeds":[],"stickers":[],"reactions":[{"emoji":{"id":"","name":"\ud83d\udc4d","code":"thumbsup","isAnimated":false},"count":2}],"mentions":[],"reference":{"messageId":"%d","channelId":"2","guildId":"1"}}`,
			1250000000000000000+i, i/3600%24, i/60%60, i%60, i, 1250000000000000000+i%50, i%50, i%50, roleAcme, 1250000000000000000+max(0, i-1))
	}
	buf.WriteString(`]}`)
	data := buf.Bytes()
	opts := importOpts()
	opts.MaxFileBytes, opts.MaxMessageBytes, opts.Batch = 1<<30, 4<<20, 500
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		sum := ImportSummary{Skipped: map[string]int{}}
		if err := importReader(context.Background(), "bench.json", bytes.NewReader(data), opts, nil, &sum); err != nil || sum.Messages != n {
			b.Fatalf("%v, %+v", err, sum)
		}
	}
}

// TestRecentAccounts: the import remembers the accounts of the latest customer
// messages only, oldest forgotten first, and the conversation's latest account.
func TestRecentAccounts(t *testing.T) {
	r := newRecentAccounts(3)
	for i, acct := range []string{"a", "b", "c", "d"} {
		r.add(strconv.Itoa(i), acct)
	}
	r.add("3", "e") // known: updated, nothing forgotten
	want := map[string]string{"1": "b", "2": "c", "3": "e"}
	if !maps.Equal(r.byMessage, want) || r.lastInConv != "e" {
		t.Fatalf("remembered %v, latest %q; want %v, e", r.byMessage, r.lastInConv, want)
	}
	r.add("4", "f")
	if _, ok := r.byMessage["1"]; ok || r.byMessage["4"] != "f" || len(r.byMessage) != 3 {
		t.Fatalf("after one more: %v", r.byMessage)
	}
}

// TestImportLeavesOutWhatCaptureLeavesOut: an import built from the adapter's
// configuration (Config.ImportOptions, as `feedbackbot import` builds it) takes
// the channels live capture takes and no others: not the internal channels, not
// the ignored ones, and with an allow-list only the channels in it, a thread going
// with its channel. What it leaves out is counted, and is no problem.
func TestImportLeavesOutWhatCaptureLeavesOut(t *testing.T) {
	// testdata/dce: general.json has 10 messages with text in #general, and
	// support-thread.json 3 in a thread of the forum.
	const inGeneral, inThread = 10, 3
	tests := []struct {
		name                       string
		channels, ignore, internal []string
		appended                   int
		skipped                    map[string]int
	}{
		{"no channel lists", nil, nil, nil, inGeneral + inThread, nil},
		{"the fixture's internal channels", nil, nil, []string{chInternal, chLeaky}, inGeneral + inThread, nil},
		{"an internal channel", nil, nil, []string{chGeneral}, inThread, map[string]int{skipInternalChannel: inGeneral}},
		{"a thread of an internal channel", nil, nil, []string{chForum}, inGeneral, map[string]int{skipInternalChannel: inThread}},
		{"an internal thread", nil, nil, []string{thPost}, inGeneral, map[string]int{skipInternalChannel: inThread}},
		{"a channel outside the allow-list", []string{chForum}, nil, nil, inThread, map[string]int{skipUnlistedChannel: inGeneral}},
		{"a thread outside the allow-list", []string{chGeneral}, nil, nil, inGeneral, map[string]int{skipUnlistedChannel: inThread}},
		{"an internal channel in the allow-list", []string{chGeneral, chForum}, nil, []string{chGeneral}, inThread,
			map[string]int{skipInternalChannel: inGeneral}},
		{"an ignored channel", nil, []string{chGeneral}, nil, inThread, map[string]int{skipIgnoredChannel: inGeneral}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Channels, cfg.IgnoreChannels, cfg.InternalChannels = tc.channels, tc.ignore, tc.internal
			st := openBolt(t)
			sum, err := ImportExport(context.Background(), "testdata/dce", cfg.ImportOptions(), st)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Appended != tc.appended || sum.Problems() != 0 {
				t.Errorf("appended %d, problems %d; want %d, 0", sum.Appended, sum.Problems(), tc.appended)
			}
			for _, reason := range []string{skipIgnoredChannel, skipInternalChannel, skipUnlistedChannel} {
				if sum.Skipped[reason] != tc.skipped[reason] {
					t.Errorf("skipped %q: %d, want %d (all skips: %v)", reason, sum.Skipped[reason], tc.skipped[reason], sum.Skipped)
				}
			}
			left := slices.Concat(tc.ignore, tc.internal)
			for _, m := range replay(t, st) {
				// A forum post's first message has the thread's id, and no thread.
				where := []string{m.Channel, m.Thread, m.ID}
				if slices.ContainsFunc(where, func(id string) bool { return slices.Contains(left, id) }) ||
					len(tc.channels) > 0 && !slices.Contains(tc.channels, m.Channel) {
					t.Errorf("imported %s from a channel capture leaves out (channel %s, thread %s)", m.ID, m.Channel, m.Thread)
				}
			}
		})
	}
}

// TestImportDoesNotUndoLaterEdits: the store holds a message as edited live,
// analysed or not yet; importing an export made before that edit must not make the
// older copy the latest version, as catch-up's REST copies do not (an edit not
// analysed yet was undone: the import looked at analysed messages only, a review
// found). A later edit in the export is taken.
func TestImportDoesNotUndoLaterEdits(t *testing.T) {
	const (
		id                     = "1250000000000000901"
		v0, v1, v2, v3         = "the export fails", "the export fails on big files", "the export fails on files over 2 GB", "fixed, thanks"
		edit1, edit2, edit3    = "2026-11-21T10:01:00.000+00:00", "2026-11-21T10:02:00.000+00:00", "2026-11-21T10:03:00.000+00:00"
		storedText, storedEdit = v2, edit2
	)
	export := func(t *testing.T, text, edited string) string {
		t.Helper()
		ed := "null"
		if edited != "" {
			ed = strconv.Quote(edited)
		}
		body := fmt.Sprintf(`{"guild":{"id":%q},"channel":{"id":%q,"type":"GuildTextChat","name":"general"},"messages":[`+
			`{"id":%q,"type":"Default","timestamp":"2026-11-21T10:00:00.000+00:00","timestampEdited":%s,"content":%q,`+
			`"author":{"id":%q,"name":"alice","roles":[{"id":%q}]}}]}`, guild, chGeneral, id, ed, text, userAlice, roleMember)
		p := filepath.Join(t.TempDir(), "general.json")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, text, edited string
		want               string
		appended, skipped  int
	}{
		{"an export from before any edit", v0, "", storedText, 0, 1},
		{"an export of an earlier edit", v1, edit1, storedText, 0, 1},
		{"an export of the same edit", v2, edit2, storedText, 0, 0},
		{"an export of a later edit", v3, edit3, v3, 1, 0},
	}
	for _, tc := range tests {
		for _, analysed := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s, analysed %v", tc.name, analysed), func(t *testing.T) {
				st := openBolt(t)
				if _, err := ImportExport(context.Background(), export(t, storedText, storedEdit), importOpts(), st); err != nil {
					t.Fatal(err)
				}
				if analysed {
					analyse(t, st)
				}
				sum, err := ImportExport(context.Background(), export(t, tc.text, tc.edited), importOpts(), st)
				if err != nil {
					t.Fatal(err)
				}
				if got := replay(t, st)[id].Text; got != tc.want {
					t.Errorf("the latest version is %q, want %q", got, tc.want)
				}
				if sum.Appended != tc.appended || sum.Skipped[skipStoredNewer] != tc.skipped || sum.Problems() != 0 {
					t.Errorf("summary = %+v; want %d appended, %d skipped as older than stored", sum, tc.appended, tc.skipped)
				}
			})
		}
	}
}

// TestImportTakesOnlyConfiguredServers: with discord.guilds set, an export of
// another server is left out, counted, as live capture leaves its messages out.
func TestImportTakesOnlyConfiguredServers(t *testing.T) {
	for _, tc := range []struct {
		name     string
		guilds   []string
		appended int
	}{{"no server list", nil, 13}, {"this server listed", []string{guild}, 13}, {"another server listed", []string{"100000000000000999"}, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Guilds = tc.guilds
			sum, err := ImportExport(context.Background(), "testdata/dce", cfg.ImportOptions(), openBolt(t))
			if err != nil {
				t.Fatal(err)
			}
			if sum.Appended != tc.appended || sum.Skipped[skipOtherGuild] != 13-tc.appended || sum.Problems() != 0 {
				t.Errorf("appended %d, skipped %v, problems %d; want %d appended", sum.Appended, sum.Skipped, sum.Problems(), tc.appended)
			}
		})
	}
}

// TestImportReportsWhatItLeavesOut: a directory's .json entries that are not regular
// files (a symbolic link, a FIFO) are skipped unopened and reported, and a message
// whose timestampEdited does not parse is skipped and named; both were left out
// (or imported as never edited) without a word, and the import exited 0 (a review's
// finds).
func TestImportReportsWhatItLeavesOut(t *testing.T) {
	msg := func(id, extra string) string {
		return fmt.Sprintf(`{"id":%q,"type":"Default","timestamp":"2026-11-20T10:00:00+00:00","content":"hi"%s,`+
			`"author":{"id":%q,"name":"alice","roles":[{"id":%q}]}}`, id, extra, userAlice, roleMember)
	}
	file := func(dir, name string, msgs ...string) string {
		p := filepath.Join(dir, name)
		body := fmt.Sprintf(`{"guild":{"id":%q},"channel":{"id":%q,"type":"GuildTextChat","name":"general"},"messages":[%s]}`, guild, chGeneral, strings.Join(msgs, ","))
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dir := t.TempDir()
	file(dir, "a.json", msg("1250000000000000701", ""), msg("1250000000000000702", `,"timestampEdited":"21/11/2026 10:05"`))
	if err := os.Symlink(file(t.TempDir(), "x.json", msg("1250000000000000703", "")), filepath.Join(dir, "b.json")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "c.json"), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	sum, err := ImportExport(context.Background(), dir, importOpts(), openBolt(t))
	if err != nil {
		t.Fatal(err)
	}
	errs := strings.Join(sum.Errors, "\n")
	if sum.Appended != 1 || sum.FilesSkipped != 2 || sum.Skipped[skipInvalid] != 1 || sum.Problems() != 3 ||
		!strings.Contains(errs, "b.json: not a regular file") || !strings.Contains(errs, "c.json: not a regular file") || !strings.Contains(errs, "timestampEdited") {
		t.Errorf("summary %+v; want 1 message in, the link and the FIFO skipped and named, the bad edit time named", sum)
	}
}

// TestImportRepliesCountForTheCustomerReplied: a staff reply counts for the
// customer whose message it answers, as live capture has it, when that message has
// no text (a screenshot) or is in another file of the import (DiscordChatExporter's
// --partition splits a channel); both went to whoever wrote text last (a review's
// finds).
func TestImportRepliesCountForTheCustomerReplied(t *testing.T) {
	msg := func(id, typ, author, role, text, extra string) string {
		return fmt.Sprintf(`{"id":%q,"type":%q,"timestamp":"2026-11-20T10:00:00+00:00","content":%q%s,`+
			`"author":{"id":%q,"name":"u","roles":[{"id":%q}]}}`, id, typ, text, extra, author, role)
	}
	file := func(dir, name string, msgs ...string) {
		body := fmt.Sprintf(`{"guild":{"id":%q},"channel":{"id":%q,"type":"GuildTextChat","name":"general"},"messages":[%s]}`, guild, chGeneral, strings.Join(msgs, ","))
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const shot, other, reply = "1250000000000000701", "1250000000000000702", "1250000000000000703"
	ref := `,"reference":{"messageId":"` + shot + `"}`
	for name, files := range map[string][][]string{
		"a reply to a screenshot": {{msg(shot, "Default", userAlice, roleMember, "", ""), msg(other, "Default", userBob, roleMember, "me too", ""),
			msg(reply, "Reply", userStaff, roleStaff, "looking", ref)}},
		"a reply across partitions": {{msg(shot, "Default", userAlice, roleMember, "export fails", "")},
			{msg(other, "Default", userBob, roleMember, "other", ""), msg(reply, "Reply", userStaff, roleStaff, "fixed", ref)}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for i, msgs := range files {
				file(dir, fmt.Sprintf("general [part %d].json", i+1), msgs...)
			}
			st := openBolt(t)
			if _, err := ImportExport(context.Background(), dir, importOpts(), st); err != nil {
				t.Fatal(err)
			}
			if got := replay(t, st)[reply]; got.Role != feedbackbot.RoleStaff || got.Account != userAlice {
				t.Errorf("the staff reply is %s for %q, want staff for Alice (%s)", got.Role, got.Account, userAlice)
			}
		})
	}
}

// TestImportReadsAFileWithAByteOrderMark: an export a Windows editor saved with
// a UTF-8 byte order mark is read as the same file without it (it was refused as
// no JSON object, after the CLI's check had let it through: a review's find).
func TestImportReadsAFileWithAByteOrderMark(t *testing.T) {
	b, err := os.ReadFile("testdata/dce/general.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "general.json"), append([]byte("\xef\xbb\xbf"), b...), 0o600); err != nil {
		t.Fatal(err)
	}
	sum, err := ImportExport(context.Background(), dir, importOpts(), openBolt(t))
	if err != nil || sum.Files != 1 || sum.Messages != 14 || len(sum.Errors) != 0 {
		t.Errorf("import of the file with a BOM = %+v, %v; want its 14 messages", sum, err)
	}
}
