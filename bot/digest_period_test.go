package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// periodTexts are what the customers of the period tests write: complaints,
// praise, questions, with themes and emotions.
var periodTexts = []string{
	"we were charged twice this month, please refund",
	"thanks, the new dashboard is great!",
	"how do I set up SSO with Okta?",
	"the export is broken since the release, this is terrible and we are furious",
	"I'm so frustrated, the invoices are wrong again",
	"love the new reports, my team is delighted",
}

// spread is a customer message every step in [from, to), and one at each of at,
// of accounts acct-0..2 in channels C1 and C2 (a staff reply every fifth).
func spread(from, to time.Time, step time.Duration, at ...time.Time) []feedbackbot.Message {
	var times []time.Time
	for t := from; t.Before(to); t = t.Add(step) {
		times = append(times, t)
	}
	times = append(times, at...)
	out := make([]feedbackbot.Message, len(times))
	for i, t := range times {
		ch := fmt.Sprintf("C%d", 1+i%2)
		out[i] = feedbackbot.Message{ID: fmt.Sprintf("%s:%d", ch, i), Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: ch,
			Author: fmt.Sprintf("U%d", i%7), Role: feedbackbot.RoleCustomer, Account: fmt.Sprintf("acct-%d", i%3),
			Text: periodTexts[i%len(periodTexts)], Time: t}
		if i%5 == 4 {
			out[i].Role, out[i].Author = feedbackbot.RoleStaff, "S1"
		}
	}
	return out
}

// customersIn counts the customer messages of msgs in [from, to).
func customersIn(msgs []feedbackbot.Message, from, to time.Time) int64 {
	var n int64
	for _, m := range msgs {
		if m.Role == feedbackbot.RoleCustomer && !m.Time.Before(from) && m.Time.Before(to) {
			n++
		}
	}
	return n
}

// exactTotals is what the stored messages of [from, to) add to the rollups,
// message by message: a period's counts, whatever hours it begins and ends in.
func exactTotals(rows []store.Stored, from, to time.Time) map[string]int64 {
	t := map[string]int64{}
	for i := range rows {
		if m := &rows[i].Message; !m.Time.Before(from) && m.Time.Before(to) {
			for k, v := range feedbackbot.Contributions(m, &rows[i].Tags) {
				t[k] += v
			}
		}
	}
	return t
}

// checkExactDigest compares what d counts (volume, sentiment, themes, emotions,
// accounts, channels, the chart's days and the previous period's comparison)
// with the messages of its period and of the period before, read one by one.
// With exactDays, each chart day is checked too (otherwise their sum): a whole
// UTC hour that the zone's midnight falls inside is charted on its first day.
func checkExactDigest(t *testing.T, d feedbackbot.Digest, req bot.DigestRequest, msgs []feedbackbot.Message, rows []store.Stored, exactDays bool) {
	t.Helper()
	prevFrom := req.From.Add(-req.To.Sub(req.From))
	cur, prev := exactTotals(rows, req.From, req.To), exactTotals(rows, prevFrom, req.From)
	if got, want := d.CustomerMessages, customersIn(msgs, req.From, req.To); got != want {
		t.Errorf("customer messages: %d, want %d", got, want)
	}
	if got, want := d.PrevCustomerMessages, customersIn(msgs, prevFrom, req.From); got != want {
		t.Errorf("the previous period's customer messages: %d, want %d", got, want)
	}
	for _, c := range []struct {
		name      string
		got, want int64
	}{
		{"messages", d.Messages, cur[feedbackbot.CntMessages]},
		{"staff messages", d.StaffMessages, cur[feedbackbot.CntStaff]},
		{"positive", d.Positive, cur[feedbackbot.CntPositive]},
		{"neutral", d.Neutral, cur[feedbackbot.CntNeutral]},
		{"negative", d.Negative, cur[feedbackbot.CntNegative]},
		{"asked or reported", d.NeedsReply, cur[feedbackbot.CntNeedsReply]},
		{"emotions counted", d.EmotionsCounted, cur[feedbackbot.CntEmotionsCounted]},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
	mean := func(tot map[string]int64) *float64 {
		if tot[feedbackbot.CntCustomer] == 0 {
			return nil
		}
		v := float64(tot[feedbackbot.CntScoreMilli]) / 1000 / float64(tot[feedbackbot.CntCustomer])
		return &v
	}
	for _, c := range []struct {
		name      string
		got, want *float64
	}{{"sentiment index", d.SentimentIndex, mean(cur)}, {"the previous sentiment index", d.PrevSentimentIndex, mean(prev)}} {
		if (c.got == nil) != (c.want == nil) || c.got != nil && math.Abs(*c.got-*c.want) > 1e-9 {
			t.Errorf("%s: %v, want %v", c.name, deref(c.got), deref(c.want))
		}
	}
	// Themes and emotions with the previous period's counts: the configured themes
	// and those of the period are compared (req.Themes), or every one (nil).
	configured := map[string]bool{}
	for _, th := range req.Themes {
		configured[th] = true
	}
	wantThemes, wantEmotions := map[string][2]int64{}, map[string][2]int64{}
	for _, dim := range []struct {
		name string
		want map[string][2]int64
		all  bool // every name of the previous period is compared
	}{{feedbackbot.DimTheme, wantThemes, req.Themes == nil}, {feedbackbot.DimEmotion, wantEmotions, true}} {
		for name, v := range cur {
			if d, key, cnt, ok := feedbackbot.SplitCounter(name); ok && d == dim.name && cnt == feedbackbot.CntCustomer && v > 0 {
				dim.want[key] = [2]int64{v, prev[name]}
			}
		}
		for name, v := range prev {
			if d, key, cnt, ok := feedbackbot.SplitCounter(name); ok && d == dim.name && cnt == feedbackbot.CntCustomer && v > 0 &&
				(dim.all || configured[key]) {
				dim.want[key] = [2]int64{cur[name], v}
			}
		}
	}
	gotThemes, gotEmotions := map[string][2]int64{}, map[string][2]int64{}
	for _, th := range d.Themes {
		gotThemes[th.Name] = [2]int64{th.Count, th.Prev}
	}
	for _, e := range d.Emotions {
		gotEmotions[e.Name] = [2]int64{e.Count, e.Prev}
	}
	if !maps.Equal(gotThemes, wantThemes) {
		t.Errorf("themes (count, previous): %v, want %v", gotThemes, wantThemes)
	}
	if !maps.Equal(gotEmotions, wantEmotions) {
		t.Errorf("emotions (count, previous): %v, want %v", gotEmotions, wantEmotions)
	}
	for _, g := range []struct {
		dim string
		got []feedbackbot.GroupStat
	}{{feedbackbot.DimAccount, d.Accounts}, {feedbackbot.DimChannel, d.Channels}} {
		got, want := map[string]int64{}, map[string]int64{}
		for _, s := range g.got {
			got[s.ID] = s.Count
		}
		for name, v := range cur {
			if d, key, cnt, ok := feedbackbot.SplitCounter(name); ok && d == g.dim && cnt == feedbackbot.CntCustomer && v > 0 {
				want[key] = v
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: %v, want %v", g.dim, got, want)
		}
	}
	loc := req.Location
	if loc == nil {
		loc = time.UTC
	}
	var sum int64
	gotDays, wantDays := map[string]int64{}, map[string]int64{}
	for _, p := range d.Series {
		sum += p.Customer
		if p.Customer > 0 {
			gotDays[p.Start.In(loc).Format(time.DateOnly)] = p.Customer
		}
	}
	for _, m := range msgs {
		if m.Role == feedbackbot.RoleCustomer && !m.Time.Before(req.From) && m.Time.Before(req.To) {
			wantDays[m.Time.In(loc).Format(time.DateOnly)]++
		}
	}
	if sum != d.CustomerMessages {
		t.Errorf("the chart's days add up to %d customer messages, the digest counts %d", sum, d.CustomerMessages)
	}
	if exactDays && !maps.Equal(gotDays, wantDays) {
		t.Errorf("the chart's days: %v, want %v", gotDays, wantDays)
	}
}

// TestDigestCountsExactlyItsPeriod: a digest counts the messages of [From, To)
// exactly, in every section, when its period begins or ends inside an hour: a
// schedule at :30, a zone at :30 or :45 from UTC (Kolkata, Kathmandu,
// Adelaide), a digest as of now. Its counts were whole UTC hours (rollups
// whose hour starts in the period): Kolkata's daily 09:00 (03:30Z) digest
// counted a message at 03:45Z in neither day's digest, and a digest of [08:30,
// 09:30) counted 09:40 and 09:50 and left out 08:45 (a review's find).
func TestDigestCountsExactlyItsPeriod(t *testing.T) {
	zone := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Skip("no time zone database:", err)
		}
		return loc
	}
	kolkata, kathmandu, adelaide := zone("Asia/Kolkata"), zone("Asia/Kathmandu"), zone("Australia/Adelaide")
	at := func(day, h, m int) time.Time { return time.Date(2026, 11, 2+day, h, m, 0, 0, time.UTC) }
	cases := []struct {
		name      string
		from, to  time.Time
		loc       *time.Location
		exactDays bool
	}{
		{"whole UTC hours", at(0, 0, 0), at(0, 12, 0), nil, true},
		{"09:30 to 09:30 UTC", at(-1, 9, 30), at(0, 9, 30), nil, true},
		{"a Kolkata day", at(-1, 18, 30), at(0, 18, 30), kolkata, true},
		{"Kolkata's 09:00", at(-1, 3, 30), at(0, 3, 30), kolkata, false},
		{"Kathmandu's 09:00", at(-1, 3, 15), at(0, 3, 15), kathmandu, false},
		{"Adelaide's 09:00", at(-1, 22, 30), at(0, 22, 30), adelaide, false},
		{"inside one hour", at(0, 8, 10), at(0, 8, 50), nil, true},
		{"two parts of hours and no whole one", at(0, 8, 30), at(0, 9, 30), nil, true},
		{"Kolkata's midnight inside a part of an hour", at(-1, 18, 10), at(0, 18, 20), kolkata, true},
		{"as of a command's now", at(-1, 14, 23).Add(17 * time.Second), at(0, 14, 23).Add(17 * time.Second), nil, true},
	}
	var bounds []time.Time
	for _, c := range cases {
		bounds = append(bounds, c.from, c.to, c.from.Add(-c.to.Sub(c.from)))
	}
	msgs := spread(at(-2, 0, 0), at(1, 0, 0), 13*time.Minute, bounds...)
	// A theme that only the last part of an hour of "09:30 to 09:30 UTC" has, and
	// its previous period's whole hours: asked for by name after the parts are read.
	for i, t := range []time.Time{at(0, 9, 10), at(-2, 15, 10)} {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C3:%d", i), Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C3",
			Author: "U9", Role: feedbackbot.RoleCustomer, Account: "acct-9", Text: "do you have a SOC2 report for our security audit?", Time: t})
	}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			captured(t, st, msgs...)
			rows, partial, err := bot.PeriodMessages(ctx, st, bot.DigestRequest{Workspace: "T1"}, 100_000)
			if err != nil || partial || len(rows) != len(msgs) {
				t.Fatalf("set-up: %d of %d messages read (more: %v), %v", len(rows), len(msgs), partial, err)
			}
			for _, c := range cases {
				for _, themes := range [][]string{nil, {"billing"}} {
					t.Run(fmt.Sprintf("%s, themes %v", c.name, themes), func(t *testing.T) {
						req := bot.DigestRequest{Workspace: "T1", From: c.from, To: c.to, Now: c.to, Location: c.loc, Themes: themes}
						d, err := bot.BuildDigest(ctx, st, req)
						if err != nil {
							t.Fatal(err)
						}
						checkExactDigest(t, d, req, msgs, rows, c.exactDays)
					})
				}
			}
		})
	}
}

// TestDigestCountsExactlyAPeriodOfManyMessages: a period of more messages than
// a digest reads of them (the newest 5,000) counts the parts of hours at its ends
// from the store: its first part, before the messages read, and its last when the
// messages read do not reach back past it.
func TestDigestCountsExactlyAPeriodOfManyMessages(t *testing.T) {
	at := func(day, h, m int) time.Time { return time.Date(2026, 11, 2+day, h, m, 0, 0, time.UTC) }
	cases := []struct {
		name     string
		from, to time.Time
	}{
		{"more before its last part", at(0, 0, 30), at(0, 3, 30)},
		{"more in its last part", at(1, 0, 30), at(1, 3, 30)},
	}
	msgs := slices.Concat(
		spread(at(0, 0, 0), at(0, 1, 0), 4*time.Minute),         // around the first period's start
		spread(at(0, 1, 0), at(0, 3, 0), 1400*time.Millisecond), // 5,143 in its whole hours
		spread(at(0, 3, 0), at(0, 4, 0), 4*time.Minute),         // around its end
		spread(at(1, 0, 0), at(1, 3, 0), 4*time.Minute),
		spread(at(1, 3, 0), at(1, 3, 30), 350*time.Millisecond), // 5,143 in the second period's last part
		spread(at(1, 3, 30), at(1, 4, 0), 4*time.Minute),
	)
	for i := range msgs {
		msgs[i].ID = fmt.Sprintf("C1:%d", i)
	}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			captured(t, st, msgs...)
			rows, partial, err := bot.PeriodMessages(ctx, st, bot.DigestRequest{Workspace: "T1"}, 100_000)
			if err != nil || partial || len(rows) != len(msgs) {
				t.Fatalf("set-up: %d of %d messages read (more: %v), %v", len(rows), len(msgs), partial, err)
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					req := bot.DigestRequest{Workspace: "T1", From: c.from, To: c.to, Now: c.to}
					d, err := bot.BuildDigest(ctx, st, req)
					if err != nil {
						t.Fatal(err)
					}
					if d.Responses == nil || !d.Responses.Partial {
						t.Fatalf("set-up: the digest read all of the period's messages")
					}
					checkExactDigest(t, d, req, msgs, rows, true)
				})
			}
		})
	}
}

// postedLog keeps the scheduler's "digest posted" records: each run's time, its
// period's start and the customer messages it counted.
type postedLog struct {
	mu    sync.Mutex
	posts []postedRun
}

type postedRun struct {
	scheduled, from time.Time
	customers       int64
}

func (p postedRun) String() string {
	return fmt.Sprintf("%s: %d since %s", p.scheduled.UTC().Format("02 15:04Z"), p.customers, p.from.UTC().Format("02 15:04Z"))
}

func (h *postedLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *postedLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *postedLog) WithGroup(string) slog.Handler            { return h }
func (h *postedLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "digest posted" {
		return nil
	}
	var p postedRun
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "scheduled":
			p.scheduled = a.Value.Time()
		case "from":
			p.from = a.Value.Time()
		case "customer_messages":
			p.customers = a.Value.Int64()
		}
		return true
	})
	h.mu.Lock()
	h.posts = append(h.posts, p)
	h.mu.Unlock()
	return nil
}

// TestScheduledDigestsCountEachMessageOnce: scheduled digests, each period
// starting at the run before, count every message once, messages coming as the
// clock goes: over a weekday schedule's weekend (Monday's digest covered Sunday
// 09:00 to Monday 09:00, so Saturday's messages were in none), over the autumn
// change of hourly digests (the second showing of 02:00 is no run, and the run
// after it covered one hour of the two), over Lord Howe's half-hour change, and
// in zones whose 09:00 is not a UTC hour (a digest counted the whole UTC hours
// that start in its period, so what was written in the hour of a run after it
// was in the digest already posted).
func TestScheduledDigestsCountEachMessageOnce(t *testing.T) {
	// runs lists times on day (2006-01-02), "+1 15:04" on the day after, in UTC.
	runs := func(day string, clocks ...string) []time.Time {
		d, err := time.Parse(time.DateOnly, day)
		if err != nil {
			t.Fatal(err)
		}
		var out []time.Time
		for _, c := range clocks {
			c, next := strings.CutPrefix(c, "+1 ")
			v, err := time.Parse("15:04", c)
			if err != nil {
				t.Fatal(err)
			}
			at := d.Add(time.Duration(v.Hour())*time.Hour + time.Duration(v.Minute())*time.Minute)
			if next {
				at = at.AddDate(0, 0, 1)
			}
			out = append(out, at)
		}
		return out
	}
	daily := func(first string, n int) []time.Time {
		v, err := time.Parse(time.RFC3339, first)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]time.Time, n)
		for i := range out {
			out[i] = v.AddDate(0, 0, i)
		}
		return out
	}
	cases := []struct {
		name, spec, zone string
		period           time.Duration
		runs             []time.Time // UTC
		tick, every      time.Duration
	}{
		{"weekdays in Berlin", "0 9 * * 1-5", "Europe/Berlin", 24 * time.Hour,
			slices.Concat(daily("2026-11-05T08:00:00Z", 2), daily("2026-11-09T08:00:00Z", 2)), 30 * time.Minute, 97 * time.Minute},
		{"hourly in Berlin, autumn", "0 * * * *", "Europe/Berlin", time.Hour,
			runs("2026-10-24", "21:00", "22:00", "23:00", "+1 00:00", "+1 02:00", "+1 03:00", "+1 04:00"), 5 * time.Minute, 10 * time.Minute},
		{"hourly in Adelaide, autumn", "0 * * * *", "Australia/Adelaide", time.Hour,
			runs("2026-04-04", "12:30", "13:30", "14:30", "15:30", "17:30", "18:30", "19:30", "20:30"), 5 * time.Minute, 10 * time.Minute},
		{"half past the hour on Lord Howe, spring", "30 * * * *", "Australia/Lord_Howe", time.Hour,
			runs("2026-10-03", "12:00", "13:00", "14:00", "15:00", "15:30", "16:30", "17:30", "18:30", "19:30"), 5 * time.Minute, 10 * time.Minute},
		{"09:00 in Kolkata", "0 9 * * *", "Asia/Kolkata", 24 * time.Hour, daily("2026-11-02T03:30:00Z", 4), 30 * time.Minute, 47 * time.Minute},
		{"09:00 in Kathmandu", "0 9 * * *", "Asia/Kathmandu", 24 * time.Hour, daily("2026-11-02T03:15:00Z", 4), 15 * time.Minute, 47 * time.Minute},
	}
	a := analyzer(t)
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					ctx := context.Background()
					st := open(t)
					j := job(t, c.spec, c.zone)
					j.Period = c.period
					first, last := c.runs[0], c.runs[len(c.runs)-1]
					msgs := spread(first.Add(-c.period), last.Add(c.period), c.every, c.runs...)
					slices.SortFunc(msgs, func(a, b feedbackbot.Message) int { return a.Time.Compare(b.Time) })
					for i := range msgs {
						msgs[i].Role = feedbackbot.RoleCustomer
					}
					log := &postedLog{}
					s := &bot.Scheduler{Store: st, Posters: map[feedbackbot.Platform]bot.Poster{"test": &recordingPoster{}}, Jobs: []bot.Job{j},
						Holder: "a", Logger: slog.New(log)}
					// Messages come as the clock goes: those before a run are
					// captured before it, the rest after it (by the next run).
					next := 0
					for now := first; !now.After(last); now = now.Add(c.tick) {
						if slices.ContainsFunc(c.runs, now.Equal) {
							n := next
							for n < len(msgs) && msgs[n].Time.Before(now) {
								n++
							}
							if n > next {
								ingest(t, st, a, msgs[next:n]...)
								next = n
							}
						}
						if _, err := s.Tick(ctx, now); err != nil {
							t.Fatal(err)
						}
					}
					posts := log.posts
					var at []time.Time
					for _, p := range posts {
						at = append(at, p.scheduled.UTC())
					}
					if !slices.EqualFunc(at, c.runs, time.Time.Equal) {
						t.Fatalf("digests posted %v, want at %v", posts, c.runs)
					}
					var counted int64
					for i, p := range posts[1:] {
						counted += p.customers
						if before := posts[i]; !p.from.Equal(before.scheduled) {
							t.Errorf("the digest of %s covers from %s; the one before ran at %s", p.scheduled, p.from, before.scheduled)
						}
					}
					if want := customersIn(msgs, first, last); counted != want {
						t.Errorf("the digests after the first count %d customer messages, the messages of [%s, %s) are %d; digests %v",
							counted, first, last, want, posts)
					}
				})
			}
		})
	}
}

// TestDigestComparesWithThePreviousDigest: a scheduled digest compares with the
// period of the digest before it, as that digest counted it (its customer
// messages and sentiment index), where the two cover as much of the schedule's
// wall clock: a week of 169 or 167 hours across a change of the clocks in New
// York, a daily 02:30 in Berlin across the autumn change (a time shown twice,
// east of UTC), a daily 02:30 in New York across the spring change (a time
// skipped). The period compared with was the same length just before From,
// which took an hour of the period before that, or left one out (a review's
// find). Where the digest before covered another span (a weekday schedule's
// Monday covers the weekend; calendar months; an hourly run over both showings
// of an autumn hour lasts two), it compares with the same length before From,
// as the counts can only then be compared (a second review's find).
func TestDigestComparesWithThePreviousDigest(t *testing.T) {
	zone := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Skip("no time zone database:", err)
		}
		return loc
	}
	ny, berlin := zone("America/New_York"), zone("Europe/Berlin")
	at := func(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	const digest, length = "the previous digest's", "the same length"
	cases := []struct {
		name   string
		spec   string
		loc    *time.Location
		period time.Duration
		runs   []time.Time
		want   []string // what each run after the first compares with
	}{
		{"weekly across the autumn change", "0 9 * * 1", ny, 7 * 24 * time.Hour,
			[]time.Time{at(ny, 2026, 10, 19, 9, 0), at(ny, 2026, 10, 26, 9, 0), at(ny, 2026, 11, 2, 9, 0), at(ny, 2026, 11, 9, 9, 0)}, []string{digest, digest, digest}},
		{"weekly across the spring change", "0 9 * * 1", ny, 7 * 24 * time.Hour,
			[]time.Time{at(ny, 2027, 3, 1, 9, 0), at(ny, 2027, 3, 8, 9, 0), at(ny, 2027, 3, 15, 9, 0), at(ny, 2027, 3, 22, 9, 0)}, []string{digest, digest, digest}},
		{"daily at a time shown twice", "30 2 * * *", berlin, 24 * time.Hour,
			[]time.Time{at(berlin, 2026, 10, 24, 2, 30), at(berlin, 2026, 10, 25, 1, 30).Add(time.Hour), at(berlin, 2026, 10, 26, 2, 30), at(berlin, 2026, 10, 27, 2, 30)}, []string{digest, digest, digest}},
		{"daily at a time skipped", "30 2 * * *", ny, 24 * time.Hour,
			[]time.Time{at(ny, 2027, 3, 13, 2, 30), at(ny, 2027, 3, 14, 3, 30), at(ny, 2027, 3, 15, 2, 30), at(ny, 2027, 3, 16, 2, 30)}, []string{digest, digest, digest}},
		{"weekdays", "0 9 * * 1-5", time.UTC, 24 * time.Hour,
			[]time.Time{at(time.UTC, 2026, 11, 5, 9, 0), at(time.UTC, 2026, 11, 6, 9, 0), at(time.UTC, 2026, 11, 9, 9, 0), at(time.UTC, 2026, 11, 10, 9, 0), at(time.UTC, 2026, 11, 11, 9, 0)},
			[]string{digest, length, length, digest}},
		{"monthly (a period of 28 days: each calendar month)", "0 9 1 * *", time.UTC, 28 * 24 * time.Hour,
			[]time.Time{at(time.UTC, 2027, 2, 1, 9, 0), at(time.UTC, 2027, 3, 1, 9, 0), at(time.UTC, 2027, 4, 1, 9, 0), at(time.UTC, 2027, 5, 1, 9, 0)}, []string{length, length, length}},
	}
	for _, c := range cases {
		var marks []time.Time
		for _, r := range c.runs {
			for _, d := range []time.Duration{-90, -30, 30, 90} { // minutes either side of each run
				marks = append(marks, r.Add(d*time.Minute))
			}
		}
		msgs := spread(c.runs[0].Add(-62*24*time.Hour), c.runs[len(c.runs)-1], 7*time.Hour, marks...)
		for name, open := range backends(t) {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				ctx := context.Background()
				st := open(t)
				captured(t, st, msgs...)
				j := job(t, c.spec, c.loc.String())
				j.Period = c.period
				s := &bot.Scheduler{Store: st, Posters: map[feedbackbot.Platform]bot.Poster{"test": &editingPoster{}}, Jobs: []bot.Job{j}, Holder: "a", Settle: -1}
				var digests []feedbackbot.Digest
				for _, r := range c.runs {
					if n, err := s.Tick(ctx, r); err != nil || n != 1 {
						t.Fatalf("Tick(%v) = %d, %v; want the digest posted", r, n, err)
					}
					docs, err := st.ListDocs(ctx, "T1", "digest-posted")
					if err != nil {
						t.Fatal(err)
					}
					var newest feedbackbot.Digest
					for _, raw := range docs {
						var rec struct {
							Digest feedbackbot.Digest `json:"digest"`
						}
						if err := json.Unmarshal(raw, &rec); err != nil {
							t.Fatal(err)
						}
						if rec.Digest.To.After(newest.To) {
							newest = rec.Digest
						}
					}
					digests = append(digests, newest)
				}
				for i := 1; i < len(digests); i++ {
					d, p := digests[i], digests[i-1]
					want, got := p.CustomerMessages, d.PrevCustomerMessages
					if c.want[i-1] == length {
						want = customersIn(msgs, d.From.Add(-d.To.Sub(d.From)), d.From)
					} else if !d.From.Equal(p.To) || !sameFloat(d.PrevSentimentIndex, p.SentimentIndex) {
						t.Errorf("%v–%v: the previous digest covered %v–%v (index %s); compared with index %s",
							d.From, d.To, p.From, p.To, fmtIndex(p.SentimentIndex), fmtIndex(d.PrevSentimentIndex))
					}
					if got != want {
						t.Errorf("%v–%v compared with %d customer messages; want %d, %s", d.From, d.To, got, want, c.want[i-1])
					}
				}
			})
		}
	}
}

func sameFloat(a, b *float64) bool {
	return (a == nil) == (b == nil) && (a == nil || math.Abs(*a-*b) < 1e-9)
}

func fmtIndex(p *float64) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprintf("%+.3f", *p)
}
