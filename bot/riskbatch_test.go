package bot_test

import (
	"context"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// accountsCounted is a Redis store that counts its AccountsMessages calls.
type accountsCounted struct {
	*redisstore.Store
	calls atomic.Int64
}

func (c *accountsCounted) AccountsMessages(ctx context.Context, ws string, accounts []string, from, to time.Time) (map[string][]store.Stored, bool, error) {
	c.calls.Add(1)
	return c.Store.AccountsMessages(ctx, ws, accounts, from, to)
}

// oneByOne is the same store read one account at a time: its AccountsMessages is
// out of sight (AccountsDays is passed on, so only the message reads differ).
type oneByOne struct {
	bot.HistoryStore
	days *redisstore.Store
}

func (o oneByOne) AccountsDays(ctx context.Context, ws string, accounts []string, from, to time.Time, counters ...string) (map[string][]feedbackbot.Rollup, error) {
	return o.days.AccountsDays(ctx, ws, accounts, from, to, counters...)
}

// TestRiskReadsAccountsInChunks: on Redis, every account's health read with the
// accounts' messages a chunk at a time (AccountsMessages) is what it is read one
// account at a time, for accounts busy and quiet, answered and not, gone silent
// for weeks, and one with more messages than a read of a chunk takes.
func TestRiskReadsAccountsInChunks(t *testing.T) {
	ctx := context.Background()
	client, prefix := redistest.Client(t)
	rs := redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle})
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var msgs []feedbackbot.Message
	add := func(acct string, i int, at time.Time, role feedbackbot.Role) {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C-%s:%d.%06d", acct, at.Unix(), i), Platform: feedbackbot.PlatformSlack,
			Workspace: "T1", Channel: "C-" + acct, Author: fmt.Sprintf("U%d", i%7), Role: role, Account: acct,
			Text: texts[i%len(texts)], Time: at})
	}
	for a := range 21 {
		acct := fmt.Sprintf("acct-%02d", a)
		every := time.Duration(a%5+1) * 19 * time.Hour
		quietFor := time.Duration(0)
		if a%7 == 3 {
			quietFor = 20 * 24 * time.Hour // gone silent: health reads its last messages too
		}
		for i := range 60 {
			at := now.Add(-quietFor - time.Duration(i)*every - time.Minute)
			role := feedbackbot.RoleCustomer
			if a%2 == 0 && i%3 == 1 {
				role = feedbackbot.RoleStaff
			}
			add(acct, i, at, role)
		}
	}
	for i := range store.MaxQueryLimit + 50 { // more than a read of a chunk takes
		add("acct-busy", i, now.Add(-time.Duration(i)*17*time.Minute-time.Minute), feedbackbot.RoleCustomer)
	}
	captured(t, rs, msgs...)
	req := bot.RiskRequest{Workspace: "T1", Now: now}
	chunked := &accountsCounted{Store: rs}
	got, err := bot.Risk(ctx, chunked, req)
	if err != nil {
		t.Fatal(err)
	}
	want, err := bot.Risk(ctx, oneByOne{HistoryStore: rs, days: rs}, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 22 || !reflect.DeepEqual(got, want) {
		t.Errorf("health read by chunks differs from health read by account (%d and %d accounts)", len(got), len(want))
		for i := range min(len(got), len(want)) {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("first difference, %s:\n got %+v\nwant %+v", got[i].Account.ID, got[i], want[i])
				break
			}
		}
	}
	if n := chunked.calls.Load(); n != 3 { // 22 accounts, 8 a chunk
		t.Errorf("AccountsMessages called %d times, want 3", n)
	}
	scores := map[int]bool{}
	for _, h := range got {
		scores[h.Score] = true
	}
	if len(scores) < 3 {
		t.Errorf("the accounts' health is too alike to compare anything: scores %v", scores)
	}
}
