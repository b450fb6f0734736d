package bot

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/stats"
)

// The Kano survey: one feature, two questions with five answers each (how would
// you feel if you had it; if you did not), asked of an account's customers in its
// channel. Each answer is a SurveyAnswer of kind SurveyKanoF or SurveyKanoD with
// the feature's id; a customer's latest pair classifies the feature for them
// (stats.KanoClass), and KanoReport tallies the customers.
const (
	SurveyKano  = "kano"   // the survey's name in "/feedback survey kano ACCOUNT FEATURE"
	SurveyKanoF = "kano-f" // "if you had it": the functional question
	SurveyKanoD = "kano-d" // "if you did not": the dysfunctional question
	// DocKanoFeature holds a feature's name by its id (KanoFeatureID).
	DocKanoFeature = "kano-feature"
)

// MaxKanoFeature is the longest feature name a Kano survey takes, in characters.
const MaxKanoFeature = 120

// kanoAnswers are the five answers, in stats' order (stats.KanoLike = 1 …).
var kanoAnswers = []string{"I'd like it", "I'd expect it", "I'm neutral", "I can live with it", "I'd dislike it"}

// KanoFeatureID names a feature by its name, whatever its case and spacing, in
// 12 hex characters (button values are short on Discord).
func KanoFeatureID(name string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.Join(strings.Fields(name), " "))))
	return hex.EncodeToString(sum[:6])
}

// KanoWordsOf is a Kano answer's question and answer in the words the customer
// read ("If you had it, how would you feel?", "I'd expect it"); "" for another kind.
func KanoWordsOf(a SurveyAnswer) (question, answer string) {
	switch a.Kind {
	case SurveyKanoF:
		question = "If you had it, how would you feel?"
	case SurveyKanoD:
		question = "If you did not have it, how would you feel?"
	default:
		return "", ""
	}
	if a.Score >= 1 && a.Score <= len(kanoAnswers) {
		answer = kanoAnswers[a.Score-1]
	}
	return question, answer
}

// kanoFeature is the stored record of a feature asked about.
type kanoFeature struct {
	Name       string    `json:"name"`
	FirstAsked time.Time `json:"first_asked"`
}

// KanoDocument is the Kano question pair the customer sees for feature (its id
// fid). Button values are kind|answer|account|thread|fid.
func KanoDocument(account, thread, fid, feature string) feedbackbot.Document {
	intro := fmt.Sprintf("We are thinking about *%s*. Two quick questions, one answer each:", feedbackbot.EscapeMarkup(feature))
	doc := feedbackbot.Document{Fallback: "We are thinking about " + feedbackbot.EscapeMarkup(feature) + ": two quick questions.",
		Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockText, Text: intro}}}
	// Each button names its question's number: Discord shows the two questions
	// above both rows of buttons, Slack each above its own.
	for n, q := range []struct{ kind, text string }{
		{SurveyKanoF, "1. If you had it, how would you feel?"},
		{SurveyKanoD, "2. If you did *not* have it, how would you feel?"}, // (KanoWordsOf says them too)
	} {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: q.text})
		var row []feedbackbot.Button
		for i, label := range kanoAnswers {
			row = append(row, feedbackbot.Button{Label: fmt.Sprintf("%d · %s", n+1, label), Action: "survey.answer",
				Value: strings.Join([]string{q.kind, fmt.Sprint(i + 1), account, thread, fid}, "|")})
		}
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockActions, Buttons: row})
	}
	return doc
}

// kanoAskedKey is the survey-asked record of a Kano survey of feature fid for an
// account: an account is asked of one feature once in SurveyCooldown.
func kanoAskedKey(fid, account string) string { return SurveyKano + "|" + fid + "|" + account }

// surveyKano answers "/feedback survey kano ACCOUNT FEATURE…": the question pair
// for the adapter to post, unless the account was asked of that feature within the
// cooldown. It does not count against the CSAT and NPS cooldown, nor they against it.
func (b *Bot) surveyKano(ctx context.Context, cmd feedbackbot.Command, f []string, now time.Time) (feedbackbot.Document, error) {
	const usage = "Usage: `survey kano ACCOUNT FEATURE`, e.g. `survey kano acme SSO with SAML`: asks how they would feel with the feature and without it."
	if len(f) < 2 {
		return feedbackbot.Document{}, feedbackbot.Errorf(feedbackbot.EINVALID, "%s", usage)
	}
	acct, feature, err := b.accountThenText(ctx, cmd.Workspace, f, 1)
	if err != nil {
		return feedbackbot.Document{}, err
	}
	if n := utf8.RuneCountInString(feature); n > MaxKanoFeature {
		return feedbackbot.Document{}, feedbackbot.Errorf(feedbackbot.EINVALID, "That feature's name has %d characters; name it in at most %d.", n, MaxKanoFeature)
	}
	fid := KanoFeatureID(feature)
	release, busy, err := b.holdSurvey(ctx, cmd.Workspace, acct)
	if err != nil || release == nil {
		return busy, err
	}
	defer release()
	key := kanoAskedKey(fid, acct.ID)
	if last, lately, err := b.askedLately(ctx, cmd.Workspace, key, now); err != nil {
		return feedbackbot.Document{}, err
	} else if lately {
		return ephemeral(fmt.Sprintf("*%s* was asked about %s on %s; not asking again before %s, so customers are not pestered.",
			accountLabel(acct), feedbackbot.EscapeMarkup(feature), last.Format("Jan 2"), last.Add(SurveyCooldown).Format("Jan 2"))), nil
	}
	if err := b.audit(ctx, cmd, "survey", acct.ID, now); err != nil {
		return feedbackbot.Document{}, err
	}
	// The feature's name, kept the first time it is asked about (its id is in the
	// buttons; the report names it).
	if _, err := b.Store.GetDoc(ctx, cmd.Workspace, DocKanoFeature, fid); feedbackbot.IsNotFound(err) {
		raw, _ := json.Marshal(kanoFeature{Name: feature, FirstAsked: now})
		if err := b.Store.PutDoc(ctx, cmd.Workspace, DocKanoFeature, fid, raw); err != nil {
			return feedbackbot.Document{}, fmt.Errorf("survey: %w", err)
		}
	} else if err != nil {
		return feedbackbot.Document{}, fmt.Errorf("survey: %w", err)
	}
	raw, _ := json.Marshal(now)
	if err := b.Store.PutDoc(ctx, cmd.Workspace, DocSurveyAsked, key, raw); err != nil {
		return feedbackbot.Document{}, fmt.Errorf("survey: %w", err)
	}
	doc := KanoDocument(acct.ID, "", fid, feature)
	doc.Ephemeral = false // posted to the customer's channel: a question, no analysis
	return doc, nil
}

// maxAccountWords is the most words accountThenText tries as an account's name.
const maxAccountWords = 4

// accountThenText splits words into an account and the text after it: the account
// is the longest run of two or more leading words (at most maxAccountWords,
// leaving minText words of text) that is exactly an account's id or name, configured
// or stored with its messages (case aside), so "Acme Corp SSO with SAML" is
// account Acme Corp and "SSO with SAML" (Discord's options arrive joined, and
// names have spaces); else the first word, as ResolveAccount reads one (a part of
// a name among them), with its error when it names none. A run is never matched
// by a part of a name: "globex analytics export" must not take "analytics" from
// the feature because an account is named Globex Analytics Platform. A run that
// names several accounts is refused, as ResolveAccount refuses it, rather than a
// shorter one tried. The accounts are listed, and their stored names read, once.
func (b *Bot) accountThenText(ctx context.Context, ws string, words []string, minText int) (feedbackbot.Account, string, error) {
	a, n, err := b.leadingAccount(ctx, ws, words, minText)
	return a, strings.Join(words[n:], " "), err
}

// leadingAccount is accountThenText, returning how many of words name the
// account.
//
// Runs are matched as ResolveAccount matches a name exactly (accountNames.exact):
// ids and configured names first, every run, longest first; then, when none
// matches, the names stored with the messages. A run that names several accounts
// ends the search with severalAccounts: "log Acme Corp they want SSO", with two
// accounts named Acme Corp and a third named Acme, logged "Corp they want SSO"
// for Acme (a review's find). So does a run too long to leave minText words
// ("survey kano Acme Corp", "log Acme Corp"), by id or configured name: the
// words were that name, not a shorter one's and some text.
func (b *Bot) leadingAccount(ctx context.Context, ws string, words []string, minText int) (feedbackbot.Account, int, error) {
	x := &accountNames{st: b.Store, configured: b.Accounts, ws: ws}
	longest, widest := min(len(words)-minText, maxAccountWords), min(len(words), maxAccountWords)
	for _, deep := range []bool{false, true} {
		if deep && longest <= 1 {
			break // (the first word is ResolveAccount's, stored names and all)
		}
		for k := widest; k > 1; k-- {
			run := strings.Join(words[:k], " ")
			if k > longest && (deep || !x.configuredNames(run)) {
				continue // (no store read for a run that cannot be the account)
			}
			found, err := x.exact(ctx, run, deep)
			switch {
			case err != nil:
				return feedbackbot.Account{}, 0, err
			case len(found) > 1:
				return feedbackbot.Account{}, 0, severalAccounts(run, found)
			case len(found) == 1 && k <= longest:
				return found[0], k, nil
			}
		}
	}
	a, err := x.resolve(ctx, words[0])
	return a, 1, err
}

// KanoFeatureResult is what the customers asked about one feature made of it.
type KanoFeatureResult = feedbackbot.KanoFeature

// KanoReport tallies the Kano answers among answers (any kinds; others are left
// out) by feature, each customer's latest answer to each question counted once,
// features with the most classified customers first. names gives features' names
// by id (a feature without one is named by its id).
func KanoReport(answers []SurveyAnswer, names map[string]string) []KanoFeatureResult {
	type who struct{ feature, account, user string }
	type pair struct{ f, d SurveyAnswer }
	pairs := map[who]*pair{}
	for _, a := range answers {
		if (a.Kind != SurveyKanoF && a.Kind != SurveyKanoD) || a.Feature == "" {
			continue
		}
		k := who{a.Feature, a.Account, a.User}
		p := pairs[k]
		if p == nil {
			p = &pair{}
			pairs[k] = p
		}
		latest := &p.f
		if a.Kind == SurveyKanoD {
			latest = &p.d
		}
		if latest.Time.IsZero() || a.Time.After(latest.Time) {
			*latest = a
		}
	}
	byFeature := map[string]*KanoFeatureResult{}
	tallies := map[string]*stats.KanoTally{}
	accounts := map[string]map[string]bool{}
	for k, p := range pairs {
		r := byFeature[k.feature]
		if r == nil {
			r = &KanoFeatureResult{ID: k.feature, Name: cmp.Or(names[k.feature], k.feature)}
			byFeature[k.feature], tallies[k.feature], accounts[k.feature] = r, &stats.KanoTally{}, map[string]bool{}
		}
		if p.f.Time.IsZero() || p.d.Time.IsZero() {
			r.Incomplete++
			continue
		}
		tallies[k.feature].Add(stats.KanoClass(p.f.Score, p.d.Score))
		accounts[k.feature][k.account] = true
	}
	out := make([]KanoFeatureResult, 0, len(byFeature))
	for id, r := range byFeature {
		t := *tallies[id]
		r.Tally, r.Category = feedbackbot.KanoCounts(t), string(t.Category())
		r.Customers, r.Accounts = t.Total(), len(accounts[id])
		if t.Attractive+t.OneDimensional+t.MustBe+t.Indifferent > 0 {
			better, worse := t.Better(), t.Worse()
			r.Better, r.Worse = &better, &worse
		}
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b KanoFeatureResult) int {
		return cmp.Or(cmp.Compare(b.Tally.Total(), a.Tally.Total()), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// KanoFeatureNames reads the names of the features asked about, by id.
func KanoFeatureNames(ctx context.Context, st interface {
	ListDocs(ctx context.Context, workspace, kind string) (map[string][]byte, error)
}, workspace string) (map[string]string, error) {
	docs, err := st.ListDocs(ctx, workspace, DocKanoFeature)
	if err != nil {
		return nil, fmt.Errorf("kano features: %w", err)
	}
	names := make(map[string]string, len(docs))
	for id, raw := range docs {
		var f kanoFeature
		if json.Unmarshal(raw, &f) == nil && f.Name != "" {
			names[id] = f.Name
		}
	}
	return names, nil
}

// ReadKano reads the survey answers given in [from, to) and the features' names,
// and tallies them (KanoReport): what /feedback kano, feedbackbot kano, the
// digest and the demo report.
func ReadKano(ctx context.Context, st surveyReader, workspace string, from, to time.Time) ([]KanoFeatureResult, error) {
	answers, err := SurveyAnswers(ctx, st, workspace, from, to, "")
	if err != nil {
		return nil, fmt.Errorf("kano: %w", err)
	}
	names, err := KanoFeatureNames(ctx, st, workspace)
	if err != nil {
		return nil, err
	}
	return KanoReport(answers, names), nil
}

// KanoWords says what a category means for the roadmap, in a few words.
func KanoWords(c stats.KanoCategory) string {
	return map[stats.KanoCategory]string{
		stats.KanoMustBe:         "must-be: expected, missed when absent",
		stats.KanoOneDimensional: "one-dimensional: the more the better",
		stats.KanoAttractive:     "attractive: delights, not missed",
		stats.KanoIndifferent:    "indifferent: neither",
		stats.KanoReverse:        "reverse: they would rather not have it",
		stats.KanoQuestionable:   "questionable: contradictory answers",
	}[c]
}

// KanoLine is one feature's result in one line: its category, the counts behind
// it and the coefficients.
func KanoLine(r KanoFeatureResult) string {
	t := r.Tally
	s := fmt.Sprintf("%s — %s (%s of %s: M %d, O %d, A %d, I %d", r.Name, cmp.Or(KanoWords(stats.KanoCategory(r.Category)), "no complete answers yet"),
		feedbackbot.Plural(t.Total(), "customer"), feedbackbot.Plural(r.Accounts, "account"), t.MustBe, t.OneDimensional, t.Attractive, t.Indifferent)
	if t.Reverse+t.Questionable > 0 {
		s += fmt.Sprintf(", R %d, Q %d", t.Reverse, t.Questionable)
	}
	s += ")"
	if r.Better != nil && r.Worse != nil {
		s += fmt.Sprintf("; better %+.2f, worse %+.2f", *r.Better, *r.Worse)
	}
	if r.Incomplete > 0 {
		s += fmt.Sprintf("; %d answered one question only", r.Incomplete)
	}
	return s
}

// kanoTitle heads the Kano report of n features with answers in the period.
func kanoTitle(n int, period time.Duration) string {
	are := "are"
	if n == 1 {
		are = "is"
	}
	return fmt.Sprintf("Kano: what %s %s to customers (answers of the last %s)", feedbackbot.Plural(n, "feature"), are, windowDays(period))
}

// kanoReport answers "/feedback kano [PERIOD]": the features asked about with
// answers in the period (default 90 days), what they are to customers.
func (b *Bot) kanoReport(ctx context.Context, cmd feedbackbot.Command, arg string, now time.Time) (feedbackbot.Document, error) {
	period := 90 * 24 * time.Hour
	if strings.TrimSpace(arg) != "" {
		var err error
		if period, err = parsePeriod(arg); err != nil {
			return feedbackbot.Document{}, err
		}
	}
	rs, err := ReadKano(ctx, b.Store, cmd.Workspace, now.Add(-period), now.Add(time.Nanosecond))
	if err != nil {
		return feedbackbot.Document{}, err
	}
	if err := b.audit(ctx, cmd, "kano", "", now); err != nil {
		return feedbackbot.Document{}, err
	}
	title := kanoTitle(len(rs), period)
	doc := feedbackbot.Document{Ephemeral: true, Fallback: title, Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockHeader, Text: title}}}
	if len(rs) == 0 {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText,
			Text: "No Kano answers in this period. Ask with `survey kano ACCOUNT FEATURE`."})
		return doc, nil
	}
	var sb strings.Builder
	for _, r := range rs {
		r.Name = feedbackbot.EscapeMarkup(r.Name)
		sb.WriteString("• " + KanoLine(r) + "\n")
	}
	sb.WriteString("_M must-be, O one-dimensional, A attractive, I indifferent, R reverse, Q questionable; better (A+O)/(A+O+M+I), worse −(O+M)/(A+O+M+I)._")
	doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: sb.String()})
	return doc, nil
}
