package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// minLearnRows is the fewest corrections learn trains on: fewer teach the layer
// little and cannot be measured.
const minLearnRows = 10

// cmdLearn retrains the analyzer's combination layer with the staff's
// corrections added to the shipped training sets, measures it on the
// corrections by cross-validation against the shipped layer, and writes it for
// analysis.layer.
func (m *Main) cmdLearn(ctx context.Context, args []string) error {
	fs, cfgPath := m.flags("learn", "[--workspace W] [--out FILE] [--weight N] [--folds N]")
	ws := fs.String("workspace", "", "learn from this workspace's corrections only (default: every workspace's)")
	out := fs.String("out", "feedbackbot-layer.json", "where to write the layer `FILE` (set analysis.layer to it)")
	weight := fs.Int("weight", 1, "how many times a correction counts beside a row of the shipped training sets")
	folds := fs.Int("folds", 5, "folds of the cross-validation on the corrections (2..10)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *weight < 1 || *weight > 100 {
		return usagef("--weight %d is out of range 1..100", *weight)
	}
	if *folds < 2 || *folds > 10 {
		return usagef("--folds %d is out of range 2..10", *folds)
	}
	if dir := filepath.Dir(*out); dir != "." {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return usagef("--out %s: the directory %s does not exist", *out, dir)
		}
	}
	cfg, st, where, err := m.session(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer st.Close()
	wss, err := st.Workspaces(ctx)
	if err != nil {
		return fmt.Errorf("list workspaces: %w", err)
	}
	if *ws != "" {
		if !slices.Contains(wss, *ws) {
			return unknownWorkspace(*ws, wss)
		}
		wss = []string{*ws}
	}
	current, err := newAnalyzer(cfg)
	if err != nil {
		return err
	}
	shipped, err := analysis.New(cfg.Taxonomy())
	if err != nil {
		return fmt.Errorf("analysis: %w", err)
	}
	// The rows: each corrected customer message, tagged as staff said (what they
	// left alone, as the analyzer in use tags it).
	var rows []analysis.Example
	var others []feedbackbot.Message // recent customer messages staff did not correct
	skipped := 0
	for _, w := range wss {
		au, err := m.startAudit(ctx, st, w, "learn", "corrections")
		if err != nil {
			return err
		}
		docs, err := st.ListDocs(ctx, w, bot.DocCorrection)
		if err != nil {
			return au.finish(ctx, 0, fmt.Errorf("read corrections of %s: %w", w, err))
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range docs {
				if !yield(k) {
					return
				}
			}
		})
		n := 0
		for _, k := range keys {
			var c feedbackbot.Correction
			if json.Unmarshal(docs[k], &c) != nil {
				skipped++
				continue
			}
			s, err := st.Message(ctx, k)
			if feedbackbot.IsNotFound(err) || (err == nil && s.Message.Role != feedbackbot.RoleCustomer && s.Message.Role != "") {
				skipped++ // deleted, erased or expired since; or no customer's
				continue
			}
			if err != nil {
				return au.finish(ctx, n, fmt.Errorf("read message %s: %w", k, err))
			}
			t := c.Apply(current.AnalyzeMessage(&s.Message), true)
			rows = append(rows, analysis.Example{Text: s.Message.Text, Label: t.Sentiment.Label, Intent: t.Intent, Themes: t.Themes})
			n++
		}
		recent, err := st.Messages(ctx, store.Query{Workspace: w, Limit: 1000})
		if err != nil {
			return au.finish(ctx, n, fmt.Errorf("read messages of %s: %w", w, err))
		}
		for _, s := range recent {
			if _, corrected := docs[s.Message.Key()]; !corrected && (s.Message.Role == feedbackbot.RoleCustomer || s.Message.Role == "") {
				others = append(others, s.Message)
			}
		}
		if err := au.finish(ctx, n, nil); err != nil {
			return err
		}
	}
	fmt.Fprintf(m.Stderr, "Learning from %d staff correction(s) in the %s", len(rows), where)
	if skipped > 0 {
		fmt.Fprintf(m.Stderr, " (%d left out: their messages are gone, are not a customer's, or the correction cannot be read)", skipped)
	}
	fmt.Fprintln(m.Stderr)
	if len(rows) < minLearnRows {
		return refusef("learn needs at least %d corrections of customers' messages to learn from and to measure; the store holds %d. "+
			"Correct what analysis gets wrong with /feedback correct MESSAGE_LINK, then run learn again", minLearnRows, len(rows))
	}
	k := min(*folds, len(rows))
	var before, after learnScore
	start := time.Now()
	for f := range k {
		var train, held []analysis.Example
		for i, r := range rows {
			if i%k == f {
				held = append(held, r)
			} else {
				train = append(train, r)
			}
		}
		fmt.Fprintf(m.Stderr, "  measuring: fold %d of %d, training on %d correction(s) (%s so far)\n", f+1, k, len(train), time.Since(start).Round(time.Second))
		b, err := analysis.LearnLayer(train, *weight)
		if err != nil {
			return fmt.Errorf("learn: %w", err)
		}
		learned, err := analysis.NewWithLayer(cfg.Taxonomy(), b)
		if err != nil {
			return fmt.Errorf("learn: %w", err)
		}
		before.add(shipped, held)
		after.add(learned, held)
	}
	fmt.Fprintf(m.Stderr, "  training on all %d correction(s)\n", len(rows))
	b, err := analysis.LearnLayer(rows, *weight)
	if err != nil {
		return fmt.Errorf("learn: %w", err)
	}
	learned, err := analysis.NewWithLayer(cfg.Taxonomy(), b)
	if err != nil {
		return fmt.Errorf("learn: %w", err)
	}
	// What it would change where staff found nothing to correct: the recent
	// customer messages of no correction, as the analyzer in use tags them.
	changedSent, changedIntent := 0, 0
	for i := range others {
		was, now := current.AnalyzeMessage(&others[i]), learned.AnalyzeMessage(&others[i])
		if was.Sentiment.Label != now.Sentiment.Label {
			changedSent++
		}
		if was.Intent != now.Intent {
			changedIntent++
		}
	}
	// Written beside, then renamed: a failed write leaves no partial layer. Its
	// weights come from customers' words: readable by the owner alone.
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".feedbackbot-layer-*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	_, werr := tmp.Write(b)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), *out)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", *out, werr)
	}
	fmt.Fprintf(m.Stdout, "On your corrections, cross-validated (%d folds: each fold scored by a layer trained without it; messages analysis got wrong, so the shipped layer scores low there by design):\n", k)
	fmt.Fprintf(m.Stdout, "  sentiment right:  %s → %s\n", pct(before.sent, before.n), pct(after.sent, after.n))
	fmt.Fprintf(m.Stdout, "  intent right:     %s → %s\n", pct(before.intent, before.n), pct(after.intent, after.n))
	fmt.Fprintf(m.Stdout, "  themes F1:        %.2f → %.2f\n", before.themes.F1(), after.themes.F1())
	if len(others) > 0 {
		fmt.Fprintf(m.Stdout, "Of the %d latest customer messages nobody corrected, it changes the sentiment of %s and the intent of %s: check that these are for the better before you use it.\n",
			len(others), pct(changedSent, len(others)), pct(changedIntent, len(others)))
	}
	fmt.Fprintf(m.Stdout, "Wrote %s, trained on the shipped training sets and %d correction(s), each counted %d time(s).\n", *out, len(rows), *weight)
	fmt.Fprintf(m.Stdout, "To use it: set analysis.layer: %s in the configuration, restart feedbackbot run, then run feedbackbot reanalyze to re-tag the history with it.\n", *out)
	return nil
}

// learnScore counts how many rows an analyzer tagged as staff did.
type learnScore struct {
	n, sent, intent int
	themes          analysis.ThemeCounts
}

func (s *learnScore) add(a *analysis.Analyzer, rows []analysis.Example) {
	for _, r := range rows {
		t := a.AnalyzeChat(r.Text)
		s.n++
		if t.Sentiment.Label == r.Label {
			s.sent++
		}
		if t.Intent == r.Intent {
			s.intent++
		}
		s.themes.Add(t.Themes, r.Themes)
	}
}

func pct(k, n int) string {
	return fmt.Sprintf("%d of %d (%.0f%%)", k, n, 100*float64(k)/float64(max(1, n)))
}
