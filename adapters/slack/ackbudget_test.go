package slackadapter

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/slack-go/slack/slacktest"
)

// limitedOnce answers the first users.info with 429 and a Retry-After longer
// than Slack's 3 seconds, and the rest normally.
func limitedOnce(calls *atomic.Int64) slacktest.Binder {
	return func(c slacktest.Customize) {
		c.Handle("/users.info", func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				w.Header().Set("Retry-After", "4")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			usersJSON(w, r)
		})
	}
}

// TestALookupPastSlacksBudgetFailsAtOnce: a users.info rate limited for longer
// than Slack waits for an answer is not waited out inside the request (the
// answer came after 4 s, when Slack had given up and retried): the event gets
// 500 and is captured when Slack delivers it again; a command says the caller
// could not be checked rather than answering late or refusing staff.
func TestALookupPastSlacksBudgetFailsAtOnce(t *testing.T) {
	t.Run("event", func(t *testing.T) {
		var calls atomic.Int64
		f := newFixture(t, limitedOnce(&calls))
		ev := map[string]any{"type": "message", "user": "UMARIA", "channel": "CEXTACME", "ts": "1700000200.000100", "text": "on it"}
		if code := f.event("EvLimited", ev); code != http.StatusInternalServerError {
			t.Fatalf("first delivery: status %d, want 500 (Slack redelivers)", code)
		}
		if code := f.event("EvLimited", ev); code != http.StatusOK {
			t.Fatalf("redelivery: status %d, want 200", code)
		}
		if _, ok := f.stored(key("CEXTACME", "1700000200.000100")); !ok {
			t.Error("the redelivered message was not captured")
		}
	})
	t.Run("slash command", func(t *testing.T) {
		var calls atomic.Int64
		f := newFixture(t, limitedOnce(&calls))
		code, body := f.post("/slack/commands", slash("UMARIA", home, "risk", "https://hooks.example/x"), "application/x-www-form-urlencoded", nil)
		if code != http.StatusOK || !strings.Contains(body, cannotCheck) {
			t.Fatalf("status %d, body %s; want the could-not-check note", code, body)
		}
		_, body = f.post("/slack/commands", slash("UMARIA", home, "risk", "https://hooks.example/x"), "application/x-www-form-urlencoded", nil)
		if strings.Contains(body, cannotCheck) || strings.Contains(body, refusal) {
			t.Fatalf("once the lookup answers, staff are served: %s", body)
		}
	})
}

// TestAppRateLimitedIsLogged: Slack's app_rate_limited says it drops the
// workspace's events, which no redelivery brings back; the operator is told,
// with the minute to back-fill from.
func TestAppRateLimitedIsLogged(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	var buf bytes.Buffer
	f.a.log = slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), nil))
	body, _ := json.Marshal(map[string]any{"token": "x", "type": "app_rate_limited", "team_id": home, "minute_rate_limited": 1518467820, "api_app_id": "A1"})
	if code, _ := f.post("/slack/events", string(body), "application/json", nil); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"app_rate_limited", "2018-02-12T20:37:00Z", "backfill", home} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q: %s", want, buf.String())
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
