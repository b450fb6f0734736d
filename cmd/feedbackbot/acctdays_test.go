package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// oldRedisData fills a Redis store under a prefix of its own with n applied
// messages of workspace W1 and makes them data from before account-day counters
// and data strings.
func oldRedisData(t *testing.T, n int) (*redisstore.Store, string) {
	t.Helper()
	client, prefix := redistest.Client(t)
	s := redisstore.New(client, redisstore.Options{Prefix: prefix})
	ctx := t.Context()
	var events []feedbackbot.Event
	for i := range n {
		events = append(events, storetest.Put(storetest.Msg("W1", fmt.Sprintf("m%d", i), "the export is broken again", feedbackbot.RoleCustomer,
			fmt.Sprintf("A%d", i%5), "C1", storetest.Base.Add(time.Duration(i)*10*time.Minute))))
	}
	storetest.AppendApplyAll(ctx, t, s, events, func(_ int) feedbackbot.Tags { return storetest.Tags(-0.5, "v1") })
	if err := redistest.DropAccountDays(ctx, client, prefix); err != nil {
		t.Fatal(err)
	}
	if err := redistest.HashData(ctx, client, prefix); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AccountDays(ctx, "W1", "A1", storetest.Base, storetest.Base.Add(24*time.Hour)); !errors.Is(err, store.ErrAccountDaysMissing) {
		t.Fatalf("AccountDays of old data = %v, want ErrAccountDaysMissing", err)
	}
	return s, prefix
}

// TestReanalyzeBuildsAccountDays: on Redis data from before account-day counters and
// weekly survey answers, reanalyze says it builds the counters, for how many
// messages, and when it is done, and moves the answers; then the counters read, the
// answers are in their week, and the next reanalyze says nothing about either. The
// store's own warnings (an unreadable log entry) go to the configured log.
func TestReanalyzeBuildsAccountDays(t *testing.T) {
	s, prefix := oldRedisData(t, 1100)
	old, _ := json.Marshal(bot.SurveyAnswer{Kind: bot.SurveyCSAT, Score: 4, Account: "A1", User: "U9", Time: storetest.Base})
	if err := s.PutDoc(t.Context(), "W1", bot.DocSurveyAnswer, "csat|A1||U9", old); err != nil {
		t.Fatal(err)
	}
	if err := s.Client().XAdd(t.Context(), &redis.XAddArgs{Stream: prefix + ":{W1}:log", Values: map[string]any{"e": "not an event"}}).Err(); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "feedbackbot.yaml")
	if err := os.WriteFile(cfg, []byte("store:\n  key_prefix: "+prefix+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"REDIS_URL": redistest.URL()}
	for _, tc := range []struct {
		name   string
		want   []string
		absent string
	}{
		{"old data", []string{
			"  W1: upgrading 1100 messages stored by an older version (once: account-day counters, record layout)\n",
			"  W1: older data upgraded: 1100 messages in ",
			"  W1: moved 1 survey answer into their weeks (once, for data from an older version)\n",
			`level=WARN msg="redis store: skipping unreadable log entry" workspace=W1`}, ""},
		{"built", nil, "upgrad"},
		{"moved", nil, "survey"},
	} {
		code, stdout, stderr := runCLI(t, env, "reanalyze", "--config", cfg)
		if code != 0 {
			t.Fatalf("%s: reanalyze exited %d: %s%s", tc.name, code, stdout, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr %q, want it to contain %q", tc.name, stderr, w)
			}
		}
		if tc.absent != "" && strings.Contains(stderr, tc.absent) {
			t.Errorf("%s: stderr %q mentions %q", tc.name, stderr, tc.absent)
		}
		if _, err := s.AccountDays(t.Context(), "W1", "A1", storetest.Base, storetest.Base.Add(24*time.Hour)); err != nil {
			t.Errorf("%s: AccountDays after reanalyze: %v", tc.name, err)
		}
		if list, err := s.ListDocs(t.Context(), "W1", bot.DocSurveyAnswer); err != nil || len(list) != 0 {
			t.Errorf("%s: the old list of survey answers holds %d after reanalyze (%v)", tc.name, len(list), err)
		}
		if as, err := bot.SurveyAnswers(t.Context(), s, "W1", storetest.Base, storetest.Base.Add(time.Hour), "A1"); err != nil || len(as) != 1 || as[0].Score != 4 {
			t.Errorf("%s: A1's answers after reanalyze: %+v, %v; want the one moved", tc.name, as, err)
		}
	}
}

// TestLogAccountDays: run's report of a Redis back-fill: a line when it starts, a
// line per interval (every chunk here) with how far it is, and one at the end; for a
// workspace already built, nothing.
func TestLogAccountDays(t *testing.T) {
	s, _ := oldRedisData(t, 1100)
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	for _, tc := range []struct {
		name string
		want []string // regular expressions, one a line
	}{
		{"old data", []string{
			`level=INFO msg="upgrading data stored by an older version \(once: account-day counters, record layout; reads stay right meanwhile\)" workspace=W1 messages=1100`,
			`level=INFO msg="upgrading older data" workspace=W1 done=500 messages=1100 per_second=\d+`,
			`level=INFO msg="upgrading older data" workspace=W1 done=1000 messages=1100 per_second=\d+`,
			`level=INFO msg="upgrading older data" workspace=W1 done=1100 messages=1100 per_second=\d+`,
			`level=INFO msg="upgraded older data" workspace=W1 messages=1100 seconds=[\d.]+`,
		}},
		{"built", nil},
	} {
		buf.Reset()
		if err := logAccountDays(context.Background(), log, "W1", 0).build(t.Context(), s, "W1"); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if len(tc.want) == 0 && buf.Len() == 0 {
			continue
		}
		if len(lines) != len(tc.want) {
			t.Fatalf("%s: logged %d lines, want %d:\n%s", tc.name, len(lines), len(tc.want), buf.String())
		}
		for i, w := range tc.want {
			if !regexp.MustCompile(w).MatchString(lines[i]) {
				t.Errorf("%s: line %d = %q, want %s", tc.name, i+1, lines[i], w)
			}
		}
	}
	if _, err := s.AccountDays(t.Context(), "W1", "A1", storetest.Base, storetest.Base.Add(24*time.Hour)); err != nil {
		t.Errorf("AccountDays after the back-fill: %v", err)
	}
}

// TestBackfillKeepsAlertsLease: the alerts job's back-fill renews its lease as the
// walk goes (here at every chunk), so a walk longer than the lease keeps it: the
// lease taken for a second has most of ten minutes left afterwards, and another
// replica cannot take it.
func TestBackfillKeepsAlertsLease(t *testing.T) {
	s, prefix := oldRedisData(t, 1100)
	ctx := t.Context()
	if ok, err := s.AcquireLease(ctx, "alerts", "h1", time.Second); err != nil || !ok {
		t.Fatalf("AcquireLease = %v, %v", ok, err)
	}
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	report := logAccountDays(ctx, log, "W1", time.Hour)
	report.tick = leaseKeeper(ctx, s, log, "alerts", "h1", 10*time.Minute, 0)
	if err := report.build(ctx, s, "W1"); err != nil {
		t.Fatal(err)
	}
	ttl, err := s.Client().PTTL(ctx, prefix+":lease:alerts").Result()
	if err != nil || ttl < 9*time.Minute {
		t.Errorf("the lease has %v left after the back-fill (%v), want nearly 10 minutes", ttl, err)
	}
	if ok, err := s.AcquireLease(ctx, "alerts", "h2", time.Minute); err != nil || ok {
		t.Errorf("another replica took the lease: %v, %v", ok, err)
	}
	if strings.Contains(logged.String(), "could not renew") {
		t.Errorf("renewal failed: %s", logged.String())
	}
}
