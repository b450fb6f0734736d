// Package sentiment scores the polarity of chat text with a lexicon and rules in the
// spirit of VADER (Hutto & Gilbert, ICWSM 2014): the VADER lexicon and emoji table
// (MIT, copied in data/ with its licence), boosters, negation, contrast ("but"),
// capitals and exclamation marks; extended for support and community chat with
// emoji valences, sarcasm markers, and support phrases that carry no sentiment word
// yet are plainly negative ("charged twice", "still waiting on a reply").
//
// The chat tables are embedded data files: data/chat_lexicon.tsv (words),
// data/chat_emoji.tsv, data/support_phrases.tsv (phrases that add to or replace
// their words' valence) and data/function_verbs.txt. Text is segmented into
// clauses, sentences and questions by the punctuation between tokens; negation stays
// in its clause. rules.go holds the support-chat constructions: negated function
// verbs ("won't load"), repetition ("keeps disconnecting"), rhetorical questions,
// long waits, chasing ("hello?", "bump"), wishes, counterfactuals, ellipses ("works
// in Chrome, not in Safari"), sarcastic thanks, hedges, praise that "used to" be,
// and questions written without '?'. Superlatives the lexicon lacks ("clearest")
// take their base adjective's valence. review32.go holds trouble told as over
// ("no longer crashes"), problems after praise ("yet", "also", "though", "one
// issue:"), harms under praise (sarcasm with no marker) and exclamations worded
// as questions; lang.go keeps another language's function words ("die", "no")
// from being scored as the English words they spell.
package sentiment

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/text"
)

//go:embed data/vader_lexicon.txt
var vaderLexicon []byte

//go:embed data/emoji_utf8_lexicon.txt
var emojiLexicon []byte

// Our own tables for support chat, in the same spirit: see each file's header.
var (
	//go:embed data/chat_lexicon.tsv
	chatLexiconTSV []byte
	//go:embed data/chat_emoji.tsv
	chatEmojiTSV []byte
	//go:embed data/support_phrases.tsv
	supportPhrasesTSV []byte
	//go:embed data/function_verbs.txt
	functionVerbsTXT []byte
)

const (
	boostIncr  = 0.293
	boostDecr  = -0.293
	capsIncr   = 0.733
	negScalar  = -0.74
	normAlpha  = 15.0
	maxExclaim = 4
)

// Engine scores text. It is immutable after New and safe for concurrent use.
type Engine struct {
	lex   map[string]float64
	emoji map[string]float64 // emoji rune string -> valence
	// info folds everything known about a word into one record, so scoring costs
	// one map lookup per token.
	info map[string]Info
	// phrases are multi-word support expressions, matched on lower-cased tokens; a
	// word's info.phrases indexes the list of those starting with it.
	phrases [][]phrase
	// seconds[k] has a bit (secondBit) for each second word of the phrases in
	// phrases[k], all bits when one is a pattern or a single word: a list whose
	// phrases cannot match the next word is skipped at once.
	seconds []uint64
}

// Info is what the engine knows of one token on its own (its lexicon, emoji,
// booster, negation and rule classes), for callers that memoise it per token: see
// TokenInfo and ScoreInfos.
type Info struct {
	val     float64 // lexicon or emoji valence
	boost   float64 // booster increment (signed), when flags&fBoost
	flags   uint32
	phrases int16  // 1 + index into Engine.phrases of the phrases starting with the word; 0 for none
	kinds   uint16 // for words flagged fMark, which rules of reports.go they start (markKinds)
	// lang has a bit for each language (lang.go) the word tells, as one of its
	// function words, a courtesy word or by its letters; lNoCount for a word that
	// is also English and tells no other language.
	lang uint8
	// cue marks the words the rules of review 32 start from (cueAlso ...). They are
	// no flags: a flag is a word class of Report.Classes, a feature the shipped
	// combination layer was trained on, and new members would shift it.
	cue uint8
	// upper: the token as written is more than one character and has letters, all
	// of them capitals (text.IsUpper): worked out once a token, where the scoring
	// tested every token of every message.
	upper bool
}

const (
	fLex uint32 = 1 << iota
	fBoost
	fNeg
	fEmoji
	fSarcasm
	fAnger
	fFrustration
	fConfusion
	fGratitude
	fJoy
	fScarce   // hardly, barely, scarcely: they negate praise ("hardly usable")
	fFunc     // a function verb: negated it reports a malfunction (data/function_verbs.txt)
	fFailVerb // unable, fails, stopped: they negate a function verb as "not" does
	fKeep     // keeps, kept, keep: "keeps disconnecting"
	fWhy      // why, how (come): rhetorical questions
	fSpan     // took, waited, been: "took four hours"
	fChase    // hello, anyone, bump, help: chasing an answer, crying for help
	fModal    // would, could, I'd: "would be great if"
	fThanks   // thanks, thank: "thanks for nothing"
	fQStart   // can, is, how, what ...: may open a question written without '?'
	fMarker   // but, however, s (of /s), yeah: contrast and sarcasm markers
	fHedge    // guess, suppose: "ok I guess"
	fUsed     // used: "it used to be great"
	fIf       // if, when, whenever: conditions ("would be great if it actually worked")
	fAgain    // again: "sigh. again?"
	fUntil    // until: "it was great until the redesign"
	fIrrealis // supposed, wanted, meant, hoping, theory, paper: praise that was only expected
	fSide     // side, end, me, us: "the error was on our side", "that's on me"
	fPolite   // thanks, please, hi, lol ...: politeness and laughter, no opinion in a report
	fStatus   // 404, 500, 502s: an HTTP status code (set per token, not from a table)
	fTrouble  // product trouble: a negative word of data/chat_lexicon.tsv, "error", "problem" ...
	// fMark: a word one of the rules of reports.go starts from (shows, button,
	// postmortem, tuesday, got, said, old, fixed, zero ...); the rule checks which.
	fMark
)

type phrase struct {
	// words are matched exactly, or by prefix where stars has their bit set (a
	// trailing '*' in the table, stripped here).
	words   []string
	stars   uint32
	valence float64
	// set replaces the valence of the phrase's words (0, and valence on the last)
	// instead of adding to it: "not sure" is no negated "sure".
	set bool
	// move is a change of tool ("switching to", "moving to"): a churn cue unless
	// it leads to the product's own new thing (ownDestination).
	move bool
	// opens: the phrase counts only where it opens its clause and no "to" follows
	// it (a leading '^' in the table): "no rush on this one" reassures, "there's
	// no rush to answer customers here" complains.
	opens bool
	// ends: the phrase counts only where its last word is no subject of a verb
	// after it (a trailing '$' in the table; see objectEnds): "thanks for
	// nothing", "thanks for nothing guys" are sarcasm, "thanks for nothing
	// breaking during the upgrade" thanks.
	ends bool
}

// New parses the embedded lexicons.
func New() (*Engine, error) {
	e := &Engine{lex: make(map[string]float64, 8000), emoji: map[string]float64{}}
	sc := bufio.NewScanner(bytes.NewReader(vaderLexicon))
	for n := 1; sc.Scan(); n++ {
		word, rest, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		val, _, _ := strings.Cut(rest, "\t")
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return nil, fmt.Errorf("sentiment: lexicon line %d: %w", n, err)
		}
		e.lex[word] = v
	}
	var trouble []string
	if err := readTable(chatLexiconTSV, "chat_lexicon.tsv", func(w, val string) error {
		v, err := strconv.ParseFloat(val, 64)
		e.lex[w] = v
		if v < 0 && !evaluative[w] {
			trouble = append(trouble, w)
		}
		return err
	}); err != nil {
		return nil, err
	}
	// Emoji: score by the words of their description, as VADER does, then let our
	// table of chat emoji override the ones descriptions get wrong (😡 reads zero).
	sc = bufio.NewScanner(bytes.NewReader(emojiLexicon))
	for sc.Scan() {
		em, desc, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		sum, hits := 0.0, 0
		for _, w := range strings.Fields(desc) {
			if v, ok := e.lex[w]; ok {
				sum += v
				hits++
			}
		}
		if hits > 0 {
			e.emoji[strings.TrimRight(em, "\uFE0F")] = sum / float64(hits)
		}
	}
	if err := readTable(chatEmojiTSV, "chat_emoji.tsv", func(em, val string) error {
		v, err := strconv.ParseFloat(val, 64)
		e.emoji[em] = v
		return err
	}); err != nil {
		return nil, err
	}
	e.info = make(map[string]Info, len(e.lex)+len(e.emoji)+200)
	set := func(w string, f func(*Info)) {
		wi := e.info[w]
		f(&wi)
		e.info[w] = wi
	}
	for w, v := range e.lex {
		set(w, func(wi *Info) { wi.val, wi.flags = v, wi.flags|fLex })
	}
	for w, v := range e.emoji {
		set(w, func(wi *Info) { wi.val, wi.flags = v, wi.flags|fEmoji })
	}
	for w, v := range boosters {
		set(w, func(wi *Info) { wi.boost, wi.flags = v, wi.flags|fBoost })
	}
	for w := range negations {
		set(w, func(wi *Info) { wi.flags |= fNeg })
	}
	for _, w := range []string{"hardly", "barely", "scarcely"} {
		set(w, func(wi *Info) { wi.flags |= fScarce })
	}
	for _, w := range strings.Fields(stripComments(functionVerbsTXT)) {
		set(w, func(wi *Info) { wi.flags |= fFunc })
	}
	for _, c := range []struct {
		words string
		flag  uint32
	}{
		{"unable fail fails failed failing refuse refuses refused stopped stops", fFailVerb},
		{"keeps kept keep", fKeep},
		{"why how", fWhy},
		{"took taken takes take taking waited waiting wait been", fSpan},
		{"hello hi hey anyone anybody bump bumping help helpp", fChase},
		{"would could i'd we'd it'd that'd you'd they'd wd wish", fModal},
		{"thanks thank thx ty tysm", fThanks},
		{"can could would will is are does do did should has have may how what where when which who", fQStart},
		{"but however s yeah", fMarker},
		{"guess suppose", fHedge},
		{"used", fUsed},
		{"if when whenever", fIf},
		{"again", fAgain},
		{"until", fUntil},
		{"supposed wanted meant hoping hoped theory paper", fIrrealis},
		{"side end me us", fSide},
		{"thanks thank thx ty tysm appreciate appreciated cheers please pls plz kindly hi hello hey lol lmao lmfao haha hahaha rofl 🙏 👋", fPolite},
	} {
		for _, w := range strings.Fields(c.words) {
			set(w, func(wi *Info) { wi.flags |= c.flag })
		}
	}
	for w, l := range langTable() {
		set(w, func(wi *Info) { wi.lang |= l })
	}
	for cue, ws := range cueWords {
		for _, w := range strings.Fields(ws) {
			set(w, func(wi *Info) { wi.cue |= cue })
		}
	}
	trouble = append(trouble, strings.Fields(troubleWords)...)
	for _, w := range trouble {
		set(w, func(wi *Info) { wi.flags |= fTrouble })
	}
	for w, k := range markKinds {
		set(w, func(wi *Info) { wi.flags, wi.kinds = wi.flags|fMark, k })
	}
	for _, em := range []string{"🙄", "🙃"} {
		set(em, func(wi *Info) { wi.flags |= fSarcasm })
	}
	for _, es := range []struct {
		set  map[string]struct{}
		flag uint32
	}{{angerWords, fAnger}, {frustrationWords, fFrustration}, {confusionWords, fConfusion}, {gratitudeWords, fGratitude}, {joyWords, fJoy}} {
		for w := range es.set {
			set(w, func(wi *Info) { wi.flags |= es.flag })
		}
	}
	if err := readTable(supportPhrasesTSV, "support_phrases.tsv", func(p, val string) error {
		ws := strings.Fields(p)
		opens := false
		if ws[0], opens = strings.CutPrefix(ws[0], "^"); opens && ws[0] == "" {
			return fmt.Errorf("phrase %q: '^' goes before its first word", p)
		}
		if strings.HasSuffix(ws[0], "*") {
			return fmt.Errorf("phrase %q: the first word cannot be a pattern", p)
		}
		ends := false
		if last := len(ws) - 1; strings.HasSuffix(ws[last], "$") {
			if ws[last] = strings.TrimSuffix(ws[last], "$"); ws[last] == "" || strings.HasSuffix(ws[last], "*") {
				return fmt.Errorf("phrase %q: '$' goes after its last word, which cannot be a pattern", p)
			}
			ends = true
		}
		ph := phrase{words: ws, opens: opens, ends: ends}
		for j, w := range ws {
			if j > 0 && strings.HasSuffix(w, "*") && j < 32 {
				ws[j], ph.stars = w[:len(w)-1], ph.stars|1<<j
			}
		}
		ph.move = len(ws) == 2 && ws[1] == "to" && moveVerbs[ws[0]]
		val, ph.set = strings.CutPrefix(val, "=")
		var err error
		if ph.valence, err = strconv.ParseFloat(val, 64); err != nil {
			return err
		}
		wi := e.info[ws[0]]
		if wi.phrases == 0 {
			e.phrases, e.seconds = append(e.phrases, nil), append(e.seconds, 0)
			if len(e.phrases) > math.MaxInt16 {
				return fmt.Errorf("more than %d first words of phrases", math.MaxInt16)
			}
			wi.phrases = int16(len(e.phrases))
			e.info[ws[0]] = wi
		}
		e.phrases[wi.phrases-1] = append(e.phrases[wi.phrases-1], ph)
		if len(ws) == 1 || ph.stars&2 != 0 {
			e.seconds[wi.phrases-1] = ^uint64(0)
		} else {
			e.seconds[wi.phrases-1] |= secondBit(ws[1])
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return e, nil
}

// stripComments returns data without its '#' comments.
func stripComments(data []byte) string {
	var b strings.Builder
	for line := range strings.Lines(string(data)) {
		line, _, _ = strings.Cut(line, "#")
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// readTable reads a tab-separated table of keys and values; blank lines and lines
// starting with '#' are skipped.
func readTable(data []byte, name string, add func(key, val string) error) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, "\t")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if !ok || key == "" {
			return fmt.Errorf("sentiment: %s line %d: want key TAB value", name, n)
		}
		if err := add(key, val); err != nil {
			return fmt.Errorf("sentiment: %s line %d: %w", name, n, err)
		}
	}
	return sc.Err()
}

// Score returns the sentiment of a chat message (markup is cleaned first).
func (e *Engine) Score(msg string) feedbackbot.Sentiment {
	var buf, lowBuf [64]string
	clean := text.Clean(msg)
	toks := text.Tokens(clean, buf[:0])
	low := lowBuf[:0]
	for _, t := range toks {
		low = append(low, text.Lower(t))
	}
	s, _ := e.ScoreTokensCode(toks, low, clean, text.CodeTrouble(msg))
	return s
}

// ScoreTokens scores tokens from text.Tokens and their lower-case forms; raw is the
// cleaned text, used for punctuation emphasis.
func (e *Engine) ScoreTokens(toks, low []string, raw string) feedbackbot.Sentiment {
	s, _ := e.ScoreTokensReport(toks, low, raw)
	return s
}

// Report tells what the support-chat rules found beyond the score.
type Report struct {
	// Malfunction: a function verb negated or done wrong ("won't load", "emails
	// never arrive", "returns nothing"), the way a defect is told.
	Malfunction bool
	// Clauses has bit i set when token i starts a clause (after punctuation), for
	// the first 64 tokens: the themes matcher keeps negation in its clause too.
	Clauses uint64
	// Classes has bit k set when a word of class k was seen (Classes names them),
	// the cues the rules start from: the combination layer's generic features.
	Classes uint32
	// Pos and Neg sum the positive and the negative valences after the rules
	// (Neg <= 0); BasePos and BaseNeg before them, so the layer sees how far the
	// rules moved the words.
	Pos, Neg, BasePos, BaseNeg float64
	// Sarcasm: an eye-roll, "/s" or "yeah right" turned praise words around.
	Sarcasm bool
	// Contrast: a "but" or "however" weighed what follows it over what precedes.
	Contrast bool
	// PastedError: an error pasted as code counted against the message.
	PastedError bool
	// Resolved: trouble told as over ("no longer crashes", "doesn't crash
	// anymore", "haven't had a single outage", "nothing wrong with it"), and no
	// other trouble in the message: no problem report.
	Resolved bool
	// Reports: after praise, a report is the message: a report marker ("love it!
	// one issue: the export is missing rows") or a later statement that reports
	// trouble plainly ("great release! the date filter now ignores the end
	// date").
	Reports bool
	// Exclaims: a question mark closes an exclamation ("how cool is that?!",
	// "who knew it could be this easy?", "how did we live without this?"), and no
	// sentence asks anything.
	Exclaims bool
}

// Classes names the word classes of Report.Classes, bit by bit.
var Classes = [32]string{"lexicon", "booster", "negation", "emoji", "sarcasm", "anger", "frustration",
	"confusion", "gratitude", "joy", "scarce", "function_verb", "fail_verb", "keep", "why", "span", "chase",
	"modal", "thanks", "question_start", "marker", "hedge", "used", "if", "again", "until", "irrealis", "side",
	"polite", "status_code", "trouble", "report_mark"}

// ScoreTokensReport is ScoreTokens with what the rules found.
func (e *Engine) ScoreTokensReport(toks, low []string, raw string) (feedbackbot.Sentiment, Report) {
	return e.ScoreTokensCode(toks, low, raw, false)
}

// pastedError is the valence of an error pasted as code (text.CodeTrouble) in a
// message that asks nothing: "```Traceback ...```", "`ERROR 500` when saving".
const pastedError = -1.6

// ScoreTokensCode is ScoreTokensReport for a message whose code holds an error
// (codeError, from text.CodeTrouble on the message before cleaning). The pasted
// error counts as a malfunction unless the message asks about it ("can you check
// `error: failed`?").
func (e *Engine) ScoreTokensCode(toks, low []string, raw string, codeError bool) (feedbackbot.Sentiment, Report) {
	return e.score(toks, low, nil, raw, codeError)
}

// TokenInfo looks tok up as ScoreTokensCode does each token of a message (in the
// lexicon lower-cased, as written for case-sensitive emoticons, with elongations
// squeezed, superlatives and status codes recognised). It depends on tok alone.
func (e *Engine) TokenInfo(tok string) Info {
	return e.lookup(tok, strings.ReplaceAll(text.Lower(tok), "’", "'"))
}

// ScoreInfos is ScoreTokensCode where infos[i] is TokenInfo(toks[i]) and low[i]
// is text.Lower(toks[i]), as a caller that memoises both per token has them: the
// same result without looking each token up again.
func (e *Engine) ScoreInfos(toks, low []string, infos []Info, raw string, codeError bool) (feedbackbot.Sentiment, Report) {
	return e.score(toks, low, infos, raw, codeError)
}

// lookup is a token's entry: tok as written, w lower-cased with typographic
// apostrophes made plain.
func (e *Engine) lookup(tok, w string) Info {
	var wi Info
	ok := false
	if len(w) == 2 && (w[1] == ':' || w[1] == '=') && tok != w {
		// "D:" (horror) is not "d:" (a tongue): emoticons are case-sensitive,
		// and VADER's lexicon holds both spellings lower-cased.
		wi, ok = e.info[tok]
	}
	if !ok {
		wi, ok = e.info[w]
	}
	if !ok && tok != w {
		wi, ok = e.info[tok] // emoticons such as "D:" are case-sensitive
	}
	if !ok && len(w) >= 4 {
		if sq := squeeze(w); sq != w {
			wi, ok = e.info[sq]
		}
	}
	if !ok && len(w) >= 6 && strings.HasSuffix(w, "est") {
		wi = e.superlative(w)
	}
	if wi.flags&fNeg == 0 && strings.HasSuffix(w, "n't") {
		wi.flags |= fNeg
	}
	if wi.flags == 0 && len(w) >= 3 && (w[0] == '4' || w[0] == '5') && isStatusCode(w) {
		wi.flags = fStatus
	}
	if wi.lang == 0 {
		wi.lang = letterLang(w)
	}
	wi.upper = tok != w && len(tok) > 1 && text.IsUpper(tok) // (its use needs tok != w too)
	return wi
}

// score is ScoreTokensCode, with the tokens' entries looked up already when pre
// is not nil.
func (e *Engine) score(toks, low []string, pre []Info, raw string, codeError bool) (feedbackbot.Sentiment, Report) {
	if len(pre) != len(low) {
		pre = nil // not one a token: look them up
	}
	codeError = codeError && !strings.Contains(raw, "?")
	n := len(toks)
	if n == 0 {
		if codeError {
			score := pastedError / math.Sqrt(pastedError*pastedError+normAlpha)
			return feedbackbot.Sentiment{Label: feedbackbot.LabelFor(score), Score: round3(score)}, Report{Malfunction: true, PastedError: true}
		}
		return feedbackbot.Sentiment{Label: feedbackbot.Neutral}, Report{}
	}
	var infoBuf [64]Info
	var valBuf [64]float64
	var segBuf [64]uint8
	var cueBuf [32]int
	infos, vals, cues := infoBuf[:0], valBuf[:0], cueBuf[:0]
	segs := segment(raw, toks, segBuf[:0])
	// Phones and Slack write "don’t" with a typographic apostrophe; the lexicon and
	// the rules spell it "don't".
	if strings.Contains(raw, "’") {
		var lowBuf [64]string
		curly := low
		low = lowBuf[:0]
		for _, w := range curly {
			low = append(low, strings.ReplaceAll(w, "’", "'"))
		}
	}
	upper := 0
	var seen uint32
	var seenCue, seenLang uint8
	nForeign := 0 // words that count for another language in messageLang
	for i, w := range low {
		var wi Info
		if pre != nil {
			wi = pre[i]
		} else {
			wi = e.lookup(toks[i], w)
			infos = append(infos, wi)
		}
		seen |= wi.flags
		seenCue |= wi.cue
		seenLang |= wi.lang
		if wi.lang&foreignLangs != 0 && wi.lang&(lEn|lNoCount) == 0 {
			nForeign++
		}
		if wi.flags&cueFlags != 0 && len(cues) < maxCues {
			cues = append(cues, i)
		}
		if wi.upper && w != toks[i] {
			upper++
		}
	}
	if pre != nil {
		infos = pre
	}
	c := scoring{low: low, infos: infos, segs: segs, cues: cues, seenCue: seenCue, noNegation: -1}
	if seen&fQStart != 0 {
		c.unmarkedQuestions()
	}
	if seenCue&cueWho != 0 {
		c.exclamations()
	}
	// In a message of another language, the English lexicon's valence of that
	// language's own words is not counted (lang.go).
	var foreign uint8
	// (messageLang needs minForeign words of one language: fewer in all, none)
	if seenLang&foreignLangs != 0 && nForeign >= minForeign {
		if l := messageLang(infos); l&foreignLangs != 0 {
			foreign = l
		}
	}
	muted := func(k int) bool { return foreign != 0 && infos[k].lang&foreign != 0 }
	capsDiff := upper > 0 && upper < n
	shout := func(i int) bool { return capsDiff && infos[i].upper && low[i] != toks[i] }
	for i, w := range low {
		wi := infos[i]
		switch {
		case wi.flags&fEmoji != 0:
			vals = append(vals, wi.val)
			continue
		case wi.flags&fBoost != 0 && !(wi.flags&fLex != 0 && (i+1 == n || infos[i+1].flags&fLex == 0)),
			wi.flags&fLex == 0, w == "kind" && i+1 < n && low[i+1] == "of", muted(i):
			// A booster boosts; one that is also a word of its own ("seriously?",
			// "super!") says it when no sentiment word follows.
			vals = append(vals, 0)
			continue
		}
		v := wi.val
		// "no" before a sentiment word negates it; "no" alone keeps its own valence.
		// "No plans to cancel" negates what is not intended.
		if w == "no" && i+1 < n && (infos[i+1].flags&fLex != 0 || intentions[low[i+1]]) {
			v = 0
		}
		// "No, that's not what I meant", "Also, no, I had not": a "no" that is a
		// clause of its own before more text answers a question; it is no complaint.
		if w == "no" && i+1 < n && segs[i+1]&segClause != 0 && (i == 0 || segs[i]&segClause != 0) {
			v = 0
		}
		if shout(i) {
			if v > 0 {
				v += capsIncr
			} else {
				v -= capsIncr
			}
		}
		negated := false
		for back := 1; back <= 3 && i-back >= 0; back++ {
			// Negation and boosters stay inside their clause: "that didn't help,
			// same error" does not negate "error".
			if segs[i-back+1]&segClause != 0 {
				break
			}
			prev, pi := low[i-back], infos[i-back]
			if muted(i-back) || i-back == c.noNegation {
				continue // "no" of a Spanish message is no English negation
			}
			if !negated && (prev == "longer" || prev == "more" && wi.flags&(fTrouble|fFailVerb) != 0) && i-back > 0 && low[i-back-1] == "no" && segs[i-back]&segClause == 0 {
				// "no longer crashes", "no more timeouts": what was is over. The
				// "no" is spent on the word. ("No more" only before trouble: "no
				// more stolen elections" calls for something.)
				v *= negScalar
				negated = true
				if v != 0 {
					vals[i-back-1] = 0
				}
				c.clear(i, v)
				continue
			}
			if pi.cue&cueStop != 0 && back == 1 && !negated {
				// "can't stop crashing", "hasn't stopped failing": it goes on; "the
				// app stopped crashing": it is over.
				if c.negatorBefore(i - 1) {
					break
				}
				if prev != "stop" && strings.HasSuffix(w, "ing") {
					v *= negScalar
					negated = true
					c.clear(i, v)
				}
				continue
			}
			// Sentiment words are no modifiers; boosters that are also words
			// ("super", "seriously") still boost.
			if pi.flags&fLex != 0 && pi.flags&fBoost == 0 && prev != "no" {
				continue
			}
			if back == 1 && v < 0 && prev == "another" {
				// "another outage", "yet another bug": it happened before.
				v -= recurrence
			}
			if pi.flags&fScarce != 0 && v > 0 && !negated {
				// "hardly usable", "barely works": not usable, does not work.
				v *= negScalar
				negated = true
				continue
			}
			if pi.flags&fBoost != 0 {
				b := pi.boost
				if v < 0 {
					b = -b
				}
				if shout(i - back) {
					if v > 0 {
						b += capsIncr
					} else {
						b -= capsIncr
					}
				}
				switch back {
				case 2:
					b *= 0.95
				case 3:
					b *= 0.9
				}
				v += b
			}
			// Only the nearest negation counts: "don't care don't care" is not a
			// double negative.
			if negated {
				continue
			}
			switch {
			case back > 1 && isNeverSo(low, i, back):
				v *= 1.25
				negated = true
			case prev == "no" && back > 1 && intentions[low[i-back+1]]:
				// What nobody intends is not said: "no plans to cancel" is neither
				// a threat nor praise.
				v = 0
				negated = true
			case prev == "without" && low[i-back+1] == "doubt":
				// "without doubt the best": no negation.
			case pi.flags&fNeg != 0 || (prev == "no" && (back == 1 || low[i-1] == "or" || low[i-1] == "nor")):
				v *= negScalar
				negated = true
				if c.toldGone(i-back, i) {
					c.clear(i, v)
				}
			}
		}
		if i > 0 && low[i-1] == "least" && (i < 2 || (low[i-2] != "at" && low[i-2] != "very")) {
			v *= negScalar
		}
		vals = append(vals, v)
	}
	c.vals = vals
	for _, k := range c.praised[:c.nPraised] {
		vals[k] += rhetoricalPraise
	}
	var baseBuf [64]float64
	c.base = append(baseBuf[:0], vals...)
	if seen&fFunc != 0 {
		c.malfunctions()
	}
	if seen&fKeep != 0 {
		c.repetitions()
	}
	if seen&fSpan != 0 {
		c.longWaits()
	}
	if seen&fChase != 0 {
		c.chases()
	}
	e.supportPhrases(&c)
	if seenCue&cueHarm != 0 {
		c.harms()
	}
	if seen&fWhy != 0 {
		c.rhetoricalQuestions()
	}
	if seen&fModal != 0 {
		c.wishes()
		c.counterfactuals()
	}
	if seen&fNeg != 0 {
		c.ellipses()
	}
	if seen&fThanks != 0 || seenCue&cueAppreciate != 0 {
		c.sarcasticThanks()
	}
	if seen&fHedge != 0 {
		c.hedges()
	}
	if seen&fUsed != 0 {
		c.pastPraise()
	}
	c.fb6(seen)
	c.reportAfterPraise()
	// A question weighs its praise words less, and its confusion not at all: "I'm
	// confused, how do filters work?" asks for help.
	for k, v := range vals {
		switch {
		case segs[k]&segQuestion == 0:
		case infos[k].flags&(fConfusion|fWhy) == fConfusion && v < 0:
			vals[k] = 0
		case v > 0:
			vals[k] = v * questionPositive
		}
	}

	// Contrast: what follows "but" / "however" outweighs what precedes it, as
	// does a problem after praise told with "yet", "also" or "though"
	// (contrastAt).
	contrast := false
	if at, self := c.contrastAt(seen, seenCue); at >= 0 {
		contrast = true
		for j := range vals {
			switch {
			case j < at:
				vals[j] *= 0.5
			case j > at || j == at && self:
				vals[j] *= 1.5
			}
		}
	}
	// Sarcasm: an eye-roll, "/s" or "yeah right" turns praise-words into complaints
	// ("great, another outage 🙄").
	sarcasm := seen&fSarcasm != 0
	if !sarcasm && seen&fMarker != 0 {
		for i, w := range low {
			if w == "s" && slashS(raw, toks[i]) || (w == "yeah" && i+1 < n && low[i+1] == "right") {
				sarcasm = true
			}
		}
	}
	if !sarcasm && seen&fMark != 0 {
		sarcasm = saidNoOne(low, segs)
	}
	if sarcasm {
		for j, v := range vals {
			if v > 0 {
				vals[j] = -0.75 * v
			}
		}
	}

	sum := 0.0
	for _, v := range vals {
		sum += v
	}
	rep := Report{Classes: seen, Sarcasm: sarcasm, Contrast: contrast, PastedError: codeError}
	for k, v := range vals {
		if v > 0 {
			rep.Pos += v
		} else {
			rep.Neg += v
		}
		if b := c.base[k]; b > 0 {
			rep.BasePos += b
		} else {
			rep.BaseNeg += b
		}
	}
	if codeError {
		sum += pastedError
		c.malfunction = true
	}
	if sum != 0 {
		emph := emphasis(raw)
		if sum > 0 {
			sum += emph
		} else {
			sum -= emph
		}
	}
	if n == 1 && bareAcks[low[0]] && !strings.Contains(raw, "!") {
		sum = 0 // "ok", "yep", "Fine.": an acknowledgement, no opinion
	}
	score := sum / math.Sqrt(sum*sum+normAlpha)
	score = math.Max(-1, math.Min(1, score))
	rep.Malfunction = c.malfunction
	rep.Resolved = c.resolved() && !c.malfunction && sum >= 0 && !c.reportsTrouble()
	rep.Reports = c.reports
	rep.Exclaims = c.exclaimed && !c.asks()
	for i := range min(n, 64) {
		if segs[i]&segClause != 0 {
			rep.Clauses |= 1 << i
		}
	}
	return feedbackbot.Sentiment{Label: feedbackbot.LabelFor(score), Score: round3(score), Emotion: emotion(seen, score, raw, sarcasm)}, rep
}

// evaluative words of data/chat_lexicon.tsv judge rather than name trouble: they
// do not make a message a problem report (reportsTrouble).
var evaluative = wordBools(`unacceptable ridiculous frustrating frustrated annoying disappointing disappointed
	useless nightmare mess expensive overpriced pricey urgent urgently waiting cancel cancelling canceling churn
	downgrade terminate terminating termination escalate escalating refund dealbreaker deal-breaker competitor
	alternatives yikes welp janky`)

// saidNoOne reports the sarcasm tag "said no one ever" ("best update ever, said
// nobody", "great, said no one"): said or says, then no one, nobody or noone,
// then ever, ending the clause; without ever, the tag opens its clause too (no
// one said it). "He said no one could log in", "the admin said nobody, thanks"
// and "the admin said no one ever complained" report what was said.
func saidNoOne(low []string, segs []uint8) bool {
	n := len(low)
	for i, w := range low {
		if w != "said" && w != "says" {
			continue
		}
		j := i + 1
		switch {
		case j < n && (low[j] == "nobody" || low[j] == "noone"):
			j++
		case j+1 < n && low[j] == "no" && low[j+1] == "one":
			j += 2
		default:
			continue
		}
		ever := j < n && low[j] == "ever"
		if ever {
			j++
		}
		if (j == n || segs[j]&segClause != 0) && (ever || segs[i]&segClause != 0) {
			return true
		}
	}
	return false
}

// bareAcks are acknowledgements that, alone and without '!', carry no opinion.
var bareAcks = wordBools("ok okay k kk yes yep yeah yup sure fine np noted alright right ack")

// slashS reports whether the token "s" was written "/s", the sarcasm tag (the
// tokenizer strips the slash).
func slashS(raw, t string) bool {
	d := int(uintptr(unsafe.Pointer(unsafe.StringData(t))) - uintptr(unsafe.Pointer(unsafe.StringData(raw))))
	return d >= 1 && d <= len(raw)-len(t) && raw[d-1] == '/' && (d == 1 || raw[d-2] == ' ' || raw[d-2] == '\n')
}

// questionPositive scales positive words inside a question: "can someone recommend a
// good editor?" asks about good, it does not express it. Negative words keep their
// weight ("why is it broken again?" is a complaint).
const questionPositive = 0.2

// Segment flags, per token, from the punctuation between tokens.
const (
	segClause   uint8 = 1 << iota // a clause starts here (after , ; : - ( ) or a sentence start)
	segSentence                   // a sentence starts here (after . ! ? … or a line break)
	segQuestion                   // the token's sentence ends with '?'
	segExclaim                    // the token's sentence ends with '!'
	segMore                       // (breakBytes only) a byte that starts a longer break
)

// segment marks where clauses and sentences begin and which sentences are questions,
// reading the punctuation between tokens in raw. toks must be substrings of raw in
// order (as text.Tokens returns them); a token not found there marks nothing. It
// reads raw once and does not allocate.
func segment(raw string, toks []string, segs []uint8) []uint8 {
	n := len(toks)
	if cap(segs) < n {
		segs = make([]uint8, n)
	}
	segs = segs[:n]
	cur, sentStart := 0, 0
	base := uintptr(unsafe.Pointer(unsafe.StringData(raw)))
	// inner carries a sentence end written inside the previous token without a
	// space ("time...Any", "really?!ok"). Few texts have one: in raw, the first
	// candidate at or after cur is known, and tokens before it are not read.
	var inner uint8
	ib := innerBreaks{at: [4]int{-1, -1, -1, -1}}
	next := ib.next(raw, 0)
	for i, t := range toks {
		// Tokens from text.Tokens point into raw, so their offset is known and only
		// the gap before them is read; anything else is searched for.
		var gap uint8
		d := int(uintptr(unsafe.Pointer(unsafe.StringData(t))) - base)
		if len(t) > 0 && d >= cur && d <= len(raw)-len(t) {
			if d != cur+1 || raw[cur] != ' ' {
				for k := cur; k < d; k++ {
					gap |= breakBytes[raw[k]]
				}
			}
			if gap&segMore != 0 {
				_, gap, _ = nextToken(raw[:d], cur, "")
			}
		} else {
			var ok bool
			if d, gap, ok = nextToken(raw, cur, t); !ok {
				segs[i] = 0
				continue
			}
		}
		gap |= inner
		f := gap & segClause
		if i == 0 {
			f = segClause | segSentence
		} else if gap&segSentence != 0 {
			if end := gap & (segQuestion | segExclaim); end != 0 {
				for k := sentStart; k < i; k++ {
					segs[k] |= end
				}
			}
			sentStart = i
			f = segSentence | segClause
		}
		segs[i] = f
		cur = d + len(t)
		inner = 0
		if next < d {
			next = ib.next(raw, d)
		}
		if next < cur {
			inner = innerBreak(t)
			next = ib.next(raw, cur)
		}
	}
	_, gap, _ := nextToken(raw, cur, "")
	if end := (gap | inner) & (segQuestion | segExclaim); end != 0 {
		for k := sentStart; k < n; k++ {
			segs[k] |= end
		}
	}
	return segs
}

// nextToken finds t in raw from cur and returns where it starts and the breaks
// (segClause, segSentence, segQuestion, segExclaim) in the text before it. An empty t reads to
// the end of raw.
func nextToken(raw string, cur int, t string) (int, uint8, bool) {
	var gap uint8
	for j := cur; j < len(raw); j++ {
		c := raw[j]
		if t != "" && c == t[0] && len(raw)-j >= len(t) && raw[j:j+len(t)] == t {
			return j, gap, true
		}
		if b := breakBytes[c]; b != 0 {
			if b&segMore != 0 { // U+2013 – and U+2014 — end a clause, U+2026 … a sentence
				b = 0
				if j+2 < len(raw) && raw[j+1] == 0x80 {
					switch raw[j+2] {
					case 0x93, 0x94:
						b = segClause
					case 0xA6:
						b = segSentence | segClause
					}
				}
			}
			gap |= b
		}
	}
	return len(raw), gap, t == ""
}

// breakBytes are the segment flags each punctuation byte sets between tokens; 0xE2
// starts the dashes and the ellipsis (segMore: look further).
var breakBytes = [256]uint8{
	'?': segQuestion | segSentence | segClause, '!': segExclaim | segSentence | segClause,
	'.': segSentence | segClause, '\n': segSentence | segClause,
	',': segClause, ';': segClause, ':': segClause, '-': segClause, '(': segClause, ')': segClause,
	0xE2: segMore,
}

// innerBreakBytes are the bytes where a token may hold a break.
var innerBreakBytes = [4]byte{'?', '!', '.', 0xE2}

// innerBreaks finds, for positions asked in increasing order, the first '?', '!' or
// '.' followed by something other than white space, or the first byte 0xE2 (dashes,
// the ellipsis), or len(raw): the places where a token may hold a break. It keeps
// each byte's next such place, so that raw is read once in all (searching again
// from each position read a text of ". " once a token: quadratic).
type innerBreaks struct {
	at [4]int // each byte's next place, found from a position at or before it; -1: not yet
}

func (ib *innerBreaks) next(raw string, from int) int {
	best := len(raw)
	for c, b := range innerBreakBytes {
		if ib.at[c] < from {
			ib.at[c] = nextBreakOf(raw, from, b)
		}
		best = min(best, ib.at[c])
	}
	return best
}

// nextBreakOf is the first place from from where byte c holds a break, or len(raw).
func nextBreakOf(raw string, from int, c byte) int {
	for j := from; j < len(raw); {
		k := strings.IndexByte(raw[j:], c)
		if k < 0 {
			break
		}
		p := j + k
		if c == 0xE2 || p+1 < len(raw) && !isSpace(raw[p+1]) {
			return p
		}
		j = p + 1
	}
	return len(raw)
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// innerBreak reports a break inside a token, with no space after it: '?' or '!', a
// '.' followed by anything but a lower-case letter or a digit ("time...Any",
// "servant.//How"; not "v2.0" or "e.g"), or a dash standing as a token ("–").
func innerBreak(t string) uint8 {
	var f uint8
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '?':
			f |= segQuestion | segSentence
		case '!':
			f |= segExclaim | segSentence
		case '.':
			if i+1 < len(t) && !('a' <= t[i+1] && t[i+1] <= 'z' || '0' <= t[i+1] && t[i+1] <= '9') {
				f |= segSentence
			}
		case 0xE2:
			if t == "–" || t == "—" {
				f |= segClause
			}
		}
	}
	return f
}

// supportPhrases adds the valence of support expressions to the phrase's last word,
// or sets it for the phrases that replace their words' valence.
func (e *Engine) supportPhrases(c *scoring) {
	low, infos, vals := c.low, c.infos, c.vals
	for i := range low {
		if infos[i].phrases == 0 || i+1 < len(low) && e.seconds[infos[i].phrases-1]&secondBit(low[i+1]) == 0 {
			continue
		}
	next:
		for _, p := range e.phrases[infos[i].phrases-1] {
			k := len(p.words)
			if i+k > len(low) {
				continue
			}
			for j := 1; j < k; j++ {
				if pw := p.words[j]; pw != low[i+j] && (p.stars&(1<<j) == 0 || !strings.HasPrefix(low[i+j], pw)) {
					continue next
				}
			}
			// A negated support phrase ("not charged twice", "no longer times out")
			// is no complaint.
			if i > 0 && infos[i-1].flags&fNeg != 0 || i > 1 && low[i-2] == "no" && (low[i-1] == "longer" || low[i-1] == "more") {
				if p.valence < 0 && !p.set {
					c.clearAt(i + k - 1)
					if low[i-1] == "longer" || low[i-1] == "more" {
						vals[i-2] = 0 // the "no" is spent on the phrase
					}
				}
				continue
			}
			// Trouble told as over before it in its clause: "no longer crashes
			// after the update" tells when it was fixed.
			if p.valence < 0 && !p.set && c.overInClause(i) {
				continue
			}
			if p.move && ownDestination(low, i+k) {
				continue
			}
			if p.opens && (i > 0 && c.segs[i]&segClause == 0 || i+k < len(low) && low[i+k] == "to") {
				continue
			}
			if p.ends && !c.objectEnds(i+k-1) {
				continue
			}
			if p.set {
				for j := i; j < i+k-1; j++ {
					vals[j] = 0
				}
				vals[i+k-1] = p.valence
				continue
			}
			vals[i+k-1] += p.valence
		}
	}
}

// moveVerbs open the phrases that tell a change of tool ("switching to", "moving
// to"): leaving for a competitor, or taking up the product's own new thing.
var moveVerbs = wordBools("switch switching switched move moving moved migrate migrating migrated")

// ownDestination reports whether the words from j name the product's own thing
// as the destination of a move: "your ..." ("switching to your cloud tier") or
// "the new/latest/updated ..." ("moving to the new dashboard"). A move there is
// taking up a feature, not leaving; "a new vendor", "another tool", "a
// competitor", a name ("Looker") or "our new ..." ("our new processor") stay churn
// cues.
//
// A time is no destination to leave for either: "the voice hour is moving to
// Tuesdays", "our sync moved to 3pm", "moving to next week" reschedule something.
func ownDestination(low []string, j int) bool {
	if j >= len(low) {
		return false
	}
	if w := low[j]; timeWords[w] || w != "" && w[0] >= '0' && w[0] <= '9' ||
		w == "next" && j+1 < len(low) && timeWords[low[j+1]] {
		return true
	}
	switch low[j] {
	case "your", "ur":
		return true
	case "the":
		// "the new dashboard", but not "the new vendor": a supplier named as the
		// destination is leaving, however new
		return j+2 < len(low) && freshWords[low[j+1]] && !supplierWords[low[j+2]] ||
			j+2 == len(low) && freshWords[low[j+1]]
	}
	return false
}

// timeWords make the destination of a move a time: a reschedule, not a change of
// tool ("next" counts before one of them: "next week").
var timeWords = wordBools("monday tuesday wednesday thursday friday saturday sunday " +
	"mondays tuesdays wednesdays thursdays fridays saturdays sundays mon tue tues wed thu thur thurs fri sat sun " +
	"today tomorrow tonight noon midnight morning mornings afternoon afternoons evening evenings weekend weekends " +
	"week month quarter year january february march april may june july august september october november december")

// freshWords after "the" make a destination the product's own new thing.
var freshWords = wordBools("new newer newest latest updated upgraded redesigned revamped beta")

// supplierWords after "the new ..." name another supplier as the destination.
var supplierWords = wordBools("vendor vendors provider providers supplier suppliers competitor competitors solution solutions")

// secondBit hashes a word by its length and first and last bytes into one of 64
// bits, for the quick rejection of phrase lists (Engine.seconds).
func secondBit(w string) uint64 {
	if w == "" {
		return 1
	}
	return 1 << ((uint(len(w))*7 + uint(w[0])*3 + uint(w[len(w)-1])) & 63)
}

// isNeverSo reports the unprecedented, which intensifies rather than negates: "never
// so good", "never this fast", "never slept so well", "haven't been this happy in
// years". The negation is "never" (or "haven't been"), and "so" or "this" follows it
// or stands right before the word.
func isNeverSo(low []string, i, back int) bool {
	so := func(w string) bool { return w == "so" || w == "this" }
	switch low[i-back] {
	case "never":
		return so(low[i-back+1]) || so(low[i-1])
	case "haven't", "havent", "hasn't", "hasnt", "hadn't", "hadnt":
		return low[i-back+1] == "been" && so(low[i-1])
	}
	return false
}

// superlative scores a superlative the lexicon lacks by its base adjective
// ("clearest", "nicest", "easiest", "biggest"); only sentiment words are taken.
func (e *Engine) superlative(w string) Info {
	stem := w[:len(w)-3]
	for _, base := range [...]string{stem, stem + "e", strings.TrimSuffix(stem, "i") + "y", stem[:len(stem)-1]} {
		if base == stem[:len(stem)-1] && (len(stem) < 2 || stem[len(stem)-1] != stem[len(stem)-2]) {
			continue // "biggest" -> "big" only for a doubled consonant
		}
		if wi, ok := e.info[base]; ok && wi.flags&fLex != 0 {
			return Info{val: wi.val, flags: fLex}
		}
	}
	return Info{}
}

// squeeze collapses letters repeated three or more times ("sooooo" -> "so",
// "goood" -> "good"), so elongated words find their lexicon entry.
func squeeze(w string) string {
	if len(w) < 4 {
		return w
	}
	var b []byte
	for i := 0; i < len(w); i++ {
		if i >= 2 && w[i] == w[i-1] && w[i] == w[i-2] {
			if b == nil {
				b = append(make([]byte, 0, len(w)), w[:i]...)
			}
			continue
		}
		if b != nil {
			b = append(b, w[i])
		}
	}
	if b == nil {
		return w
	}
	s := string(b)
	// "goood" -> "good"; try the single-letter form too when doubled is unknown
	return s
}

// emphasis is the extra intensity of "!" (up to four) and of several "?".
func emphasis(raw string) float64 {
	ex := strings.Count(raw, "!")
	if ex > maxExclaim {
		ex = maxExclaim
	}
	e := float64(ex) * 0.292
	if q := strings.Count(raw, "?"); q > 1 {
		if q <= 3 {
			e += float64(q) * 0.18
		} else {
			e += 0.96
		}
	}
	return e
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
