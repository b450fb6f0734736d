package slackadapter

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// limitedUsers answers users.info with 429 and Retry-After 4 s the first time
// each of users is asked about, and normally otherwise.
func limitedUsers(users ...string) slacktest.Binder {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(c slacktest.Customize) {
		c.Handle("/users.info", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			id := r.Form.Get("user")
			mu.Lock()
			limit := false
			for _, u := range users {
				if u == id && !seen[id] {
					seen[id], limit = true, true
				}
			}
			mu.Unlock()
			if limit {
				w.Header().Set("Retry-After", "4")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			usersJSON(w, r)
		})
	}
}

// TestABotsReactionIsNotCountedWhenItsLookupIsLimited: a bot's reaction (an
// auto-react app's ✅ would mark conversations resolved) is skipped; a reaction
// whose reactor's users.info is rate limited past the event's budget is not
// counted blind (it was, once lookups stopped waiting out a Retry-After inside the
// request, a review found) but refused, and Slack's redelivery finds the bot.
func TestABotsReactionIsNotCountedWhenItsLookupIsLimited(t *testing.T) {
	f := newFixture(t, limitedUsers("UBOT"))
	ts := "1700000300.000100"
	msg := map[string]any{"type": "message", "user": "XDANA", "user_team": "TACME", "channel": "CEXTACME", "ts": ts, "text": "the export fails every night"}
	if code := f.event("EvMsg", msg); code != http.StatusOK {
		t.Fatalf("message: status %d", code)
	}
	react := map[string]any{"type": "reaction_added", "user": "UBOT", "reaction": "white_check_mark", "item_user": "XDANA",
		"item": map[string]any{"type": "message", "channel": "CEXTACME", "ts": ts}}
	if code := f.event("EvBotReact", react); code == http.StatusOK {
		t.Errorf("a reaction whose reactor could not be looked up was acknowledged")
	}
	code := f.event("EvBotReact", react) // Slack's redelivery
	s, ok := f.stored(key("CEXTACME", ts))
	if !ok {
		t.Fatal("message not stored")
	}
	if n := s.Message.Reactions["white_check_mark"]; n != 0 {
		t.Errorf("the bot's ✅ is counted (%d; event answered %d): its users.info was rate limited past the budget", n, code)
	}
}

// TestAnEarlyReactionWaitsWhenItsAuthorsLookupIsLimited: a member's reaction
// that arrives before its message is answered 503 so Slack delivers it again
// (mayArriveLater), also when the message's author cannot be looked up in the
// event's budget: it was answered 200, and the reaction lost for good.
func TestAnEarlyReactionWaitsWhenItsAuthorsLookupIsLimited(t *testing.T) {
	f := newFixture(t, limitedUsers("UTOM"))
	ts := strconv.FormatInt(time.Now().Unix(), 10) + ".000100"
	code := f.event("EvEarly", map[string]any{"type": "reaction_added", "user": "XDANA", "reaction": "white_check_mark", "item_user": "UTOM",
		"item": map[string]any{"type": "message", "channel": "CEXTACME", "ts": ts}})
	if code == http.StatusOK {
		t.Errorf("a reaction before its message was acknowledged with 200 (Slack will not deliver it again): the message author's users.info was rate limited")
	}
}
