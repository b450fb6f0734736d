package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
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
	fs, cfgPath := m.flags("learn")
	ws := fs.String("workspace", "", "learn from the corrections of the workspace `ID` only (default: every workspace's)")
	out := fs.String("out", "feedbackbot-layer.json", "where to write the layer `FILE` (set analysis.layer to it)")
	weight := fs.Int("weight", 1, "how many times a correction counts beside a row of the shipped training sets, `N` of 1..100")
	folds := fs.Int("folds", 5, "`N` folds of the cross-validation on the corrections (2..10)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *weight < 1 || *weight > 100 {
		return usagef("--weight %d is out of range 1..100", *weight)
	}
	if *folds < 2 || *folds > 10 {
		return usagef("--folds %d is out of range 2..10", *folds)
	}
	// (it trained for seconds, then failed: "rename …tmp …: file exists")
	if err := checkOutPath("learn", "out", *out, "feedbackbot-layer.json"); err != nil {
		return err
	}
	cfg, st, where, err := m.session(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer st.Close()
	wss, err := selectWorkspaces(ctx, st, *ws)
	if err != nil {
		return err
	}
	// The analyzer in use: it tags the fields staff left alone, and it is what
	// the learned layer is measured against.
	current, err := newAnalyzer(cfg)
	if err != nil {
		return err
	}
	defaultThemes := analysis.DefaultTaxonomy().Names()
	// The rows: each corrected customer message, tagged as staff said (what they
	// left alone, as the analyzer in use tags it), with what staff set.
	var rows []learnRow
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
			if feedbackbot.IsNotFound(err) || (err == nil && !s.Message.FromCustomer()) {
				skipped++ // deleted, erased or expired since; or no customer's
				continue
			}
			if err != nil {
				return au.finish(ctx, n, fmt.Errorf("read message %s: %w", k, err))
			}
			r := learnRow{key: k, ws: w, sent: c.Sentiment != "", intent: c.Intent != "",
				themes: c.OnlyThemes || slices.ContainsFunc(append(slices.Clone(c.AddThemes), c.RemoveThemes...), func(t string) bool { return slices.Contains(defaultThemes, t) })}
			if !r.sent && !r.intent && !r.themes {
				skipped++ // a correction of custom themes alone: the layer learns the default's
				continue
			}
			t := c.Apply(current.AnalyzeMessage(&s.Message), true)
			r.Example = analysis.Example{Text: s.Message.Text, Label: t.Sentiment.Label, Intent: t.Intent, Themes: t.Themes}
			rows = append(rows, r)
			n++
		}
		recent, err := st.Messages(ctx, store.Query{Workspace: w, Limit: 1000})
		if err != nil {
			return au.finish(ctx, n, fmt.Errorf("read messages of %s: %w", w, err))
		}
		for _, s := range recent {
			if _, corrected := docs[s.Message.Key()]; !corrected && s.Message.FromCustomer() {
				others = append(others, s.Message)
			}
		}
		if err := au.finish(ctx, n, nil); err != nil {
			return err
		}
	}
	fmt.Fprintf(m.Stderr, "Learning from %s in the %s", feedbackbot.CountNoun(len(rows), "staff correction", "staff corrections"), where)
	if skipped > 0 {
		fmt.Fprintf(m.Stderr, " (%d left out: their messages are gone or not a customer's, the correction cannot be read, or it sets only themes of your own, which the layer does not learn)", skipped)
	}
	fmt.Fprintln(m.Stderr)
	if len(rows) < minLearnRows {
		// (exit status 1, not a usage error's 2: the command line was right, a review's find)
		return fmt.Errorf("learn needs at least %d corrections of customers' messages to learn from and to measure; the store holds %d it can learn from. "+
			"Correct what analysis gets wrong with /feedback correct MESSAGE_LINK, then run learn again", minLearnRows, len(rows))
	}
	k := min(*folds, len(rows))
	var before, after learnScore
	start := time.Now()
	for f := range k {
		var train []analysis.Example
		var held []learnRow
		for i, r := range rows {
			if i%k == f {
				held = append(held, r)
			} else {
				train = append(train, r.Example)
			}
		}
		fmt.Fprintf(m.Stderr, "  measuring: fold %d of %d, training on %s (%s so far)\n", f+1, k, feedbackbot.CountNoun(len(train), "correction", "corrections"), time.Since(start).Round(time.Second))
		learned, _, err := learnAnalyzer(cfg.Taxonomy(), train, *weight, nil)
		if err != nil {
			return err
		}
		before.add(current, held)
		after.add(learned, held)
	}
	fmt.Fprintf(m.Stderr, "  training on all %d corrections\n", len(rows)) // (minLearnRows or more)
	all := make([]analysis.Example, len(rows))
	names := make([]string, len(rows))
	secrets := map[string][]byte{}
	for i, r := range rows {
		if secrets[r.ws] == nil {
			if secrets[r.ws], err = bot.LearnSecret(ctx, st, r.ws, true); err != nil {
				return fmt.Errorf("learn: %w", err)
			}
		}
		all[i], names[i] = r.Example, analysis.LearnedKeyed(secrets[r.ws], r.key)
	}
	// The layer names the messages it learned from (keyed with the workspace's
	// learn secret, kept in the store, not in the file), so that forgetting a
	// person can say when it must be learned again without theirs.
	learned, b, err := learnAnalyzer(cfg.Taxonomy(), all, *weight, names)
	if err != nil {
		return err
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
	fmt.Fprintf(m.Stdout, "On your corrections, cross-validated (%d folds: each scored by a layer trained without it), the analyzer in use → the learned layer, on what staff set:\n", k)
	fmt.Fprintf(m.Stdout, "  sentiment right:  %s → %s\n", pct(before.sent, before.sentN), pct(after.sent, after.sentN))
	fmt.Fprintf(m.Stdout, "  intent right:     %s → %s\n", pct(before.intent, before.intentN), pct(after.intent, after.intentN))
	if before.themesN > 0 {
		fmt.Fprintf(m.Stdout, "  themes F1:        %.2f → %.2f (%s)\n", before.themes.F1(), after.themes.F1(), feedbackbot.CountNoun(before.themesN, "message", "messages"))
	}
	if len(others) > 0 {
		fmt.Fprintf(m.Stdout, "Of the %d latest customer messages nobody corrected, it changes the sentiment of %s and the intent of %s.\n",
			len(others), pct(changedSent, len(others)), pct(changedIntent, len(others)))
	}
	gained := after.sent + after.intent - before.sent - before.intent
	if gained <= 0 && after.themes.F1() <= before.themes.F1() {
		// (it wrote a layer that changed no tag, and said to re-tag all history with it)
		fmt.Fprintf(m.Stdout, "It does no better on your corrections than the analyzer in use, so nothing was written: keep the analyzer you have. "+
			"Corrections count at once either way; more of them, or weight N, may teach it more.\n")
		return nil
	}
	// Its weights come from customers' words: readable by the owner alone.
	if err := writeBeside(*out, 0o600, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return fmt.Errorf("learn: %w", err)
	}
	abs, err := filepath.Abs(*out)
	if err != nil {
		abs = *out
	}
	fmt.Fprintf(m.Stdout, "Wrote %s, trained on the shipped training sets and %s, each counted %s.\n", abs,
		feedbackbot.CountNoun(len(rows), "correction", "corrections"), feedbackbot.CountNoun(*weight, "time", "times"))
	fmt.Fprintf(m.Stdout, "To use it: set analysis.layer: %s in the configuration, restart feedbackbot run, then run feedbackbot reanalyze to re-tag the history with it.\n", abs)
	return nil
}

// learnAnalyzer trains a layer on the shipped sets and rows (LearnLayerNamed;
// names, the rows' messages keyed with their workspace's learn secret) and
// returns the analyzer it makes under the taxonomy, and the layer's file.
func learnAnalyzer(tax analysis.Taxonomy, rows []analysis.Example, weight int, names []string) (*analysis.Analyzer, []byte, error) {
	b, err := analysis.LearnLayerNamed(rows, weight, names)
	if err != nil {
		return nil, nil, fmt.Errorf("learn: %w", err)
	}
	a, err := analysis.NewWithLayer(tax, b)
	if err != nil {
		return nil, nil, fmt.Errorf("learn: %w", err)
	}
	return a, b, nil
}

// learnRow is a corrected message with what staff set of its tags: only those
// fields are scored (the others are the analyzer's own).
type learnRow struct {
	analysis.Example
	key                  string // the message's
	ws                   string // its workspace's (whose learn secret names it)
	sent, intent, themes bool
}

// learnScore counts how many of the fields staff set an analyzer tagged as they did.
type learnScore struct {
	sent, sentN, intent, intentN, themesN int
	themes                                analysis.ThemeCounts
}

func (s *learnScore) add(a *analysis.Analyzer, rows []learnRow) {
	for _, r := range rows {
		t := a.AnalyzeChat(r.Text)
		if r.sent {
			s.sentN++
			if t.Sentiment.Label == r.Label {
				s.sent++
			}
		}
		if r.intent {
			s.intentN++
			if t.Intent == r.Intent {
				s.intent++
			}
		}
		if r.themes {
			s.themesN++
			s.themes.Add(t.Themes, r.Themes)
		}
	}
}

func pct(k, n int) string {
	return fmt.Sprintf("%d of %d (%.0f%%)", k, n, 100*float64(k)/float64(max(1, n)))
}
