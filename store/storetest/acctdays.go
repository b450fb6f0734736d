package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

var acctDayTests = []test{
	{"AccountDays", testAccountDays},
	{"AccountDaysZeroBounds", testAccountDaysZeroBounds},
	{"AccountDaysOpenLongHistory", testAccountDaysOpenLongHistory},
	{"AccountDaysChurn", testAccountDaysChurn},
}

// acctCorpus spreads customer and staff messages of two accounts (and none) over
// four UTC days.
func acctCorpus(ws string) ([]feedbackbot.Message, tagger) {
	var ms []feedbackbot.Message
	for i := range 48 {
		role := feedbackbot.RoleCustomer
		if i%4 == 3 {
			role = feedbackbot.RoleStaff
		}
		acct := []string{"A1", "A2", ""}[i%3]
		at := Base.Add(time.Duration(i) * 2 * time.Hour)
		ms = append(ms, Msg(ws, fmt.Sprintf("d%03d", i), fmt.Sprintf("message %d", i), role, acct, "C1", at))
	}
	tag := func(m *feedbackbot.Message) feedbackbot.Tags {
		var i int
		fmt.Sscanf(m.ID, "d%d", &i)
		return Tags(float64(i%9-4)/4, "v1")
	}
	return ms, tag
}

// testAccountDays checks AccountDays against a recount of the messages (and against
// the hourly rollups, through f.rollups) after apply, edit, delete and re-analysis,
// and the bounds of its period.
func testAccountDays(t *testing.T, f *fixture) {
	ms, tag := acctCorpus("W1")
	f.put(tag, ms...)
	want := expectAll(ms, tag)
	check := func(what string) {
		t.Helper()
		f.rollups("W1", dayFrom, Base.Add(6*24*time.Hour))
		for _, a := range []string{"A1", "A2"} {
			byDay := map[time.Time]map[string]int64{}
			for _, st := range want {
				if st.Message.Account != a {
					continue
				}
				d := store.DayStart(st.Message.Time)
				_, c := store.AccountCounters(feedbackbot.Contributions(&st.Message, &st.Tags))
				if byDay[d] == nil {
					byDay[d] = map[string]int64{}
				}
				for k, v := range c {
					byDay[d][k] += v
				}
			}
			got, err := f.s.AccountDays(f.ctx, "W1", a, store.DayStart(Base), Base.Add(6*24*time.Hour))
			if err != nil {
				t.Fatalf("%s: AccountDays(%s): %v", what, a, err)
			}
			n := 0
			for _, r := range got {
				if r.Counts[feedbackbot.CntCustomer] != byDay[r.Start][feedbackbot.CntCustomer] ||
					r.Counts[feedbackbot.CntScoreMilli] != byDay[r.Start][feedbackbot.CntScoreMilli] ||
					r.Counts[feedbackbot.CntStaff] != byDay[r.Start][feedbackbot.CntStaff] {
					t.Errorf("%s: %s day %s: got %v, want %v", what, a, r.Start, r.Counts, byDay[r.Start])
				}
				n++
			}
			if n != len(byDay) {
				t.Errorf("%s: %s: got %d days, want %d", what, a, n, len(byDay))
			}
		}
	}
	check("apply")
	// The period is whole days whose start is in [from, to).
	got, err := f.s.AccountDays(f.ctx, "W1", "A1", Base.Add(time.Hour), store.DayStart(Base).Add(3*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].Start.Equal(store.DayStart(Base).Add(24*time.Hour)) {
		t.Errorf("AccountDays from mid-day: got %s, want the 2 days after it", dump(got))
	}
	if got, _ := f.s.AccountDays(f.ctx, "W1", "nobody", dayFrom, dayTo); len(got) != 0 {
		t.Errorf("AccountDays of an unknown account: %s", dump(got))
	}

	// An edit that changes the score, one that moves a message to the other account,
	// a delete, and a re-analysis of everything.
	e1 := ms[0]
	e1.Text, e1.EditedAt = "edited", ms[0].Time.Add(time.Minute)
	e2 := ms[4]
	e2.Text, e2.Account, e2.AccountName, e2.EditedAt = "moved", "A2", "Account A2", ms[4].Time.Add(time.Minute)
	edited := func(m *feedbackbot.Message) feedbackbot.Tags {
		if m.Text == "edited" || m.Text == "moved" {
			return Tags(-0.9, "v1")
		}
		return tag(m)
	}
	f.append(Put(e1), Put(e2), Delete(ms[7]))
	f.consume(edited)
	want.set(e1, edited(&e1))
	want.set(e2, edited(&e2))
	delete(want, ms[7].Key())
	check("edit and delete")

	v2 := func(m *feedbackbot.Message) feedbackbot.Tags {
		t := edited(m)
		t.Sentiment.Score = -t.Sentiment.Score
		t.Sentiment.Label = feedbackbot.LabelFor(t.Sentiment.Score)
		t.Analyzer = "v2"
		return t
	}
	var its []store.Applied
	if err := f.s.Replay(f.ctx, "W1", func(e store.Entry) error {
		its = append(its, items([]store.Entry{e}, v2)...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	f.apply(its...)
	for k, st := range want {
		st.Tags = v2(&st.Message)
		want[k] = st
	}
	check("re-analysis")

	// Forgetting a person and retention keep them equal to the hourly rollups.
	if _, err := f.s.Forget(f.ctx, "W1", ms[1].Author); err != nil {
		t.Fatal(err)
	}
	delete(want, ms[1].Key())
	check("forget")
	if _, err := f.s.Expire(f.ctx, "W1", Base.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	f.rollups("W1", dayFrom, Base.Add(6*24*time.Hour))
}

// RunAccountDaysMigration checks that a store holding data applied before account
// days existed fills them: makeOld takes a store with data and returns it as such an
// older version left it (its account days gone) once the backend's migration has run
// (reopen, BuildAccountDays). Afterwards the account days equal the hourly rollups'
// account counters, and edits and deletes of the old messages keep them so.
func RunAccountDaysMigration(t *testing.T, s store.Store, makeOld func(store.Store) store.Store) {
	f := &fixture{t: t, s: s, ctx: t.Context()}
	ms, tag := acctCorpus("W1")
	f.put(tag, ms...)
	f.s = makeOld(s)
	f.checkAccountDays("W1", dayFrom, Base.Add(6*24*time.Hour))
	e := ms[0]
	e.Text, e.EditedAt = "edited", ms[0].Time.Add(time.Minute)
	f.append(Put(e), Delete(ms[1]))
	f.consume(func(m *feedbackbot.Message) feedbackbot.Tags { return Tags(-1, "v1") })
	f.checkAccountDays("W1", dayFrom, Base.Add(6*24*time.Hour))
	if got, err := f.s.AccountDays(f.ctx, "W1", "A1", dayFrom, dayTo); err != nil || len(got) == 0 {
		t.Errorf("AccountDays after the migration: %v, %v", dump(got), err)
	}
}

// testAccountDaysZeroBounds guards the zero-bound contract of AccountDays: a zero
// from or to is open (from the workspace's first day, to its last), with counters
// named too, for an account with days and one without, and (where the backend has
// it) AccountsDays reads the same (Redis refused a zero from with EINVALID, "the
// period is longer than 3700 days", and read nothing for a zero to; bolt read
// nothing for a zero to).
func testAccountDaysZeroBounds(t *testing.T, f *fixture) {
	mid := f.zeroBoundCorpus()
	for _, c := range zeroBoundCases(mid) {
		for _, named := range [][]string{nil, {feedbackbot.CntCustomer, feedbackbot.CntScoreMilli}} {
			for _, a := range []string{"A1", "nobody"} {
				want, err := f.s.AccountDays(f.ctx, "W1", a, c.wideFrom, c.wideTo, named...)
				if err != nil || (a == "A1") != (len(want) > 0) {
					t.Fatalf("AccountDays(%s, %s, bounded wide, %q) = %d days, %v", c.name, a, named, len(want), err)
				}
				got, err := f.s.AccountDays(f.ctx, "W1", a, c.from, c.to, named...)
				if err != nil {
					t.Fatalf("AccountDays(%s, %s, %q): %v", c.name, a, named, err)
				}
				if dump(got) != dump(want) {
					t.Errorf("AccountDays(%s, %s, %q):\ngot  %s\nwant %s (a zero bound is open)", c.name, a, named, dump(got), dump(want))
				}
			}
		}
		f.checkAccountsDays("W1", []string{"A1"}, c.from, c.to)
		if got, err := f.s.AccountDays(f.ctx, "W-empty", "A1", c.from, c.to); err != nil || len(got) != 0 {
			t.Errorf("AccountDays(%s) of a workspace with nothing = %d days, %v; want none, nil", c.name, len(got), err)
		}
	}
}

// testAccountDaysOpenLongHistory guards the open bound of AccountDays on a long
// history (see testNotableOpenLongHistory): with a zero bound, the days of a
// workspace spanning some 2,000 years are read, not refused as too long a period
// (Redis: "the period is longer than 3700 days"), and the days read are those with
// data, whatever lies between them; AccountsDays (where the backend has it) reads
// the same.
func testAccountDaysOpenLongHistory(t *testing.T, f *fixture) {
	ms := f.longHistory()
	var zero time.Time
	day := func(m feedbackbot.Message) time.Time { return store.DayStart(m.Time) }
	for _, c := range []struct {
		name     string
		from, to time.Time
		want     []time.Time
	}{
		{"both open", zero, zero, []time.Time{day(ms[0]), day(ms[1]), day(ms[2])}},
		{"open start", zero, day(ms[2]).Add(time.Hour), []time.Time{day(ms[0]), day(ms[1]), day(ms[2])}},
		{"open start, to at the newest's day", zero, day(ms[2]), []time.Time{day(ms[0]), day(ms[1])}},
		{"open end", day(ms[0]).Add(time.Hour), zero, []time.Time{day(ms[1]), day(ms[2])}},
		{"open end, from at the first day", day(ms[0]), zero, []time.Time{day(ms[0]), day(ms[1]), day(ms[2])}},
	} {
		got, err := f.s.AccountDays(f.ctx, "W1", "A1", c.from, c.to, feedbackbot.CntCustomer)
		if err != nil {
			t.Errorf("AccountDays(%s) over a history from the year 1: %v", c.name, err)
			continue
		}
		var starts []time.Time
		for _, r := range got {
			starts = append(starts, r.Start)
			if r.Counts[feedbackbot.CntCustomer] != 1 {
				t.Errorf("AccountDays(%s): day %s counts %v, want one customer message", c.name, r.Start, r.Counts)
			}
		}
		if fmt.Sprint(starts) != fmt.Sprint(c.want) {
			t.Errorf("AccountDays(%s) = days %v, want %v", c.name, starts, c.want)
		}
		f.checkAccountsDays("W1", []string{"A1"}, c.from, c.to)
	}
}

// testAccountDaysChurn: the account days keep the churn counter (CntChurn: customer
// messages that are churn signals, by intent or by the cancellation theme), what
// account health reads to find the days of its baseline that hold one; an edit that
// takes the signal back, one that moves it to another account, a delete and a
// re-analysis take it out of its day as the other counters, and staff's words and a
// message of no account count in none.
func testAccountDaysChurn(t *testing.T, f *fixture) {
	d0 := store.DayStart(Base)
	at := func(day int, h time.Duration) time.Time {
		return d0.Add(time.Duration(day)*24*time.Hour + 9*time.Hour + h)
	}
	msg := func(id, text string, role feedbackbot.Role, acct string, when time.Time) feedbackbot.Message {
		return Msg("W1", id, text, role, acct, "C1", when)
	}
	// The tags are the text's: "churn" says so by intent, "cancel" by theme.
	tagOf := func(analyzer string) tagger {
		return func(m *feedbackbot.Message) feedbackbot.Tags {
			var themes []string
			if strings.Contains(m.Text, "cancel") {
				themes = append(themes, "cancellation")
			}
			t := Tags(-0.2, analyzer, themes...)
			if strings.Contains(m.Text, "churn") {
				t.Intent = feedbackbot.IntentChurnSignal
			}
			return t
		}
	}
	ms := []feedbackbot.Message{
		msg("c1", "churn: we are evaluating other vendors", "", "A1", at(0, 0)),
		msg("c2", "how do I cancel two seats", "", "A1", at(0, time.Hour)),
		msg("c3", "churn words of staff's: sorry to see you cancel", feedbackbot.RoleStaff, "A1", at(0, 2*time.Hour)),
		msg("c4", "thanks", "", "A1", at(0, 3*time.Hour)),
		msg("c5", "churn: please export all our data", "", "A1", at(1, 0)),
		msg("c6", "churn: we will not renew", "", "A2", at(0, 0)),
		msg("c7", "churn: of no account", "", "", at(0, 0)),
	}
	f.put(tagOf("v1"), ms...)
	edit := func(m feedbackbot.Message, text, acct string) feedbackbot.Message {
		m.Text, m.EditedAt = text, m.Time.Add(time.Minute)
		if m.Account = acct; acct != "" {
			m.AccountName = "Account " + acct
		}
		return m
	}
	type days map[string]map[int]int64 // account -> day -> churn signals
	for _, step := range []struct {
		name   string
		change func()
		want   days
	}{
		{"apply", func() {}, days{"A1": {0: 2, 1: 1}, "A2": {0: 1}}},
		{"an edit takes one back, a delete", func() {
			f.append(Put(edit(ms[0], "all good now", "A1")), Delete(ms[4]))
			f.consume(tagOf("v1"))
		}, days{"A1": {0: 1}, "A2": {0: 1}}},
		{"an edit moves one to another account", func() {
			f.append(Put(edit(ms[5], "churn: we will not renew, moved", "A1")))
			f.consume(tagOf("v1"))
		}, days{"A1": {0: 2}}},
		{"a re-analysis that finds none", func() {
			var its []store.Applied
			if err := f.s.Replay(f.ctx, "W1", func(e store.Entry) error {
				its = append(its, items([]store.Entry{e}, func(m *feedbackbot.Message) feedbackbot.Tags { return Tags(0.3, "v2") })...)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			f.apply(its...)
		}, days{}},
	} {
		step.change()
		f.rollups("W1", d0, d0.Add(3*24*time.Hour))
		for _, a := range []string{"A1", "A2"} {
			for _, named := range [][]string{nil, {feedbackbot.CntChurn}, {feedbackbot.CntCustomer, feedbackbot.CntChurn}} {
				got, err := f.s.AccountDays(f.ctx, "W1", a, d0, d0.Add(3*24*time.Hour), named...)
				if err != nil {
					t.Fatalf("%s: AccountDays(%s, %q): %v", step.name, a, named, err)
				}
				have := map[int]int64{}
				for _, r := range got {
					if n := r.Counts[feedbackbot.CntChurn]; n != 0 {
						have[int(r.Start.Sub(d0)/(24*time.Hour))] = n
					}
				}
				if want := step.want[a]; fmt.Sprint(have) != fmt.Sprint(map[int]int64(want)) && (len(have) > 0 || len(want) > 0) {
					t.Errorf("%s: AccountDays(%s, %q) churn signals by day %v, want %v", step.name, a, named, have, want)
				}
			}
		}
		f.checkAccountsDays("W1", []string{"A1", "A2"}, d0, d0.Add(3*24*time.Hour))
	}
}
