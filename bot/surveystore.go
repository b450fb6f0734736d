package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/feedbackbot/feedbackbot/store"
)

// Survey answers are kept by the ISO week (UTC, Monday to Sunday) they were given
// in: one document kind per week ("survey-answer/2026-W47"), listed in
// DocSurveyWeeks. A reader of a period (a digest's week, account health's recent
// two weeks) reads the two or three weeks it touches, so its cost follows the
// period's answers, not every answer ever given.
// Answers stored by an older version, all under DocSurveyAnswer, are still read
// (with every period) until MoveSurveyAnswers has moved them into their weeks.
const DocSurveyWeeks = "survey-weeks"

// docDeleter is what removing answers needs.
type docDeleter interface {
	docLister
	DeleteDoc(ctx context.Context, workspace, kind, id string) error
}

// docWriter is what storing and moving answers needs.
type docWriter interface {
	docDeleter
	PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error
}

// docLister is what listing the survey weeks and moving answers needs.
type docLister interface {
	ListDocs(ctx context.Context, workspace, kind string) (map[string][]byte, error)
}

// surveyReader is what reading survey answers needs: one account's are read by the
// prefix of their ids.
type surveyReader interface {
	docLister
	ListDocsPrefix(ctx context.Context, workspace, kind string, prefixes ...string) (map[string][]byte, error)
}

// surveyWeekKind is the document kind of the answers given in a week ("2026-W47").
func surveyWeekKind(week string) string { return DocSurveyAnswer + "/" + week }

// surveyWeek names t's ISO week; the names sort in time order.
func surveyWeek(t time.Time) string {
	y, w := t.UTC().ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// weekStart is the Monday 00:00 UTC that begins t's week.
func weekStart(t time.Time) time.Time {
	d := store.DayStart(t)
	return d.AddDate(0, 0, -(int(d.Weekday())+6)%7)
}

// surveyAnswerID is one answer per person, survey kind and thread: pressing again
// replaces the answer.
func surveyAnswerID(a SurveyAnswer) string {
	return strings.Join([]string{a.Kind, a.Account, a.Thread, a.User}, "|")
}

// PutSurveyAnswer stores an answer in its week, replacing the same person's answer
// to the same survey given earlier that week, the week before, or under an older
// version's single list. One given earlier still is left where it is (finding it
// would mean visiting every week), and SurveyAnswers counts only the later of two
// in a period: each period counts what was answered in it, once.
func PutSurveyAnswer(ctx context.Context, st docWriter, workspace string, a SurveyAnswer) error {
	if a.Time.IsZero() {
		return fmt.Errorf("survey answer: no time")
	}
	raw, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("survey answer: %w", err)
	}
	id := surveyAnswerID(a)
	if err := putInWeek(ctx, st, workspace, a.Time, id, raw); err != nil {
		return fmt.Errorf("survey answer: %w", err)
	}
	for _, kind := range []string{surveyWeekKind(surveyWeek(weekStart(a.Time).AddDate(0, 0, -7))), DocSurveyAnswer} {
		if err := st.DeleteDoc(ctx, workspace, kind, id); err != nil {
			return fmt.Errorf("survey answer: replace the earlier one: %w", err)
		}
	}
	return nil
}

// putInWeek lists t's week, then writes the answer to it: no answer is ever in a
// week that retention and erasure do not see.
func putInWeek(ctx context.Context, st docWriter, workspace string, t time.Time, id string, raw []byte) error {
	week := surveyWeek(t)
	if err := st.PutDoc(ctx, workspace, DocSurveyWeeks, week, []byte(week)); err != nil {
		return fmt.Errorf("list its week: %w", err)
	}
	return st.PutDoc(ctx, workspace, surveyWeekKind(week), id, raw)
}

// SurveyAnswers loads the answers of a workspace given in [from, to), of one account
// or ("") of all, reading only the weeks the period touches; a zero from or to
// leaves that end open (every listed week).
func SurveyAnswers(ctx context.Context, st surveyReader, workspace string, from, to time.Time, account string) ([]SurveyAnswer, error) {
	var kinds []string
	if from.IsZero() || to.IsZero() {
		weeks, err := surveyWeeks(ctx, st, workspace)
		if err != nil {
			return nil, err
		}
		for _, w := range weeks {
			if (from.IsZero() || w >= surveyWeek(from)) && (to.IsZero() || w <= surveyWeek(to)) {
				kinds = append(kinds, surveyWeekKind(w))
			}
		}
	} else {
		if !to.After(from) {
			return nil, nil
		}
		last := surveyWeek(to.Add(-time.Nanosecond))
		for w := weekStart(from); surveyWeek(w) <= last; w = w.AddDate(0, 0, 7) {
			kinds = append(kinds, surveyWeekKind(surveyWeek(w)))
		}
	}
	list := func(kind string) (map[string][]byte, error) { return st.ListDocs(ctx, workspace, kind) }
	if account != "" {
		// An answer's id begins with its kind and account: one account's answers are
		// read without the others' (which a networked store does not even send).
		prefixes := []string{SurveyCSAT + "|" + account + "|", SurveyNPS + "|" + account + "|"}
		list = func(kind string) (map[string][]byte, error) {
			return st.ListDocsPrefix(ctx, workspace, kind, prefixes...)
		}
	}
	docs, err := listKinds(list, append(kinds, DocSurveyAnswer))
	if err != nil {
		return nil, fmt.Errorf("survey answers: %w", err)
	}
	var out []SurveyAnswer
	at := map[string]int{} // answer id -> its index in out
	for _, d := range docs {
		var a SurveyAnswer
		if err := json.Unmarshal(d.raw, &a); err != nil {
			return nil, fmt.Errorf("survey answer %s: %w", d.id, err)
		}
		if (!from.IsZero() && a.Time.Before(from)) || (!to.IsZero() && !a.Time.Before(to)) || (account != "" && a.Account != account) {
			continue
		}
		// A button pressed again more than a week later left the earlier answer in
		// its week (PutSurveyAnswer replaces within two weeks): a period that holds
		// both counts the later one only.
		if i, ok := at[d.id]; ok {
			if a.Time.After(out[i].Time) {
				out[i] = a
			}
			continue
		}
		at[d.id] = len(out)
		out = append(out, a)
	}
	return out, nil
}

// surveyWeeks lists the weeks that hold (or held) answers, oldest first.
func surveyWeeks(ctx context.Context, st docLister, workspace string) ([]string, error) {
	docs, err := st.ListDocs(ctx, workspace, DocSurveyWeeks)
	if err != nil {
		return nil, fmt.Errorf("survey weeks: %w", err)
	}
	weeks := make([]string, 0, len(docs))
	for w := range docs {
		weeks = append(weeks, w)
	}
	slices.Sort(weeks)
	return weeks, nil
}

type kindDoc struct {
	kind, id string
	raw      []byte
}

// listKinds reads several document kinds at the same time (up to 8 at once: one
// round trip's wait on a networked store for a period's few weeks) and returns
// their documents in kind order.
func listKinds(list func(kind string) (map[string][]byte, error), kinds []string) ([]kindDoc, error) {
	res := make([]map[string][]byte, len(kinds))
	errs := make([]error, len(kinds))
	var wg sync.WaitGroup
	slots := make(chan struct{}, 8)
	for i, k := range kinds {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			res[i], errs[i] = list(k)
		})
	}
	wg.Wait()
	var out []kindDoc
	for i, k := range kinds {
		if errs[i] != nil {
			return nil, fmt.Errorf("list %s: %w", k, errs[i])
		}
		for id, raw := range res[i] {
			out = append(out, kindDoc{k, id, raw})
		}
	}
	return out, nil
}

// deleteSurveyAnswers deletes the answers drop says yes to, in the older version's
// list and every week up to upTo ("2026-W47"; "" for all), and unlists weeks left
// empty. It returns how many it deleted. Retention and erasure use it.
func deleteSurveyAnswers(ctx context.Context, st docDeleter, workspace, upTo string, drop func(SurveyAnswer) bool) (int, error) {
	weeks, err := surveyWeeks(ctx, st, workspace)
	if err != nil {
		return 0, err
	}
	kinds := []string{DocSurveyAnswer}
	for _, w := range weeks {
		if upTo == "" || w <= upTo {
			kinds = append(kinds, surveyWeekKind(w))
		}
	}
	// Eight weeks at a time are listed at once (one round trip's wait on a networked
	// store), and only those eight weeks' answers are held in memory.
	list := func(kind string) (map[string][]byte, error) { return st.ListDocs(ctx, workspace, kind) }
	n := 0
	for chunk := range slices.Chunk(kinds, 8) {
		docs, err := listKinds(list, chunk)
		if err != nil {
			return n, fmt.Errorf("survey answers: %w", err)
		}
		left := make(map[string]int, len(chunk))
		for _, d := range docs {
			left[d.kind]++
		}
		for _, d := range docs {
			var a SurveyAnswer
			if json.Unmarshal(d.raw, &a) != nil || !drop(a) {
				continue
			}
			if err := st.DeleteDoc(ctx, workspace, d.kind, d.id); err != nil {
				return n, fmt.Errorf("survey answer: %w", err)
			}
			n++
			left[d.kind]--
		}
		for _, kind := range chunk {
			if week, ok := strings.CutPrefix(kind, DocSurveyAnswer+"/"); ok && left[kind] == 0 {
				if err := st.DeleteDoc(ctx, workspace, DocSurveyWeeks, week); err != nil {
					return n, fmt.Errorf("survey weeks: %w", err)
				}
			}
		}
	}
	return n, nil
}

// MoveSurveyAnswers moves the answers an older version kept in one list into their
// weeks (once; a no-op after), so that reading a period stops reading all of them.
// It returns how many it moved. An answer is written to its week before it is
// deleted from the list, so a stop halfway loses none.
func MoveSurveyAnswers(ctx context.Context, st docWriter, workspace string) (int, error) {
	docs, err := st.ListDocs(ctx, workspace, DocSurveyAnswer)
	if err != nil {
		return 0, fmt.Errorf("move survey answers: %w", err)
	}
	n := 0
	for id, raw := range docs {
		var a SurveyAnswer
		if err := json.Unmarshal(raw, &a); err != nil || a.Time.IsZero() {
			continue // unreadable: left where it is, as before
		}
		if err := putInWeek(ctx, st, workspace, a.Time, id, raw); err != nil {
			return n, fmt.Errorf("move survey answers: %w", err)
		}
		if err := st.DeleteDoc(ctx, workspace, DocSurveyAnswer, id); err != nil {
			return n, fmt.Errorf("move survey answers: %w", err)
		}
		n++
	}
	return n, nil
}
