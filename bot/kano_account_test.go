package bot_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// messagesCounted counts the store's Messages calls (StoredAccountNames reads a
// page of each account's messages through it).
type messagesCounted struct {
	store.Store
	calls atomic.Int64
}

func (c *messagesCounted) Messages(ctx context.Context, q store.Query) ([]store.Stored, error) {
	c.calls.Add(1)
	return c.Store.Messages(ctx, q)
}

// TestKanoSurveyScansStoredNamesOnce: "survey kano ACCOUNT FEATURE…"
// tries the longest leading run of words first, each through ResolveAccount,
// which (when no id or configured name matches) reads a page of messages of every
// account (up to MaxNameScan = 2000) for their stored names. With a feature of
// several words the names are read once per run tried: three times here, for
// an account named by its configured id.
func TestKanoSurveyScansStoredNamesOnce(t *testing.T) {
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	const n = 12
	var msgs []feedbackbot.Message
	for i := range n {
		acct := fmt.Sprintf("acct-%02d", i)
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C%d:1", i), Platform: feedbackbot.PlatformSlack, Workspace: "T1",
			Channel: fmt.Sprintf("C%d", i), Author: "UA", Role: feedbackbot.RoleCustomer, Account: acct, Text: "morning all",
			Time: now.Add(-24 * time.Hour)})
	}
	captured(t, st, msgs...)
	cs := &messagesCounted{Store: st}
	b := &bot.Bot{Store: cs, Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme"}}, Now: func() time.Time { return now }}
	doc, err := b.HandleCommand(t.Context(), feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true,
		Text: "survey kano acme single sign on with SAML"})
	if err != nil || doc.Ephemeral {
		t.Fatalf("survey kano: %v %+v", err, doc)
	}
	if got := cs.calls.Load(); got > n {
		t.Errorf("survey kano read %d pages of messages for %d accounts' names: the stored names were scanned %d times, want at most once",
			got, n, got/n)
	}
}

// TestKanoFeatureWordsNotTakenByAPartialName: the account is the longest
// run of leading words that ResolveAccount resolves, and ResolveAccount also takes
// a run contained in one account's id or name. "survey kano globex analytics
// export" names account globex (its id) and the feature "analytics export"; the
// run "globex analytics" is part of globex's name "Globex Analytics Platform", so
// customers are asked about "export" and that feature's cooldown is spent.
func TestKanoFeatureWordsNotTakenByAPartialName(t *testing.T) {
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	captured(t, st, feedbackbot.Message{ID: "C1:1", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1", Author: "UA",
		Role: feedbackbot.RoleCustomer, Account: "globex", Text: "morning all", Time: now.Add(-24 * time.Hour)})
	b := &bot.Bot{Store: st, Accounts: map[string]feedbackbot.Account{"globex": {ID: "globex", Name: "Globex Analytics Platform"}},
		Now: func() time.Time { return now }}
	doc, err := b.HandleCommand(t.Context(), feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true,
		Text: "survey kano globex analytics export"})
	if err != nil || doc.Ephemeral {
		t.Fatalf("survey kano: %v %+v", err, doc)
	}
	rows := kanoRows(doc)
	if len(rows) != 2 || !strings.HasSuffix(rows[0][0].Value, "|"+bot.KanoFeatureID("analytics export")) {
		t.Errorf("asked %q: want the feature \"analytics export\" of globex (buttons %q; export's id is %s)",
			doc.Fallback, rows[0][0].Value, bot.KanoFeatureID("export"))
	}
}
