package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/config"
	"github.com/feedbackbot/feedbackbot/store"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// demoStore runs the demo into a temporary directory and returns it.
func demoStore(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	m, _, errb := testMain(nil)
	if err := m.Run(context.Background(), []string{"demo", "--dir", dir, "--as-of", "2026-11-20T09:00:00Z"}); err != nil {
		t.Fatalf("demo: %v\n%s", err, errb)
	}
	return dir
}

// inStore opens the demo's store directly (the commands have closed it) and calls fn.
func inStore(t *testing.T, dir string, fn func(st store.Store)) {
	t.Helper()
	st, err := boltstore.Open(t.Context(), dir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fn(st)
}

// logMessages returns the keys of the messages by author in the demo's capture log.
func logMessages(t *testing.T, dir, author string) []string {
	t.Helper()
	var keys []string
	inStore(t, dir, func(st store.Store) {
		err := st.Replay(t.Context(), DemoWorkspace, func(e store.Entry) error {
			if m := e.Event.Message; m.Author == author && !slices.Contains(keys, m.Key()) {
				keys = append(keys, m.Key())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	return keys
}

func run(t *testing.T, dir string, args ...string) (string, string, error) {
	t.Helper()
	m, out, errb := testMain(map[string]string{"FEEDBACKBOT_DATA": dir, "USER": "dpo"})
	err := m.Run(context.Background(), args)
	return out.String(), errb.String(), err
}

// parseExport reads export's JSON Lines.
func parseExport(t *testing.T, data []byte) []store.Stored {
	t.Helper()
	var out []store.Stored
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if bytes.HasPrefix(sc.Bytes(), []byte(`{"survey_answer":`)) {
			continue // the person's survey answers follow their messages
		}
		var st store.Stored
		if err := json.Unmarshal(sc.Bytes(), &st); err != nil {
			t.Fatalf("export line %q: %v", sc.Text(), err)
		}
		out = append(out, st)
	}
	return out
}

func audits(t *testing.T, dir string) []privacyAudit {
	t.Helper()
	var out []privacyAudit
	inStore(t, dir, func(st store.Store) {
		docs, err := st.ListDocs(t.Context(), DemoWorkspace, bot.DocAudit)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range slices.Sorted(maps.Keys(docs)) {
			var a privacyAudit
			if err := json.Unmarshal(docs[id], &a); err != nil {
				t.Fatalf("audit %s: %v", id, err)
			}
			out = append(out, a)
		}
	})
	return out
}

func TestExportAndForget(t *testing.T) {
	dir := demoStore(t)
	const who = "noah.g"
	captured := logMessages(t, dir, who)
	if len(captured) < 5 {
		t.Fatalf("the demo should hold several messages by %s, found %d", who, len(captured))
	}

	// Export to standard output: exactly the person's messages, oldest first, tagged.
	out, errOut, err := run(t, dir, "export", "--workspace", DemoWorkspace, "--user", who)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, errOut)
	}
	got := parseExport(t, []byte(out))
	var keys []string
	for i, st := range got {
		keys = append(keys, st.Message.Key())
		if st.Message.Author != who || st.Message.Workspace != DemoWorkspace || st.Tags.Analyzer == "" || st.Message.Text == "" {
			t.Errorf("exported line %d is not a tagged message by %s: %+v", i, who, st)
		}
		if i > 0 && st.Message.Time.Before(got[i-1].Message.Time) {
			t.Errorf("export is not oldest first at line %d", i)
		}
	}
	slices.Sort(keys)
	slices.Sort(captured)
	if !slices.Equal(keys, captured) {
		t.Errorf("export holds %d messages, the log %d:\nexport %v\nlog    %v", len(keys), len(captured), keys, captured)
	}
	if want := fmt.Sprintf("Exported %s and 0 survey answers by %s", feedbackbot.CountNoun(len(got), "message", "messages"), who); !strings.Contains(errOut, want) {
		t.Errorf("stderr %q lacks %q", errOut, want)
	}

	// Export to a file: the same lines, readable by its owner only.
	file := filepath.Join(dir, "noah.jsonl")
	if _, errOut, err := run(t, dir, "export", "--workspace", DemoWorkspace, "--user", who, "--out", file); err != nil {
		t.Fatalf("export --out: %v\n%s", err, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != out {
		t.Errorf("export --out wrote something else than export to stdout")
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("export file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}

	// Forget refuses without --yes, explains, and erases nothing.
	_, _, err = run(t, dir, "forget", "--workspace", DemoWorkspace, "--user", who)
	var ue *usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--yes") || !strings.Contains(err.Error(), "cannot be undone") {
		t.Errorf("forget without --yes = %v; want a usage error explaining --yes", err)
	}
	if n := len(logMessages(t, dir, who)); n != len(captured) {
		t.Fatalf("forget without --yes erased something: %d of %d left", n, len(captured))
	}

	// Forget: everything of theirs goes, the others' messages and the counts stay exact.
	var before []feedbackbot.Rollup
	inStore(t, dir, func(st store.Store) {
		if before, err = st.Rollups(t.Context(), DemoWorkspace, got[0].Message.Time.AddDate(0, -1, 0), got[0].Message.Time.AddDate(0, 2, 0)); err != nil {
			t.Fatal(err)
		}
	})
	out, errOut, err = run(t, dir, "forget", "--workspace", DemoWorkspace, "--user", who, "--yes")
	if err != nil {
		t.Fatalf("forget: %v\n%s", err, errOut)
	}
	if want := feedbackbot.CountNoun(len(captured), "message", "messages") + " erased"; !strings.Contains(out, want) {
		t.Errorf("forget said %q, want %q", out, want)
	}
	if left := logMessages(t, dir, who); len(left) != 0 {
		t.Errorf("the log still holds %d messages by %s", len(left), who)
	}
	if !strings.Contains(out, "Rewrote the store file") {
		t.Errorf("forget on the embedded store did not rewrite its file:\n%s", out)
	}
	raw, err := os.ReadFile(filepath.Join(dir, boltstore.FileName))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, st := range got {
		if len(st.Message.Text) < 30 { // "thanks!" is in others' messages too
			continue
		}
		checked++
		if bytes.Contains(raw, []byte(st.Message.Text)) {
			t.Errorf("the store file still holds the erased text %q", st.Message.Text)
		}
	}
	if checked < 5 {
		t.Errorf("only %d of the person's texts are distinctive enough to look for", checked)
	}
	// An export of the forgotten person says the store holds nothing of them, and
	// why: no empty "success" (exit status 1, nothing written, no file).
	if out, errOut, err := run(t, dir, "export", "--workspace", DemoWorkspace, "--user", who); out != "" || !feedbackbot.IsNotFound(err) ||
		!strings.Contains(err.Error(), "no data held for user "+who+" in workspace "+DemoWorkspace) || !strings.Contains(err.Error(), "erased by forget") || strings.Contains(errOut, "Exported") {
		t.Errorf("export after forget printed %q, %q, %v; want nothing, and an error saying no data is held", out, errOut, err)
	}
	inStore(t, dir, func(st store.Store) {
		after, err := st.Rollups(t.Context(), DemoWorkspace, got[0].Message.Time.AddDate(0, -1, 0), got[0].Message.Time.AddDate(0, 2, 0))
		if err != nil {
			t.Fatal(err)
		}
		diff := feedbackbot.Totals(before)
		for k, v := range feedbackbot.Totals(after) {
			diff[k] -= v
		}
		want := map[string]int64{}
		for _, st := range got {
			for k, v := range feedbackbot.Contributions(&st.Message, &st.Tags) {
				want[k] += v
			}
		}
		for k := range maps.Keys(want) {
			if _, ok := diff[k]; !ok {
				diff[k] = 0
			}
		}
		for k := range diff {
			if diff[k] != want[k] {
				t.Errorf("counter %s went down by %d, want by %d (the person's contributions)", k, diff[k], want[k])
			}
		}
	})

	// Forgetting again finds them forgotten already and succeeds, doing nothing (a
	// retried script failed with "check the id"); forced, it is a no-op too; an id
	// never forgotten nor seen is still refused. Re-running the demo (a re-import)
	// brings nothing back.
	if out, _, err := run(t, dir, "forget", "--workspace", DemoWorkspace, "--user", who, "--yes"); err != nil || !strings.Contains(out, who+" was forgotten already") {
		t.Errorf("second forget = %q, %v; want success saying %s was forgotten already", out, err, who)
	}
	if _, _, err := run(t, dir, "forget", "--workspace", DemoWorkspace, "--user", "UNOBODY", "--yes"); !errors.As(err, &ue) || !strings.Contains(err.Error(), "holds no message, survey answer, alert or posted digest of or about UNOBODY") {
		t.Errorf("forget of an unknown id = %v; want a refusal saying nothing is stored by UNOBODY", err)
	}
	if out, _, err := run(t, dir, "forget", "--workspace", DemoWorkspace, "--user", who, "--yes", "--force"); err != nil ||
		!strings.Contains(out, "Nothing held for "+who+" in workspace "+DemoWorkspace) || strings.Contains(out, "Forgot ") {
		t.Errorf("second forget --force = %q, %v; want it to say nothing was held", out, err)
	}
	m, demoOut, errb := testMain(nil)
	if err := m.Run(context.Background(), []string{"demo", "--dir", dir, "--as-of", "2026-11-20T09:00:00Z"}); err != nil {
		t.Fatalf("demo again: %v\n%s", err, errb)
	}
	if !strings.Contains(demoOut.String(), "(0 new;") {
		t.Errorf("re-running the demo stored something:\n%s", firstLines(demoOut.String(), 4))
	}
	if left := logMessages(t, dir, who); len(left) != 0 {
		t.Errorf("re-import brought back %d messages by %s", len(left), who)
	}

	// Every run left an audit entry with who ran it, on whom, and the outcome.
	var trail []string
	for _, a := range audits(t, dir) {
		if (a.Action == "correct" || a.Action == "survey") && a.User == "maria" {
			continue // the demo's own correction and Kano surveys, made as staff make them
		}
		if a.Platform != "cli" || a.User != "dpo" || a.Target != who || a.Time.IsZero() {
			t.Errorf("audit entry %+v lacks who, whom or when", a)
		}
		trail = append(trail, fmt.Sprintf("%s:%s:%d", a.Action, a.Result, a.Messages))
	}
	n := len(captured)
	// (the second forget runs, finding them forgotten already, and the forced one)
	want := []string{fmt.Sprintf("export:done:%d", n), fmt.Sprintf("export:done:%d", n), fmt.Sprintf("forget:done:%d", n), "export:done:0", "forget:done:0", "forget:done:0"}
	if !slices.Equal(trail, want) {
		t.Errorf("audit trail = %v, want %v", trail, want)
	}
}

func TestPrivacyUsage(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, args := range [][]string{
		{"export"},
		{"export", "--workspace", "T1"},
		{"forget", "--workspace", "T1", "--yes"},
		{"forget", "--workspace", "T1", "--user", "U1"},
		{"export", "--workspace", "T1", "--user", "U1", "extra"},
	} {
		_, _, err := run(t, dir, args...)
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: got %v, want a usage error", args, err)
		}
	}
	// Without --workspace they take the store's only one: here there is no store,
	// which is said, and none is made.
	for _, args := range [][]string{{"export", "--user", "U1"}, {"forget", "--user", "U1", "--yes"}} {
		if _, _, err := run(t, dir, args...); err == nil || !strings.Contains(err.Error(), "no store in") {
			t.Errorf("%v: got %v, want 'no store'", args, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, boltstore.FileName)); err == nil {
		t.Errorf("a refused command opened the store")
	}
	// A failed export leaves no partial file: here the directory does not exist.
	out := filepath.Join(dir, "missing", "x.jsonl")
	if _, _, err := run(t, dir, "export", "--workspace", "T1", "--user", "U1", "--out", out); err == nil {
		t.Errorf("export into a missing directory succeeded")
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a failed export left %s", out)
	}
}

// TestExportHoldsSurveyAnswers: an export holds the person's survey answers too
// (forget deletes them, so a copy made first must have them), after the messages,
// and a forget of a mistyped id is refused rather than reported done.
func TestExportHoldsSurveyAnswers(t *testing.T) {
	dir := demoStore(t)
	const who = "dana.k"
	var stored, before []bot.SurveyAnswer
	inStore(t, dir, func(st store.Store) {
		var err error
		if before, err = bot.PersonSurveyAnswers(t.Context(), st, DemoWorkspace, who); err != nil { // (the demo's Kano answers)
			t.Fatal(err)
		}
		// Two answers in different weeks, and one by someone else.
		at := time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)
		for _, a := range []bot.SurveyAnswer{{Kind: bot.SurveyCSAT, Score: 2, Account: "acme", Thread: "CEXTACME:1", User: who, Time: at},
			{Kind: bot.SurveyNPS, Score: 3, Account: "acme", Thread: "CEXTACME:2", User: who, Time: at.AddDate(0, 0, 8)},
			{Kind: bot.SurveyCSAT, Score: 5, Account: "acme", Thread: "CEXTACME:1", User: "noah.g", Time: at}} {
			if err := bot.PutSurveyAnswer(t.Context(), st, DemoWorkspace, a); err != nil {
				t.Fatal(err)
			}
		}
		if stored, err = bot.PersonSurveyAnswers(t.Context(), st, DemoWorkspace, who); err != nil {
			t.Fatal(err)
		}
	})
	if len(stored) != len(before)+2 {
		t.Fatalf("%d survey answers by %s stored, want %d", len(stored), who, len(before)+2)
	}
	out, errOut, err := run(t, dir, "export", "--workspace", DemoWorkspace, "--user", who)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, errOut)
	}
	var answers []bot.SurveyAnswer
	messagesDone := false
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var a struct {
			SurveyAnswer *bot.SurveyAnswer `json:"survey_answer"`
		}
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if a.SurveyAnswer == nil {
			if messagesDone {
				t.Errorf("line %d: a message after the survey answers", i)
			}
			continue
		}
		messagesDone = true
		if a.SurveyAnswer.User != who {
			t.Errorf("line %d: an answer by %s", i, a.SurveyAnswer.User)
		}
		answers = append(answers, *a.SurveyAnswer)
	}
	if len(answers) != len(stored) {
		t.Errorf("export holds %d survey answers, the store %d", len(answers), len(stored))
	}
	if want := fmt.Sprintf("and %s by %s", feedbackbot.CountNoun(len(stored), "survey answer", "survey answers"), who); !strings.Contains(errOut, want) {
		t.Errorf("stderr %q lacks %q", errOut, want)
	}
	// A mistyped id: export says the store holds nothing of them, exits 1 and
	// creates no file (it wrote an empty file and reported success).
	file := filepath.Join(dir, "dana.jsonl")
	code, stdout, stderr := runCLI(t, map[string]string{"FEEDBACKBOT_DATA": dir}, "export", "--workspace", DemoWorkspace, "--user", "dana", "--out", file)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "feedbackbot: no data held for user dana in workspace "+DemoWorkspace+": no message, earlier version or survey answer by them") ||
		!strings.Contains(stderr, "check the id") || strings.Contains(stderr, "Exported") {
		t.Errorf("export of a mistyped id: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if _, err := os.Stat(file); err == nil {
		t.Errorf("an export of nobody created %s", file)
	}
	if code, stdout, _ := runCLI(t, map[string]string{"FEEDBACKBOT_DATA": dir}, "export", "--workspace", DemoWorkspace, "--user", "dana"); code != 1 || stdout != "" {
		t.Errorf("export of a mistyped id to standard output: exit %d, stdout %q", code, stdout)
	}
	_, _, err = run(t, dir, "forget", "--workspace", DemoWorkspace, "--user", "dana", "--yes")
	var ue *usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "holds no message, survey answer, alert or posted digest of or about dana") {
		t.Errorf("forget of a mistyped id = %v; want a refusal", err)
	}
	// ... naming whom it most likely meant, by name or by a typo of the id (a
	// review's find: requests arrive by name, and digests show no ids).
	if !strings.Contains(err.Error(), "Did you mean "+who+"?") {
		t.Errorf("forget of a mistyped id = %v; want it to name %s", err, who)
	}
	if !strings.Contains(stderr, "Did you mean "+who+"?") {
		t.Errorf("export of a mistyped id: stderr %q does not name %s", stderr, who)
	}
	// Forced, the mistyped id is forgotten (as --force asks), and whom it most
	// likely meant is still said: it ended in success while the person stayed.
	code, _, stderr = runCLI(t, map[string]string{"FEEDBACKBOT_DATA": dir}, "forget", "--workspace", DemoWorkspace, "--user", "dana", "--yes", "--force")
	if code != 0 || !strings.Contains(stderr, "warning: the store holds nothing by dana in workspace "+DemoWorkspace+". Did you mean "+who+"?") {
		t.Errorf("forced forget of a mistyped id: exit %d, stderr %q", code, stderr)
	}
	if n := len(logMessages(t, dir, who)); n == 0 {
		t.Errorf("the refused forget erased %s's messages", who)
	}
}

// TestExportIncludesEarlierVersions: the capture log keeps the text before an edit,
// and a message deleted on the platform, until retention or forget removes them;
// export wrote only the current records, so a person's copy of what is stored left
// those out (a review's find). Each is exported once, marked as such.
func TestExportIncludesEarlierVersions(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	func() {
		st, err := boltstore.Open(ctx, dir, boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		msg := func(id, author, text string) feedbackbot.Message {
			m := feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1", Author: author,
				Role: feedbackbot.RoleCustomer, Account: "acme", Text: text, Time: at}
			if err := m.Normalize(); err != nil {
				t.Fatal(err)
			}
			return m
		}
		edited := msg("C1:1.1", "U1", "(address removed)")
		edited.EditedAt = at.Add(time.Minute)
		evs := []feedbackbot.Event{
			{Kind: feedbackbot.EventPut, Message: msg("C1:1.1", "U1", "my home address is 12 Elm Street")},
			{Kind: feedbackbot.EventPut, Message: edited},
			{Kind: feedbackbot.EventPut, Message: msg("C1:2.1", "U1", "my phone is 555-0199")},
			{Kind: feedbackbot.EventDelete, Message: feedbackbot.Message{ID: "C1:2.1", Platform: feedbackbot.PlatformSlack, Workspace: "T1"}},
			{Kind: feedbackbot.EventPut, Message: msg("C1:3.1", "U2", "someone else's words")},
			{Kind: feedbackbot.EventPut, Message: msg("C1:4.1", "U3", "my card ends 4242")}, // U3's only message, then deleted
			{Kind: feedbackbot.EventDelete, Message: feedbackbot.Message{ID: "C1:4.1", Platform: feedbackbot.PlatformSlack, Workspace: "T1"}},
		}
		if _, err := st.Append(ctx, evs...); err != nil {
			t.Fatal(err)
		}
		analyseLog(ctx, t, st)
	}()
	out, errb, err := run(t, dir, "export", "--workspace", "T1", "--user", "U1")
	if err != nil {
		t.Fatalf("export: %v\n%s", err, errb)
	}
	for text, want := range map[string]int{"(address removed)": 1, "12 Elm Street": 1, "555-0199": 1, "someone else": 0} {
		if got := strings.Count(out, text); got != want {
			t.Errorf("the export holds %q %d time(s), want %d:\n%s", text, got, want, out)
		}
	}
	if got := strings.Count(out, `"earlier_version"`); got != 2 {
		t.Errorf("%d earlier versions marked, want 2", got)
	}
	// A person whose every message was deleted on the platform is still held by
	// the log: export shows it, and forget erases it without --force (it refused,
	// saying the store held nothing by them).
	if out, errb, err := run(t, dir, "export", "--workspace", "T1", "--user", "U3"); err != nil || !strings.Contains(out, "4242") {
		t.Fatalf("export of U3: %v %q %s", err, out, errb)
	}
	if out, errb, err := run(t, dir, "forget", "--workspace", "T1", "--user", "U3", "--yes"); err != nil || !strings.Contains(out, "Forgot U3") ||
		!strings.Contains(out, "Held for U3 in workspace T1: 1 message in the capture log not analysed yet or deleted on the platform, and 0 survey answers.") {
		t.Errorf("forget of a person held only by the log: %v %q %s", err, out, errb)
	}
	if _, _, err := run(t, dir, "export", "--workspace", "T1", "--user", "U3"); !feedbackbot.IsNotFound(err) {
		t.Errorf("export of U3 after forget: %v; want nothing held", err)
	}
	// U1's analysed message and deleted one are both counted before forget erases
	// them (the count left the deleted one out: bot.PersonHeld).
	if out, errb, err := run(t, dir, "forget", "--workspace", "T1", "--user", "U1", "--yes"); err != nil ||
		!strings.Contains(out, "Held for U1 in workspace T1: 1 message analysed and 1 more in the capture log not analysed yet or deleted on the platform, and 0 survey answers.") ||
		!strings.Contains(out, "2 messages erased") {
		t.Errorf("forget of a person with analysed and deleted messages: %v %q %s", err, out, errb)
	}
}

// exportByReplay is export's capture-log part as it was before it read the author
// index: the whole log replayed, the person's versions picked out. The reference
// TestExportSameFromTheAuthorIndex compares export with.
func exportByReplay(ctx context.Context, st store.Store, ws, user string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	current := map[string]bool{}
	err := st.AuthorMessages(ctx, ws, user, func(s store.Stored) error {
		current[s.Message.Key()+"\x00"+s.Message.Revision()] = true
		return enc.Encode(s)
	})
	if err != nil {
		return nil, err
	}
	err = st.Replay(ctx, ws, func(e store.Entry) error {
		m := e.Event.Message
		if e.Event.Kind != feedbackbot.EventPut || m.Author != user || current[m.Key()+"\x00"+m.Revision()] {
			return nil
		}
		current[m.Key()+"\x00"+m.Revision()] = true
		return enc.Encode(struct {
			Version feedbackbot.Message `json:"earlier_version"`
			Note    string              `json:"note"`
		}{m, "kept in the capture log until retention or forget removes it: an earlier version, a message deleted on the platform, or one not analysed yet"})
	})
	return buf.Bytes(), err
}

// TestExportSameFromTheAuthorIndex: export reads the person's capture-log entries
// from the author index (store.People.AuthorEntries), not the whole log (Replay),
// and writes exactly what it wrote before, byte for byte, for every person of a log
// with edits (applied, and one not yet), deletes (applied, and one not yet), a
// message another person edited, and entries not analysed yet; on both stores. The
// earlier versions it must hold are checked too, so that an index that missed an
// edit or a delete fails here (not only a difference from the reference).
func TestExportSameFromTheAuthorIndex(t *testing.T) {
	ctx := t.Context()
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	msg := func(id, author, text string, edited time.Duration) feedbackbot.Message {
		m := feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1", Author: author,
			Role: feedbackbot.RoleCustomer, Account: "acme", Text: text, Time: at.Add(time.Duration(len(id)) * time.Second)}
		if edited > 0 {
			m.EditedAt = at.Add(edited)
		}
		if err := m.Normalize(); err != nil {
			t.Fatal(err)
		}
		return m
	}
	put := func(m feedbackbot.Message) feedbackbot.Event {
		return feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m}
	}
	del := func(id string) feedbackbot.Event {
		return feedbackbot.Event{Kind: feedbackbot.EventDelete, Message: feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformSlack, Workspace: "T1"}}
	}
	analysed := []feedbackbot.Event{
		put(msg("C1:1.1", "U1", "my home address is 12 Elm Street", 0)),
		put(msg("C1:2.1", "U2", "someone else's words", 0)),
		put(msg("C1:1.1", "U1", "(address removed)", time.Minute)),
		put(msg("C1:3.1", "U1", "my phone is 555-0199", 0)),
		put(msg("C1:4.1", "U1", "a shared message, first by U1", 0)),
		del("C1:3.1"),
		put(msg("C1:4.1", "U4", "U4's version of the shared message", 2*time.Minute)),
		put(msg("C1:5.1", "U3", "my card ends 4242", 0)),
		put(msg("C1:6.1", "U1", "analysed, its delete not yet", 0)),
		put(msg("C1:7.1", "U1", "applied, then edited", 0)),
		put(msg("C1:8.1", "U2", "more of U2", 0)),
		put(msg("T2:1.1", "U1", "other workspace", 0)),
	}
	analysed[len(analysed)-1].Message.Workspace = "T2"
	pending := []feedbackbot.Event{ // appended after the analysis: not read yet
		del("C1:5.1"),
		del("C1:6.1"),
		put(msg("C1:7.1", "U1", "edited, not analysed yet", 3*time.Minute)),
		put(msg("C1:9.1", "U1", "not analysed yet", 0)),
		put(msg("C1:2.1", "U2", "someone else's words, edited", 4*time.Minute)),
	}
	fill := func(t *testing.T, st store.Store) {
		if _, err := st.Append(ctx, analysed...); err != nil {
			t.Fatal(err)
		}
		analyseLog(ctx, t, st)
		if _, err := st.Append(ctx, pending...); err != nil {
			t.Fatal(err)
		}
	}
	// What U1's export must hold, analysed or as an earlier version: the text
	// before each edit, the messages deleted (analysed or not) and those not
	// analysed yet; never U4's version of the message U1 started.
	mustHold := map[string]int{"12 Elm Street": 1, "(address removed)": 1, "555-0199": 1, "first by U1": 1,
		"its delete not yet": 1, "applied, then edited": 1, "edited, not analysed yet": 1, "\"not analysed yet": 1,
		"U4's version": 0, "someone else": 0, "other workspace": 0}
	check := func(t *testing.T, st store.Store) {
		for _, who := range []string{"U1", "U2", "U3", "U4", "nobody"} {
			want, err := exportByReplay(ctx, st, "T1", who)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			n, err := exportTo(ctx, st, "T1", who, nil, nil, "", &got)
			if who == "nobody" {
				if !errors.Is(err, errNothingHeld) || got.Len() != 0 || len(want) != 0 {
					t.Errorf("export of nobody: %d, %v, %q; want nothing held", n, err, got.String())
				}
				continue
			}
			if err != nil {
				t.Fatalf("export of %s: %v", who, err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("export of %s differs from the whole log's:\n%s\nwant\n%s", who, got.String(), want)
			}
			if who != "U1" {
				continue
			}
			for text, times := range mustHold {
				if c := strings.Count(got.String(), text); c != times {
					t.Errorf("U1's export holds %q %d time(s), want %d:\n%s", text, c, times, got.String())
				}
			}
			if c := strings.Count(got.String(), `"earlier_version"`); c != 5 {
				t.Errorf("U1's export marks %d earlier versions, want 5 (the first text of an edited message, a deleted one, one another person edited since, an edit and a message not analysed yet):\n%s", c, got.String())
			}
		}
	}
	t.Run("bolt", func(t *testing.T) {
		st, err := boltstore.Open(ctx, t.TempDir(), boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		fill(t, st)
		check(t, st)
	})
	t.Run("redis", func(t *testing.T) {
		client, prefix := redistest.Client(t) // skips without Redis
		st := redisstore.New(client, redisstore.Options{Prefix: prefix})
		fill(t, st)
		check(t, st)
	})
}

// analyseLog analyses everything the store's log holds, as the workers would.
func analyseLog(ctx context.Context, t *testing.T, st store.Store) {
	t.Helper()
	a, err := newAnalyzer(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&bot.Worker{Store: st, Analyzer: a, Consumer: "t"}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestExportOutDashIsStandardOutput: export --out - writes to standard output, as
// without --out, and creates no file: it wrote the person's data to a file named
// "-" (a new user's review).
func TestExportOutDashIsStandardOutput(t *testing.T) {
	dir := demoStore(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"without --out", nil},
		{"--out -", []string{"--out", "-"}},
		{"--out=-", []string{"--out=-"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, err := run(t, dir, append([]string{"export", "--workspace", DemoWorkspace, "--user", "noah.g"}, tc.args...)...)
			if err != nil {
				t.Fatalf("export: %v\n%s", err, errOut)
			}
			if len(parseExport(t, []byte(out))) == 0 || !strings.Contains(errOut, " to standard output.") {
				t.Errorf("nothing exported to standard output:\n%s", errOut)
			}
			if fileExists(filepath.Join(dir, "-")) {
				t.Error(`export wrote a file named "-"`)
			}
		})
	}
}

// TestForgetStaffWhoOnlyCorrected: a staff member whose id is on nothing but the
// corrections they made (the demo's maria) is held, not "nothing stored": forget
// takes their id out of the corrections without --force, and says so. It was
// refused as a mistyped id, and with --force said nothing was held.
func TestForgetStaffWhoOnlyCorrected(t *testing.T) {
	dir := demoStore(t)
	const who = "maria"
	signed := func() (n int) {
		inStore(t, dir, func(st store.Store) {
			docs, err := st.ListDocs(t.Context(), DemoWorkspace, bot.DocCorrection)
			if err != nil {
				t.Fatal(err)
			}
			for _, raw := range docs {
				var c feedbackbot.Correction
				if err := json.Unmarshal(raw, &c); err != nil {
					t.Fatal(err)
				}
				if c.By == who {
					n++
				}
			}
		})
		return n
	}
	if n := signed(); n != 1 {
		t.Fatalf("the demo holds %d corrections by %s, want 1", n, who)
	}
	out, errOut, err := run(t, dir, "forget", "--workspace", DemoWorkspace, "--user", who, "--yes")
	if err != nil {
		t.Fatalf("forget %s: %v\n%s", who, err, errOut)
	}
	for _, want := range []string{"their id is on 1 correction they made as staff", "Their id was taken out of 1 correction they made as staff"} {
		if !strings.Contains(out, want) {
			t.Errorf("forget %s says no %q:\n%s", who, want, out)
		}
	}
	if n := signed(); n != 0 {
		t.Errorf("after forget, %d corrections still carry %s's id", n, who)
	}
}

// TestAuditOfAnInterruptedCommand: a command interrupted (Ctrl-C) records what it
// did as "interrupted" in its audit entry, though its context is cancelled by
// then: the entry stayed "started" (a review's find, of reanalyze).
func TestAuditOfAnInterruptedCommand(t *testing.T) {
	st, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, _, _ := testMain(map[string]string{"USER": "dpo"})
	ctx, cancel := context.WithCancel(t.Context())
	a, err := m.startAudit(ctx, st, "T1", "reanalyze", "analyzer fb-14")
	if err != nil {
		t.Fatal(err)
	}
	cancel() // Ctrl-C, during the command
	if err := a.finish(ctx, 7, fmt.Errorf("reanalyze: %w", ctx.Err())); !errors.Is(err, context.Canceled) {
		t.Errorf("finish = %v; want the command's own error", err)
	}
	docs, err := st.ListDocs(t.Context(), "T1", bot.DocAudit)
	if err != nil || len(docs) != 1 {
		t.Fatalf("audit entries %v, %v; want one", docs, err)
	}
	for _, raw := range docs {
		var got privacyAudit
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		if got.Result != "interrupted" || got.Messages != 7 || !strings.Contains(got.Error, "context canceled") {
			t.Errorf("audit entry %+v; want interrupted, with its 7 messages and why", got)
		}
	}
}
