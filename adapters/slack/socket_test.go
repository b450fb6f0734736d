package slackadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"

	"github.com/feedbackbot/feedbackbot"
)

// socketServer is a fake Socket Mode endpoint: on connection it says hello, sends
// the envelopes (made then, so they may name URLs known only once the fixture has
// started), and passes the first want acknowledgements to acks.
func socketServer(t *testing.T, acks chan<- map[string]any, want int, envelopes func() []map[string]any) slacktest.Binder {
	return func(c slacktest.Customize) {
		c.Handle("/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"ok":true,"url":"ws://%s/socket"}`, r.Host)
		})
		c.Handle("/socket", slacktest.Websocket(func(conn *websocket.Conn) {
			for _, v := range append([]map[string]any{{"type": "hello", "num_connections": 1}}, envelopes()...) {
				if err := conn.WriteJSON(v); err != nil {
					t.Errorf("write: %v", err)
				}
			}
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			for range want {
				var ack map[string]any
				if err := conn.ReadJSON(&ack); err != nil {
					return
				}
				acks <- ack
			}
			time.Sleep(200 * time.Millisecond)
		}))
	}
}

// TestSocketMode: a fake Socket Mode server says hello, sends a message event and a
// slash command, and checks each envelope is acknowledged (the command with the
// bot's answer as payload) and the message is stored.
func TestSocketMode(t *testing.T) {
	acks := make(chan map[string]any, 4)
	socket := socketServer(t, acks, 2, func() []map[string]any {
		return []map[string]any{
			{"type": "events_api", "envelope_id": "env-1", "payload": map[string]any{
				"type": "event_callback", "team_id": home, "event_id": "EvS1",
				"event": map[string]any{"type": "message", "user": "XDANA", "user_team": "TACME", "channel": "C9", "ts": "1700000000.000100", "text": "socket hello"}}},
			{"type": "slash_commands", "envelope_id": "env-2", "payload": map[string]any{
				"command": "/feedback", "text": "risk", "user_id": "UMARIA", "team_id": home, "channel_id": "CINTERNAL", "response_url": "https://hooks.example/z"}},
		}
	})
	f := newFixture(t, socket)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.a.RunSocket(ctx, "xapp-test") }()
	got := map[string]string{}
	for range 2 {
		select {
		case ack := <-acks:
			b, _ := json.Marshal(ack["payload"])
			got[fmt.Sprint(ack["envelope_id"])] = string(b)
		case <-time.After(10 * time.Second):
			t.Fatalf("acks received: %v", got)
		}
	}
	cancel()
	<-done
	if _, ok := got["env-1"]; !ok {
		t.Fatal("the event envelope was not acknowledged")
	}
	if !strings.Contains(got["env-2"], "ok: risk") {
		t.Fatalf("the slash command ack should carry the answer: %q", got["env-2"])
	}
	if s, ok := f.stored(key("C9", "1700000000.000100")); !ok || s.Message.Account != "TACME" {
		t.Fatalf("socket message not stored: %+v", s)
	}
}

// TestSocketModeCommandsBesideTheLoop: a slow slash command does not hold up the
// acknowledgement of the envelopes behind it, and an answer too long for an
// acknowledgement (Slack drops one of 20 KB or more) is acknowledged with a notice and
// sent to the command's response_url, the service going on.
func TestSocketModeCommandsBesideTheLoop(t *testing.T) {
	acks := make(chan map[string]any, 4)
	responded := make(chan string, 1)
	var respondURL string
	respond := func(c slacktest.Customize) {
		c.Handle("/respond", func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			responded <- string(b)
		})
	}
	socket := socketServer(t, acks, 3, func() []map[string]any {
		slash := func(env, text string) map[string]any {
			return map[string]any{"type": "slash_commands", "envelope_id": env, "payload": map[string]any{
				"command": "/feedback", "text": text, "user_id": "UMARIA", "team_id": home, "channel_id": "CINTERNAL", "response_url": respondURL}}
		}
		return []map[string]any{
			slash("env-1", "slow"),
			{"type": "events_api", "envelope_id": "env-2", "payload": map[string]any{
				"type": "event_callback", "team_id": home, "event_id": "EvB1",
				"event": map[string]any{"type": "message", "user": "XDANA", "user_team": "TACME", "channel": "C9", "ts": "1700000000.000200", "text": "behind a slow command"}}},
			slash("env-3", "long"),
		}
	})
	f := newFixture(t, socket, respond)
	respondURL = strings.TrimSuffix(f.api.GetAPIURL(), "/") + "/respond"
	f.cmds = commandsFunc(func(ctx context.Context, c feedbackbot.Command) (feedbackbot.Document, error) {
		switch c.Text {
		case "slow":
			time.Sleep(time.Second)
		case "long": // quotes double in JSON: four sections of 2,900 bytes make over 20 KB
			var blocks []feedbackbot.Block
			for range 4 {
				blocks = append(blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: strings.Repeat(`"`, 2900)})
			}
			return feedbackbot.Document{Ephemeral: true, Fallback: "long", Blocks: blocks}, nil
		}
		return feedbackbot.Document{Ephemeral: true, Fallback: "ok: " + c.Text}, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.a.RunSocket(ctx, "xapp-test") }()
	var order []string
	got := map[string]string{}
	for range 3 {
		select {
		case ack := <-acks:
			id := fmt.Sprint(ack["envelope_id"])
			b, _ := json.Marshal(ack["payload"])
			order, got[id] = append(order, id), string(b)
		case err := <-done:
			t.Fatalf("RunSocket ended: %v (acks %v)", err, order)
		case <-time.After(10 * time.Second):
			t.Fatalf("acks received: %v", order)
		}
	}
	var answer string
	select {
	case answer = <-responded:
	case <-time.After(10 * time.Second):
		t.Fatal("the long answer never reached the response_url")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("RunSocket: %v", err)
	}
	if order[len(order)-1] != "env-1" {
		t.Errorf("acknowledged in the order %v: the slow command held up the envelopes behind it", order)
	}
	if !strings.Contains(got["env-1"], "ok: slow") || !strings.Contains(got["env-3"], "follows") {
		t.Errorf("acks: slow %q, long %q", got["env-1"], got["env-3"])
	}
	if !strings.Contains(answer, strings.Repeat(`\"`, 100)) {
		t.Errorf("the response_url got %.200q, not the long answer", answer)
	}
	if _, ok := f.stored(key("C9", "1700000000.000200")); !ok {
		t.Error("the message behind the slow command was not stored")
	}
}

// TestSocketModeOpenIsBounded: an apps.connections.open that stalls (no answer)
// fails after its timeout, and Socket Mode tries again or says so, instead of
// waiting for it for good with no error and no events (a review's find: its
// client had no timeout).
func TestSocketModeOpenIsBounded(t *testing.T) {
	defer func(d time.Duration) { socketOpenTimeout = d }(socketOpenTimeout)
	socketOpenTimeout = 200 * time.Millisecond
	opens := make(chan struct{}, 16)
	f := newFixture(t, func(c slacktest.Customize) {
		c.Handle("/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
			opens <- struct{}{}
			select { // stalls: no answer
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		})
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f.a.RunSocket(ctx, "xapp-test") }()
	<-opens
	select {
	case <-opens: // tried again
	case err := <-done:
		if err == nil {
			t.Fatal("RunSocket ended without an error after a stalled open")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("a stalled apps.connections.open held Socket Mode past 3 s (its timeout: 200 ms)")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("RunSocket did not end after its context")
	}
}

// TestSocketModeCapturesWhatSlackGoCannotParse: an events_api envelope whose
// event slack-go's typed parse refuses (a file's "lines" as a string) is read
// as the HTTP path reads it, captured and acknowledged; it was acknowledged and
// dropped (a review's find).
func TestSocketModeCapturesWhatSlackGoCannotParse(t *testing.T) {
	acks := make(chan map[string]any, 4)
	socket := socketServer(t, acks, 1, func() []map[string]any {
		return []map[string]any{
			{"type": "events_api", "envelope_id": "env-odd", "payload": map[string]any{
				"type": "event_callback", "team_id": home, "event_id": "EvOdd",
				"event": map[string]any{"type": "message", "user": "XDANA", "user_team": "TACME", "channel": "C9", "ts": "1700000000.000200",
					"text": "the export attached fails", "files": []any{map[string]any{"id": "F1", "lines": "many"}}}}},
		}
	})
	f := newFixture(t, socket)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.a.RunSocket(ctx, "xapp-test") }()
	select {
	case ack := <-acks:
		if ack["envelope_id"] != "env-odd" {
			t.Errorf("acknowledged %v", ack["envelope_id"])
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the envelope was not acknowledged")
	}
	cancel()
	<-done
	if m, found, err := f.st.Newest(t.Context(), key("C9", "1700000000.000200")); err != nil || !found || m.Text != "the export attached fails" {
		t.Errorf("stored %q (found %v, %v); want the message captured", m.Text, found, err)
	}
}
