package slackadapter

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"
	"github.com/slack-go/slack/socketmode"
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

// TestSocketModeRefreshesAreQuiet: Slack asks for a new connection every few hours
// (a disconnect envelope, reason warning, then refresh_requested); slack-go closes
// the connection and opens another, and an event sent on the last one is captured
// and acknowledged. Nothing is lost, and nothing is logged at warning level: the
// read that slack-go's own close ends ("use of closed network connection") was
// logged, on about half the refreshes, as "a message from Slack could not be
// read", which none was (a review's find).
func TestSocketModeRefreshesAreQuiet(t *testing.T) {
	const refreshes = 10
	var opens atomic.Int32
	acks := make(chan string, 1)
	f := newFixture(t, func(c slacktest.Customize) {
		c.Handle("/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"ok":true,"url":"ws://%s/socket"}`, r.Host)
		})
		c.Handle("/socket", slacktest.Websocket(func(conn *websocket.Conn) {
			n := opens.Add(1)
			conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1})
			if n <= refreshes {
				reason := "refresh_requested"
				if n%2 == 1 {
					reason = "warning"
				}
				conn.WriteJSON(map[string]any{"type": "disconnect", "reason": reason, "debug_info": map[string]any{"host": "applink-1"}})
			} else {
				conn.WriteJSON(map[string]any{"type": "events_api", "envelope_id": "env-1", "payload": map[string]any{
					"type": "event_callback", "team_id": home, "event_id": "EvS1",
					"event": map[string]any{"type": "message", "user": "XDANA", "user_team": "TACME", "channel": "C9", "ts": "1700000000.000100", "text": "after the refreshes"}}})
			}
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			var ack map[string]any
			if conn.ReadJSON(&ack) == nil {
				acks <- fmt.Sprint(ack["envelope_id"])
			}
			conn.ReadJSON(&ack) // (until the client closes the connection)
		}))
	})
	var logs syncBuffer
	f.a.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.a.RunSocket(ctx, "xapp-test") }()
	select {
	case id := <-acks:
		if id != "env-1" {
			t.Errorf("acknowledged %q", id)
		}
	case err := <-done:
		t.Fatalf("RunSocket ended: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatalf("the event after %d refreshes was never acknowledged (%d connections opened)", refreshes, opens.Load())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("RunSocket: %v", err)
	}
	if _, ok := f.stored(key("C9", "1700000000.000100")); !ok {
		t.Error("the event after the refreshes was not stored")
	}
	if out := logs.String(); strings.Contains(out, "level=WARN") || strings.Contains(out, "level=ERROR") {
		t.Errorf("%d routine refreshes, and the log says:\n%s", refreshes, out)
	}
}

// TestSocketModeUnwrittenAckIsLogged: an acknowledgement slack-go accepted and
// then could not write (the connection broke under it; slack-go says so with a
// write_error event) is logged with its envelope id, as the README says a failed
// acknowledgement is: it was dropped unlogged, and only acknowledgements slack-go
// refused at once (20 KB or more) were logged (a review's find).
func TestSocketModeUnwrittenAckIsLogged(t *testing.T) {
	f := newFixture(t)
	var logs syncBuffer
	f.a.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cause := &net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}
	evt := socketmode.Event{Type: socketmode.EventTypeErrorWriteFailed,
		Data: &socketmode.ErrorWriteFailed{Cause: cause, Response: &socketmode.Response{EnvelopeID: "env-lost"}}}
	if err := f.a.socketEvent(t.Context(), socketmode.New(slack.New("xoxb-test")), nil, evt); err != nil {
		t.Fatalf("socketEvent: %v", err)
	}
	if out := logs.String(); !strings.Contains(out, "acknowledgement not sent") || !strings.Contains(out, "env-lost") || !strings.Contains(out, "broken pipe") {
		t.Errorf("the log says:\n%s\nwant the acknowledgement not sent, its envelope and why", out)
	}
}
