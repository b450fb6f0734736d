package bot_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// emergingNew lists the phrases of a digest's emerging themes that mention any of
// words.
func emergingNew(d feedbackbot.Digest, words ...string) []string {
	var out []string
	for _, e := range d.Emerging {
		for _, p := range e.Phrases {
			for _, w := range words {
				if strings.Contains(p, w) {
					out = append(out, p)
					break
				}
			}
		}
	}
	return out
}

// TestDigestEmergingHistorySpansEachDay: the history was the newest 250 messages
// of each of the four weeks before the period, so on a workspace of more than 250
// messages a week it was each week's last day or so: a topic customers raised at
// the start of every week was never in it, and was "new" every week (a review's
// find). Each day of the four weeks is read alike.
func TestDigestEmergingHistorySpansEachDay(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	from := end.Add(-7 * 24 * time.Hour)
	var msgs []feedbackbot.Message
	add := func(at time.Time, text string) {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C1:%d", len(msgs)), Platform: feedbackbot.PlatformSlack, Workspace: "TW",
			Channel: "C1", Author: fmt.Sprintf("U%d", len(msgs)%7), Role: feedbackbot.RoleCustomer, Account: "A1", Text: text, Time: at})
	}
	for w := range 4 {
		weekStart := from.Add(-time.Duration(w+1) * 7 * 24 * time.Hour)
		for i := range 10 { // the week's first two days
			add(weekStart.Add(time.Duration(i)*4*time.Hour), fmt.Sprintf("the query editor loses my draft number %d", i))
		}
		for i := range 300 { // its last day
			add(weekStart.Add(6*24*time.Hour+time.Duration(i)*4*time.Minute), fmt.Sprintf("how do I invite teammate number %d to the workspace?", i))
		}
	}
	for i := range 60 {
		add(end.Add(-time.Duration(i+10)*time.Hour), fmt.Sprintf("how do I invite teammate number %d to the workspace?", i))
	}
	for i, text := range []string{"the query editor froze twice today", "is the query editor going to support snippets?", "the query editor loses my draft"} {
		add(end.Add(-time.Duration(i+1)*time.Hour), text)
	}
	st := backends(t)["bolt"](t)
	captured(t, st, msgs...)
	d, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TW", From: from, To: end, Now: end})
	if err != nil {
		t.Fatal(err)
	}
	if got := emergingNew(d, "query", "editor"); len(got) > 0 {
		t.Errorf("the query editor, raised in each of the four weeks before, is new: %q", got)
	}
}

// readCounter counts the messages read before a time (the history's).
type readCounter struct {
	store.Store
	before time.Time
	mu     sync.Mutex
	rows   int
}

func (c *readCounter) Messages(ctx context.Context, q store.Query) ([]store.Stored, error) {
	rows, err := c.Store.Messages(ctx, q)
	if !q.To.IsZero() && !q.To.After(c.before) {
		c.mu.Lock()
		c.rows += len(rows)
		c.mu.Unlock()
	}
	return rows, err
}

// TestDigestEmergingHistoryIsCustomers: the history's bound counted staff's and
// bots' messages too, so a team that answers (or a bot that posts) a lot pushed
// its customers out of it, and what customers said every day was "new" (a
// review's find). Each day's customer messages are read past the others', and
// the reading stays bounded: the whole history reads at most historyBudget
// messages (1,000), however many a bot posts.
func TestDigestEmergingHistoryIsCustomers(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	from := end.Add(-7 * 24 * time.Hour)
	var msgs []feedbackbot.Message
	add := func(at time.Time, role feedbackbot.Role, author, text string) {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C1:%d", len(msgs)), Platform: feedbackbot.PlatformSlack, Workspace: "TS",
			Channel: "C1", Author: author, Role: role, Account: "A1", Text: text, Time: at})
	}
	for day := range 28 {
		start := from.Add(-time.Duration(day+1) * 24 * time.Hour)
		if day%7 != 0 { // customers write in the morning, staff answer all afternoon
			for i := range 2 {
				add(start.Add(time.Duration(8+i)*time.Hour), feedbackbot.RoleCustomer, fmt.Sprintf("U%d", (day+i)%5),
					fmt.Sprintf("the query editor loses my draft %d", i))
			}
			for i := range 60 {
				add(start.Add(12*time.Hour+time.Duration(i)*5*time.Minute), feedbackbot.RoleStaff, "S1", fmt.Sprintf("looking into ticket %d now", i))
			}
			continue
		}
		for i := range 260 { // each week's last day: a bot's posts, and a few questions
			if i%10 == 0 {
				add(start.Add(time.Duration(i)*5*time.Minute), feedbackbot.RoleCustomer, fmt.Sprintf("U%d", i%7), fmt.Sprintf("how do I invite teammate number %d?", i))
				continue
			}
			add(start.Add(time.Duration(i)*5*time.Minute), feedbackbot.RoleBot, "B1", fmt.Sprintf("deploy %d finished", i))
		}
	}
	for i := range 60 {
		add(end.Add(-time.Duration(i+10)*time.Hour), feedbackbot.RoleCustomer, fmt.Sprintf("U%d", i%7), fmt.Sprintf("how do I invite teammate number %d?", i))
	}
	for i, text := range []string{"the query editor froze twice today", "is the query editor going to support snippets?", "the query editor loses my draft"} {
		add(end.Add(-time.Duration(i+1)*time.Hour), feedbackbot.RoleCustomer, fmt.Sprintf("U%d", i), text)
	}
	st := &readCounter{Store: backends(t)["bolt"](t), before: from}
	captured(t, st.Store, msgs...)
	d, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TS", From: from, To: end, Now: end})
	if err != nil {
		t.Fatal(err)
	}
	if got := emergingNew(d, "query", "editor"); len(got) > 0 {
		t.Errorf("the query editor, raised by customers every day before, is new: %q", got)
	}
	// 24 days of 62 messages and 4 of 260: not every message of those days,
	// whatever their customers (the whole history reads historyBudget at most; this
	// bound, from when each day read up to 140, is looser).
	if max := 24*62 + 4*140; st.rows > max {
		t.Errorf("the history read %d messages, over %d", st.rows, max)
	}
}
