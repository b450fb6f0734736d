package bot

import (
	"context"
	"fmt"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// ReplayStore is what re-analysis needs: the log in order, Apply, and staff's
// corrections.
type ReplayStore interface {
	Replay(ctx context.Context, workspace string, fn func(store.Entry) error) error
	Apply(ctx context.Context, items ...store.Applied) (int, error)
	GetDocs(ctx context.Context, workspace, kind string, ids ...string) (map[string][]byte, error)
}

// ReanalyzeResult counts what a re-analysis did.
type ReanalyzeResult struct {
	Read    int // log entries replayed
	Applied int // messages whose derived state changed
	// Corrected counts the messages tagged with staff's correction over the new
	// analysis; Uncorrected those whose correction could not be read (a damaged
	// document: the message has analysis's tags).
	Corrected, Uncorrected int
}

// Reanalyze replays a workspace's log through the analyzer. Apply swaps each message's
// old contributions for the new ones, so it is safe while workers run and safe to
// repeat; messages already tagged by the same analyzer version are left alone.
// Staff's corrections (DocCorrection) are put over the new analysis, as the worker
// puts them, read batch by batch (so one made while it runs holds). progress, when
// set, gets the entries read after each batch, and -1 once all are done (never
// after an error).
func Reanalyze(ctx context.Context, st ReplayStore, a Analyzer, workspace string, batch int, progress func(int)) (ReanalyzeResult, error) {
	var res ReanalyzeResult
	known := knownThemes(a)
	corrected, uncorrected := map[string]bool{}, map[string]bool{}
	items := make([]store.Applied, 0, batch)
	flush := func() error {
		if len(items) == 0 {
			return nil
		}
		n, fixed, bad, err := applyCorrected(ctx, st, items, known)
		res.Applied += n
		for _, k := range fixed {
			corrected[k] = true
		}
		for _, k := range bad {
			uncorrected[k] = true
		}
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
	if progress != nil && err == nil {
		progress(-1) // (only when done: an interrupted run said "done", then its error)
	}
	for k := range uncorrected {
		delete(corrected, k)
	}
	res.Corrected, res.Uncorrected = len(corrected), len(uncorrected)
	if err != nil {
		return res, fmt.Errorf("reanalyze %s: %w", workspace, err)
	}
	return res, nil
}
