package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

var queryTests = []test{
	{"MessageByKey", testMessageByKey},
	{"Messages", testMessages},
	{"MessagesLimits", testMessagesLimits},
	{"MessagesInvalid", testMessagesInvalid},
	{"PeriodKeys", testPeriodKeys},
	{"Rollups", testRollups},
	{"Notable", testNotable},
	{"NotableBusyDay", testNotableBusyDay},
	{"Accounts", testAccounts},
	{"RollupsZeroBounds", testRollupsZeroBounds},
	{"NotableZeroBounds", testNotableZeroBounds},
	{"NotableOpenLongHistory", testNotableOpenLongHistory},
}

func testMessageByKey(t *testing.T, f *fixture) {
	m := Msg("W1", "m1", "hello", "", "A1", "C1", Base)
	tag := func(*feedbackbot.Message) feedbackbot.Tags { return Tags(0.3, "v1", "greeting") }
	f.put(tag, m)
	got, err := f.s.Message(f.ctx, m.Key())
	if err != nil {
		t.Fatalf("Message: %v", err)
	}
	checkStored(t, "by key", got, store.Stored{Message: m, Tags: tag(&m)})

	// Appended but not applied yet: not in derived state.
	pending := Msg("W1", "m2", "later", "", "A1", "C1", Base)
	f.append(Put(pending))
	missing := Msg("W1", "nope", "", "", "", "C1", Base)
	for _, k := range []string{pending.Key(), missing.Key(), "slack/W-none/m1", "discord/W1/m1"} {
		if _, err := f.s.Message(f.ctx, k); !feedbackbot.IsNotFound(err) {
			t.Errorf("Message(%q) = %v, want ENOTFOUND", k, err)
		}
	}
	for _, k := range []string{"", "slack", "slack/W1", "slack//m1"} {
		_, err := f.s.Message(f.ctx, k)
		checkCode(t, fmt.Sprintf("Message(%q)", k), err, feedbackbot.EINVALID)
	}
}

func testMessages(t *testing.T, f *fixture) {
	// 12 messages ten minutes apart across two accounts and three channels; all roles.
	var ms []feedbackbot.Message
	for i := range 12 {
		role := []feedbackbot.Role{feedbackbot.RoleCustomer, feedbackbot.RoleStaff, feedbackbot.RoleCustomer, feedbackbot.RoleBot}[i%4]
		ms = append(ms, Msg("W1", fmt.Sprintf("m%02d", i), fmt.Sprintf("text %d", i), role,
			[]string{"A1", "A2", ""}[i%3], []string{"C1", "C2", "C3"}[(i/2)%3], Base.Add(time.Duration(i)*10*time.Minute)))
	}
	// Another workspace with the same accounts and channels must not leak in.
	f.put(func(m *feedbackbot.Message) feedbackbot.Tags { return Tags(0, "v1") },
		Msg("W2", "x1", "other", "", "A1", "C1", Base.Add(5*time.Minute)))
	tag := func(m *feedbackbot.Message) feedbackbot.Tags { return Tags(-0.2, "v1", "export") }
	f.put(tag, ms...)

	at := func(i int) time.Time { return Base.Add(time.Duration(i) * 10 * time.Minute) }
	cases := []struct {
		name string
		q    store.Query
		keep func(m feedbackbot.Message) bool
		max  int
	}{
		{"workspace", store.Query{Workspace: "W1"}, nil, 0},
		{"account", store.Query{Workspace: "W1", Account: "A1"}, func(m feedbackbot.Message) bool { return m.Account == "A1" }, 0},
		{"channel", store.Query{Workspace: "W1", Channel: "C2"}, func(m feedbackbot.Message) bool { return m.Channel == "C2" }, 0},
		{"unknown account", store.Query{Workspace: "W1", Account: "A9"}, func(feedbackbot.Message) bool { return false }, 0},
		{"unknown workspace", store.Query{Workspace: "W9"}, func(feedbackbot.Message) bool { return false }, 0},
		{"from inclusive, to exclusive", store.Query{Workspace: "W1", From: at(3), To: at(7)},
			func(m feedbackbot.Message) bool { return !m.Time.Before(at(3)) && m.Time.Before(at(7)) }, 0},
		{"from only", store.Query{Workspace: "W1", From: at(9)}, func(m feedbackbot.Message) bool { return !m.Time.Before(at(9)) }, 0},
		{"to only", store.Query{Workspace: "W1", To: at(2)}, func(m feedbackbot.Message) bool { return m.Time.Before(at(2)) }, 0},
		{"between messages", store.Query{Workspace: "W1", From: at(3).Add(time.Second), To: at(5).Add(-time.Second)},
			func(m feedbackbot.Message) bool { return m.Time.Equal(at(4)) }, 0},
		{"account and range", store.Query{Workspace: "W1", Account: "A2", From: at(2), To: at(11)},
			func(m feedbackbot.Message) bool {
				return m.Account == "A2" && !m.Time.Before(at(2)) && m.Time.Before(at(11))
			}, 0},
		{"channel and range in another zone", store.Query{Workspace: "W1", Channel: "C1",
			From: at(1).In(time.FixedZone("EST", -5*3600)), To: at(8).In(time.FixedZone("JST", 9*3600))},
			func(m feedbackbot.Message) bool {
				return m.Channel == "C1" && !m.Time.Before(at(1)) && m.Time.Before(at(8))
			}, 0},
		{"limit", store.Query{Workspace: "W1", Limit: 4}, nil, 4},
		{"limit with account", store.Query{Workspace: "W1", Account: "A1", Limit: 2},
			func(m feedbackbot.Message) bool { return m.Account == "A1" }, 2},
		{"limit with range", store.Query{Workspace: "W1", From: at(2), To: at(9), Limit: 3},
			func(m feedbackbot.Message) bool { return !m.Time.Before(at(2)) && m.Time.Before(at(9)) }, 3},
	}
	for _, tc := range cases {
		var want []store.Stored
		for _, m := range ms {
			if tc.keep == nil || tc.keep(m) {
				want = append(want, store.Stored{Message: m, Tags: tag(&m)})
			}
		}
		newestFirst(want)
		if tc.max > 0 && len(want) > tc.max {
			want = want[:tc.max]
		}
		got := f.messages(tc.q)
		if fmt.Sprint(keys(got)) != fmt.Sprint(keys(want)) {
			t.Errorf("%s: got %v, want %v", tc.name, keys(got), keys(want))
			continue
		}
		for i := range got {
			checkStored(t, tc.name, got[i], want[i])
		}
	}
}

func testMessagesLimits(t *testing.T, f *fixture) {
	n := store.MaxQueryLimit + 5
	ms := make([]feedbackbot.Message, n)
	for i := range ms {
		ms[i] = Msg("W1", fmt.Sprintf("m%04d", i), "x", "", "A1", "C1", Base.Add(time.Duration(i)*time.Second))
	}
	f.put(func(*feedbackbot.Message) feedbackbot.Tags { return Tags(0.1, "v1") }, ms...)
	for _, tc := range []struct {
		limit, want int
	}{
		{0, store.DefaultQueryLimit},
		{-1, store.DefaultQueryLimit},
		{store.MaxQueryLimit + 1, store.MaxQueryLimit},
		{1 << 30, store.MaxQueryLimit},
		{store.MaxQueryLimit, store.MaxQueryLimit},
	} {
		for _, q := range []store.Query{{Workspace: "W1"}, {Workspace: "W1", Account: "A1"}} {
			q.Limit = tc.limit
			got := f.messages(q)
			if len(got) != tc.want {
				t.Errorf("Limit %d (%+v): got %d messages, want %d", tc.limit, q, len(got), tc.want)
				continue
			}
			if got[0].Message.ID != ms[n-1].ID || got[len(got)-1].Message.ID != ms[n-tc.want].ID {
				t.Errorf("Limit %d: got %s .. %s, want the newest %s .. %s", tc.limit,
					got[0].Message.ID, got[len(got)-1].Message.ID, ms[n-1].ID, ms[n-tc.want].ID)
			}
		}
	}
}

func testMessagesInvalid(t *testing.T, f *fixture) {
	for _, q := range []store.Query{
		{},
		{Account: "A1"},
		{Workspace: "W1", Account: "A1", Channel: "C1"},
	} {
		_, err := f.s.Messages(f.ctx, q)
		checkCode(t, fmt.Sprintf("Messages(%+v)", q), err, feedbackbot.EINVALID)
	}
}

func testRollups(t *testing.T, f *fixture) {
	h := func(n int) time.Time { return Base.Add(time.Duration(n) * time.Hour) }
	tag := func(m *feedbackbot.Message) feedbackbot.Tags { return Tags(-0.3, "v1", "export") }
	ms := []feedbackbot.Message{
		Msg("W1", "a", "x", "", "A1", "C1", h(0)),
		Msg("W1", "b", "x", "", "A1", "C1", h(0).Add(59*time.Minute+59*time.Second)),
		Msg("W1", "c", "x", feedbackbot.RoleStaff, "A1", "C1", h(2).Add(time.Minute)),
		Msg("W1", "d", "x", "", "A2", "C2", h(5)),
		Msg("W1", "e", "x", "", "A2", "C2", h(-30)), // another day, before
	}
	f.put(tag, ms...)
	all := expectAll(ms, tag).expectRollups("W1")
	byStart := func(starts ...time.Time) []feedbackbot.Rollup {
		var out []feedbackbot.Rollup
		for _, r := range all {
			if slices.ContainsFunc(starts, r.Start.Equal) {
				out = append(out, r)
			}
		}
		return out
	}
	ny := time.FixedZone("NY", -4*3600)
	cases := []struct {
		name     string
		from, to time.Time
		want     []feedbackbot.Rollup
	}{
		{"everything", h(-48), h(48), all},
		{"start in [from, to)", h(0), h(5), byStart(h(0), h(2))},
		{"from inside a bucket excludes it", h(0).Add(30 * time.Minute), h(6), byStart(h(2), h(5))},
		{"to at a bucket start excludes it", h(2), h(5), byStart(h(2))},
		{"to just after a bucket start includes it", h(2), h(5).Add(time.Nanosecond), byStart(h(2), h(5))},
		{"empty period", h(1), h(2), nil},
		{"other zone", h(0).In(ny), h(3).In(ny), byStart(h(0), h(2))},
		{"to before from", h(5), h(0), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkRollups(t, f.rollups("W1", tc.from, tc.to), tc.want)
		})
	}
	if len(all) != 4 || all[1].Counts[feedbackbot.CntMessages] != 2 {
		t.Fatalf("test corpus is not what the cases assume: %s", dump(all))
	}
}

func testNotable(t *testing.T, f *fixture) {
	scores := map[string]float64{}
	tag := func(m *feedbackbot.Message) feedbackbot.Tags { return Tags(scores[m.ID], "v1") }
	day2 := Base.Add(24 * time.Hour)
	type row struct {
		id    string
		role  feedbackbot.Role
		score float64
		at    time.Time
	}
	rows := []row{
		{"n90", "", -0.9, Base.Add(time.Hour)},
		{"n50old", "", -0.5, Base.Add(2 * time.Hour)},
		{"n50new", "", -0.5, Base.Add(3 * time.Hour)},
		{"n10", "", -0.1, Base.Add(4 * time.Hour)},
		{"n01", "", -0.01, Base.Add(5 * time.Hour)},
		{"zero", "", 0, Base.Add(6 * time.Hour)},
		{"p30", "", 0.3, Base.Add(7 * time.Hour)},
		{"p80", "", 0.8, Base.Add(8 * time.Hour)},
		{"p80new", "", 0.8, day2.Add(time.Hour)},
		{"n100day2", "", -1, day2},
		{"staff", feedbackbot.RoleStaff, -0.99, Base.Add(time.Hour)},
		{"bot", feedbackbot.RoleBot, -0.99, Base.Add(time.Hour)},
		{"staffpos", feedbackbot.RoleStaff, 0.99, Base.Add(time.Hour)},
	}
	var ms []feedbackbot.Message
	for _, r := range rows {
		scores[r.id] = r.score
		ms = append(ms, Msg("W1", r.id, "quote "+r.id, r.role, "A1", "C1", r.at))
	}
	f.put(tag, ms...)
	f.put(tag, Msg("W2", "other", "x", "", "A1", "C1", Base.Add(time.Hour))) // score 0 but another ws
	scores["w2neg"] = -1
	f.put(tag, Msg("W2", "w2neg", "x", "", "A1", "C1", Base.Add(time.Hour)))

	k := func(ids ...string) []string {
		out := make([]string, len(ids))
		for i, id := range ids {
			m := Msg("W1", id, "", "", "", "C1", Base)
			out[i] = m.Key()
		}
		return out
	}
	cases := []struct {
		name     string
		kind     string
		from, to time.Time
		limit    int
		want     []string
	}{
		{"negative, ties newer first", store.NotableNegative, Base, day2.Add(24 * time.Hour), 10,
			k("n100day2", "n90", "n50new", "n50old", "n10", "n01")},
		{"negative limit", store.NotableNegative, Base, day2.Add(24 * time.Hour), 3, k("n100day2", "n90", "n50new")},
		{"negative first day", store.NotableNegative, Base, day2, 10, k("n90", "n50new", "n50old", "n10", "n01")},
		{"negative range inside a day", store.NotableNegative, Base.Add(2 * time.Hour), Base.Add(4 * time.Hour), 10, k("n50new", "n50old")},
		{"positive", store.NotablePositive, Base, day2.Add(24 * time.Hour), 10, k("p80new", "p80", "p30")},
		{"positive to exclusive", store.NotablePositive, Base, Base.Add(8 * time.Hour), 10, k("p30")},
		{"positive second day", store.NotablePositive, day2, day2.Add(24 * time.Hour), 10, k("p80new")},
		{"empty period", store.NotablePositive, Base.Add(-48 * time.Hour), Base, 10, nil},
	}
	for _, tc := range cases {
		got, err := f.s.Notable(f.ctx, "W1", tc.kind, tc.from, tc.to, tc.limit)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if fmt.Sprint(keys(got)) != fmt.Sprint(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, keys(got), tc.want)
			continue
		}
		for _, s := range got {
			checkStored(t, tc.name, s, store.Stored{Message: ms[slices.IndexFunc(ms, func(m feedbackbot.Message) bool {
				return m.Key() == s.Message.Key()
			})], Tags: tag(&s.Message)})
		}
	}
	got, err := f.s.Notable(f.ctx, "W1", store.NotableNegative, Base, day2.Add(24*time.Hour), 0)
	if err != nil || len(got) != 6 {
		t.Errorf("Notable with limit 0 = %d, %v; want all 6 (default limit >= 10)", len(got), err)
	}
	_, err = f.s.Notable(f.ctx, "W1", "angry", Base, day2, 10)
	checkCode(t, "Notable of an unknown kind", err, feedbackbot.EINVALID)

	// An edit that moves a message from negative to positive moves it between lists.
	edit := ms[0]
	edit.Text = "edited"
	scores["n90"] = 0.95
	f.put(tag, edit)
	neg, _ := f.s.Notable(f.ctx, "W1", store.NotableNegative, Base, day2, 10)
	pos, _ := f.s.Notable(f.ctx, "W1", store.NotablePositive, Base, day2, 10)
	if fmt.Sprint(keys(neg)) != fmt.Sprint(k("n50new", "n50old", "n10", "n01")) || fmt.Sprint(keys(pos)) != fmt.Sprint(k("n90", "p80", "p30")) {
		t.Errorf("after an edit: negative %v, positive %v", keys(neg), keys(pos))
	}
	if len(pos) > 0 && pos[0].Message.Text != "edited" {
		t.Errorf("Notable returned the old revision's text %q", pos[0].Message.Text)
	}
}

func testAccounts(t *testing.T, f *fixture) {
	tag := func(*feedbackbot.Message) feedbackbot.Tags { return Tags(0, "v1") }
	f.put(tag,
		Msg("W1", "m1", "x", "", "A2", "C1", Base),
		Msg("W1", "m2", "x", "", "A1", "C1", Base),
		Msg("W1", "m3", "x", "", "A1", "C2", Base),
		Msg("W1", "m4", "x", "", "", "C1", Base),
		Msg("W1", "m5", "x", feedbackbot.RoleStaff, "A3", "C1", Base),
		Msg("W2", "m1", "x", "", "B1", "C1", Base),
	)
	f.append(Put(Msg("W1", "m9", "not applied", "", "A9", "C1", Base)))
	for _, tc := range []struct {
		ws   string
		want []string
	}{
		{"W1", []string{"A1", "A2", "A3"}},
		{"W2", []string{"B1"}},
		{"W3", nil},
	} {
		got, err := f.s.Accounts(f.ctx, tc.ws)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("Accounts(%s) = %v, want %v", tc.ws, got, tc.want)
		}
	}
}

// testPeriodKeys: PeriodKeys gives the keys of the messages Messages gives for a
// workspace's period, in its order (ties of one instant too), without deleted
// messages or another workspace's, bounds exact for whole-microsecond times.
func testPeriodKeys(t *testing.T, f *fixture) {
	at := func(i int) time.Time { return Base.Add(time.Duration(i) * 10 * time.Minute) }
	var ms []feedbackbot.Message
	for i := range 12 {
		ms = append(ms, Msg("W1", fmt.Sprintf("m%02d", i), "text", "", []string{"A1", ""}[i%2], "C1", at(i)))
	}
	for _, id := range []string{"t1", "t3", "t2"} { // three of one instant
		ms = append(ms, Msg("W1", id, "tie", "", "A1", "C2", at(5)))
	}
	tag := func(*feedbackbot.Message) feedbackbot.Tags { return Tags(0.1, "v1") }
	f.put(tag, ms...)
	f.put(tag, Msg("W2", "x1", "other", "", "A1", "C1", at(4)))
	f.append(Delete(ms[6]))
	f.consume(tag)
	sub := 300 * time.Nanosecond
	for _, tc := range []struct {
		name     string
		from, to time.Time
		limit    int
	}{
		{"whole", time.Time{}, time.Time{}, 100},
		{"from inclusive, to exclusive", at(3), at(8), 100},
		{"bounds inside a microsecond", at(3).Add(-sub), at(8).Add(sub), 100},
		{"bounds just past", at(3).Add(sub), at(8).Add(-sub), 100},
		{"limit inside a tie", at(0), at(12), 4},
		{"from only", at(9), time.Time{}, 100},
		{"empty", at(7), at(7), 100},
	} {
		want := keys(f.messages(store.Query{Workspace: "W1", From: tc.from, To: tc.to, Limit: tc.limit}))
		got, err := f.s.PeriodKeys(f.ctx, "W1", tc.from, tc.to, tc.limit)
		if err != nil {
			t.Fatalf("%s: PeriodKeys: %v", tc.name, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: PeriodKeys = %v, Messages gave %v", tc.name, got, want)
		}
	}
	if got, err := f.s.PeriodKeys(f.ctx, "W9", time.Time{}, time.Time{}, 10); err != nil || len(got) != 0 {
		t.Errorf("unknown workspace: %v, %v; want none", got, err)
	}
	for _, limit := range []int{0, -1, store.MaxPeriodKeys + 1} {
		_, err := f.s.PeriodKeys(f.ctx, "W1", time.Time{}, time.Time{}, limit)
		checkCode(t, fmt.Sprintf("PeriodKeys limit %d", limit), err, feedbackbot.EINVALID)
	}
	_, err := f.s.PeriodKeys(f.ctx, "", time.Time{}, time.Time{}, 10)
	checkCode(t, "PeriodKeys without a workspace", err, feedbackbot.EINVALID)
}

// testNotableBusyDay: a day of more notable messages than a store reads of a day
// at once (150, beside the 100 Redis read of a day): a period that starts or ends
// inside it still finds its own messages behind more extreme ones outside it, and
// ties among many are broken newer first, whatever the ids' order (a review: the
// Redis store read a day's 100 most extreme, then filtered by time and sorted
// those, so the period's less extreme message was missed and the oldest of a tie
// kept).
func testNotableBusyDay(t *testing.T, f *fixture) {
	day := Base.Truncate(24 * time.Hour)
	scores := map[string]float64{}
	tag := func(m *feedbackbot.Message) feedbackbot.Tags { return Tags(scores[m.ID], "v1") }
	var ms []feedbackbot.Message
	for i := range 150 { // 00:00-02:29, -0.9 each; ids sort oldest first
		id := fmt.Sprintf("early%03d", i)
		scores[id] = -0.9
		ms = append(ms, Msg("W1", id, "awful", "", "A1", "C1", day.Add(time.Duration(i)*time.Minute)))
	}
	scores["late"] = -0.5
	ms = append(ms, Msg("W1", "late", "bad", "", "A1", "C1", day.Add(15*time.Hour)))
	f.put(tag, ms...)
	key := func(id string) string {
		m := Msg("W1", id, "", "", "", "C1", Base)
		return m.Key()
	}

	got, err := f.s.Notable(f.ctx, "W1", store.NotableNegative, day.Add(10*time.Hour), day.Add(34*time.Hour), 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Message.Key() != key("late") {
		t.Errorf("Notable of [10:00, +24h) = %v, want the period's one message", storedKeys(got))
	}
	got, err = f.s.Notable(f.ctx, "W1", store.NotableNegative, day, day.Add(24*time.Hour), 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{key("early149"), key("early148"), key("early147")}; fmt.Sprint(storedKeys(got)) != fmt.Sprint(want) {
		t.Errorf("Notable of the day, 3 = %v, want the newest three of the tie %v", storedKeys(got), want)
	}
}

func storedKeys(rs []store.Stored) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Message.Key()
	}
	return out
}

// zeroBoundCases are the periods a read with a zero bound must equal: a zero from
// is open at the start, a zero to at the end (store.Derived), and each is compared
// with the same read of [from, to) bounded wide of the data.
func zeroBoundCases(mid time.Time) []struct {
	name             string
	from, to         time.Time
	wideFrom, wideTo time.Time
} {
	far := 4 * 365 * 24 * time.Hour // wider than the data (two years), within the 3,700 days Redis reads at most
	return []struct {
		name             string
		from, to         time.Time
		wideFrom, wideTo time.Time
	}{
		{"both zero", time.Time{}, time.Time{}, mid.Add(-far), mid.Add(far)},
		{"from zero", time.Time{}, mid, mid.Add(-far), mid},
		{"to zero", mid, time.Time{}, mid, mid.Add(far)},
	}
}

// zeroBoundCorpus applies customer messages over three UTC days and two years,
// in one account, with negative and positive scores: what the zero-bound tests read.
func (f *fixture) zeroBoundCorpus() (mid time.Time) {
	scores := map[string]float64{}
	var ms []feedbackbot.Message
	for i, at := range []time.Time{Base.AddDate(-1, 0, 0), Base, Base.Add(3 * time.Hour), Base.Add(26 * time.Hour), Base.Add(50 * time.Hour), Base.AddDate(1, 0, 0)} {
		id := fmt.Sprintf("z%d", i)
		scores[id] = []float64{-0.9, 0.7, -0.4, 0.2, -0.1, 0.5}[i]
		ms = append(ms, Msg("W1", id, "message "+id, "", "A1", "C1", at))
	}
	f.put(func(m *feedbackbot.Message) feedbackbot.Tags { return Tags(scores[m.ID], "v1") }, ms...)
	return Base.Add(26 * time.Hour)
}

// testRollupsZeroBounds guards the zero-bound contract of Rollups: a zero from or
// to is open (from the workspace's first hour, to its last), with counters named
// too, and a workspace with nothing is empty, not an error (bolt took a zero to as
// the year 1 and returned nothing).
func testRollupsZeroBounds(t *testing.T, f *fixture) {
	mid := f.zeroBoundCorpus()
	for _, c := range zeroBoundCases(mid) {
		for _, named := range [][]string{nil, {feedbackbot.CntCustomer, feedbackbot.CounterName(feedbackbot.DimAccount, "A1", feedbackbot.CntCustomer)}} {
			want, err := f.s.Rollups(f.ctx, "W1", c.wideFrom, c.wideTo, named...)
			if err != nil || len(want) == 0 {
				t.Fatalf("Rollups(%s, bounded wide, %q) = %d buckets, %v", c.name, named, len(want), err)
			}
			got, err := f.s.Rollups(f.ctx, "W1", c.from, c.to, named...)
			if err != nil {
				t.Fatalf("Rollups(%s, %q): %v", c.name, named, err)
			}
			checkRollupsAt(t, fmt.Sprintf("Rollups(%s, %q)", c.name, named), got, want)
		}
		if got, err := f.s.Rollups(f.ctx, "W-empty", c.from, c.to); err != nil || len(got) != 0 {
			t.Errorf("Rollups(%s) of a workspace with nothing = %d buckets, %v; want none, nil", c.name, len(got), err)
		}
	}
}

// testNotableZeroBounds guards the zero-bound contract of Notable: a zero from or
// to is open, so the period is the workspace's whole history on that side (Redis
// refused a zero bound with EINVALID; bolt took a zero to as the year 1).
func testNotableZeroBounds(t *testing.T, f *fixture) {
	mid := f.zeroBoundCorpus()
	for _, c := range zeroBoundCases(mid) {
		for _, kind := range []string{store.NotableNegative, store.NotablePositive} {
			want, err := f.s.Notable(f.ctx, "W1", kind, c.wideFrom, c.wideTo, 10)
			if err != nil || len(want) == 0 {
				t.Fatalf("Notable(%s, %s, bounded wide) = %d, %v", c.name, kind, len(want), err)
			}
			got, err := f.s.Notable(f.ctx, "W1", kind, c.from, c.to, 10)
			if err != nil {
				t.Fatalf("Notable(%s, %s): %v", c.name, kind, err)
			}
			if fmt.Sprint(keys(got)) != fmt.Sprint(keys(want)) {
				t.Errorf("Notable(%s, %s) = %v, want %v (a zero bound is open)", c.name, kind, keys(got), keys(want))
			}
			if got, err := f.s.Notable(f.ctx, "W-empty", kind, c.from, c.to, 10); err != nil || len(got) != 0 {
				t.Errorf("Notable(%s, %s) of a workspace with nothing = %d, %v; want none, nil", c.name, kind, len(got), err)
			}
		}
	}
}

// longHistory applies three customer messages of account A1, all negative: one
// dated in the year 1 (Normalize takes any time from the year 1 on: an odd
// timestamp), one eleven years before Base (a Slack import of an old workspace)
// and one at Base, so that the workspace's history spans far more than the 3,700
// days a bounded read may ask for. It returns them oldest first.
func (f *fixture) longHistory() []feedbackbot.Message {
	var ms []feedbackbot.Message
	for i, at := range []time.Time{time.Date(1, 1, 2, 3, 0, 0, 0, time.UTC), Base.AddDate(-11, 0, 0), Base} {
		ms = append(ms, Msg("W1", fmt.Sprintf("h%d", i), fmt.Sprintf("the export is broken (%d)", i), "", "A1", "C1", at))
	}
	f.put(func(m *feedbackbot.Message) feedbackbot.Tags { return Tags(-0.8, "v1") }, ms...)
	return ms
}

// testNotableOpenLongHistory guards the open bound of Notable on a long history:
// a zero bound is open whatever the workspace's span, and its cost grows with the
// days that hold data (store.Derived), so neither end is refused as too long a
// period (Redis took a zero bound as the first or last rollup hour and then
// refused every period longer than 3,700 days, or walked every day of it).
func testNotableOpenLongHistory(t *testing.T, f *fixture) {
	ms := f.longHistory()
	var zero time.Time
	for _, c := range []struct {
		name     string
		from, to time.Time
		want     []feedbackbot.Message // newest first (the scores tie)
	}{
		{"both open", zero, zero, []feedbackbot.Message{ms[2], ms[1], ms[0]}},
		{"open start", zero, Base.Add(time.Hour), []feedbackbot.Message{ms[2], ms[1], ms[0]}},
		{"open start, to before the newest", zero, Base, []feedbackbot.Message{ms[1], ms[0]}},
		{"open end", ms[0].Time.Add(time.Minute), zero, []feedbackbot.Message{ms[2], ms[1]}},
		{"open end, from in the first message's hour", ms[0].Time, zero, []feedbackbot.Message{ms[2], ms[1], ms[0]}},
	} {
		got, err := f.s.Notable(f.ctx, "W1", store.NotableNegative, c.from, c.to, 10)
		if err != nil {
			t.Errorf("Notable(%s) over a history from the year 1: %v", c.name, err)
			continue
		}
		var want []string
		for _, m := range c.want {
			want = append(want, m.Key())
		}
		if fmt.Sprint(keys(got)) != fmt.Sprint(want) {
			t.Errorf("Notable(%s) = %v, want %v", c.name, keys(got), want)
		}
	}
}
