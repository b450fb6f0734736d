package redisstore

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestClientLoggerIsDebug(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	c := clientLogger{func() *slog.Logger { return l }}
	c.Printf(context.Background(), "failed to dial %s: %v", "127.0.0.1:1", "connection refused")
	if buf.Len() != 0 {
		t.Errorf("at info level the client's lines must not show: %q", buf.String())
	}
	l = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c.Printf(context.Background(), "failed to dial %s: %v", "127.0.0.1:1", "connection refused")
	if got := buf.String(); !strings.Contains(got, "level=DEBUG") || !strings.Contains(got, "failed to dial 127.0.0.1:1: connection refused") {
		t.Errorf("debug line = %q", got)
	}
}
