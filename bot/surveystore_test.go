package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// listedKinds is a real store that notes which document kinds were listed, so a
// test can tell what a reader read.
type listedKinds struct {
	store.Store
	mu    sync.Mutex
	kinds map[string]int
}

func (l *listedKinds) ListDocs(ctx context.Context, ws, kind string) (map[string][]byte, error) {
	l.mu.Lock()
	l.kinds[kind]++
	l.mu.Unlock()
	return l.Store.ListDocs(ctx, ws, kind)
}

func (l *listedKinds) ListDocsPrefix(ctx context.Context, ws, kind string, prefixes ...string) (map[string][]byte, error) {
	l.mu.Lock()
	l.kinds[kind]++
	l.mu.Unlock()
	return l.Store.ListDocsPrefix(ctx, ws, kind, prefixes...)
}

func (l *listedKinds) GetDoc(ctx context.Context, ws, kind, id string) ([]byte, error) {
	l.mu.Lock()
	l.kinds["get "+kind]++
	l.mu.Unlock()
	return l.Store.GetDoc(ctx, ws, kind, id)
}

func (l *listedKinds) reset() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ks := slices.Sorted(maps.Keys(l.kinds))
	l.kinds = map[string]int{}
	return ks
}

func answerScores(as []bot.SurveyAnswer) []string {
	var out []string
	for _, a := range as {
		out = append(out, fmt.Sprintf("%s:%s:%d", a.User, a.Time.Format("01-02"), a.Score))
	}
	slices.Sort(out)
	return out
}

// TestSurveyAnswersByWeek: answers are kept by week, a period reads only its weeks
// (and an older version's list), one account's answers are told from another's
// whose id begins alike, pressing again replaces an answer across a week's end and
// counts once when pressed six weeks later (each week counts its own press), an
// older version's answers move into their weeks once, and retention and erasure
// reach every week.
func TestSurveyAnswersByWeek(t *testing.T) {
	day := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, time.UTC) }
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := &listedKinds{Store: open(t), kinds: map[string]int{}}
			put := func(user string, at time.Time, score int) {
				t.Helper()
				a := bot.SurveyAnswer{Kind: bot.SurveyCSAT, Score: score, Account: "acme", Thread: "C1:1", User: user, Time: at}
				if user == "U6" {
					a.Account = "acme|eu" // another account, whose id begins like acme's
				}
				if err := bot.PutSurveyAnswer(ctx, st, "T1", a); err != nil {
					t.Fatal(err)
				}
			}
			put("U1", day(9, 10, 9), 1)
			put("U2", day(10, 5, 9), 2)
			put("U3", day(11, 1, 23), 3) // a Sunday
			put("U3", day(11, 2, 1), 5)  // pressed again after the week's end: replaces
			put("U4", day(11, 20, 9), 4)
			put("U6", day(11, 19, 9), 1)
			put("U7", day(9, 20, 9), 2)
			put("U7", day(11, 3, 9), 3) // pressed again six weeks later: replaces
			// An answer an older version stored in its single list.
			old, _ := json.Marshal(bot.SurveyAnswer{Kind: bot.SurveyNPS, Score: 9, Account: "acme", User: "U5", Time: day(11, 18, 9)})
			if err := st.PutDoc(ctx, "T1", bot.DocSurveyAnswer, "nps|acme||U5", old); err != nil {
				t.Fatal(err)
			}
			st.reset()

			read := func(from, to time.Time, account ...string) []string {
				t.Helper()
				as, err := bot.SurveyAnswers(ctx, st, "T1", from, to, append(account, "")[0])
				if err != nil {
					t.Fatal(err)
				}
				return answerScores(as)
			}
			if got, want := read(day(11, 8, 0), day(11, 22, 0), "acme"), []string{"U4:11-20:4", "U5:11-18:9"}; !slices.Equal(got, want) {
				t.Errorf("acme's two weeks to 22 November: %v, want %v", got, want)
			}
			if got, want := st.reset(), []string{"get " + bot.DocSurveyWeeks, bot.DocSurveyAnswer, bot.DocSurveyByAccount + "/2026-W45/acme", bot.DocSurveyByAccount + "/2026-W46/acme", bot.DocSurveyByAccount + "/2026-W47/acme"}; !slices.Equal(got, want) {
				// not the list of weeks either: it grows with the history
				t.Errorf("two weeks to 22 November listed %v, want only %v", got, want)
			}
			if got, want := read(day(11, 8, 0), day(11, 22, 0)), []string{"U4:11-20:4", "U5:11-18:9", "U6:11-19:1"}; !slices.Equal(got, want) {
				t.Errorf("every account's two weeks: %v, want %v", got, want)
			}
			all := []string{"U1:09-10:1", "U2:10-05:2", "U3:11-02:5", "U4:11-20:4", "U5:11-18:9", "U6:11-19:1", "U7:11-03:3"}
			if got := read(time.Time{}, time.Time{}); !slices.Equal(got, all) {
				t.Errorf("every answer: %v, want %v", got, all)
			}
			// An open period lists the weeks, and so knows which are indexed without
			// asking for each week's entry again.
			st.reset()
			if got, want := read(time.Time{}, time.Time{}, "acme"), read(day(9, 1, 0), day(12, 1, 0), "acme"); len(got) == 0 || !slices.Equal(got, want) {
				t.Errorf("acme's answers, open period: %v, want %v", got, want)
			}
			st.reset()
			read(time.Time{}, time.Time{}, "acme")
			if got := st.reset(); !slices.Contains(got, bot.DocSurveyWeeks) || slices.Contains(got, "get "+bot.DocSurveyWeeks) {
				t.Errorf("acme's answers, open period, read %v: want the weeks listed once, and no entry of theirs asked for", got)
			}
			if got, want := read(day(9, 14, 0), day(9, 21, 0)), []string{"U7:09-20:2"}; !slices.Equal(got, want) {
				t.Errorf("the week of U7's first press: %v, want %v", got, want)
			}

			// The older version's answers move into their weeks, once.
			for i, want := range []int{1, 0} {
				if n, err := bot.MoveSurveyAnswers(ctx, st, "T1"); err != nil || n != want {
					t.Fatalf("move %d: %d moved, %v; want %d", i, n, err, want)
				}
			}
			if docs, _ := st.ListDocs(ctx, "T1", bot.DocSurveyAnswer); len(docs) != 0 {
				t.Errorf("the old list still holds %d answers", len(docs))
			}
			if got := read(time.Time{}, time.Time{}); !slices.Equal(got, all) {
				t.Errorf("after the move: %v, want %v", got, all)
			}

			// Retention before 15 October deletes three answers and unlists their weeks.
			res, err := bot.ExpireOld(ctx, st, "T1", day(10, 15, 0))
			if err != nil || res.SurveyAnswers != 3 {
				t.Fatalf("retention: %+v, %v; want 3 answers deleted (U1, U2, U7's first)", res, err)
			}
			if got, want := read(time.Time{}, time.Time{}), all[2:]; !slices.Equal(got, want) {
				t.Errorf("after retention: %v, want %v", got, want)
			}
			weeks, _ := st.ListDocs(ctx, "T1", bot.DocSurveyWeeks)
			if got, want := slices.Sorted(maps.Keys(weeks)), []string{"2026-W44", "2026-W45", "2026-W47"}; !slices.Equal(got, want) {
				t.Errorf("weeks listed after retention: %v, want %v", got, want)
			}

			// Erasing a person reaches every week.
			ps, ok := store.Store(st.Store).(bot.PrivacyStore)
			if !ok {
				t.Fatal("store cannot erase people")
			}
			f, err := bot.ForgetPerson(ctx, ps, "T1", "U4")
			if err != nil || f.SurveyAnswers != 1 {
				t.Fatalf("forget: %+v, %v", f, err)
			}
			if got, want := read(time.Time{}, time.Time{}), []string{"U3:11-02:5", "U5:11-18:9", "U6:11-19:1", "U7:11-03:3"}; !slices.Equal(got, want) {
				t.Errorf("after forgetting U4: %v, want %v", got, want)
			}

			// Erasure goes through the weeks eight at a time: a person with answers in
			// ten weeks (two weeks apart, so none replaced another) loses all ten, and the
			// weeks left empty are unlisted.
			before, _ := st.ListDocs(ctx, "T1", bot.DocSurveyWeeks)
			for i := range 10 {
				put("U8", day(5, 4, 9).AddDate(0, 0, 14*i), 2)
			}
			if f, err := bot.ForgetPerson(ctx, ps, "T1", "U8"); err != nil || f.SurveyAnswers != 10 {
				t.Fatalf("forget U8: %+v, %v; want 10 answers", f, err)
			}
			after, _ := st.ListDocs(ctx, "T1", bot.DocSurveyWeeks)
			if got, want := slices.Sorted(maps.Keys(after)), slices.Sorted(maps.Keys(before)); !slices.Equal(got, want) {
				t.Errorf("weeks listed after forgetting U8: %v, want %v", got, want)
			}
		})
	}
}

// TestSurveyAnswersAccountIndex: one account's answers read through the account
// index are the same as every answer read and filtered by account, before and after
// weeks an older version wrote (listed without the index, or written into after it
// listed them) are indexed, and after erasure and retention, which take answers out
// of the index too; a week not indexed yet is scanned, an indexed one is not.
func TestSurveyAnswersAccountIndex(t *testing.T) {
	base := time.Date(2026, 9, 28, 9, 0, 0, 0, time.UTC) // Monday of 2026-W40
	accounts := []string{"acme", "acme|eu", "globex"}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := &listedKinds{Store: open(t), kinds: map[string]int{}}
			// 90 answers over nine weeks from W41, three accounts, eleven people.
			for i := range 90 {
				a := bot.SurveyAnswer{Kind: bot.SurveyCSAT, Score: 1 + i%5, Account: accounts[i%3], Thread: fmt.Sprintf("C1:%d", i),
					User: fmt.Sprintf("U%d", i%11), Time: base.Add(7*24*time.Hour + time.Duration(i)*17*time.Hour)}
				if i%4 == 0 {
					a.Kind, a.Score = bot.SurveyNPS, i%11
				}
				if err := bot.PutSurveyAnswer(ctx, st, "T1", a); err != nil {
					t.Fatal(err)
				}
			}
			// An older version's writes: a week it listed (W40) and an answer it
			// wrote into an indexed week (W47), listing that week again as it did.
			older := func(week string, a bot.SurveyAnswer) {
				t.Helper()
				raw, _ := json.Marshal(a)
				if err := st.PutDoc(ctx, "T1", bot.DocSurveyWeeks, week, []byte(week)); err != nil {
					t.Fatal(err)
				}
				if err := st.PutDoc(ctx, "T1", bot.DocSurveyAnswer+"/"+week, strings.Join([]string{a.Kind, a.Account, a.Thread, a.User}, "|"), raw); err != nil {
					t.Fatal(err)
				}
			}
			older("2026-W40", bot.SurveyAnswer{Kind: bot.SurveyCSAT, Score: 2, Account: "acme", Thread: "C2:1", User: "U20", Time: base})
			older("2026-W40", bot.SurveyAnswer{Kind: bot.SurveyCSAT, Score: 4, Account: "globex", Thread: "C2:2", User: "U21", Time: base.Add(time.Hour)})
			older("2026-W47", bot.SurveyAnswer{Kind: bot.SurveyNPS, Score: 3, Account: "acme", Thread: "C2:3", User: "U20", Time: time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)})

			periods := [][2]time.Time{{}, {base.AddDate(0, 0, 21), base.AddDate(0, 0, 42)}, {time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}}
			agree := func(stage string) {
				t.Helper()
				for _, p := range periods {
					all, err := bot.SurveyAnswers(ctx, st, "T1", p[0], p[1], "")
					if err != nil {
						t.Fatal(err)
					}
					total := 0
					for _, acct := range accounts {
						got, err := bot.SurveyAnswers(ctx, st, "T1", p[0], p[1], acct)
						if err != nil {
							t.Fatal(err)
						}
						var want []bot.SurveyAnswer
						for _, a := range all {
							if a.Account == acct {
								want = append(want, a)
							}
						}
						total += len(got)
						if g, w := answerScores(got), answerScores(want); !slices.Equal(g, w) {
							t.Errorf("%s: %s's answers in %v: %v\nwant (every answer, filtered) %v", stage, acct, p, g, w)
						}
					}
					if total == 0 {
						t.Errorf("%s: no answers in %v: the comparison says nothing", stage, p)
					}
				}
			}
			scanned := func() []string { // week kinds an account read listed
				var out []string
				for _, k := range st.reset() {
					if strings.HasPrefix(k, bot.DocSurveyAnswer+"/") {
						out = append(out, k)
					}
				}
				return out
			}
			agree("before indexing")
			st.reset()
			if _, err := bot.SurveyAnswers(ctx, st, "T1", time.Time{}, time.Time{}, "acme"); err != nil {
				t.Fatal(err)
			}
			if got, want := scanned(), []string{bot.DocSurveyAnswer + "/2026-W40", bot.DocSurveyAnswer + "/2026-W47"}; !slices.Equal(got, want) {
				t.Errorf("an account read before indexing scanned %v, want the older version's weeks %v", got, want)
			}
			for i, want := range []int{2, 0} {
				if n, err := bot.IndexSurveyWeeks(ctx, st, "T1"); err != nil || n != want {
					t.Fatalf("index %d: %d weeks, %v; want %d", i, n, err, want)
				}
			}
			agree("after indexing")
			st.reset()
			if _, err := bot.SurveyAnswers(ctx, st, "T1", time.Time{}, time.Time{}, "acme"); err != nil {
				t.Fatal(err)
			}
			if got := scanned(); len(got) != 0 {
				t.Errorf("an account read after indexing scanned %v, want no week", got)
			}

			// Erasure and retention take answers out of the index as well.
			indexed := func(user string) []string {
				t.Helper()
				var out []string
				for w := base; w.Before(base.AddDate(0, 0, 70)); w = w.AddDate(0, 0, 7) {
					y, n := w.ISOWeek()
					for _, acct := range accounts {
						kind := fmt.Sprintf("%s/%04d-W%02d/%s", bot.DocSurveyByAccount, y, n, acct)
						docs, err := st.Store.ListDocs(ctx, "T1", kind)
						if err != nil {
							t.Fatal(err)
						}
						for id, raw := range docs {
							var a bot.SurveyAnswer
							if json.Unmarshal(raw, &a) == nil && (user == "" || a.User == user) {
								out = append(out, kind+" "+id)
							}
						}
					}
				}
				return out
			}
			if got := indexed("U20"); len(got) != 2 {
				t.Fatalf("U20's answers in the index: %v, want two (W40 and W47)", got)
			}
			ps, ok := store.Store(st.Store).(bot.PrivacyStore)
			if !ok {
				t.Fatal("store cannot erase people")
			}
			for _, u := range []string{"U20", "U3"} {
				if f, err := bot.ForgetPerson(ctx, ps, "T1", u); err != nil || f.SurveyAnswers == 0 {
					t.Fatalf("forget %s: %+v, %v", u, f, err)
				}
				if got := indexed(u); len(got) != 0 {
					t.Errorf("after forgetting %s the index still holds %v", u, got)
				}
			}
			agree("after erasure")
			cut := base.AddDate(0, 0, 28)
			if res, err := bot.ExpireOld(ctx, st, "T1", cut); err != nil || res.SurveyAnswers == 0 {
				t.Fatalf("retention: %+v, %v", res, err)
			}
			for _, e := range indexed("") {
				var a bot.SurveyAnswer
				kind, id, _ := strings.Cut(e, " ")
				raw, err := st.Store.GetDoc(ctx, "T1", kind, id)
				if err == nil && json.Unmarshal(raw, &a) == nil && a.Time.Before(store.DayStart(cut).AddDate(0, 0, -7)) {
					t.Errorf("after retention before %s the index still holds %s from %s", cut.Format(time.DateOnly), e, a.Time.Format(time.DateOnly))
				}
			}
			agree("after retention")
		})
	}
}
