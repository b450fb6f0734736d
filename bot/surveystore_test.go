package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
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
			if got, want := st.reset(), []string{bot.DocSurveyAnswer, bot.DocSurveyAnswer + "/2026-W45", bot.DocSurveyAnswer + "/2026-W46", bot.DocSurveyAnswer + "/2026-W47"}; !slices.Equal(got, want) {
				t.Errorf("two weeks to 22 November listed %v, want only %v", got, want)
			}
			if got, want := read(day(11, 8, 0), day(11, 22, 0)), []string{"U4:11-20:4", "U5:11-18:9", "U6:11-19:1"}; !slices.Equal(got, want) {
				t.Errorf("every account's two weeks: %v, want %v", got, want)
			}
			all := []string{"U1:09-10:1", "U2:10-05:2", "U3:11-02:5", "U4:11-20:4", "U5:11-18:9", "U6:11-19:1", "U7:11-03:3"}
			if got := read(time.Time{}, time.Time{}); !slices.Equal(got, all) {
				t.Errorf("every answer: %v, want %v", got, all)
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
