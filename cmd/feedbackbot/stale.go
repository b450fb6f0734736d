package main

import (
	"context"
	"fmt"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/config"
	"github.com/feedbackbot/feedbackbot/store"
)

// staleSample is how many messages staleTags reads from each end of a period.
const staleSample = 200

// analyzerVersion is the version of the analyzer the configuration makes, without
// building it (analysis.Version: building one took a tenth of a second and 20 MB
// more of every digest and risk).
func analyzerVersion(cfg config.Config) (string, error) {
	if cfg.Analysis.Layer == "" {
		return analysis.Version(cfg.Taxonomy(), nil)
	}
	b, err := readLayerFile(cfg.Analysis.Layer)
	if err != nil {
		return "", err
	}
	return analysis.Version(cfg.Taxonomy(), b)
}

// staleTags counts, among a workspace's messages of [from, to) (the newest
// staleSample, and the newest staleSample of its first quarter), those tagged by
// another analyzer than version: a changed taxonomy, analysis.layer or
// feedbackbot version. Until reanalyze re-tags them, digests and account health
// read the old tags (a review's find: an edited taxonomy's digest showed the old
// themes, with no word). The first quarter is read too because new messages are
// tagged by the new analyzer at once: the newest alone went quiet after a couple of
// hundred of them, while the period's older ones kept their old tags (a second
// review's find). An error reads as none: it is a hint, not a check.
func staleTags(ctx context.Context, st messageReader, ws, version string, from, to time.Time) (stale, read int, other string) {
	seen := map[string]bool{}
	for _, q := range []store.Query{{Workspace: ws, From: from, To: to, Limit: staleSample},
		{Workspace: ws, From: from, To: from.Add(to.Sub(from) / 4), Limit: staleSample}} {
		rows, err := st.Messages(ctx, q)
		if err != nil {
			return 0, 0, ""
		}
		for _, s := range rows {
			k := s.Message.Key()
			if seen[k] {
				continue
			}
			seen[k] = true
			read++
			if v := feedbackbot.TaggedBy(s.Tags.Analyzer); v != "" && v != version {
				stale++
				other = v
			}
		}
	}
	return stale, read, other
}

// warnStale says on stderr when messages of the period were tagged by another
// analyzer than the configuration's, and what to run.
func (m *Main) warnStale(ctx context.Context, st messageReader, cfg config.Config, ws string, from, to time.Time) {
	version, err := analyzerVersion(cfg)
	if err != nil {
		return // (the command reads no layer; config check and run report it)
	}
	if stale, read, other := staleTags(ctx, st, ws, version, from, to); stale > 0 {
		fmt.Fprintf(m.Stderr, "warning: %d of %d messages read in workspace %s (the period's newest and earliest) were tagged by analyzer %s, and this configuration's is %s "+
			"(the taxonomy, analysis.layer or feedbackbot changed): their themes and tags are the old ones until you run feedbackbot reanalyze\n",
			stale, read, ws, other, version)
	}
}

// messageReader reads stored messages (store.Store's Messages).
type messageReader interface {
	Messages(ctx context.Context, q store.Query) ([]store.Stored, error)
}
