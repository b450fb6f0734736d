package slackadapter

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"
)

// TestSocketModeUnreadableFrameIsNoLostConnection: Slack sends a frame that is no
// JSON, then an event. slack-go keeps the connection (a malformed frame is no
// broken connection) and the event arrives over it; the log does not say the
// connection was lost (it did for a day, 2026-12-07: a review's find).
func TestSocketModeUnreadableFrameIsNoLostConnection(t *testing.T) {
	var opens atomic.Int32
	acks := make(chan struct{}, 1)
	f := newFixture(t, func(c slacktest.Customize) {
		c.Handle("/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
			opens.Add(1)
			fmt.Fprintf(w, `{"ok":true,"url":"ws://%s/socket"}`, r.Host)
		})
		c.Handle("/socket", slacktest.Websocket(func(conn *websocket.Conn) {
			conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1})
			conn.WriteMessage(websocket.TextMessage, []byte("{not json"))
			conn.WriteJSON(map[string]any{"type": "events_api", "envelope_id": "env-1", "payload": map[string]any{
				"type": "event_callback", "team_id": home, "event_id": "EvS1",
				"event": map[string]any{"type": "message", "user": "XDANA", "user_team": "TACME", "channel": "C9", "ts": "1700000000.000100", "text": "socket hello"}}})
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			var ack map[string]any
			if conn.ReadJSON(&ack) == nil {
				acks <- struct{}{}
			}
			time.Sleep(300 * time.Millisecond)
		}))
	})
	var logs syncBuffer
	f.a.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.a.RunSocket(ctx, "xapp-test") }()
	select {
	case <-acks:
	case <-time.After(10 * time.Second):
		t.Fatal("the event after the unreadable frame was never acknowledged")
	}
	cancel()
	<-done
	if n := opens.Load(); n != 1 {
		t.Fatalf("precondition: one connection, got %d apps.connections.open calls", n)
	}
	if out := logs.String(); strings.Contains(out, "connection lost") {
		t.Errorf("the connection was kept (the event came over it), yet the log says:\n%s", out)
	}
}
