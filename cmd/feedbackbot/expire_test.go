package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
)

// TestExpireCommand: `expire` asks for --yes, then deletes the demo's messages older
// than the age from the messages and the log, keeps the digest's totals, audits the
// run, and a second run deletes nothing.
func TestExpireCommand(t *testing.T) {
	dir := demoStore(t)
	const at = "2026-11-20T09:00:00Z"
	cutoff := time.Date(2026, 11, 6, 9, 0, 0, 0, time.UTC) // 14 days before
	digest := func() feedbackbot.Digest {
		t.Helper()
		out, errb, err := run(t, dir, "digest", "--period", "28d", "--as-of", at, "--json")
		if err != nil {
			t.Fatalf("digest: %v\n%s", err, errb)
		}
		var d feedbackbot.Digest
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatalf("digest --json: %v", err)
		}
		return d
	}
	countOld := func() (old, all int) {
		inStore(t, dir, func(st store.Store) {
			err := st.Replay(t.Context(), DemoWorkspace, func(e store.Entry) error {
				all++
				if e.Event.Kind == feedbackbot.EventPut && e.Event.Message.Time.Before(cutoff) {
					old++
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		return old, all
	}
	before := digest()
	oldBefore, allBefore := countOld()
	if oldBefore == 0 || oldBefore == allBefore {
		t.Fatalf("the demo has %d of %d log entries before the cutoff; the test needs some on each side", oldBefore, allBefore)
	}

	_, _, err := run(t, dir, "expire", "--older-than", "14d", "--as-of", at)
	var ue *usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--yes") || !strings.Contains(err.Error(), "2026-11-06T09:00:00Z") {
		t.Fatalf("expire without --yes = %v, want a usage error naming the cutoff and --yes", err)
	}
	if old, _ := countOld(); old != oldBefore {
		t.Fatalf("expire without --yes deleted %d entries", oldBefore-old)
	}
	for _, bad := range [][]string{{"expire", "--yes"}, {"expire", "--older-than", "3h", "--yes"}, {"expire", "--older-than", "two weeks", "--yes"}} {
		if _, _, err := run(t, dir, bad...); !errors.As(err, &ue) {
			t.Errorf("%v = %v, want a usage error", bad, err)
		}
	}

	// Under the 60 days account health needs, it asks for --force and deletes nothing.
	if _, _, err := run(t, dir, "expire", "--older-than", "14d", "--as-of", at, "--yes"); err == nil || !strings.Contains(err.Error(), "--force") ||
		!strings.Contains(err.Error(), "reads as healthy") {
		t.Fatalf("expire --older-than 14d without --force = %v, want a refusal naming --force", err)
	}
	if old, _ := countOld(); old != oldBefore {
		t.Fatalf("expire without --force deleted %d entries", oldBefore-old)
	}
	// As of a time in the future, every message would be older than the age: it
	// asks for --force (it deleted them all, with no word).
	if _, _, err := run(t, dir, "expire", "--older-than", "365d", "--as-of", "2099-01-01", "--yes"); err == nil || !strings.Contains(err.Error(), "is in the future") ||
		!strings.Contains(err.Error(), "--force") {
		t.Fatalf("expire --as-of 2099-01-01 = %v, want a refusal naming the future and --force", err)
	}
	if old, _ := countOld(); old != oldBefore {
		t.Fatalf("expire as of the future deleted %d entries", oldBefore-old)
	}
	out, errb, err := run(t, dir, "expire", "--older-than", "14d", "--as-of", at, "--yes", "--force")
	if err != nil {
		t.Fatalf("expire: %v\n%s", err, errb)
	}
	if !strings.Contains(out, "Hourly totals are kept") || !strings.Contains(errb, "56 days") {
		t.Errorf("expire output does not explain itself:\nstdout: %s\nstderr: %s", out, errb)
	}
	if old, all := countOld(); old != 0 || all >= allBefore {
		t.Errorf("after expire: %d old entries of %d (was %d of %d), want none old", old, all, oldBefore, allBefore)
	}
	after := digest()
	if after.Messages != before.Messages || after.CustomerMessages != before.CustomerMessages || after.StaffMessages != before.StaffMessages {
		t.Errorf("digest totals changed: %d/%d/%d messages before, %d/%d/%d after",
			before.Messages, before.CustomerMessages, before.StaffMessages, after.Messages, after.CustomerMessages, after.StaffMessages)
	}
	inStore(t, dir, func(st store.Store) {
		audits, err := st.ListDocs(t.Context(), DemoWorkspace, bot.DocAudit)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, raw := range audits {
			var a privacyAudit
			if json.Unmarshal(raw, &a) == nil && a.Action == "expire" && a.User == "dpo" && a.Result == "done" && a.Messages > 0 {
				found = true
			}
		}
		if !found {
			t.Errorf("no audit entry for the expire run among %d", len(audits))
		}
	})
	out, errb, err = run(t, dir, "expire", "--older-than", "14d", "--as-of", at, "--yes", "--force")
	if err != nil || !strings.Contains(out, ": 0 messages in all") {
		t.Errorf("second expire: %v\n%s%s", err, out, errb)
	}
}

// TestCLICommandsAreAudited: digest and risk (which reveal data) and reanalyze (which
// changes it) leave an audit entry naming the operator.
func TestCLICommandsAreAudited(t *testing.T) {
	dir := demoStore(t)
	const at = "2026-11-20T09:00:00Z"
	for _, args := range [][]string{{"digest", "--as-of", at}, {"risk", "--as-of", at}, {"reanalyze"}} {
		if _, errb, err := run(t, dir, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errb)
		}
	}
	got := map[string]string{}
	inStore(t, dir, func(st store.Store) {
		audits, err := st.ListDocs(t.Context(), DemoWorkspace, bot.DocAudit)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range audits {
			var a privacyAudit
			if json.Unmarshal(raw, &a) == nil && a.User == "dpo" && a.Platform == "cli" {
				got[a.Action] = a.Result
			}
		}
	})
	for _, action := range []string{"digest", "risk", "reanalyze"} {
		if got[action] != "done" {
			t.Errorf("no completed audit entry for %s by the operator: %v", action, got)
		}
	}
}

// TestExpireAlwaysRewritesTheFile: a run that deletes old alert quotes (or survey
// answers) but no message rewrites the embedded store's file too; it compacted
// only when messages went, so the quotes' bytes stayed, and so did those of a run
// whose rewrite failed, which the error asks to run again (a review's find).
func TestExpireAlwaysRewritesTheFile(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	const secret = "call me on 555-0199 about the refund"
	func() {
		st, err := boltstore.Open(ctx, dir, boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		m := feedbackbot.Message{ID: "C1:1.1", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1", Author: "U1",
			Role: feedbackbot.RoleCustomer, Account: "acme", Text: "recent message", Time: now.Add(-24 * time.Hour)}
		if err := m.Normalize(); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Append(ctx, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m}); err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			fp := fmt.Sprintf("fp%02d", i)
			al := feedbackbot.Alert{Fingerprint: fp, Workspace: "T1", Reasons: []feedbackbot.Reason{{Code: "negative_share",
				Evidence: []feedbackbot.Evidence{{MessageKey: "slack/T1/C1:0.1", Author: "U9", Quote: secret + strings.Repeat(" padding", 400), Time: now.AddDate(-1, 0, 0)}}}}}
			raw, _ := json.Marshal(al)
			if err := st.PutDoc(ctx, "T1", bot.DocAlert, fp, raw); err != nil {
				t.Fatal(err)
			}
		}
	}()
	out, errb, err := run(t, dir, "expire", "--older-than", "90d", "--as-of", now.Format(time.RFC3339), "--yes")
	if err != nil {
		t.Fatalf("expire: %v\n%s", err, errb)
	}
	if !strings.Contains(out, "20 quotes in alerts deleted") || !strings.Contains(out, "Rewrote the store file") {
		t.Fatalf("expire output:\n%s", out)
	}
	raw, err := os.ReadFile(filepath.Join(dir, boltstore.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(raw, []byte("555-0199")); n > 0 {
		t.Errorf("the file still holds the deleted quote %d time(s)", n)
	}
}
