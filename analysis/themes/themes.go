// Package themes tags text with the themes of a taxonomy the team controls. Keywords
// match by English stem (so "invoices" and "invoiced" match "invoice"), phrases match
// as word sequences of stems, an exclude's words mention nothing of its theme ("for
// example" is no mention of docs; the rest of the message still may be), and themes marked negatable are
// not tagged when the only mention is negated ("not a bug", "no plans to cancel").
// A theme may also follow from a message's intent (WithIntent): a bug report is
// about a bug whatever words it uses.
package themes

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/feedbackbot/feedbackbot"
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

// Validate reports every problem at once.
func (t Taxonomy) Validate() []error {
	var errs []error
	seen := map[string]bool{}
	for i, th := range t {
		where := fmt.Sprintf("theme %d", i+1)
		if th.Name != "" {
			where = fmt.Sprintf("theme %q", th.Name)
		}
		switch {
		case strings.TrimSpace(th.Name) == "":
			errs = append(errs, fmt.Errorf("%s: name is empty", where))
		case seen[th.Name]:
			errs = append(errs, fmt.Errorf("%s: appears twice", where))
		case strings.ContainsAny(th.Name, " |\t\n"):
			errs = append(errs, fmt.Errorf("%s: name must be one word (use _), without '|'", where))
		}
		seen[th.Name] = true
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
			}
		}
		for _, p := range append(slices.Clone(th.Phrases), th.Exclude...) {
			if strings.TrimSpace(p) == "" {
				errs = append(errs, fmt.Errorf("%s: empty phrase", where))
			}
		}
	}
	return errs
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
	themes  []int       // themes with this stem as a keyword
	phrases []phraseRef // phrases that start with this stem
}

type phraseRef struct {
	theme int
	stems []string
}

type compiled struct {
	name      string
	phrases   [][]string
	exclude   [][]string
	negatable bool
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
		for _, k := range th.Keywords {
			st := Stem(strings.ToLower(k))
			e := entry(st)
			e.themes = append(e.themes, i)
		}
		for _, p := range th.Phrases {
			st := stemAll(p)
			c.phrases = append(c.phrases, st)
			e := entry(st[0])
			e.phrases = append(e.phrases, phraseRef{theme: i, stems: st})
		}
		for _, p := range th.Exclude {
			c.exclude = append(c.exclude, stemAll(p))
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
		for _, ti := range e.themes {
			mark(ti, negatedAt(low, clauses, p))
		}
		for _, ref := range e.phrases {
			if hasAt(stems, p, ref.stems) {
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
		if inside := excludedWords(stems, c.exclude); inside != nil {
			// only the mentions outside the theme's excludes count
			if h, neg := m.mentionsOutside(low, stems, clauses, ti, inside); !h || (c.negatable && neg) {
				continue
			}
		}
		out = append(out, c.name)
	}
	return out
}

// excludedWords marks the words of stems inside an occurrence of any of excludes,
// or returns nil when none occurs.
func excludedWords(stems []string, excludes [][]string) []bool {
	var inside []bool
	for _, ex := range excludes {
		for from := 0; ; {
			i := find(stems[from:], ex)
			if i < 0 {
				break
			}
			i += from
			if inside == nil {
				inside = make([]bool, len(stems))
			}
			for j := i; j < i+len(ex); j++ {
				inside[j] = true
			}
			from = i + 1
		}
	}
	return inside
}

// mentionsOutside looks again for theme ti's keywords and phrases, starting at the
// words not inside its excludes: whether there is one, and whether every such one is
// negated. An exclude takes its own words out ("for example" mentions no docs),
// not the theme from the whole message ("the docs are wrong, for example the API
// page" is about docs; it vetoed the theme).
func (m *Matcher) mentionsOutside(low, stems []string, clauses uint64, ti int, inside []bool) (hit, negOnly bool) {
	negOnly = true
	for p, st := range stems {
		if inside[p] {
			continue
		}
		e := m.byStem[st]
		if e == nil {
			continue
		}
		found := slices.Contains(e.themes, ti)
		for _, ref := range e.phrases {
			found = found || ref.theme == ti && hasAt(stems, p, ref.stems)
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

func hasAt(stems []string, at int, phrase []string) bool {
	if at+len(phrase) > len(stems) {
		return false
	}
	for j := 1; j < len(phrase); j++ {
		if stems[at+j] != phrase[j] {
			return false
		}
	}
	return true
}

func find(stems, phrase []string) int {
	k := len(phrase)
outer:
	for i := 0; i+k <= len(stems); i++ {
		for j := range phrase {
			if stems[i+j] != phrase[j] {
				continue outer
			}
		}
		return i
	}
	return -1
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
