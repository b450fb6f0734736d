package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Survey answers are kept by the UTC month they were given in: one document kind
// per month ("survey-answer/2026-11"), listed in DocSurveyMonths. A reader of a
// period (a digest's week, account health's recent weeks) reads the months it
// touches, so its cost follows the period's answers, not every answer ever given.
// Answers stored by an older version, all under DocSurveyAnswer, are still read
// (with every period) until MoveSurveyAnswers has moved them into their months.
const DocSurveyMonths = "survey-months"

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

// docLister is what reading survey answers needs.
type docLister interface {
	ListDocs(ctx context.Context, workspace, kind string) (map[string][]byte, error)
}

// surveyMonthKind is the document kind of the answers given in month ("2006-01").
func surveyMonthKind(month string) string { return DocSurveyAnswer + "/" + month }

func surveyMonth(t time.Time) string { return t.UTC().Format("2006-01") }

// surveyAnswerID is one answer per person, survey kind and thread: pressing again
// replaces the answer.
func surveyAnswerID(a SurveyAnswer) string {
	return strings.Join([]string{a.Kind, a.Account, a.Thread, a.User}, "|")
}

// PutSurveyAnswer stores an answer in its month, replacing the same person's answer
// to the same survey given earlier that month, the month before, or under an older
// version's single list.
func PutSurveyAnswer(ctx context.Context, st docWriter, workspace string, a SurveyAnswer) error {
	if a.Time.IsZero() {
		return fmt.Errorf("survey answer: no time")
	}
	raw, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("survey answer: %w", err)
	}
	id, month := surveyAnswerID(a), surveyMonth(a.Time)
	// The month is listed before an answer is written to it, so no answer is ever
	// in a month that retention and erasure do not see.
	if err := st.PutDoc(ctx, workspace, DocSurveyMonths, month, []byte(month)); err != nil {
		return fmt.Errorf("survey answer: list its month: %w", err)
	}
	if err := st.PutDoc(ctx, workspace, surveyMonthKind(month), id, raw); err != nil {
		return fmt.Errorf("survey answer: %w", err)
	}
	first := time.Date(a.Time.UTC().Year(), a.Time.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	for _, kind := range []string{surveyMonthKind(surveyMonth(first.AddDate(0, -1, 0))), DocSurveyAnswer} {
		if err := st.DeleteDoc(ctx, workspace, kind, id); err != nil {
			return fmt.Errorf("survey answer: replace the earlier one: %w", err)
		}
	}
	return nil
}

// SurveyAnswers loads the answers of a workspace given in [from, to), reading only
// the months the period touches; a zero from or to leaves that end open (every
// listed month).
func SurveyAnswers(ctx context.Context, st docLister, workspace string, from, to time.Time) ([]SurveyAnswer, error) {
	var kinds []string
	if from.IsZero() || to.IsZero() {
		months, err := surveyMonths(ctx, st, workspace)
		if err != nil {
			return nil, err
		}
		for _, m := range months {
			if (from.IsZero() || m >= surveyMonth(from)) && (to.IsZero() || m <= surveyMonth(to)) {
				kinds = append(kinds, surveyMonthKind(m))
			}
		}
	} else {
		if !to.After(from) {
			return nil, nil
		}
		last := surveyMonth(to.Add(-time.Nanosecond))
		for m := time.Date(from.UTC().Year(), from.UTC().Month(), 1, 0, 0, 0, 0, time.UTC); surveyMonth(m) <= last; m = m.AddDate(0, 1, 0) {
			kinds = append(kinds, surveyMonthKind(surveyMonth(m)))
		}
	}
	docs, err := listKinds(ctx, st, workspace, append(kinds, DocSurveyAnswer))
	if err != nil {
		return nil, fmt.Errorf("survey answers: %w", err)
	}
	var out []SurveyAnswer
	for _, d := range docs {
		var a SurveyAnswer
		if err := json.Unmarshal(d.raw, &a); err != nil {
			return nil, fmt.Errorf("survey answer %s: %w", d.id, err)
		}
		if (!from.IsZero() && a.Time.Before(from)) || (!to.IsZero() && !a.Time.Before(to)) {
			continue
		}
		out = append(out, a)
	}
	return out, nil
}

// surveyMonths lists the months that hold (or held) answers, oldest first.
func surveyMonths(ctx context.Context, st docLister, workspace string) ([]string, error) {
	docs, err := st.ListDocs(ctx, workspace, DocSurveyMonths)
	if err != nil {
		return nil, fmt.Errorf("survey months: %w", err)
	}
	months := make([]string, 0, len(docs))
	for m := range docs {
		months = append(months, m)
	}
	slices.Sort(months)
	return months, nil
}

type kindDoc struct {
	kind, id string
	raw      []byte
}

// listKinds reads several document kinds at the same time (one round trip's wait
// on a networked store) and returns their documents in kind order.
func listKinds(ctx context.Context, st docLister, workspace string, kinds []string) ([]kindDoc, error) {
	res := make([]map[string][]byte, len(kinds))
	errs := make([]error, len(kinds))
	var wg sync.WaitGroup
	for i, k := range kinds {
		wg.Go(func() { res[i], errs[i] = st.ListDocs(ctx, workspace, k) })
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
// list and every month up to upTo ("2006-01"; "" for all), and unlists months left
// empty. It returns how many it deleted. Retention and erasure use it.
func deleteSurveyAnswers(ctx context.Context, st docDeleter, workspace, upTo string, drop func(SurveyAnswer) bool) (int, error) {
	months, err := surveyMonths(ctx, st, workspace)
	if err != nil {
		return 0, err
	}
	if upTo != "" {
		months = slices.DeleteFunc(months, func(m string) bool { return m > upTo })
	}
	n := 0
	for _, kind := range append([]string{DocSurveyAnswer}, monthKinds(months)...) {
		docs, err := st.ListDocs(ctx, workspace, kind)
		if err != nil {
			return n, fmt.Errorf("survey answers: %w", err)
		}
		left := len(docs)
		for id, raw := range docs {
			var a SurveyAnswer
			if json.Unmarshal(raw, &a) != nil || !drop(a) {
				continue
			}
			if err := st.DeleteDoc(ctx, workspace, kind, id); err != nil {
				return n, fmt.Errorf("survey answer: %w", err)
			}
			n++
			left--
		}
		if month, ok := strings.CutPrefix(kind, DocSurveyAnswer+"/"); ok && left == 0 {
			if err := st.DeleteDoc(ctx, workspace, DocSurveyMonths, month); err != nil {
				return n, fmt.Errorf("survey months: %w", err)
			}
		}
	}
	return n, nil
}

func monthKinds(months []string) []string {
	out := make([]string, len(months))
	for i, m := range months {
		out[i] = surveyMonthKind(m)
	}
	return out
}

// MoveSurveyAnswers moves the answers an older version kept in one list into their
// months (once; a no-op after), so that reading a period stops reading all of them.
// It returns how many it moved. An answer is written to its month before it is
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
			continue // unreadable: left where it is, and skipped by readers as before
		}
		month := surveyMonth(a.Time)
		if err := st.PutDoc(ctx, workspace, DocSurveyMonths, month, []byte(month)); err != nil {
			return n, fmt.Errorf("move survey answers: %w", err)
		}
		if err := st.PutDoc(ctx, workspace, surveyMonthKind(month), id, raw); err != nil {
			return n, fmt.Errorf("move survey answers: %w", err)
		}
		if err := st.DeleteDoc(ctx, workspace, DocSurveyAnswer, id); err != nil {
			return n, fmt.Errorf("move survey answers: %w", err)
		}
		n++
	}
	return n, nil
}
