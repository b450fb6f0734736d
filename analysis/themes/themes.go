// Package themes tags text with the themes of a taxonomy the team controls. Keywords
// match by English stem (so "invoices" and "invoiced" match "invoice"), phrases match
// as word sequences of stems, an exclude's words mention nothing of its theme ("for
// example" is no mention of docs; the rest of the message still may be), and themes marked negatable are
// not tagged when the only mention is negated ("not a bug", "no plans to cancel").
// A word of a phrase or an exclude may be a pattern: "a|b" is either word, "*" any
// one word and "#" a number ("down #" is "down 40%"). A theme's verbs may need an
// object of their own (Objects: "cancel our subscription", not "cancel the export
// job"). A theme may also follow from a message's intent (WithIntent): a bug report is
// about a bug whatever words it uses.
package themes

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/text"
	"github.com/kljensen/snowball/english"
)

// Theme is one entry of the taxonomy.
type Theme struct {
	Name     string   `yaml:"name" json:"name"`
	Keywords []string `yaml:"keywords" json:"keywords"`
	Phrases  []string `yaml:"phrases,omitempty" json:"phrases,omitempty"`
	Exclude  []string `yaml:"exclude,omitempty" json:"exclude,omitempty"`
	// Negatable themes are not tagged when every mention is negated.
	Negatable bool `yaml:"negatable,omitempty" json:"negatable,omitempty"`
	// Intents tag the theme on a message of one of these intents whatever its
	// words: a bug report is about a bug even when it names no defect ("the map
	// shows the trucks parked in Reno, they're in Sacramento"), a churn signal about
	// cancellation.
	Intents []string `yaml:"intents,omitempty" json:"intents,omitempty"`
	// Objects qualify verbs among the theme's keywords and phrases by what they act
	// on: such a verb mentions the theme only with one of its object's nouns
	// ("cancel our subscription", not "cancel the export job" or "cancel it"), with
	// no object at all when Bare ("we want to cancel"), or with a name when Names
	// ("switching to Zendesk", not "moving to SSO" or "moving to Postgres 16").
	Objects []Object `yaml:"objects,omitempty" json:"objects,omitempty"`
}

// Object qualifies one verb of a theme (see Theme.Objects and objects.go).
type Object struct {
	// Verb is one of the theme's keywords or phrases ("cancel", "switch to"); every
	// keyword or phrase with its stems is qualified.
	Verb string `yaml:"verb" json:"verb"`
	// Nouns are the heads of the noun phrases the verb mentions the theme with
	// ("subscription" of "cancel our annual subscription"), matched by stem.
	Nouns []string `yaml:"nouns,omitempty" json:"nouns,omitempty"`
	// Bare: the verb with no object mentions the theme ("we'll cancel if ...",
	// "cancelling today"; not "the meeting got cancelled", whose subject is its
	// object).
	Bare bool `yaml:"bare,omitempty" json:"bare,omitempty"`
	// Names: the verb with a name for its object (one word the taxonomy does not
	// know, not a setting, a plan tier or a version) mentions the theme, unless
	// told in the past ("switched to authenticator" tells a change made).
	Names bool `yaml:"names,omitempty" json:"names,omitempty"`
}

// Taxonomy is an ordered list of themes.
type Taxonomy []Theme

// Names lists the themes' names, in order.
func (t Taxonomy) Names() []string {
	names := make([]string, len(t))
	for i, th := range t {
		names[i] = th.Name
	}
	return names
}

// Validate reports every problem at once. A theme's name is what staff type to
// correct a tag (`+billing`, `themes=bug,billing`, in any case), so it is one
// word without a comma or '|', and no two differ only in case; its words are
// words as messages are read (a keyword "SSO." could never match: a message's
// "SSO." is read as "sso").
func (t Taxonomy) Validate() []error {
	var errs []error
	seen := map[string]string{} // lower-case name: the name
	for i, th := range t {
		where := fmt.Sprintf("theme %d", i+1)
		if th.Name != "" {
			where = fmt.Sprintf("theme %q", th.Name)
		}
		low := strings.ToLower(th.Name)
		switch first, dup := seen[low]; {
		case strings.TrimSpace(th.Name) == "":
			errs = append(errs, fmt.Errorf("%s: name is empty", where))
		case dup && first == th.Name:
			errs = append(errs, fmt.Errorf("%s: appears twice", where))
		case dup:
			errs = append(errs, fmt.Errorf("%s: differs from theme %q only in case, and staff name themes in any case", where, first))
		case strings.ContainsFunc(th.Name, func(r rune) bool { return unicode.IsSpace(r) || r == '|' || r == ',' }):
			errs = append(errs, fmt.Errorf("%s: name must be one word (use _), without '|' or ','", where))
		}
		if _, dup := seen[low]; !dup {
			seen[low] = th.Name
		}
		if len(th.Keywords) == 0 && len(th.Phrases) == 0 && len(th.Intents) == 0 {
			errs = append(errs, fmt.Errorf("%s: has neither keywords, phrases nor intents, so it can never match", where))
		}
		for _, in := range th.Intents {
			if !slices.Contains(feedbackbot.Intents(), feedbackbot.Intent(in)) {
				errs = append(errs, fmt.Errorf("%s: intent %q is not one of %s", where, in, intentNames()))
			}
		}
		for _, k := range th.Keywords {
			if len(strings.Fields(k)) != 1 {
				errs = append(errs, fmt.Errorf("%s: keyword %q must be one word (put word sequences in phrases)", where, k))
			} else if err := asRead("keyword", k, k); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", where, err))
			}
		}
		for _, p := range append(slices.Clone(th.Phrases), th.Exclude...) {
			for _, w := range strings.Fields(p) {
				for _, alt := range strings.Split(w, "|") {
					if alt == "*" || alt == "#" || alt == "" {
						continue
					}
					if err := asRead("phrase", p, alt); err != nil {
						errs = append(errs, fmt.Errorf("%s: %w", where, err))
					}
				}
			}
		}
		for _, p := range append(slices.Clone(th.Phrases), th.Exclude...) {
			if strings.TrimSpace(p) == "" {
				errs = append(errs, fmt.Errorf("%s: empty phrase", where))
			}
		}
		for _, p := range th.Phrases {
			if f := strings.Fields(p); len(f) > 0 && slices.ContainsFunc(strings.Split(f[0], "|"), func(a string) bool { return a == "" || a == "*" || a == "#" }) {
				errs = append(errs, fmt.Errorf("%s: phrase %q must start with a word (or words: \"a|b\")", where, p))
			}
		}
		for _, p := range th.Exclude {
			if f := strings.Fields(p); len(f) > 0 && !slices.ContainsFunc(f, func(w string) bool { return w != "*" && !slices.Contains(strings.Split(w, "|"), "#") }) {
				errs = append(errs, fmt.Errorf("%s: exclude %q needs a word that is no pattern (nor may be a number)", where, p))
			}
		}
		for _, o := range th.Objects {
			if !verbOf(th, o.Verb) {
				errs = append(errs, fmt.Errorf("%s: object verb %q is none of its keywords or phrases", where, o.Verb))
			}
			if len(o.Nouns) == 0 && !o.Bare && !o.Names {
				errs = append(errs, fmt.Errorf("%s: object of verb %q has no nouns, bare or names, so the verb can never match", where, o.Verb))
			}
			for _, n := range o.Nouns {
				if len(strings.Fields(n)) != 1 {
					errs = append(errs, fmt.Errorf("%s: object noun %q must be one word", where, n))
				} else if err := asRead("object noun", n, n); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", where, err))
				}
			}
		}
	}
	return errs
}

// asRead says, for a word of a keyword, phrase or object noun (what, as written
// in the taxonomy), when a message's words never are that word: the tokenizer
// drops the punctuation around a word ("SSO." is read "sso", "C++" "c").
func asRead(kind, what, w string) error {
	low := strings.ToLower(w)
	toks := text.Tokens(low, nil)
	if len(toks) == 1 && toks[0] == low {
		return nil
	}
	if len(toks) == 0 {
		return fmt.Errorf("%s %q: %q is no word in a message (punctuation alone), so it can never match", kind, what, w)
	}
	return fmt.Errorf("%s %q: a message's %q is read as %q (punctuation around a word is dropped), so write that, or it can never match", kind, what, w, strings.Join(toks, " "))
}

// verbOf reports whether verb is one of th's keywords or phrases, by stems.
func verbOf(th Theme, verb string) bool {
	v := stemAll(verb)
	if len(v) == 0 {
		return false
	}
	for _, k := range th.Keywords {
		if len(v) == 1 && Stem(strings.ToLower(k)) == v[0] {
			return true
		}
	}
	for _, p := range th.Phrases {
		if slices.Equal(stemAll(p), v) {
			return true
		}
	}
	return false
}

// Matcher tags token streams. It is immutable and safe for concurrent use.
type Matcher struct {
	themes []compiled
	// byStem indexes, by stem, the themes with that keyword and the phrases that
	// start with it: one lookup a word (most words are in neither).
	byStem map[string]*stemEntry
	// byIntent lists, for an intent, the themes that declare it, in taxonomy order.
	byIntent map[string][]int
}

type stemEntry struct {
	kws     []keywordRef // themes with this stem as a keyword
	phrases []phraseRef  // phrases that start with this stem
	excl    []excludeRef // excludes anchored at this stem (see pattern)
}

type excludeRef struct {
	theme int
	pat   *pattern
}

type keywordRef struct {
	theme int
	obj   *objRule // nil: any use of the keyword mentions the theme
}

type phraseRef struct {
	theme int
	words []pword
	obj   *objRule
}

type compiled struct {
	name      string
	negatable bool
}

// pattern is an exclude: its words, and the one it is indexed by (the word with
// the fewest alternatives and no number, so "write|wrote|...|pass down" is looked
// for at "down").
type pattern struct {
	words  []pword
	anchor int
}

func newPattern(p string) pattern {
	pt := pattern{words: compilePattern(p)}
	best := -1
	for i, w := range pt.words {
		if n := len(w.alts); n > 0 && !w.num && (best < 0 || n < best) {
			pt.anchor, best = i, n
		}
	}
	return pt
}

// pword is a word of a phrase or an exclude: one of alts (stems) or, with num, a
// number; any word when it has neither.
type pword struct {
	alts []string
	num  bool
}

func (w pword) matches(stem string) bool {
	if w.num && isNumber(stem) || w.alts == nil && !w.num {
		return true
	}
	for _, a := range w.alts {
		if a == stem {
			return true
		}
	}
	return false
}

// compilePattern reads a phrase or an exclude: words by stem, "a|b" either of them,
// "*" any word, "#" a number ("a|#" is "a" or a number).
func compilePattern(p string) []pword {
	var out []pword
	for _, w := range strings.Fields(strings.ToLower(p)) {
		if w == "*" {
			out = append(out, pword{})
			continue
		}
		var pw pword
		for _, a := range strings.Split(w, "|") {
			switch a {
			case "":
			case "#":
				pw.num = true
			default:
				pw.alts = append(pw.alts, Stem(a))
			}
		}
		out = append(out, pw)
	}
	return out
}

// isNumber reports a token that is a number or an amount: "40", "2x", "1.5", "$30".
func isNumber(w string) bool {
	if w != "" && (w[0] == '$' || w[0] == '+' || w[0] == '-') {
		w = w[1:]
	} else if r, n := utf8.DecodeRuneInString(w); r == '€' || r == '£' {
		w = w[n:]
	}
	return w != "" && '0' <= w[0] && w[0] <= '9'
}

// New compiles a taxonomy.
func New(t Taxonomy) (*Matcher, error) {
	if errs := t.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	m := &Matcher{byStem: map[string]*stemEntry{}, byIntent: map[string][]int{}}
	entry := func(st string) *stemEntry {
		e := m.byStem[st]
		if e == nil {
			e = &stemEntry{}
			m.byStem[st] = e
		}
		return e
	}
	for i, th := range t {
		c := compiled{name: th.Name, negatable: th.Negatable}
		for _, in := range th.Intents {
			if !slices.Contains(m.byIntent[in], i) {
				m.byIntent[in] = append(m.byIntent[in], i)
			}
		}
		objs := compileObjects(th.Objects)
		for _, k := range th.Keywords {
			st := Stem(strings.ToLower(k))
			e := entry(st)
			if !slices.ContainsFunc(e.kws, func(r keywordRef) bool { return r.theme == i }) {
				e.kws = append(e.kws, keywordRef{theme: i, obj: objs.rule([]string{st})})
			}
		}
		for _, p := range th.Phrases {
			words := compilePattern(p)
			ref := phraseRef{theme: i, words: words, obj: objs.rule(stemAll(p))}
			for _, st := range words[0].alts {
				e := entry(st)
				e.phrases = append(e.phrases, ref)
			}
		}
		for _, p := range th.Exclude {
			pt := newPattern(p)
			for _, st := range pt.words[pt.anchor].alts {
				e := entry(st)
				e.excl = append(e.excl, excludeRef{theme: i, pat: &pt})
			}
		}
		m.themes = append(m.themes, c)
	}
	return m, nil
}

func stemAll(p string) []string {
	var out []string
	for _, w := range strings.Fields(strings.ToLower(p)) {
		out = append(out, Stem(w))
	}
	return out
}

// Stem returns the English (Porter2) stem of a lower-case word. Tokens that are not
// plain words (numbers, codes, "2fa", "log-in") are their own stem.
func Stem(w string) string {
	if len(w) <= 2 {
		return w
	}
	for i := 0; i < len(w); i++ {
		if c := w[i]; c < 'a' || c > 'z' {
			if c < 0x80 {
				return w
			}
			break // non-ASCII letters: let the stemmer decide
		}
	}
	return english.Stem(w, false)
}

// StemRef is what the taxonomy knows of one stem (its keyword themes and the
// phrases it starts), from Ref: a caller that memoises stems per word keeps it
// with the stem, so a word costs one lookup, not two.
type StemRef struct {
	m *Matcher
	e *stemEntry // nil: the taxonomy has no keyword or phrase starting with it
}

// Ref looks stem up in the taxonomy.
func (m *Matcher) Ref(stem string) StemRef { return StemRef{m: m, e: m.byStem[stem]} }

// Words are a message's stems (Stems) and, position by position, the taxonomy's
// keywords and phrases for each, for MatchWords.
type Words struct {
	Stems []string
	refs  []StemRef
}

// Reset empties w for another message.
func (w *Words) Reset() { w.Stems, w.refs = w.Stems[:0], w.refs[:0] }

// Append adds the next word's stem and its Ref. MatchWords of another Matcher
// than the ref's looks the stem up again.
func (w *Words) Append(stem string, r StemRef) {
	w.Stems = append(w.Stems, stem)
	w.refs = append(w.refs, r)
}

// StemWords fills w with the stems of lower-case tokens.
func (m *Matcher) StemWords(low []string, w *Words) {
	w.Reset()
	for _, t := range low {
		st := Stem(t)
		w.Append(st, m.Ref(st))
	}
}

// Stems turns lower-case tokens into stems.
func (m *Matcher) Stems(low []string, dst []string) []string {
	w := Words{Stems: dst}
	m.StemWords(low, &w)
	return w.Stems
}

// Match returns the themes of a message from its lower-case tokens and their stems.
func (m *Matcher) Match(low, stems []string) []string {
	return m.MatchClauses(low, stems, 0)
}

// MatchClauses is Match where bit i of clauses tells that token i starts a clause
// (after punctuation; tokens past the 64th count as one clause): a negation does not
// reach past it, so "that didn't help, same error" still mentions an error.
func (m *Matcher) MatchClauses(low, stems []string, clauses uint64) []string {
	return m.match(low, stems, nil, clauses)
}

// MatchWords is MatchClauses on words from StemWords.
func (m *Matcher) MatchWords(low []string, w *Words, clauses uint64) []string {
	return m.match(low, w.Stems, w.refs, clauses)
}

// match is MatchClauses, with each stem's entry from entries when given.
func (m *Matcher) match(low, stems []string, refs []StemRef, clauses uint64) []string {
	var hit []bool
	var negOnly []bool
	var excl []themeSpan // the excludes' occurrences
	mark := func(i int, negated bool) {
		if hit == nil {
			hit, negOnly = make([]bool, len(m.themes)), make([]bool, len(m.themes))
			for j := range negOnly {
				negOnly[j] = true
			}
		}
		hit[i] = true
		if !negated {
			negOnly[i] = false
		}
	}
	for p, st := range stems {
		var e *stemEntry
		if refs != nil && refs[p].m == m {
			e = refs[p].e
		} else {
			e = m.byStem[st]
		}
		if e == nil {
			continue
		}
		for _, x := range e.excl {
			if at := p - x.pat.anchor; at >= 0 && at+len(x.pat.words) <= len(stems) && matchesAt(stems, at, x.pat.words) {
				excl = append(excl, themeSpan{x.theme, span{at, at + len(x.pat.words)}})
			}
		}
		for _, k := range e.kws {
			if k.obj == nil || k.obj.ok(m, low, stems, clauses, p, p+1) {
				mark(k.theme, negatedAt(low, clauses, p))
			}
		}
		for _, ref := range e.phrases {
			if hasAt(stems, p, ref.words) && (ref.obj == nil || ref.obj.ok(m, low, stems, clauses, p, p+len(ref.words))) {
				mark(ref.theme, negatedAt(low, clauses, p))
			}
		}
	}
	if hit == nil {
		return nil
	}
	var out []string
	for ti, c := range m.themes {
		if !hit[ti] || (c.negatable && negOnly[ti]) {
			continue
		}
		if slices.ContainsFunc(excl, func(x themeSpan) bool { return x.theme == ti }) {
			// only the mentions outside the theme's excludes count
			if h, neg := m.mentionsOutside(low, stems, clauses, ti, excl); !h || (c.negatable && neg) {
				continue
			}
		}
		out = append(out, c.name)
	}
	return out
}

// span is the words [lo, hi) of a message.
type span struct{ lo, hi int }

// themeSpan is an occurrence of one of a theme's excludes.
type themeSpan struct {
	theme int
	span
}

// excluded reports whether the mention of words [p, p+n) is inside an exclude:
// whether it shares a word with one ("is down" with "down to" in "the error rate
// is down to zero"), unless it holds the whole exclude and more (the phrase "been
// down a lot" is no "down a lot" of a figure).
func excluded(spans []themeSpan, ti, p, n int) bool {
	for _, x := range spans {
		if x.theme == ti && x.lo < p+n && p < x.hi && !(p <= x.lo && x.hi <= p+n && n > x.hi-x.lo) {
			return true
		}
	}
	return false
}

// mentionsOutside looks again for theme ti's keywords and phrases, this time
// leaving out those inside its excludes (see excluded): whether there is one, and
// whether every such one is negated. An exclude takes its own words out ("for
// example" mentions no docs), not the theme from the whole message ("the docs are
// wrong, for example the API page" is about docs; it vetoed the theme).
func (m *Matcher) mentionsOutside(low, stems []string, clauses uint64, ti int, spans []themeSpan) (hit, negOnly bool) {
	negOnly = true
	for p, st := range stems {
		e := m.byStem[st]
		if e == nil {
			continue
		}
		found := false
		for _, k := range e.kws {
			found = found || k.theme == ti && !excluded(spans, ti, p, 1) && (k.obj == nil || k.obj.ok(m, low, stems, clauses, p, p+1))
		}
		for _, ref := range e.phrases {
			found = found || ref.theme == ti && hasAt(stems, p, ref.words) && !excluded(spans, ti, p, len(ref.words)) &&
				(ref.obj == nil || ref.obj.ok(m, low, stems, clauses, p, p+len(ref.words)))
		}
		if found {
			hit = true
			negOnly = negOnly && negatedAt(low, clauses, p)
		}
	}
	return hit, negOnly
}

// WithIntent returns matched (themes as MatchClauses returned them, in taxonomy
// order) with the themes that declare intent added, still in taxonomy order. It
// returns matched itself when nothing is added.
func (m *Matcher) WithIntent(matched []string, intent string) []string {
	add := m.byIntent[intent]
	if len(add) == 0 {
		return matched
	}
	missing := false
	for _, ti := range add {
		if !slices.Contains(matched, m.themes[ti].name) {
			missing = true
			break
		}
	}
	if !missing {
		return matched
	}
	out := make([]string, 0, len(matched)+len(add))
	for ti, c := range m.themes {
		if slices.Contains(add, ti) || slices.Contains(matched, c.name) {
			out = append(out, c.name)
		}
	}
	return out
}

// hasAt reports whether phrase, whose first word matched stems[at], goes on there.
func hasAt(stems []string, at int, phrase []pword) bool {
	if at+len(phrase) > len(stems) {
		return false
	}
	for j := 1; j < len(phrase); j++ {
		if !phrase[j].matches(stems[at+j]) {
			return false
		}
	}
	return true
}

// matchesAt reports whether phrase matches stems from i on, all its words.
func matchesAt(stems []string, i int, phrase []pword) bool {
	for j, w := range phrase {
		if !w.matches(stems[i+j]) {
			return false
		}
	}
	return true
}

// negatedAt reports whether the word at p follows a negation within three words of
// its clause ("not a bug", "no plans to cancel", "won't be leaving").
func negatedAt(low []string, clauses uint64, p int) bool {
	for back := 1; back <= 3 && p-back >= 0; back++ {
		if q := p - back + 1; q < 64 && clauses&(1<<q) != 0 {
			return false
		}
		switch w := low[p-back]; w {
		case "not", "no", "never", "without", "nothing", "none", "dont", "wont", "isnt", "arent":
			return true
		default:
			if strings.HasSuffix(w, "n't") || strings.HasSuffix(w, "n’t") { // (phones write "don’t")
				return true
			}
		}
	}
	return false
}

// intentNames lists the intents for a message: "churn_signal, bug_report, ...".
func intentNames() string {
	names := make([]string, 0, len(feedbackbot.Intents()))
	for _, i := range feedbackbot.Intents() {
		names = append(names, string(i))
	}
	return strings.Join(names, ", ")
}
