package bot_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// historyQueries records the message queries that end at or before a time (the
// emerging history's), and the rows they returned.
type historyQueries struct {
	store.Store
	before  time.Time
	mu      sync.Mutex
	queries []store.Query
	rows    int
}

func (c *historyQueries) Messages(ctx context.Context, q store.Query) ([]store.Stored, error) {
	rows, err := c.Store.Messages(ctx, q)
	if !q.To.IsZero() && !q.To.After(c.before) {
		c.mu.Lock()
		c.queries, c.rows = append(c.queries, q), c.rows+len(rows)
		c.mu.Unlock()
	}
	return rows, err
}

// TestDigestEmergingHistoryReadsAcrossEachDay: each history "day" was the newest
// 35 messages of the 24 hours before the period's start, and a scheduled digest
// starts at its run time (09:00 here): on a workspace of more than 35 customer
// messages a night, every day's sample was its night and early morning, and what
// customers said in working hours, every day of the four weeks, was "new" (a
// review's find). Each day is read as four parts, each its newest messages.
func TestDigestEmergingHistoryReadsAcrossEachDay(t *testing.T) {
	end := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) // a Monday 09:00 run
	from := end.Add(-7 * 24 * time.Hour)
	var msgs []feedbackbot.Message
	add := func(at time.Time, author, text string) {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C1:%d", len(msgs)), Platform: feedbackbot.PlatformSlack, Workspace: "TR3",
			Channel: "C1", Author: author, Role: feedbackbot.RoleCustomer, Account: "A1", Text: text, Time: at})
	}
	for day := range 28 {
		midnight := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -day-1)
		for i := range 6 { // working hours
			add(midnight.Add(time.Duration(10+i)*time.Hour), fmt.Sprintf("U%d", (day+i)%5), fmt.Sprintf("the query editor loses my draft %d", i))
		}
		for i := range 40 { // the night shift's questions (another region's customers)
			add(midnight.Add(-time.Duration(i+1)*12*time.Minute+24*time.Hour), fmt.Sprintf("U%d", i%7), fmt.Sprintf("how do I invite teammate number %d?", i))
		}
	}
	for i := range 60 {
		add(end.Add(-time.Duration(i+10)*time.Hour), fmt.Sprintf("U%d", i%7), fmt.Sprintf("how do I invite teammate number %d?", i))
	}
	for i, text := range []string{"the query editor froze twice today", "is the query editor going to support snippets?", "the query editor loses my draft"} {
		add(end.Add(-time.Duration(i+1)*time.Hour), fmt.Sprintf("U%d", i), text)
	}
	st := backends(t)["bolt"](t)
	captured(t, st, msgs...)
	d, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TR3", From: from, To: end, Now: end})
	if err != nil {
		t.Fatal(err)
	}
	if got := emergingNew(d, "query", "editor"); len(got) > 0 {
		t.Errorf("the query editor, raised by customers every working day of the four weeks, is new: %q", got)
	}
}

// TestDigestEmergingHistoryDaysAreLocalDays: the history's "days" were 24-hour spans
// back from the period's start, not the workspace's days (req.Location): over
// the clock change of 1 November in New York, the days before it ran 01:00 to
// 01:00, and the four weeks read were 672 hours of 673 (a review's find). Each
// read starts at a local midnight, the first four local weeks back.
func TestDigestEmergingHistoryDaysAreLocalDays(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	from := time.Date(2026, 11, 16, 0, 0, 0, 0, ny)
	end := from.AddDate(0, 0, 7)
	st := &historyQueries{Store: backends(t)["bolt"](t), before: from}
	captured(t, st.Store, feedbackbot.Message{ID: "C1:1", Platform: feedbackbot.PlatformSlack, Workspace: "TR3D", Channel: "C1", Author: "U1",
		Role: feedbackbot.RoleCustomer, Text: "hello there", Time: from.Add(time.Hour)})
	if _, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TR3D", From: from, To: end, Now: end, Location: ny}); err != nil {
		t.Fatal(err)
	}
	earliest, odd := from, 0
	for _, q := range st.queries {
		if q.From.Before(earliest) {
			earliest = q.From
		}
		if l := q.From.In(ny); (l.Hour() != 0 || l.Minute() != 0) && odd == 0 {
			odd++
			t.Errorf("a history day starts at %s, not a local midnight", l.Format("Mon Jan 2 15:04 MST"))
		}
	}
	if want := from.AddDate(0, 0, -28); !earliest.Equal(want) {
		t.Errorf("the history starts at %s, want four local weeks back, %s", earliest.In(ny), want)
	}
}

// TestDigestEmergingHistoryReadBound: the history was at most 1,000 messages in 4
// reads; read a day at a time, on days of a bot's posts (CI, deploys) it was 140
// messages a day, 3,920, in 56 reads (a review's find). One budget of 1,000
// messages is shared by the days, in at most two reads a part of a day.
func TestDigestEmergingHistoryReadBound(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	from := end.Add(-7 * 24 * time.Hour)
	var msgs []feedbackbot.Message
	for day := range 28 {
		start := from.Add(-time.Duration(day+1) * 24 * time.Hour)
		for i := range 200 {
			m := feedbackbot.Message{ID: fmt.Sprintf("C1:%d", len(msgs)), Platform: feedbackbot.PlatformSlack, Workspace: "TR3B",
				Channel: "C1", Author: "B1", Role: feedbackbot.RoleBot, Text: fmt.Sprintf("deploy %d finished", i), Time: start.Add(time.Duration(i) * 7 * time.Minute)}
			if i == 0 {
				m.Author, m.Role, m.Text = "U1", feedbackbot.RoleCustomer, "is the deploy done?"
			}
			msgs = append(msgs, m)
		}
	}
	st := &historyQueries{Store: backends(t)["bolt"](t), before: from}
	captured(t, st.Store, msgs...)
	if _, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TR3B", From: from, To: end, Now: end}); err != nil {
		t.Fatal(err)
	}
	t.Logf("history: %d reads, %d messages", len(st.queries), st.rows)
	if st.rows > store.MaxQueryLimit {
		t.Errorf("the history read %d messages in %d reads: over the %d (4 reads) it was bounded by", st.rows, len(st.queries), store.MaxQueryLimit)
	}
	if parts := 28*4 + 1; len(st.queries) > 2*parts { // (a period from 09:00: a part more)
		t.Errorf("the history took %d reads, over %d", len(st.queries), 2*parts)
	}
}

// TestDigestEmergingQuoteSaysItsLabel: Emerging's quote says its label in the
// message's first 4,000 bytes, but the digest showed its first 280 runes: a
// message that came to the point late was quoted without it (a review's find).
// The quote is an excerpt from a little before the label.
func TestDigestEmergingQuoteSaysItsLabel(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	from := end.Add(-7 * 24 * time.Hour)
	var msgs []feedbackbot.Message
	add := func(at time.Time, author, text string) {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C1:%d", len(msgs)), Platform: feedbackbot.PlatformSlack, Workspace: "TR3Q",
			Channel: "C1", Author: author, Role: feedbackbot.RoleCustomer, Account: "A1", Text: text, Time: at})
	}
	for i := range 40 {
		add(from.Add(-time.Duration(i+1)*14*time.Hour), fmt.Sprintf("U%d", i%5), fmt.Sprintf("how do I invite teammate number %d?", i))
	}
	preamble := strings.Repeat("and then we also have this, but it was not that, so ", 7) // 364 bytes, stopwords only
	for i := range 3 {
		add(end.Add(-time.Duration(i+1)*time.Hour), fmt.Sprintf("U%d", i), preamble+"the gantt chart drops every dependency")
	}
	st := backends(t)["bolt"](t)
	captured(t, st, msgs...)
	d, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TR3Q", From: from, To: end, Now: end})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Emerging) == 0 {
		t.Fatal("no emerging theme")
	}
	for _, e := range d.Emerging {
		if !strings.Contains(strings.ToLower(e.Quote.Text), e.Label) {
			t.Errorf("theme %q: its quote %q does not say it", e.Label, e.Quote.Text)
		}
		if n := utf8.RuneCountInString(e.Quote.Text); n > bot.MaxQuoteRunes || !strings.HasPrefix(e.Quote.Text, "…") {
			t.Errorf("theme %q: its quote %q (%d runes) is no excerpt of at most %d runes marked at its cut", e.Label, e.Quote.Text, n, bot.MaxQuoteRunes)
		}
	}
}
