package main

import (
	"context"
	"fmt"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/store"
)

// staleSample is how many of a workspace's latest messages staleTags reads.
const staleSample = 200

// staleTags counts, among a workspace's latest messages (at most staleSample),
// those tagged by another analyzer than a: a changed taxonomy, analysis.layer or
// feedbackbot version. Until reanalyze re-tags them, digests and account health
// read the old tags (a review's find: an edited taxonomy's digest showed the old
// themes, with no word). An error reads as none: it is a hint, not a check.
func staleTags(ctx context.Context, st messageReader, ws string, a *analysis.Analyzer) (stale, read int, other string) {
	rows, err := st.Messages(ctx, store.Query{Workspace: ws, Limit: staleSample})
	if err != nil {
		return 0, 0, ""
	}
	for _, s := range rows {
		if v := feedbackbot.TaggedBy(s.Tags.Analyzer); v != "" && v != a.Version() {
			stale++
			other = v
		}
	}
	return stale, len(rows), other
}

// warnStale says on stderr when the workspace's latest messages were tagged by
// another analyzer than the configuration's, and what to run.
func (m *Main) warnStale(ctx context.Context, st messageReader, ws string, a *analysis.Analyzer) {
	if stale, read, other := staleTags(ctx, st, ws, a); stale > 0 {
		fmt.Fprintf(m.Stderr, "warning: %d of the %d latest messages of workspace %s were tagged by analyzer %s, and this configuration's is %s "+
			"(the taxonomy, analysis.layer or feedbackbot changed): their themes and tags are the old ones until you run feedbackbot reanalyze",
			stale, read, ws, other, a.Version())
		fmt.Fprintln(m.Stderr)
	}
}

// messageReader reads stored messages (store.Store's Messages).
type messageReader interface {
	Messages(ctx context.Context, q store.Query) ([]store.Stored, error)
}
