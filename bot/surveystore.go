package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// Survey answers are kept by the ISO week (UTC, Monday to Sunday) they were given
// in: one document kind per week ("survey-answer/2026-W47"), listed in
// DocSurveyWeeks. A reader of a period (a digest's week, account health's recent
// two weeks) reads the two or three weeks it touches, so its cost follows the
// period's answers, not every answer ever given.
// Answers stored by an older version, all under DocSurveyAnswer, are still read
// (with every period) until MoveSurveyAnswers has moved them into their weeks.
//
// A week is also indexed by account: each answer is written to its week and then
// to DocSurveyByAccount/<week>/<account>, so that one account's answers (account
// health, /feedback account) are read without scanning its weeks' other answers,
// whose number grows with the customer base. A week's entry in DocSurveyWeeks says
// "by-account" once the index holds every answer of it: a week listed by an older
// version (its entry is the week's name) is read by scanning until
// IndexSurveyWeeks has indexed it.
const DocSurveyWeeks = "survey-weeks"

// DocSurveyByAccount is the kind prefix of the account index:
// "survey-answer-by-account/2026-W47/<account>" holds that account's answers of that
// week, under the same ids as the week does.
const DocSurveyByAccount = "survey-answer-by-account"

// weekIndexed is a DocSurveyWeeks entry's value once its week is indexed by account.
const weekIndexed = "by-account"

// surveyAccountKind is the document kind of one account's answers of a week.
func surveyAccountKind(week, account string) string {
	return DocSurveyByAccount + "/" + week + "/" + account
}

// docDeleter is what removing answers needs.
type docDeleter interface {
	docLister
	DeleteDoc(ctx context.Context, workspace, kind, id string) error
}

// docPutter is what deleting answers needs: it may list a week again.
type docPutter interface {
	docDeleter
	PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error
}

// docWriter is what storing, moving and indexing answers needs.
type docWriter interface {
	docDeleter
	GetDoc(ctx context.Context, workspace, kind, id string) ([]byte, error)
	PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error
}

// docLister is what listing the survey weeks and moving answers needs.
type docLister interface {
	ListDocs(ctx context.Context, workspace, kind string) (map[string][]byte, error)
}

// surveyReader is what reading survey answers needs: one account's are read from
// its index, or by the prefix of their ids in a week not indexed yet.
type surveyReader interface {
	docLister
	GetDoc(ctx context.Context, workspace, kind, id string) ([]byte, error)
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

// surveyAnswerID is one answer per person, survey kind, thread and survey instance
// (and feature, for Kano): pressing a question's button again replaces the answer,
// and answering another survey of the account (a month on, with no thread either
// time) is another answer. An answer to a question posted before questions named
// their instance has the id it always had, kind|account|thread|user: it is still
// read, and pressing that question again still replaces it.
func surveyAnswerID(a SurveyAnswer) string {
	id := strings.Join([]string{a.Kind, a.Account, a.Thread, a.User}, "|")
	if a.Feature != "" { // a Kano answer: one per feature
		id += "|" + a.Feature
	}
	if a.Instance != "" {
		id += "|" + a.Instance
	}
	return id
}

// olderReplicasAnswer reads an answer an older replica stored during a rolling
// upgrade for a press of this version's button (kind|score|account|thread|asked):
// it split the value in four, so its thread is "thread|asked" and it has no
// instance, under an id of its own (kind|account|thread|asked|user). The same
// person pressing the question again on a new replica was stored under
// kind|account|thread|user|asked, and their CSAT counted twice. ok is false for
// any other answer: a CSAT or NPS answer of no instance whose thread does not end
// in "|<digits>" (an answer to a legacy question: its thread is a Slack
// channel:ts or a Discord snowflake, never with a "|"; splitAsked), or a Kano
// answer. fixed is the answer as this version stores it, its thread and instance
// apart.
func olderReplicasAnswer(a SurveyAnswer) (fixed SurveyAnswer, ok bool) {
	if !a.IsRating() || a.Instance != "" {
		return a, false
	}
	thread, asked := splitAsked(a.Thread)
	if asked.IsZero() {
		return a, false
	}
	a.Thread, a.Instance = thread, surveyButton{asked: asked}.instance()
	return a, true
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
	if err := putInWeek(ctx, st, workspace, a.Time, id, a.Account, raw); err != nil {
		return fmt.Errorf("survey answer: %w", err)
	}
	prev := surveyWeek(weekStart(a.Time).AddDate(0, 0, -7))
	kinds := []string{surveyWeekKind(prev), DocSurveyAnswer}
	if a.Account != "" {
		kinds = slices.Insert(kinds, 0, surveyAccountKind(prev, a.Account)) // the index before the week
	}
	for _, kind := range kinds {
		if err := st.DeleteDoc(ctx, workspace, kind, id); err != nil {
			return fmt.Errorf("survey answer: replace the earlier one: %w", err)
		}
	}
	return nil
}

// putInWeek lists t's week (a new week as indexed by account), then writes the
// answer to it, then to its account's index: no answer is ever in a week that
// retention and erasure do not see, nor in the index and not in its week.
func putInWeek(ctx context.Context, st docWriter, workspace string, t time.Time, id, account string, raw []byte) error {
	week := surveyWeek(t)
	if err := listWeek(ctx, st, workspace, week); err != nil {
		return err
	}
	if err := st.PutDoc(ctx, workspace, surveyWeekKind(week), id, raw); err != nil {
		return err
	}
	if account != "" {
		if err := st.PutDoc(ctx, workspace, surveyAccountKind(week, account), id, raw); err != nil {
			return fmt.Errorf("index by account: %w", err)
		}
	}
	// An erasure or retention pass that emptied the week may have taken it off the
	// list between the two steps above; deleteSurveyAnswers looks again after it
	// does, and this looks after the write, so one of the two lists it again.
	return listWeek(ctx, st, workspace, week)
}

// answeredLately says whether a (its kind, account, thread, user and feature) was
// answered in the weeks from at back to within, newest first: PutSurveyAnswer
// keeps an answer in the week it was given.
func answeredLately(ctx context.Context, st interface {
	GetDoc(ctx context.Context, workspace, kind, id string) ([]byte, error)
}, workspace string, a SurveyAnswer, at time.Time, within time.Duration) (bool, error) {
	id := surveyAnswerID(a)
	for w := weekStart(at); !w.Before(weekStart(at.Add(-within))); w = w.AddDate(0, 0, -7) {
		_, err := st.GetDoc(ctx, workspace, surveyWeekKind(surveyWeek(w)), id)
		switch {
		case err == nil:
			return true, nil
		case !feedbackbot.IsNotFound(err):
			return false, err
		}
	}
	return false, nil
}

// listWeek lists week (as indexed by account) if it is not on the list.
func listWeek(ctx context.Context, st docWriter, workspace, week string) error {
	_, err := st.GetDoc(ctx, workspace, DocSurveyWeeks, week)
	switch {
	case feedbackbot.IsNotFound(err):
		if err := st.PutDoc(ctx, workspace, DocSurveyWeeks, week, []byte(weekIndexed)); err != nil {
			return fmt.Errorf("list its week: %w", err)
		}
	case err != nil:
		return fmt.Errorf("its week: %w", err)
	}
	return nil
}

// deleteSurveyAnswer deletes one answer as PutSurveyAnswer wrote it: from its
// account's index, then from its week.
func deleteSurveyAnswer(ctx context.Context, st docDeleter, workspace string, a SurveyAnswer) error {
	id, week := surveyAnswerID(a), surveyWeek(a.Time)
	if a.Account != "" {
		if err := st.DeleteDoc(ctx, workspace, surveyAccountKind(week, a.Account), id); err != nil {
			return err
		}
	}
	return st.DeleteDoc(ctx, workspace, surveyWeekKind(week), id)
}

// SurveyAnswers loads the answers of a workspace given in [from, to), of one account
// or ("") of all, reading only the weeks the period touches; a zero from or to
// leaves that end open (every listed week). Of one person's NPS answers about an
// account in the period it returns the latest only (onePerRespondent): whoever
// reads them (the digest, account health) counts respondents, as NPS is.
func SurveyAnswers(ctx context.Context, st surveyReader, workspace string, from, to time.Time, account string) ([]SurveyAnswer, error) {
	var weeks []string
	var entries map[string][]byte // the weeks' list, when it was read (an open period)
	if from.IsZero() || to.IsZero() {
		listed, all, err := listSurveyWeeks(ctx, st, workspace)
		if err != nil {
			return nil, err
		}
		entries = all
		for _, w := range listed {
			if (from.IsZero() || w >= surveyWeek(from)) && (to.IsZero() || w <= surveyWeek(to)) {
				weeks = append(weeks, w)
			}
		}
	} else {
		if !to.After(from) {
			return nil, nil
		}
		last := surveyWeek(to.Add(-time.Nanosecond))
		for w := weekStart(from); surveyWeek(w) <= last; w = w.AddDate(0, 0, 7) {
			weeks = append(weeks, surveyWeek(w))
		}
	}
	var docs []kindDoc
	var err error
	if account == "" {
		kinds := make([]string, 0, len(weeks)+1)
		for _, w := range weeks {
			kinds = append(kinds, surveyWeekKind(w))
		}
		docs, err = listKinds(func(kind string) (map[string][]byte, error) { return st.ListDocs(ctx, workspace, kind) }, append(kinds, DocSurveyAnswer))
	} else {
		docs, err = accountAnswers(ctx, st, workspace, weeks, entries, account)
	}
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
		// both counts the later one only. So does one press stored by an older
		// replica under another id (olderReplicasAnswer) and one stored by this
		// version, of the same person's one question.
		id := d.id
		if fixed, ok := olderReplicasAnswer(a); ok {
			a, id = fixed, surveyAnswerID(fixed)
		}
		if i, ok := at[id]; ok {
			if a.Time.After(out[i].Time) {
				out[i] = a
			}
			continue
		}
		at[id] = len(out)
		out = append(out, a)
	}
	return onePerRespondent(out), nil
}

// PersonSurveyAnswers returns every survey answer a person (an author id) gave in
// a workspace, oldest first: each stored copy, an earlier press of the same button
// included (what forget deletes, and what an export of the person must hold).
func PersonSurveyAnswers(ctx context.Context, st docLister, workspace, user string) ([]SurveyAnswer, error) {
	weeks, err := surveyWeeks(ctx, st, workspace)
	if err != nil {
		return nil, fmt.Errorf("survey answers: %w", err)
	}
	kinds := []string{DocSurveyAnswer}
	for _, w := range weeks {
		kinds = append(kinds, surveyWeekKind(w))
	}
	list := func(kind string) (map[string][]byte, error) { return st.ListDocs(ctx, workspace, kind) }
	var out []SurveyAnswer
	for chunk := range slices.Chunk(kinds, 8) { // as deleteSurveyAnswers reads them
		docs, err := listKinds(list, chunk)
		if err != nil {
			return nil, fmt.Errorf("survey answers: %w", err)
		}
		for _, d := range docs {
			var a SurveyAnswer
			if err := json.Unmarshal(d.raw, &a); err != nil {
				return nil, fmt.Errorf("survey answer %s: %w", d.id, err)
			}
			if a.User == user {
				if fixed, ok := olderReplicasAnswer(a); ok {
					a = fixed // (its question's thread and instance, as exported)
				}
				out = append(out, a)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b SurveyAnswer) int { return a.Time.Compare(b.Time) })
	return out, nil
}

// accountAnswers reads one account's answers of the weeks given (and of an older
// version's list): of an indexed week its index, of a week listed by an older version
// the week's answers whose id begins with the account (an answer's id begins with its
// kind and account; a networked store does not even send the others). Each week's
// entry in the weeks' list is read on its own (the list grows with the history), at
// the same time as the indexes, so an indexed week costs one round trip's wait;
// listed, when the caller has read the whole list (an open period), gives them
// instead.
func accountAnswers(ctx context.Context, st surveyReader, workspace string, weeks []string, listed map[string][]byte, account string) ([]kindDoc, error) {
	prefixes := []string{SurveyCSAT + "|" + account + "|", SurveyNPS + "|" + account + "|"}
	entries := make([]string, len(weeks)) // each week's entry in the list, "" when unlisted
	errs := make([]error, len(weeks))
	var wg sync.WaitGroup
	for i, w := range weeks {
		if listed != nil { // the caller read the list: no need to ask again
			entries[i] = string(listed[w])
			continue
		}
		wg.Go(func() {
			v, err := st.GetDoc(ctx, workspace, DocSurveyWeeks, w)
			if err != nil && !feedbackbot.IsNotFound(err) {
				errs[i] = fmt.Errorf("survey weeks: %w", err)
				return
			}
			entries[i] = string(v)
		})
	}
	kinds := []string{DocSurveyAnswer}
	for _, w := range weeks {
		kinds = append(kinds, surveyAccountKind(w, account))
	}
	docs, err := listKinds(func(kind string) (map[string][]byte, error) {
		if kind == DocSurveyAnswer {
			return st.ListDocsPrefix(ctx, workspace, kind, prefixes...)
		}
		return st.ListDocs(ctx, workspace, kind)
	}, kinds)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	indexed := map[string]bool{}
	var scan []string // weeks listed but not indexed
	for i, w := range weeks {
		switch entries[i] {
		case weekIndexed:
			indexed[surveyAccountKind(w, account)] = true
		case "":
		default:
			scan = append(scan, surveyWeekKind(w))
		}
	}
	// The index of a week not (fully) indexed, or not listed, is not read.
	out := slices.DeleteFunc(docs, func(d kindDoc) bool { return d.kind != DocSurveyAnswer && !indexed[d.kind] })
	if len(scan) == 0 {
		return out, nil
	}
	more, err := listKinds(func(kind string) (map[string][]byte, error) {
		return st.ListDocsPrefix(ctx, workspace, kind, prefixes...)
	}, scan)
	if err != nil {
		return nil, err
	}
	return append(out, more...), nil
}

// surveyWeeks lists the weeks that hold (or held) answers, oldest first.
func surveyWeeks(ctx context.Context, st docLister, workspace string) ([]string, error) {
	weeks, _, err := listSurveyWeeks(ctx, st, workspace)
	return weeks, err
}

// listSurveyWeeks is surveyWeeks with each week's entry in the list (weekIndexed
// for a week indexed by account).
func listSurveyWeeks(ctx context.Context, st docLister, workspace string) ([]string, map[string][]byte, error) {
	docs, err := st.ListDocs(ctx, workspace, DocSurveyWeeks)
	if err != nil {
		return nil, nil, fmt.Errorf("survey weeks: %w", err)
	}
	return slices.Sorted(maps.Keys(docs)), docs, nil
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
func deleteSurveyAnswers(ctx context.Context, st docPutter, workspace, upTo string, drop func(SurveyAnswer) bool) (int, error) {
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
			if week, ok := strings.CutPrefix(d.kind, DocSurveyAnswer+"/"); ok && a.Account != "" {
				// The index first: an answer is never left in it when its week lost it.
				if err := st.DeleteDoc(ctx, workspace, surveyAccountKind(week, a.Account), d.id); err != nil {
					return n, fmt.Errorf("survey answer index: %w", err)
				}
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
				// An answer written meanwhile (after the listing above) would now be in
				// a week no reader lists: look again, and list the week back if so.
				more, err := st.ListDocs(ctx, workspace, kind)
				if err != nil {
					return n, fmt.Errorf("survey answers: %w", err)
				}
				if len(more) > 0 { // only answers written since, and so indexed by account
					if err := st.PutDoc(ctx, workspace, DocSurveyWeeks, week, []byte(weekIndexed)); err != nil {
						return n, fmt.Errorf("survey weeks: %w", err)
					}
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
		if err := putInWeek(ctx, st, workspace, a.Time, id, a.Account, raw); err != nil {
			return n, fmt.Errorf("move survey answers: %w", err)
		}
		if err := st.DeleteDoc(ctx, workspace, DocSurveyAnswer, id); err != nil {
			return n, fmt.Errorf("move survey answers: %w", err)
		}
		n++
	}
	return n, nil
}

// IndexSurveyWeeks indexes by account the weeks an older version listed (once; a
// no-op after) and returns how many weeks it indexed. Each week's answers are copied
// to their accounts' indexes, then read again and any copy of an answer deleted
// meanwhile (erasure, retention) is taken back out, then the week is marked indexed;
// until then readers scan it, so a stop halfway loses nothing.
func IndexSurveyWeeks(ctx context.Context, st docWriter, workspace string) (int, error) {
	listed, err := st.ListDocs(ctx, workspace, DocSurveyWeeks)
	if err != nil {
		return 0, fmt.Errorf("index survey weeks: %w", err)
	}
	n := 0
	for _, week := range slices.Sorted(maps.Keys(listed)) {
		if string(listed[week]) == weekIndexed {
			continue
		}
		docs, err := st.ListDocs(ctx, workspace, surveyWeekKind(week))
		if err != nil {
			return n, fmt.Errorf("index survey week %s: %w", week, err)
		}
		copied := map[string]string{} // answer id -> account
		for id, raw := range docs {
			var a SurveyAnswer
			if json.Unmarshal(raw, &a) != nil || a.Account == "" {
				continue // unreadable or of no account: read with the week only
			}
			if err := st.PutDoc(ctx, workspace, surveyAccountKind(week, a.Account), id, raw); err != nil {
				return n, fmt.Errorf("index survey week %s: %w", week, err)
			}
			copied[id] = a.Account
		}
		again, err := st.ListDocs(ctx, workspace, surveyWeekKind(week))
		if err != nil {
			return n, fmt.Errorf("index survey week %s: %w", week, err)
		}
		for id, acct := range copied {
			if _, ok := again[id]; !ok {
				if err := st.DeleteDoc(ctx, workspace, surveyAccountKind(week, acct), id); err != nil {
					return n, fmt.Errorf("index survey week %s: %w", week, err)
				}
			}
		}
		if err := st.PutDoc(ctx, workspace, DocSurveyWeeks, week, []byte(weekIndexed)); err != nil {
			return n, fmt.Errorf("index survey week %s: %w", week, err)
		}
		n++
	}
	return n, nil
}
