package bot

import (
	"context"
	"fmt"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// ReplayStore is what re-analysis needs: the log in order, and Apply.
type ReplayStore interface {
	Replay(ctx context.Context, workspace string, fn func(store.Entry) error) error
	Apply(ctx context.Context, items ...store.Applied) (int, error)
}

// ReanalyzeResult counts what a re-analysis did.
type ReanalyzeResult struct {
	Read    int // log entries replayed
	Applied int // messages whose derived state changed
}

// Reanalyze replays a workspace's log through the analyzer. Apply swaps each message's
// old contributions for the new ones, so it is safe while workers run and safe to
// repeat; messages already tagged by the same analyzer version are left alone.
func Reanalyze(ctx context.Context, st ReplayStore, a Analyzer, workspace string, batch int, progress func(int)) (ReanalyzeResult, error) {
	var res ReanalyzeResult
	items := make([]store.Applied, 0, batch)
	flush := func() error {
		if len(items) == 0 {
			return nil
		}
		n, err := st.Apply(ctx, items...)
		res.Applied += n
		items = items[:0]
		if progress != nil {
			progress(res.Read)
		}
		return err
	}
	err := st.Replay(ctx, workspace, func(e store.Entry) error {
		res.Read++
		it := store.Applied{Entry: e}
		if e.Event.Kind == feedbackbot.EventPut {
			it.Tags = a.AnalyzeMessage(&e.Event.Message)
		}
		items = append(items, it)
		if len(items) == batch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if progress != nil {
		progress(-1)
	}
	if err != nil {
		return res, fmt.Errorf("reanalyze %s: %w", workspace, err)
	}
	return res, nil
}
