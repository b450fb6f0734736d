package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/config"
)

// cmdExpire runs the retention pass by hand: what `run` does daily when
// retention.messages is set, for one workspace or all, with any age of a day or more.
func (m *Main) cmdExpire(ctx context.Context, args []string) error {
	fs, cfgPath := m.flags("expire")
	ws := fs.String("workspace", "", "only the workspace `ID` (default: every workspace)")
	olderThan := fs.String("older-than", "", "delete what is older than `AGE`, a day or more, such as 180d (default: retention.messages from the config)")
	at := fs.String("as-of", "", "measure ages from this moment, RFC 3339 `TIME` or a date (default now; a time in the future needs --force)")
	yes := fs.Bool("yes", false, "confirm: the deletion cannot be undone")
	force := fs.Bool("force", false, "also expire at an age under "+config.FormatDuration(config.MinRetention)+", shorter than the weeks account health reads (accounts then read as healthy for want of messages), or as of a time in the future")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := m.load(*cfgPath)
	if err != nil {
		return err
	}
	age := cfg.Retention.Messages.D()
	if *olderThan != "" {
		if age, err = config.ParseDuration(*olderThan); errors.Is(err, config.ErrNotDuration) {
			// (its examples were 90s, 15m and 24h, which it refuses as under a day)
			return usagef("--older-than: %q is not an age (e.g. %s)", strings.TrimSpace(*olderThan), durationExamples(24*time.Hour, 3650*24*time.Hour))
		} else if err != nil {
			return usagef("--older-than: %v", err)
		}
	}
	if age == 0 && *olderThan != "" {
		return usagef("--older-than %s: give an age of a day or more, e.g. 180d", *olderThan)
	}
	if age == 0 {
		return usagef("expire needs an age: --older-than 180d, or retention.messages in the config")
	}
	if age < 24*time.Hour {
		return usagef("--older-than %s is less than a day; messages that young are still being discussed", cmp.Or(*olderThan, config.FormatDuration(age)))
	}
	now, err := asOf(*at)
	if err != nil {
		return err
	}
	before := now.Add(-age)
	if real := time.Now().UTC(); now.After(real.Add(time.Minute)) && !*force {
		// (--as-of 2099-01-01 with --older-than 365d deleted every message, with no word)
		return refusef("--as-of %s is in the future (it is %s now): measured from then, expire would delete every message "+
			"from before %s, those younger than %s too. Leave --as-of out to measure from now, or run it again with --force",
			now.Format(time.RFC3339), real.Format(time.RFC3339), before.Format(time.RFC3339), cmp.Or(*olderThan, config.FormatDuration(age)))
	}
	scope := "every workspace"
	if *ws != "" {
		scope = "workspace " + *ws
	}
	if !*yes {
		return refusef("expire deletes, in %s, every message older than %s (before %s): its text, analysis and capture-log entries, "+
			"plus survey answers and quotes in alerts from before then. Hourly totals are kept, so trends and old digests still add up. "+
			"It cannot be undone; run it again with --yes", scope, config.FormatDuration(age), before.Format(time.RFC3339))
	}
	if age < config.MinRetention && !*force {
		// (an at-risk account, silent after a complaint, read "health 100/100, nothing
		// lowers its score" once the messages behind its reasons were gone: a review's find)
		return refusef("--older-than %s is under %s: account health reads an account's last 56 days, and with fewer kept an account "+
			"whose messages are gone reads as healthy (an at-risk one among them, its reasons deleted); config check refuses such a "+
			"retention. Run it again with --force to expire them all the same",
			cmp.Or(*olderThan, config.FormatDuration(age)), config.FormatDuration(config.MinRetention))
	}
	if age < config.MinRetention {
		fmt.Fprintf(m.Stderr, "warning: account health compares recent weeks with the last 56 days; with less than %s of messages kept it has less to compare, "+
			"and an account whose messages are gone reads as healthy.\n", config.FormatDuration(config.MinRetention))
	}
	st, where, err := m.openExistingStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	wss, err := selectWorkspaces(ctx, st, *ws)
	if err != nil {
		return err
	}
	var total bot.Expired
	for _, w := range wss {
		a, err := m.startAudit(ctx, st, w, "expire", "older than "+before.Format(time.RFC3339))
		if err != nil {
			return err
		}
		res, err := bot.ExpireOld(ctx, st, w, before)
		if err != nil {
			err = fmt.Errorf("expire %s: %w (what was deleted stays deleted; run it again to finish)", w, err)
		}
		if err = a.finish(ctx, res.Messages, err); err != nil {
			return err
		}
		total = total.Add(res)
		fixes := ""
		if res.Corrections > 0 {
			fixes = fmt.Sprintf(", %s of them", feedbackbot.CountNoun(res.Corrections, "staff correction", "staff corrections"))
		}
		digests := ""
		if res.DigestQuotes > 0 {
			digests = fmt.Sprintf(", %d in posted digests (the running bot edits their messages)", res.DigestQuotes)
		}
		fmt.Fprintf(m.Stdout, "%s: %s, %s, %s in alerts%s%s deleted.\n", w, feedbackbot.CountNoun(res.Messages, "message", "messages"),
			feedbackbot.CountNoun(res.SurveyAnswers, "survey answer", "survey answers"), feedbackbot.CountNoun(res.Evidence, "quote", "quotes"), digests, fixes)
	}
	fmt.Fprintf(m.Stdout, "Deleted what was older than %s (before %s) in %s (%s): %s in all. Hourly totals are kept.\n",
		config.FormatDuration(age), before.Format(time.RFC3339), scope, where, feedbackbot.CountNoun(total.Messages, "message", "messages"))
	// Always, not only when this run deleted messages: survey answers and alert
	// quotes leave bytes too, and the retry the error below asks for, or a run after
	// an interrupted one, finds nothing left to delete but the bytes still there.
	if c, ok := st.(compacter); ok {
		start := time.Now()
		if err := c.Compact(ctx); err != nil {
			return fmt.Errorf("the messages are deleted, but rewriting the store file to remove their bytes failed (run expire again to retry): %w", err)
		}
		fmt.Fprintf(m.Stdout, "Rewrote the store file so no deleted bytes remain in it (%s).\n", time.Since(start).Round(time.Millisecond))
	}
	return nil
}
