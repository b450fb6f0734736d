// Package analysis tags chat messages: sentiment (label, score in [-1, 1], emotion),
// themes from a taxonomy the team controls, intent, and whether a customer message
// waits for a reply. It is pure Go: no I/O, no global mutable state, safe for
// concurrent use. Subpackages hold the parts (text, sentiment, themes, emerging,
// health); this package is the facade the pipeline calls.
package analysis

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/layer"
	"github.com/feedbackbot/feedbackbot/analysis/sentiment"
	"github.com/feedbackbot/feedbackbot/analysis/text"
	"github.com/feedbackbot/feedbackbot/analysis/themes"
)

// EngineVersion changes whenever the rules change, so reanalysis re-tags history,
// and whenever what a message counts in the rollups does, so reanalysis recounts
// it: fb-9 tags as fb-8 did and counts each customer message's emotion too; fb-10
// reads a status code after a determiner ("seeing the 429s") as a failure; fb-11
// tags as fb-10 did and counts each account's churn signals a day
// (feedbackbot.CntChurn), which health reads over its whole baseline; fb-12 reads
// trouble told as over, problems after praise, sarcasm over harms, exclamations
// worded as questions and other languages' function words (review 32), and keeps
// the layer from classes the rules rule out (layerVeto); fb-13 reads "thanks a
// lot for nothing" and "wow thanks for nothing" as the sarcasm "thanks for
// nothing" is, "said no one ever" as sarcasm, and "no rush" / "no hurry" / "no
// pressure" as no complaint (a review's probes, 2026-12-07); fb-14 reads "thanks
// for nothing" followed by an -ing form ("thanks for nothing breaking during the
// upgrade") as the thanks it is (a review's find, 2026-12-07).
const EngineVersion = "fb-14"

// sameRules are the earlier engines whose rules are this build's, word for word: a
// layer learned over one of them (feedbackbot learn records the engine) reads the
// same features, so it is kept; only what a message counts in the rollups changed.
var sameRules = []string{}

// MaxAnalyzedBytes bounds the text analysed per message; longer texts are cut (the
// store keeps them whole up to its own cap). Sentiment saturates long before this.
const MaxAnalyzedBytes = 16 << 10

// Theme is one entry of the taxonomy.
type Theme = themes.Theme

// Taxonomy is the ordered list of themes.
type Taxonomy = themes.Taxonomy

// DefaultTaxonomy is the taxonomy used when config names none.
func DefaultTaxonomy() Taxonomy { return themes.Default() }

// Analyzer tags messages. It is immutable after New and safe for concurrent use.
type Analyzer struct {
	sent   *sentiment.Engine
	themes *themes.Matcher
	comb   *combiner // nil: rules only
	// names are the taxonomy's themes in order; heads, with a layer that has theme
	// heads, the column of the layer's logits of each one's head, -1 for a theme
	// its rules decide (nil: the rules decide every theme).
	names []string
	heads []int
	// churnThemes are the taxonomy's themes that declare the churn_signal intent
	// (the default's "cancellation"): a theme head may add one only where the
	// rules saw a churn cue.
	churnThemes []string
	version     string
	base        string // engine and taxonomy, without the layer's weights
	// bufs keeps idle scratch space, word caches included. Not a sync.Pool: every
	// garbage collection empties a pool, and a stream of messages collects every few
	// thousand, so each worker stemmed its vocabulary again and again (stemming was
	// 7% of `feedbackbot analyze`'s instructions).
	bufs chan *scratch
	// ungated runs every rule of this package on every message, as training does
	// (TestRuleGatesChangeNothing compares).
	ungated bool
}

type scratch struct {
	toks, low []string
	words     themes.Words // the stems of low (words.Stems), with their taxonomy entries
	infos     []sentiment.Info
	ix        []int32 // each token's entry in wc
	wc        wordCache
	facts     facts // of the message rules read last
	feats     []layer.Feature
	sums, z   []float64
}

// New builds an analyzer for a taxonomy, with the shipped combination layer.
func New(t Taxonomy) (*Analyzer, error) {
	l, err := shippedLayer()
	if err != nil {
		return nil, err
	}
	return build(t, l)
}

// loadedLayer is a combination layer read from its file, with the file's hash.
type loadedLayer struct {
	comb *combiner
	hash string
}

// shippedLayer is the embedded layer, read once: a combiner is immutable, so every
// analyzer New builds shares it (the file is 4 MB of JSON, a tenth of a second to
// read).
var shippedLayer = sync.OnceValues(func() (*loadedLayer, error) { return readLayer(layerJSON) })

func readLayer(weights []byte) (*loadedLayer, error) {
	comb, err := loadLayer(weights)
	if err != nil {
		return nil, err
	}
	w := sha256.Sum256(weights)
	return &loadedLayer{comb: comb, hash: hex.EncodeToString(w[:4])}, nil
}

// Version is the version an analyzer for taxonomy t and a layer file would have
// (Analyzer.Version), without building it: nil weights mean the shipped layer. A
// command that only compares versions (which tags are stale) need not spend the
// tenth of a second and the 20 MB that reading a layer takes. It does not check
// that weights are a usable layer.
func Version(t Taxonomy, weights []byte) (string, error) {
	th, err := taxonomyHash(t)
	if err != nil {
		return "", err
	}
	if weights == nil {
		weights = layerJSON
	}
	w := sha256.Sum256(weights)
	return EngineVersion + "+" + th + "." + hex.EncodeToString(w[:4]), nil
}

// NewWithLayer builds an analyzer whose combination layer is read from weights (a
// data/layer.json written by TrainLayer); with nil weights the rules alone decide.
func NewWithLayer(t Taxonomy, weights []byte) (*Analyzer, error) {
	var l *loadedLayer
	if weights != nil {
		var err error
		if l, err = readLayer(weights); err != nil {
			return nil, err
		}
	}
	return build(t, l)
}

// build makes an analyzer for a taxonomy with a layer (nil: rules only).
func build(t Taxonomy, l *loadedLayer) (*Analyzer, error) {
	var comb *combiner
	if l != nil {
		comb = l.comb
	}
	s, err := sentiment.New()
	if err != nil {
		return nil, err
	}
	m, err := themes.New(t)
	if err != nil {
		return nil, fmt.Errorf("taxonomy: %w", err)
	}
	th, err := taxonomyHash(t)
	if err != nil {
		return nil, err
	}
	base := EngineVersion + "+" + th
	a := &Analyzer{sent: s, themes: m, comb: comb, names: t.Names(), base: base, version: base + "-rules"}
	for _, th := range t {
		if slices.Contains(th.Intents, string(feedbackbot.IntentChurnSignal)) {
			a.churnThemes = append(a.churnThemes, th.Name)
		}
	}
	if comb != nil && len(comb.headNames) > 0 {
		defaults := themes.Default()
		a.heads = make([]int, len(t))
		for i, th := range t {
			a.heads[i] = -1
			if d := slices.IndexFunc(defaults, func(d Theme) bool { return d.Name == th.Name }); d >= 0 && sameTheme(th, defaults[d]) {
				a.heads[i] = comb.head(th.Name)
			}
		}
	}
	if comb != nil {
		// A retrained layer tags differently, so its weights are in the version too:
		// reanalyze then re-tags what the previous weights tagged.
		a.version = base + "." + l.hash
	}
	a.bufs = make(chan *scratch, maxIdleScratch)
	return a, nil
}

// LearnedFrom counts the messages among keys (feedbackbot.Message.Key) whose
// staff corrections the analyzer's layer learned from (a layer of `feedbackbot
// learn`; the shipped one learned from none), for a layer that names them by
// LearnedKey; one keyed with a secret needs LearnedFromWith. A person forgotten
// after the layer was learned from their messages is still in its weights until
// it is learned again.
func (a *Analyzer) LearnedFrom(keys ...string) int { return a.LearnedFromWith(nil, keys...) }

// LearnedFromWith is LearnedFrom for a layer whose names may be keyed with secret
// (LayerOptions.LearnedKeyed): such a layer's are found with the secret it was
// learned with, and none without it; another layer's as LearnedFrom finds them.
func (a *Analyzer) LearnedFromWith(secret []byte, keys ...string) int {
	if a == nil || a.comb == nil || len(a.comb.learnedFrom) == 0 || (a.comb.learnedKeyed && len(secret) == 0) {
		return 0
	}
	n := 0
	for _, k := range keys {
		name := LearnedKey(k)
		if a.comb.learnedKeyed {
			name = LearnedKeyed(secret, k)
		}
		if _, ok := slices.BinarySearch(a.comb.learnedFrom, name); ok {
			n++
		}
	}
	return n
}

// maxIdleScratch bounds the idle scratch space an analyzer keeps (each holds a word
// cache of up to 20,000 words, 4.8 MB full with the layer's rows); more goroutines
// than this still work, their extra scratch is dropped after use. Kept for good,
// the caches cost memory: with 64 idle and 100,000 words each (stem caches then,
// about 2 MB for 20,000 words), `feedbackbot import` of bench import's million
// peaked at 209–217 MiB RSS (189–197 of it Go heap) against 151–154 (130–134) with
// 16 and 20,000.
const maxIdleScratch = 16

// scratchBuf takes idle scratch space, or makes new.
func (a *Analyzer) scratchBuf() *scratch {
	select {
	case sc := <-a.bufs:
		return sc
	default:
		return &scratch{}
	}
}

// release returns scratch space for reuse.
func (a *Analyzer) release(sc *scratch) {
	select {
	case a.bufs <- sc:
	default:
	}
}

// ThemeNames are the taxonomy's theme names, in its order: what a message may be
// tagged with (a staff correction naming another is not applied).
func (a *Analyzer) ThemeNames() []string { return slices.Clone(a.names) }

// Version identifies the engine, the taxonomy and the combination layer's weights
// ("fb-9+<taxonomy hash>.<weights hash>", or "...-rules" without the layer).
func (a *Analyzer) Version() string { return a.version }

// Analyze tags text of unknown provenance as if a customer wrote it, with the
// rules alone: the combination layer is fitted on support chat, and on other text
// (the tweets of the accuracy benchmark) it reads worse than the rules do.
func (a *Analyzer) Analyze(s string) feedbackbot.Tags {
	return a.analyze(s, true, false)
}

// AnalyzeChat tags text a customer wrote in support chat when there is no message
// around it (the analyze command's default): the rules, then the combination layer.
func (a *Analyzer) AnalyzeChat(s string) feedbackbot.Tags {
	return a.analyze(s, true, true)
}

// RulesOnly returns an analyzer with the same engine and taxonomy but without the
// combination layer, for text that is not support chat (reviews, social posts): its
// version says so ("-rules"), and AnalyzeChat and AnalyzeMessage become Analyze.
func (a *Analyzer) RulesOnly() *Analyzer {
	if a.comb == nil {
		return a
	}
	r := &Analyzer{sent: a.sent, themes: a.themes, names: a.names, churnThemes: a.churnThemes, base: a.base, version: a.base + "-rules"}
	r.bufs = a.bufs
	return r
}

// AnalyzeMessage tags a chat message: the rules, then the combination layer fitted
// on support chat (sentiment class, intent, and the theme heads of the themes the
// taxonomy keeps as the default defines them). Only customer messages can need a
// reply.
func (a *Analyzer) AnalyzeMessage(m *feedbackbot.Message) feedbackbot.Tags {
	return a.analyze(m.Text, m.FromCustomer(), true)
}

// A Session analyses text for one goroutine, keeping an analyzer's scratch space
// (its word cache included) from one message to the next, where each call of the
// Analyzer's own methods takes it from the analyzer's idle space and gives it back:
// for a loop over many messages, two channel operations less a message, and no
// contention on them between workers. Not safe for concurrent use; Close gives the
// space back.
type Session struct {
	a  *Analyzer
	sc *scratch
}

// Session starts a session; call Close when done.
func (a *Analyzer) Session() *Session { return &Session{a: a, sc: a.scratchBuf()} }

// Analyze is Analyzer.Analyze.
func (s *Session) Analyze(text string) feedbackbot.Tags {
	return s.a.analyzeWith(s.sc, text, true, false)
}

// AnalyzeChat is Analyzer.AnalyzeChat.
func (s *Session) AnalyzeChat(text string) feedbackbot.Tags {
	return s.a.analyzeWith(s.sc, text, true, true)
}

// AnalyzeMessage is Analyzer.AnalyzeMessage.
func (s *Session) AnalyzeMessage(m *feedbackbot.Message) feedbackbot.Tags {
	return s.a.analyzeWith(s.sc, m.Text, m.FromCustomer(), true)
}

// Close ends the session; it must not be used after.
func (s *Session) Close() {
	if s.sc != nil {
		s.a.release(s.sc)
		s.sc = nil
	}
}

func (a *Analyzer) analyze(s string, customer, chat bool) feedbackbot.Tags {
	sc := a.scratchBuf()
	defer a.release(sc)
	return a.analyzeWith(sc, s, customer, chat)
}

func (a *Analyzer) analyzeWith(sc *scratch, s string, customer, chat bool) feedbackbot.Tags {
	_, sent, rep, th, intent := a.rules(s, sc)
	if a.comb != nil && chat {
		// the dense features here; the words' hashed ones summed from the word cache
		sc.feats = features(sc.feats[:0], 0, 0, &sc.facts, nil, sent, rep, th, intent)
		w := a.comb.both.Width()
		sc.sums = append(sc.sums[:0], make([]float64, w)...)
		sc.z = slices.Grow(sc.z[:0], w)[:w]
		a.comb.wordSums(sc.sums, &sc.wc, sc.ix)
		a.comb.scaleSums(sc.sums, len(sc.low))
		// The churn cue is read only where the layer would conclude churn.
		cue := 0 // unknown; 1 a cue, -1 none
		churnCue := func() bool {
			if cue == 0 {
				cue = -1
				if a.churnCue(th, sc, rep.Clauses) {
					cue = 1
				}
			}
			return cue > 0
		}
		v := layerVeto(rep, sent.Label, intent, true)
		product, trouble := productTalk(rep, th), troubleSeen(rep)
		s2, i2 := a.comb.applyVeto(sc.sums, sc.feats, sc.z, sent, product, trouble, v)
		if i2 == feedbackbot.IntentChurnSignal && !churnCue() {
			v = layerVeto(rep, sent.Label, intent, false)
			s2, i2 = a.comb.applyVeto(sc.sums, sc.feats, sc.z, sent, product, trouble, v)
		}
		sent, intent = s2, i2
		if a.heads != nil {
			th = a.headThemesVeto(th, sc.z, sc, rep.Clauses, churnCue)
		}
	}
	th = a.themes.WithIntent(th, string(intent))
	tags := feedbackbot.Tags{Sentiment: sent, Themes: th, Intent: intent, Analyzer: a.version}
	if tags.Themes == nil {
		tags.Themes = []string{}
	}
	tags.NeedsReply = customer && (needsReply(intent, sc.low) || !sc.facts.absent(wAsk) && asksFor(sc.low, rep.Clauses))
	return tags
}

// taxonomyHash identifies a taxonomy: the first bytes of its JSON's SHA-256, in hex.
func taxonomyHash(t Taxonomy) (string, error) {
	raw, err := json.Marshal(t)
	if err != nil {
		return "", fmt.Errorf("taxonomy: %w", err)
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:4]), nil
}

// RuleThemes lists the taxonomy's themes that its rules alone decide on chat
// although the layer has theme heads: the themes a team edited or added (a head
// knows only the default taxonomy's theme). None without heads.
func (a *Analyzer) RuleThemes() []string {
	var out []string
	for i, col := range a.heads {
		if col < 0 {
			out = append(out, a.names[i])
		}
	}
	return out
}

// headThemes are the message's themes, in taxonomy order, with the layer's theme
// heads deciding the themes that have one (z holds the layer's logits) and the
// rules (matched) the others. A head keeps a theme the rules matched at the
// layer's theme threshold, and tags one they did not only at its threshold for
// new themes, which may ask more.
func (a *Analyzer) headThemes(matched []string, z []float64) []string {
	return a.headThemesVeto(matched, z, nil, 0, nil)
}

// headThemesVeto is headThemes for the message whose words are in sc (nil: not
// known) with clauses starting where the rules' report marks them: a head does
// not add a theme the rules found mentioned only negated ("we're not planning to
// cancel", "not a bug"), nor a theme of churn (churnThemes) where the rules saw no
// churn cue (churnCue, asked only then; nil: no check). The layer reads context,
// and context is no reason to put back what the message denies.
func (a *Analyzer) headThemesVeto(matched []string, z []float64, sc *scratch, clauses uint64, churnCue func() bool) []string {
	var out []string
	var denied []string // the themes mentioned only negated, found on first need
	found := false
	for i, name := range a.names {
		ruled := slices.Contains(matched, name)
		if col := a.heads[i]; col >= 0 {
			need := a.comb.headLogitNew
			if ruled {
				need = a.comb.headLogit
			}
			if z[col] < need {
				continue
			}
			if !ruled {
				if churnCue != nil && slices.Contains(a.churnThemes, name) && !churnCue() {
					continue
				}
				if !found && sc != nil {
					denied, found = a.negatedThemes(matched, sc, clauses), true
				}
				if slices.Contains(denied, name) {
					continue
				}
			}
			out = append(out, name)
		} else if ruled {
			out = append(out, name)
		}
	}
	return out
}

// negatedThemes are the themes the message mentions only negated: those the
// taxonomy matches when no word negates (each negation blanked) less those it
// matched (matched).
func (a *Analyzer) negatedThemes(matched []string, sc *scratch, clauses uint64) []string {
	var buf [64]string
	low := append(buf[:0], sc.low...)
	any := false
	for i, w := range low {
		if negationWord(w) {
			low[i], any = "", true
		}
	}
	if !any {
		return nil
	}
	var out []string
	for _, name := range a.themes.MatchWords(low, &sc.words, clauses) {
		if !slices.Contains(matched, name) {
			out = append(out, name)
		}
	}
	return out
}

// negationWord reports a word that negates the words after it in the taxonomy's
// matching (themes: "not", "no", "never", "n't" ...).
func negationWord(w string) bool {
	switch w {
	case "not", "no", "never", "without", "nothing", "none", "dont", "wont", "isnt", "arent", "nobody", "neither", "nor":
		return true
	}
	return strings.HasSuffix(w, "n't") || strings.HasSuffix(w, "n’t")
}

// sameTheme reports whether a and b define a theme alike (an empty list and none
// are alike, as in a config file).
func sameTheme(a, b Theme) bool {
	return a.Name == b.Name && a.Negatable == b.Negatable && slices.Equal(a.Keywords, b.Keywords) &&
		slices.Equal(a.Phrases, b.Phrases) && slices.Equal(a.Exclude, b.Exclude) && slices.Equal(a.Intents, b.Intents) &&
		slices.EqualFunc(a.Objects, b.Objects, func(x, y themes.Object) bool {
			return x.Verb == y.Verb && x.Bare == y.Bare && x.Names == y.Names && slices.Equal(x.Nouns, y.Nouns)
		})
}

// rules runs the rule engine: cleaning, tokens and stems (left in sc), sentiment,
// themes and the rules' intent.
func (a *Analyzer) rules(s string, sc *scratch) (string, feedbackbot.Sentiment, sentiment.Report, []string, feedbackbot.Intent) {
	s = feedbackbot.TruncateUTF8(s, MaxAnalyzedBytes)
	clean := text.Clean(s)
	sc.toks = text.Tokens(clean, sc.toks)
	sc.low, sc.infos, sc.ix = sc.low[:0], sc.infos[:0], sc.ix[:0]
	sc.words.Reset()
	sc.wc.fit(a)
	var classes uint16
	for _, t := range sc.toks {
		i := sc.wc.lookup(t)
		e := &sc.wc.ents[i]
		classes |= e.cls
		sc.low = append(sc.low, e.low)
		sc.words.Append(e.stem, e.ref)
		sc.infos = append(sc.infos, e.info)
		sc.ix = append(sc.ix, i)
	}
	sent, rep := a.sent.ScoreInfos(sc.toks, sc.low, sc.infos, clean, text.CodeTrouble(s))
	th := a.themes.MatchWords(sc.low, &sc.words, rep.Clauses)
	if slices.Contains(th, "cancellation") {
		th = a.withoutDeniedChurn(th, sc, rep.Clauses)
	}
	sc.facts = newFacts(sc.low, clean, rep)
	sc.facts.words, sc.facts.wordsKnown = classes, !a.ungated
	return clean, sent, rep, th, classify(&sc.facts, sent, rep, th)
}

// facts memoises what classify and the layer's features both ask of a message
// (each at most once, and only if asked).
type facts struct {
	low   []string
	clean string
	// exclaims: the message's question marks close exclamations (the rules'
	// Report.Exclaims): it asks nothing.
	exclaims   bool
	clauses    uint64 // where clauses start (Report.Clauses)
	known, set uint8  // the facts found (known) and those true (set)
	// words has the rule classes (wDefect ...) of the message's words, where
	// wordsKnown: a rule whose words are absent is not run. (Training builds facts
	// without them and runs every rule: the answers are the same.)
	words      uint16
	wordsKnown bool
}

// The rule classes of a word, worked out once a word (in the word cache): the
// words a rule of this package starts from, so that a message without any skips
// the rule, where each rule compared every word with its list (a switch of
// strings a word, and a branch the processor could not foresee).
const (
	wDefect uint16 = 1 << iota // reportsDefect's: a defect word, or "match"
	wAsk                       // asksFor's: "please", "help", "let", "need" ...
	wLove                      // wishes': "love"
	wRenew                     // deniedRenewal's: "renew", "renewing"
)

// ruleClass is the rule classes of a lower-case word.
func ruleClass(w string) uint16 {
	var c uint16
	if defectWord(w) || w == "match" {
		c |= wDefect
	}
	switch w {
	case "please", "pls", "plz", "pleasee", "kindly", "help", "assistance", "let", "lmk",
		"can", "could", "would", "will", "need", "needs", "like":
		c |= wAsk
	case "love":
		c |= wLove
	case "renew", "renewing":
		c |= wRenew
	}
	return c
}

// absent reports that none of the message's words is of class c (false when the
// classes are not known).
func (f *facts) absent(c uint16) bool { return f.wordsKnown && f.words&c == 0 }

// newFacts are the facts of a message the rules read as rep: one definition for
// the analyzer and the layer's training.
func newFacts(low []string, clean string, rep sentiment.Report) facts {
	return facts{low: low, clean: clean, exclaims: rep.Exclaims, clauses: rep.Clauses}
}

const (
	factQuestion uint8 = 1 << iota
	factShouting
	factWish
	factDefect
)

func (f *facts) is(fact uint8) bool {
	if f.known&fact == 0 {
		var v bool
		switch fact {
		case factQuestion:
			v = isQuestion(f.low, f.clean) && !f.exclaims
		case factShouting:
			v = shouting(f.clean)
		case factWish:
			v = !f.absent(wLove) && wishes(f.low, f.clean)
		case factDefect:
			v = !f.absent(wDefect) && reportsDefect(f.low)
		}
		f.known |= fact
		if v {
			f.set |= fact
		}
	}
	return f.set&fact != 0
}

// classify picks the intent from strongest to weakest signal: leaving beats a bug,
// a bug beats a complaint, a complaint beats a question.
func classify(f *facts, s feedbackbot.Sentiment, rep sentiment.Report, th []string) feedbackbot.Intent {
	has := func(name string) bool {
		for _, t := range th {
			if t == name {
				return true
			}
		}
		return false
	}
	question := f.is(factQuestion)
	// A defect told plainly is a bug report; told in anger or frustration ("THIS IS
	// THE THIRD TIME THE SYNC HAS FAILED!!!", "broken again 🙄") it is a complaint.
	upset := s.Emotion == feedbackbot.EmotionAnger || s.Emotion == feedbackbot.EmotionFrustration || f.is(factShouting)
	switch {
	case has("cancellation"), !f.absent(wRenew) && deniedRenewal(f.low, f.clauses):
		// ("we won't be renewing")
		return feedbackbot.IntentChurnSignal
	case has("bug") && s.Score < 0.4 && !(question && s.Score > -0.05 && !has("reliability")) && !upset && !rep.Resolved:
		// (not "no longer crashes", "the app doesn't crash anymore": a fix)
		return feedbackbot.IntentBugReport
	case s.Label == feedbackbot.Negative && !question && (f.is(factDefect) || rep.Malfunction) && !upset:
		// "emails never arrive", "the checkbox isn't saved": a malfunction told plainly.
		return feedbackbot.IntentBugReport
	case s.Score <= -0.35 && !question, s.Score <= -0.6:
		return feedbackbot.IntentComplaint
	case rep.Reports && !question && !rep.Resolved:
		// A report after praise is what the message is for, whatever the score:
		// "love it! one issue: the csv export is missing half the rows", "great
		// release! the date filter now ignores the end date".
		if !upset && (has("bug") || f.is(factDefect) || rep.Malfunction) {
			return feedbackbot.IntentBugReport
		}
		return feedbackbot.IntentComplaint
	case rep.Exclaims && s.Score >= 0.4:
		// "how cool is that?!", "what more could we ask for?": praise, whatever
		// theme its words name.
		return feedbackbot.IntentPraise
	case has("feature_request"), f.is(factWish):
		return feedbackbot.IntentFeatureRequest
	case question:
		return feedbackbot.IntentQuestion
	case s.Label == feedbackbot.Negative:
		// Negative and no question: a complaint, whatever its theme.
		return feedbackbot.IntentComplaint
	case s.Score >= 0.4:
		return feedbackbot.IntentPraise
	}
	return feedbackbot.IntentOther
}

// shouting reports a message in capitals ("NOTHING IS LOADING"): at least four
// letters and none lower-case.
func shouting(clean string) bool {
	letters := 0
	for _, r := range clean {
		switch {
		case unicode.IsLower(r):
			return false
		case unicode.IsUpper(r):
			letters++
		}
	}
	return letters >= 4
}

// wishes reports "I'd love ...", "we'd love ..." (the theme taxonomy has "would love").
func wishes(low []string, clean string) bool {
	if !strings.Contains(clean, "'d") && !strings.Contains(clean, "'D") {
		return false // no "I'd": a cheap look before the words
	}
	for i := 1; i < len(low); i++ {
		if low[i] == "love" && (low[i-1] == "i'd" || low[i-1] == "we'd") {
			return true
		}
	}
	return false
}

// defectWord reports words that describe the product misbehaving, as a bug report
// does: "SSO fails with invalid audience", "the invoice shows the wrong VAT number",
// "the importer creates duplicates". (A switch: cheaper than a map's hashing, for a
// test made on every word of every message.)
func defectWord(w string) bool {
	switch w {
	case "fails", "failing", "failed", "error", "errors", "wrong", "missing",
		"duplicate", "duplicates", "crash", "crashed", "crashes", "crashing",
		"disconnecting", "disconnects", "truncated", "cuts", "xss", "vulnerability",
		"expired", "exception", "panic", "mismatch", "incorrect":
		return true
	}
	return false
}

// reportsDefect reports a defect word, or a "don't match" / "doesn't match".
func reportsDefect(low []string) bool {
	for i, w := range low {
		if defectWord(w) || w == "match" && i > 0 && (strings.HasSuffix(low[i-1], "n't") || strings.HasSuffix(low[i-1], "n’t")) {
			return true
		}
	}
	return false
}

var questionStarts = map[string]bool{
	"how": true, "what": true, "why": true, "when": true, "where": true, "which": true, "who": true,
	"can": true, "could": true, "is": true, "are": true, "does": true, "do": true, "did": true, "will": true,
	"would": true, "should": true, "any": true, "anyone": true, "has": true, "have": true, "whats": true, "what's": true,
}

func isQuestion(low []string, clean string) bool {
	if strings.Contains(clean, "?") {
		return true
	}
	if len(low) > 1 && questionStarts[low[0]] && !(low[0] == "what" && (low[1] == "a" || low[1] == "an")) {
		return true // "what a mess" exclaims
	}
	for i, w := range low {
		if (w == "wondering" || w == "anyone") && i < 4 {
			return true
		}
	}
	return false
}

// pleasantries never wait for an answer on their own.
var pleasantries = map[string]bool{
	"thanks": true, "thank": true, "you": true, "thx": true, "ty": true, "ok": true, "okay": true, "k": true, "cool": true,
	"great": true, "perfect": true, "awesome": true, "nice": true, "got": true, "it": true, "sounds": true, "good": true,
	"will": true, "do": true, "sure": true, "np": true, "lol": true, "haha": true, "yes": true, "yep": true, "no": true,
	"worries": true, "cheers": true, "much": true, "so": true, "a": true, "lot": true, "appreciate": true, "that": true,
	"works": true, "for": true, "the": true, "help": true, "all": true, "noted": true, "👍": true, "🙏": true, "🎉": true,
	"❤": true, "✅": true, "🙌": true, "👌": true, "😊": true, "🙂": true, ":)": true,
}

func needsReply(intent feedbackbot.Intent, low []string) bool {
	if !feedbackbot.AsksForReply(intent) {
		return false
	}
	for _, w := range low {
		if !pleasantries[w] {
			return true
		}
	}
	return false
}
