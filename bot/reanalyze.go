package bot

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// ReplayStore is what re-analysis needs: the log in order, and Apply.
type ReplayStore interface {
	Replay(ctx context.Context, workspace string, fn func(store.Entry) error) error
	Apply(ctx context.Context, items ...store.Applied) (int, error)
	ListDocs(ctx context.Context, workspace, kind string) (map[string][]byte, error)
}

// ReanalyzeResult counts what a re-analysis did.
type ReanalyzeResult struct {
	Read    int // log entries replayed
	Applied int // messages whose derived state changed
	// Corrected counts the puts replayed with staff's correction over them;
	// Uncorrected the corrections that could not be read (damaged documents).
	Corrected, Uncorrected int
}

// Reanalyze replays a workspace's log through the analyzer. Apply swaps each message's
// old contributions for the new ones, so it is safe while workers run and safe to
// repeat; messages already tagged by the same analyzer version are left alone.
// Staff's corrections (DocCorrection) are applied over the new analysis, as the
// worker applies them; one that cannot be read is left out and counted in
// Uncorrected.
func Reanalyze(ctx context.Context, st ReplayStore, a Analyzer, workspace string, batch int, progress func(int)) (ReanalyzeResult, error) {
	var res ReanalyzeResult
	raw, err := st.ListDocs(ctx, workspace, DocCorrection)
	if err != nil {
		return res, fmt.Errorf("reanalyze %s: read corrections: %w", workspace, err)
	}
	fixes := make(map[string]feedbackbot.Correction, len(raw))
	for k, b := range raw {
		var c feedbackbot.Correction
		if json.Unmarshal(b, &c) != nil {
			res.Uncorrected++
			continue
		}
		fixes[k] = c
	}
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
	err = st.Replay(ctx, workspace, func(e store.Entry) error {
		res.Read++
		it := store.Applied{Entry: e}
		if m := &e.Event.Message; e.Event.Kind == feedbackbot.EventPut {
			it.Tags = a.AnalyzeMessage(m)
			if c, ok := fixes[m.Key()]; ok {
				it.Tags = c.Apply(it.Tags, isCustomer(m))
				res.Corrected++
			}
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
