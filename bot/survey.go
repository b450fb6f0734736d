package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// Survey kinds.
const (
	SurveyCSAT = "csat" // 1-5 Likert: "How satisfied are you with the help you got?"
	SurveyNPS  = "nps"  // 0-10: "How likely are you to recommend us?"
)

// Doc kinds for surveys.
const (
	DocSurveyAnswer = "survey-answer"
	DocSurveyAsked  = "survey-asked"
)

// SurveyCooldown is how long an account is not asked again after a CSAT or NPS
// survey, whichever of the two; and of one feature after a Kano survey of it.
const SurveyCooldown = 30 * 24 * time.Hour

// SurveyAnswerWindow is how long a CSAT or NPS question takes answers after it
// was asked. A rating given later is of help long past (someone scrolling up
// months on): counted, it was this week's rating in the digest and account
// health, and could close an alert as recovered. Two weeks leave a customer who
// was away a week time to answer, and are half the cooldown, so a question is
// closed well before the account may be asked again.
const SurveyAnswerWindow = 14 * 24 * time.Hour

// LegacySurveysClose is when questions posted before questions carried their
// asked time (legacy buttons, kind|score|account|thread: SurveyDocument) stop
// taking answers. They carry no asked time, so SurveyAnswerWindow cannot close
// them, and a question posted a year ago still counted as this week's rating.
// Every one of them was posted before this version, released on 2026-12-06 (or
// by an older replica during its rolling upgrade): closing them all
// SurveyAnswerWindow after the release (at the next midnight UTC) gives the last
// of them at least the two weeks any question has. (Unix seconds, so that it is
// a constant: 2026-12-21T00:00:00Z.)
const LegacySurveysClose = 1797811200

// surveyClockSkew is how far ahead of this replica's clock a question's asked
// time may be (another replica's clock asked it): further, the button is not ours.
const surveyClockSkew = time.Hour

// SurveyAnswer is one customer's answer.
type SurveyAnswer struct {
	Kind    string    `json:"kind"`
	Score   int       `json:"score"`
	Account string    `json:"account"`
	Thread  string    `json:"thread,omitempty"`
	User    string    `json:"user"`
	Time    time.Time `json:"time"`
	// Feature is the feature a Kano answer is about (KanoFeatureID); "" for CSAT
	// and NPS.
	Feature string `json:"feature,omitempty"`
	// Instance names the CSAT or NPS question answered: its asked time, in unix
	// seconds, as its buttons carry it. Two surveys of one account (a month
	// apart, with no thread) are two answers, not one answer pressed again. ""
	// for an answer to a question posted before questions carried it, and for
	// Kano answers (one per feature, paired by it).
	Instance string `json:"instance,omitempty"`
}

// IsRating says whether the answer rates the account (CSAT, NPS), as health and
// the digest's satisfaction read answers; a Kano answer rates a feature.
func (a SurveyAnswer) IsRating() bool { return a.Kind == SurveyCSAT || a.Kind == SurveyNPS }

// SurveyDocument is the question as it was posted before questions carried their
// asked time (SurveyQuestion with none): its buttons are still answered, as
// before, with no survey instance, until LegacySurveysClose (a question posted
// the day before the upgrade keeps working for two weeks).
func SurveyDocument(kind, account, thread string) feedbackbot.Document {
	return SurveyQuestion(kind, account, thread, time.Time{})
}

// SurveyQuestion is what the customer sees: a question and one button per score.
// Button values carry kind, score, account, thread and the asked time
// (surveyButtonValue), so the answer is stored with them and refused once the
// question has closed (SurveyAnswerWindow).
func SurveyQuestion(kind, account, thread string, asked time.Time) feedbackbot.Document {
	q, lo, hi := "How satisfied are you with the help you got? (1 = very unsatisfied, 5 = very satisfied)", 1, 5
	if kind == SurveyNPS {
		q, lo, hi = "How likely are you to recommend us to a colleague? (0 = not at all, 10 = extremely likely)", 0, 10
	}
	doc := feedbackbot.Document{Fallback: q, Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockText, Text: q}}}
	var row []feedbackbot.Button
	for s := lo; s <= hi; s++ {
		row = append(row, feedbackbot.Button{Label: strconv.Itoa(s), Action: "survey.answer", Value: surveyButtonValue(kind, s, account, thread, asked)})
		if len(row) == 5 || s == hi { // platforms allow five buttons a row
			doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockActions, Buttons: row})
			row = nil
		}
	}
	return doc
}

// surveyButtonValue is a CSAT or NPS button's value: kind|score|account|thread|asked,
// asked being the question's asked time in unix seconds (the survey's instance).
// A zero asked writes the legacy value, kind|score|account|thread, as questions
// were posted before they carried it. (A Kano button's is
// kind|score|account|thread|feature: KanoDocument.) The account is always the
// third part, all the adapters read of it (askedOf, the same on Slack and
// Discord); parseSurveyButton reads the rest, for both.
func surveyButtonValue(kind string, score int, account, thread string, asked time.Time) string {
	v := strings.Join([]string{kind, strconv.Itoa(score), account, thread}, "|")
	if !asked.IsZero() {
		v += "|" + strconv.FormatInt(asked.Unix(), 10)
	}
	return v
}

// surveyButton is a survey button's value read back.
type surveyButton struct {
	kind    string
	score   int
	account string
	thread  string
	feature string    // a Kano question's feature id
	asked   time.Time // a CSAT or NPS question's asked time; zero on a legacy button and on Kano's
}

// instance names the question a button is of (SurveyAnswer.Instance).
func (b surveyButton) instance() string {
	if b.asked.IsZero() {
		return ""
	}
	return strconv.FormatInt(b.asked.Unix(), 10)
}

// parseSurveyButton reads a survey button's value (after "survey.answer "); ok is
// false for one that is not valid: unknown kind, score out of range, a Kano value
// without its feature.
func parseSurveyButton(v string) (b surveyButton, ok bool) {
	parts := strings.SplitN(v, "|", 4)
	if len(parts) != 4 {
		return b, false
	}
	score, err := strconv.Atoi(parts[1])
	if err != nil {
		return b, false
	}
	b = surveyButton{kind: parts[0], score: score, account: parts[2], thread: parts[3]}
	lo, hi := 1, 5
	switch b.kind {
	case SurveyCSAT:
		b.thread, b.asked = splitAsked(parts[3])
	case SurveyNPS:
		lo, hi = 0, 10
		b.thread, b.asked = splitAsked(parts[3])
	case SurveyKanoF, SurveyKanoD:
		if b.thread, b.feature, ok = kanoThread(parts[3]); !ok {
			return b, false
		}
	default:
		return b, false
	}
	return b, score >= lo && score <= hi
}

// splitAsked splits a CSAT or NPS value's last part, thread|asked, into the two
// (the asked time read from the end, so a typed thread may hold a "|"); a legacy
// value's last part is the thread alone: a Slack channel:ts, a Discord snowflake,
// neither with a "|" in it (only a legacy thread typed as "word|digits" would be
// misread, as a question asked long ago).
func splitAsked(s string) (thread string, asked time.Time) {
	i := strings.LastIndexByte(s, '|')
	if i < 0 {
		return s, time.Time{}
	}
	tail := s[i+1:]
	if tail == "" || len(tail) > 11 || strings.TrimLeft(tail, "0123456789") != "" {
		return s, time.Time{}
	}
	sec, err := strconv.ParseInt(tail, 10, 64)
	if err != nil || sec <= 0 {
		return s, time.Time{}
	}
	return s[:i], time.Unix(sec, 0).UTC()
}

// survey answers "/feedback survey [csat|nps] ACCOUNT [THREAD]": the survey document
// for the adapter to post to the customer, unless the account was asked within the
// cooldown.
func (b *Bot) survey(ctx context.Context, cmd feedbackbot.Command, rest string, now time.Time) (feedbackbot.Document, error) {
	f := strings.Fields(rest)
	kind := SurveyCSAT
	if len(f) > 0 && strings.EqualFold(f[0], SurveyKano) {
		return b.surveyKano(ctx, cmd, f[1:], now)
	}
	if len(f) > 0 && (strings.EqualFold(f[0], SurveyCSAT) || strings.EqualFold(f[0], SurveyNPS)) { // ("NPS" as people write it)
		kind, f = strings.ToLower(f[0]), f[1:]
	}
	if len(f) == 0 {
		return feedbackbot.Document{}, feedbackbot.Errorf(feedbackbot.EINVALID, "Usage: `survey [csat|nps] ACCOUNT [thread]` or `survey kano ACCOUNT FEATURE`.")
	}
	// An account's name may have several words, a thread after it or not.
	acct, n, err := b.leadingAccount(ctx, cmd.Workspace, f, 0)
	if err != nil {
		return feedbackbot.Document{}, err
	}
	thread := ""
	if len(f) > n {
		thread = f[n]
	}
	release, busy, err := b.holdSurvey(ctx, cmd.Workspace, acct)
	if err != nil || release == nil {
		return busy, err
	}
	defer release()
	for _, k := range []string{SurveyCSAT, SurveyNPS} { // an account is asked at most once in the cooldown, whatever the kind
		if last, lately, err := b.askedLately(ctx, cmd.Workspace, k+"|"+acct.ID, now); err != nil {
			return feedbackbot.Document{}, err
		} else if lately {
			return ephemeral(fmt.Sprintf("*%s* was asked a %s survey on %s; not asking again before %s, so customers are not pestered.",
				accountLabel(acct), strings.ToUpper(k), last.Format("Jan 2"), last.Add(SurveyCooldown).Format("Jan 2"))), nil
		}
	}
	if err := b.audit(ctx, cmd, "survey", acct.ID, now); err != nil {
		return feedbackbot.Document{}, err
	}
	raw, _ := json.Marshal(now)
	if err := b.Store.PutDoc(ctx, cmd.Workspace, DocSurveyAsked, kind+"|"+acct.ID, raw); err != nil {
		return feedbackbot.Document{}, fmt.Errorf("survey: %w", err)
	}
	doc := SurveyQuestion(kind, acct.ID, thread, now)
	doc.Ephemeral = false // the adapter posts it to the customer's channel: a question, no analysis
	return doc, nil
}

// holdSurvey takes the lease on an account's surveys, which holds a cooldown's
// read and its write together: two staff asking at once (or one double-click on
// two replicas) both found none and both surveys went out. release gives the
// lease up; it is nil when another survey of the account is being sent, and busy
// then says so.
func (b *Bot) holdSurvey(ctx context.Context, ws string, acct feedbackbot.Account) (release func(), busy feedbackbot.Document, err error) {
	lease, holder := "survey:"+ws+":"+acct.ID, leaseHolder()
	got, err := b.Store.AcquireLease(ctx, lease, holder, time.Minute)
	if err != nil {
		return nil, feedbackbot.Document{}, fmt.Errorf("survey: %w", err)
	}
	if !got {
		return nil, ephemeral(fmt.Sprintf("A survey for *%s* is being sent right now; not asking twice.", accountLabel(acct))), nil
	}
	return func() { b.Store.ReleaseLease(context.WithoutCancel(ctx), lease, holder) }, feedbackbot.Document{}, nil
}

// askedLately reads a survey's asked record (DocSurveyAsked, key): when it was
// asked, and whether that is within SurveyCooldown of now.
func (b *Bot) askedLately(ctx context.Context, ws, key string, now time.Time) (time.Time, bool, error) {
	raw, err := b.Store.GetDoc(ctx, ws, DocSurveyAsked, key)
	switch {
	case feedbackbot.IsNotFound(err):
		return time.Time{}, false, nil
	case err != nil:
		return time.Time{}, false, fmt.Errorf("survey cooldown: %w", err)
	}
	var last time.Time
	if json.Unmarshal(raw, &last) != nil {
		return time.Time{}, false, nil // (one that cannot be read holds nothing back)
	}
	return last, now.Sub(last) < SurveyCooldown, nil
}

// SurveyNotSent takes back the cooldown a survey question wrote when it was asked,
// for an adapter that could not post it (doc, as HandleCommand returned it): the
// customer was not asked, and was kept from being asked again for 30 days. Any
// other document (an ephemeral reply, "not asking again" among them) is left alone.
// The cooldown it removes is this question's: the account's cooldown refused every
// other ask since (of either kind). It runs even when ctx has ended (the failed
// post's own context may be what ended it), for at most surveyNotSentTimeout.
func (b *Bot) SurveyNotSent(ctx context.Context, workspace string, doc feedbackbot.Document) error {
	key, account, ok := surveyAsked(doc)
	if !ok || doc.Ephemeral {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), surveyNotSentTimeout)
	defer cancel()
	if err := b.Store.DeleteDoc(ctx, workspace, DocSurveyAsked, key); err != nil && !feedbackbot.IsNotFound(err) {
		return fmt.Errorf("survey not sent: take back the cooldown of %s: %w", account, err)
	}
	return nil
}

// surveyNotSentTimeout bounds SurveyNotSent's delete.
const surveyNotSentTimeout = 10 * time.Second

// surveyAsked reads a survey question's cooldown record (its DocSurveyAsked id)
// and account from its buttons.
func surveyAsked(doc feedbackbot.Document) (key, account string, ok bool) {
	for _, bl := range doc.Blocks {
		for _, bt := range bl.Buttons {
			if bt.Action != "survey.answer" {
				continue
			}
			v, ok := parseSurveyButton(bt.Value)
			if !ok || v.account == "" {
				continue
			}
			if v.kind == SurveyKanoF || v.kind == SurveyKanoD {
				return kanoAskedKey(v.feature, v.account), v.account, true
			}
			return v.kind + "|" + v.account, v.account, true
		}
	}
	return "", "", false
}

// kanoThread splits a Kano button value's last part, thread|fid.
func kanoThread(s string) (thread, fid string, ok bool) {
	i := strings.LastIndexByte(s, '|')
	if i < 0 || len(s)-i-1 != 12 {
		return "", "", false
	}
	if _, err := hex.DecodeString(s[i+1:]); err != nil {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// leaseHolder names one hold on a lease (a survey command's on its account's survey, a change to an alert).
func leaseHolder() string { return rand.Text() }

// answerSurvey records a customer's button press. It is the one action customers
// may take, and its reply reveals nothing but thanks.
func (b *Bot) answerSurvey(ctx context.Context, cmd feedbackbot.Command, value string, now time.Time) (feedbackbot.Document, error) {
	v, ok := parseSurveyButton(value)
	if !ok || v.asked.After(now.Add(surveyClockSkew)) {
		return feedbackbot.Document{}, feedbackbot.Errorf(feedbackbot.EINVALID, "That survey button is not valid any more.")
	}
	kano := v.kind == SurveyKanoF || v.kind == SurveyKanoD
	// A question asked more than SurveyAnswerWindow ago has closed: its rating
	// would be of help long past, counted as this period's. A legacy CSAT or NPS
	// button carries no asked time: its question closes at LegacySurveysClose.
	if !v.asked.IsZero() && now.Sub(v.asked) > SurveyAnswerWindow ||
		v.asked.IsZero() && !kano && now.Unix() >= LegacySurveysClose {
		return surveyClosed(), nil
	}
	// A survey asks the customer: staff pressing its buttons (to see what the
	// customer sees, or by mistake) would change the account's satisfaction and
	// health, so their answer is not stored.
	if cmd.Staff {
		return feedbackbot.Document{Ephemeral: true, Fallback: staffSurveyAnswer,
			Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockText, Text: staffSurveyAnswer}}}, nil
	}
	// A person forgotten since the question was posted is thanked and not stored
	// (their answer was stored again under their id, a review found).
	if _, err := b.Store.GetDoc(ctx, cmd.Workspace, DocForgotten, cmd.User); err == nil {
		return thanks(), nil
	} else if !feedbackbot.IsNotFound(err) {
		return feedbackbot.Document{}, fmt.Errorf("survey answer: %w", err)
	}
	a := SurveyAnswer{Kind: v.kind, Score: v.score, Account: v.account, Thread: v.thread, User: cmd.User, Time: now, Feature: v.feature, Instance: v.instance()}
	if err := PutSurveyAnswer(ctx, b.Store, cmd.Workspace, a); err != nil {
		return feedbackbot.Document{}, err
	}
	// Forgotten while the answer was written: ForgetPerson marks the person before it
	// deletes their answers, so either its deletion saw this answer or this check sees
	// the mark (the answer outlived a forget that ran between the two, a review found).
	if _, err := b.Store.GetDoc(ctx, cmd.Workspace, DocForgotten, cmd.User); err == nil {
		if err := deleteSurveyAnswer(ctx, b.Store, cmd.Workspace, a); err != nil {
			return feedbackbot.Document{}, fmt.Errorf("survey answer of a person forgotten meanwhile: %w", err)
		}
	} else if !feedbackbot.IsNotFound(err) {
		return feedbackbot.Document{}, fmt.Errorf("survey answer: %w", err)
	}
	if kano {
		// A Kano answer counts only with the other question's: one who answered
		// the first alone read "Thank you" as done, and classified nothing.
		other := a
		other.Kind = SurveyKanoD
		if a.Kind == SurveyKanoD {
			other.Kind = SurveyKanoF
		}
		// (over the window a report pairs answers in: one answered three weeks ago
		// was asked for again)
		if done, err := answeredLately(ctx, b.Store, cmd.Workspace, other, now, feedbackbot.KanoWindow); err != nil {
			return feedbackbot.Document{}, fmt.Errorf("survey answer: %w", err)
		} else if !done {
			return kanoOneMore(other.Kind), nil
		}
	}
	return thanks(), nil
}

// kanoOneMore thanks a customer for one Kano answer and asks for the other
// question's (kind).
func kanoOneMore(kind string) feedbackbot.Document {
	text := "Thank you! One more, please: question 2 above, how you would feel *without* it."
	if kind == SurveyKanoF {
		text = "Thank you! One more, please: question 1 above, how you would feel *with* it."
	}
	return feedbackbot.Document{Fallback: text, Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockText, Text: text}}}
}

// surveyClosed answers a press on a question asked more than SurveyAnswerWindow
// ago, or on a legacy question from LegacySurveysClose on, to the presser alone;
// nothing is stored.
func surveyClosed() feedbackbot.Document {
	text := fmt.Sprintf("Thank you! This survey has closed (answers are taken for %s after it is asked), so this answer was not recorded.", windowDays(SurveyAnswerWindow))
	return feedbackbot.Document{Ephemeral: true, Fallback: text, Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockText, Text: text}}}
}

// staffSurveyAnswer answers staff who press a survey's buttons.
const staffSurveyAnswer = "Staff answers are not recorded: this question is for the customer."

// thanks answers a survey answer.
func thanks() feedbackbot.Document {
	return feedbackbot.Document{Fallback: "Thank you for your feedback!", Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockText, Text: "Thank you for your feedback! 🙏"}}}
}

// Satisfaction summarises survey answers.
type Satisfaction struct {
	CSATAnswers int      `json:"csat_answers"`
	CSATMean    *float64 `json:"csat_mean"`     // 1..5
	CSATShare   *float64 `json:"csat_share_45"` // share of 4 and 5 answers
	NPSAnswers  int      `json:"nps_answers"`
	NPS         *float64 `json:"nps"` // promoters (9-10) minus detractors (0-6), in points
}

// Summarise computes CSAT (mean and share of 4-5) and NPS for answers in [from, to),
// optionally for one account. CSAT counts each answer (each rates the help of one
// survey); NPS counts each respondent once, their latest answer of the period
// (onePerRespondent): it is a share of people.
func Summarise(answers []SurveyAnswer, from, to time.Time, account string) Satisfaction {
	var s Satisfaction
	var csatSum, csatTop, prom, det float64
	var in []SurveyAnswer
	for _, a := range answers {
		if a.Time.Before(from) || !a.Time.Before(to) || (account != "" && a.Account != account) {
			continue
		}
		in = append(in, a)
	}
	for _, a := range onePerRespondent(in) {
		switch a.Kind {
		case SurveyCSAT:
			s.CSATAnswers++
			csatSum += float64(a.Score)
			if a.Score >= 4 {
				csatTop++
			}
		case SurveyNPS:
			s.NPSAnswers++
			if a.Score >= 9 {
				prom++
			} else if a.Score <= 6 {
				det++
			}
		}
	}
	if s.CSATAnswers > 0 {
		m, sh := csatSum/float64(s.CSATAnswers), csatTop/float64(s.CSATAnswers)
		s.CSATMean, s.CSATShare = &m, &sh
	}
	if s.NPSAnswers > 0 {
		n := (prom - det) / float64(s.NPSAnswers) * 100
		s.NPS = &n
	}
	return s
}

// onePerRespondent keeps, of each person's NPS answers about one account, the
// latest (the later in as of two at the same time), and every other answer, in
// as's order. NPS is the share of promoters less detractors among the people
// asked: one customer who pressed two NPS questions of a period (scrolling up to
// an older one) counted twice, in the digest and in account health alike. An
// answer of no known person (none is stored so) counts on its own.
func onePerRespondent(as []SurveyAnswer) []SurveyAnswer {
	type who struct{ account, user string }
	latest := map[who]int{} // -> index in as of their latest NPS answer
	for i, a := range as {
		if a.Kind != SurveyNPS || a.User == "" {
			continue
		}
		k := who{a.Account, a.User}
		if j, ok := latest[k]; !ok || !a.Time.Before(as[j].Time) {
			latest[k] = i
		}
	}
	out := make([]SurveyAnswer, 0, len(as))
	for i, a := range as {
		if a.Kind == SurveyNPS && a.User != "" && latest[who{a.Account, a.User}] != i {
			continue
		}
		out = append(out, a)
	}
	return out
}
