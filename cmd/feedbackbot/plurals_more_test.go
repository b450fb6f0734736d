package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
)

// TestCLICountsReadRightAtOneAndMany: export's and expire's summaries, and an
// import's problems, say "1 message" and "2 messages", not "message(s)" (a new
// user's find).
func TestCLICountsReadRightAtOneAndMany(t *testing.T) {
	for _, n := range []int{1, 2} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			dir := t.TempDir()
			ctx := t.Context()
			at := time.Date(2025, 1, 10, 9, 0, 0, 0, time.UTC)
			func() {
				st, err := boltstore.Open(ctx, dir, boltstore.Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				var evs []feedbackbot.Event
				for i := range n {
					m := feedbackbot.Message{ID: fmt.Sprintf("C1:%d.1", i+1), Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
						Author: "U1", Role: feedbackbot.RoleCustomer, Account: "acme", Text: "the export is broken again", Time: at.Add(time.Duration(i) * time.Minute)}
					if err := m.Normalize(); err != nil {
						t.Fatal(err)
					}
					evs = append(evs, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
				}
				if _, err := st.Append(ctx, evs...); err != nil {
					t.Fatal(err)
				}
				analyseLog(ctx, t, st)
			}()
			messages := map[int]string{1: "1 message", 2: "2 messages"}[n]
			_, errb, err := run(t, dir, "export", "--workspace", "T1", "--user", "U1")
			if want := "Exported " + messages + " and 0 survey answers by U1 in workspace T1"; err != nil || !strings.Contains(errb, want) {
				t.Errorf("export: %v, %q; want %q", err, errb, want)
			}
			out, errb, err := run(t, dir, "expire", "--workspace", "T1", "--older-than", "90d", "--as-of", "2025-06-01", "--yes")
			for _, want := range []string{"T1: " + messages + ", 0 survey answers, 0 quotes in alerts deleted.", ": " + messages + " in all."} {
				if err != nil || !strings.Contains(out, want) {
					t.Errorf("expire: %v, %q%s; want %q", err, out, errb, want)
				}
			}
			problems := map[int]string{1: "1 problem", 2: "2 problems"}[n]
			if got, want := (importProblems{n: n}).Error(), "the import left out "+problems+": daily files"; !strings.HasPrefix(got, want) {
				t.Errorf("%q, want it to start %q", got, want)
			}
			if got, want := (importProblems{n: n, none: true}).Error(), "its "+problems+", counted and named above"; !strings.Contains(got, want) {
				t.Errorf("%q, want it to say %q", got, want)
			}
		})
	}
}
