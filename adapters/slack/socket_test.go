package slackadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"
)

// TestSocketMode: a fake Socket Mode server says hello, sends a message event and a
// slash command, and checks each envelope is acknowledged (the command with the
// bot's answer as payload) and the message is stored.
func TestSocketMode(t *testing.T) {
	acks := make(chan map[string]any, 4)
	socket := func(c slacktest.Customize) {
		c.Handle("/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"ok":true,"url":"ws://%s/socket"}`, r.Host)
		})
		c.Handle("/socket", slacktest.Websocket(func(conn *websocket.Conn) {
			send := func(v any) {
				if err := conn.WriteJSON(v); err != nil {
					t.Errorf("write: %v", err)
				}
			}
			send(map[string]any{"type": "hello", "num_connections": 1})
			send(map[string]any{"type": "events_api", "envelope_id": "env-1", "payload": map[string]any{
				"type": "event_callback", "team_id": home, "event_id": "EvS1",
				"event": map[string]any{"type": "message", "user": "XDANA", "user_team": "TACME", "channel": "C9", "ts": "1700000000.000100", "text": "socket hello"}}})
			send(map[string]any{"type": "slash_commands", "envelope_id": "env-2", "payload": map[string]any{
				"command": "/feedback", "text": "risk", "user_id": "UMARIA", "team_id": home, "channel_id": "CINTERNAL", "response_url": "https://hooks.example/z"}})
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			for range 2 {
				var ack map[string]any
				if err := conn.ReadJSON(&ack); err != nil {
					return
				}
				acks <- ack
			}
			time.Sleep(200 * time.Millisecond)
		}))
	}
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
