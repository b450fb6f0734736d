package redisstore

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// RouteClientLogs sends go-redis's own log lines (dial failures, pool events), which
// it otherwise prints straight to standard error, to the logger that logger returns,
// at debug level: the store already reports the same failures once, as errors in
// words ("cannot reach Redis at …"). go-redis's logger is process-wide, so only a
// program's main should call this, once, before opening a store.
func RouteClientLogs(logger func() *slog.Logger) {
	redis.SetLogger(clientLogger{logger})
}

type clientLogger struct{ logger func() *slog.Logger }

func (c clientLogger) Printf(ctx context.Context, format string, v ...any) {
	c.logger().DebugContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...))
}
