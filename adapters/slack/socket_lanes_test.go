package slackadapter

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"
)

// TestSocketModeASlowEventDoesNotHoldTheAcksBehindIt: Slack sends three events and
// a slash command together. The first event's author must be looked up, and
// Slack's users.info is slow to answer (up to 1.5 s); the second, in another
// channel, needs no lookup. Each event's own work fits Slack's 3 seconds (ackBudget), so
// the second event and the command are acknowledged at once, not after the first:
// Socket Mode captured one envelope at a time, in the loop that reads them all,
// and every envelope behind a slow one (a lookup, a slow store), in any channel
// and commands too, was acknowledged that much later, past Slack's 3 seconds once
// two were ahead of it. The third event, a reaction to the first message, still
// comes after it (a channel's events keep their order) and is counted.
func TestSocketModeASlowEventDoesNotHoldTheAcksBehindIt(t *testing.T) {
	acks := make(chan map[string]any, 8)
	msg := func(env, ev, user, team, channel, ts string) map[string]any {
		return map[string]any{"type": "events_api", "envelope_id": env, "payload": map[string]any{
			"type": "event_callback", "team_id": home, "event_id": ev,
			"event": map[string]any{"type": "message", "user": user, "user_team": team, "channel": channel, "ts": ts, "text": "hello from " + user}}}
	}
	socket := socketServer(t, acks, 4, func() []map[string]any {
		return []map[string]any{
			msg("env-slow", "EvSlow", "USLOW", home, "C1", "1700000000.000100"),
			msg("env-quick", "EvQuick", "XDANA", "TACME", "C2", "1700000000.000200"),
			{"type": "events_api", "envelope_id": "env-react", "payload": map[string]any{
				"type": "event_callback", "team_id": home, "event_id": "EvReact",
				"event": map[string]any{"type": "reaction_added", "user": "XDANA", "reaction": "thumbsup", "item_user": "USLOW",
					"item": map[string]any{"type": "message", "channel": "C1", "ts": "1700000000.000100"}}}},
			{"type": "slash_commands", "envelope_id": "env-cmd", "payload": map[string]any{
				"command": "/feedback", "text": "help", "user_id": "UMARIA", "team_id": home, "channel_id": "CINTERNAL", "response_url": "https://hooks.example/z"}},
		}
	})
	// USLOW's lookup is answered once two envelopes were acknowledged, or after
	// 1.5 s (inside ackBudget: the event is captured either way).
	release := make(chan struct{})
	var released sync.Once
	slowUsers := func(c slacktest.Customize) {
		c.Handle("/users.info", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			if r.Form.Get("user") == "USLOW" {
				select {
				case <-release:
				case <-time.After(1500 * time.Millisecond):
				}
			}
			usersJSON(w, r)
		})
	}
	f := newFixture(t, socket, slowUsers)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.a.RunSocket(ctx, "xapp-test") }()
	var order []string
	for range 4 {
		select {
		case ack := <-acks:
			if order = append(order, fmt.Sprint(ack["envelope_id"])); len(order) == 2 {
				released.Do(func() { close(release) })
			}
		case err := <-done:
			t.Fatalf("RunSocket ended: %v (acks %v)", err, order)
		case <-time.After(15 * time.Second):
			t.Fatalf("acks received: %v", order)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("RunSocket: %v", err)
	}
	if i, j := slices.Index(order, "env-slow"), slices.Index(order, "env-react"); i < 2 || j < i {
		t.Errorf("acknowledged in the order %v: the event whose author's lookup was slow held up the acknowledgements of the envelopes behind it "+
			"(or the reaction to its message came first)", order)
	}
	if s, ok := f.stored(key("C1", "1700000000.000100")); !ok || s.Message.Reactions["thumbsup"] != 1 {
		t.Errorf("the slow message: stored %v, reactions %v; want it stored with its reaction counted once", ok, s.Message.Reactions)
	}
	if _, ok := f.stored(key("C2", "1700000000.000200")); !ok {
		t.Error("the quick message was not stored")
	}
}
