// Package emerging finds themes nobody configured: key phrases whose share of a
// period's messages is far above their share of the longer history (TF-IDF style
// lift), and clusters of the period's messages by those phrases (k-means over
// L2-normalised TF-IDF vectors, gonum), each with a representative quote. It is pure
// and deterministic.
package emerging

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/feedbackbot/feedbackbot/analysis/stats"
	"github.com/feedbackbot/feedbackbot/analysis/text"
	"github.com/feedbackbot/feedbackbot/analysis/themes"
)

// Doc is one message.
type Doc struct {
	Key  string
	Text string
	Time time.Time
}

// Theme is an emerging theme: its label, key phrases, how many period messages it
// covers, the message nearest its centre, and its lift score.
type Theme struct {
	Label   string   `json:"label"`
	Phrases []string `json:"phrases"`
	Size    int      `json:"size"`
	Quote   Doc      `json:"quote"`
	Score   float64  `json:"score"`
}

const (
	maxPhrases = 24  // key phrases considered for clustering
	minDocs    = 2   // a phrase must appear in at least this many period messages
	minLift    = 3.0 // ... at least this many times more often than in history
)

// Emerging returns up to k emerging themes of period against history, best first.
// Phrases the configured taxonomy already names (known; the zero Vocabulary names
// none) are left out: the themes' own words are not themes nobody configured.
func Emerging(period, history []Doc, k int, known Vocabulary) []Theme {
	if len(period) < minDocs || k <= 0 {
		return nil
	}
	pTerms := make([]map[string]bool, len(period))
	dfP := map[string]int{}
	for i, d := range period {
		pTerms[i] = terms(d.Text)
		for t := range pTerms[i] {
			dfP[t]++
		}
	}
	// History is counted by stem ("exports" was new beside a history of "export"),
	// each message once per stemmed term.
	dfH, stems := map[string]int{}, stemmer{}
	for _, d := range history {
		seen := map[string]bool{}
		for t := range terms(d.Text) {
			if k := stems.key(t); !seen[k] {
				seen[k] = true
				dfH[k]++
			}
		}
	}
	nP, nH := float64(len(period)), float64(len(history))
	type scored struct {
		term  string
		score float64
	}
	var cands []scored
	for t, n := range dfP {
		if n < minDocs {
			continue
		}
		lift := (float64(n) / nP) / ((float64(dfH[stems.key(t)]) + 1) / (nH + 2))
		if lift < minLift || known.Names(t) {
			continue
		}
		s := float64(n) * math.Log(lift)
		if strings.Contains(t, " ") {
			s *= 1.5 // phrases say more than single words
		}
		cands = append(cands, scored{t, s})
	}
	slices.SortFunc(cands, func(a, b scored) int { return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.term, b.term)) })
	cands = dropSubsumed(cands, maxPhrases, func(c scored) string { return c.term })
	if len(cands) == 0 {
		return nil
	}
	cands = cands[:min(len(cands), maxPhrases)]
	// TF-IDF vectors of the period messages that mention a key phrase.
	var rows []int
	for i := range period {
		for _, c := range cands {
			if pTerms[i][c.term] {
				rows = append(rows, i)
				break
			}
		}
	}
	x := mat.NewDense(len(rows), len(cands), nil)
	for r, i := range rows {
		v := x.RawRowView(r)
		for j, c := range cands {
			if pTerms[i][c.term] {
				v[j] = idf(nP+nH, dfP[c.term], dfH, stems, c.term)
			}
		}
		if n := floats.Norm(v, 2); n > 0 {
			floats.Scale(1/n, v)
		}
	}
	kk := min(k, max(1, len(rows)/minDocs))
	labels, cents := stats.KMeansRaw(x, kk, 7)
	var out []Theme
	for c := range kk {
		var members []int
		for r, l := range labels {
			if l == c {
				members = append(members, r)
			}
		}
		if len(members) < minDocs {
			continue
		}
		centre := cents.RawRowView(c)
		order := make([]int, len(cands))
		for j := range order {
			order[j] = j
		}
		slices.SortFunc(order, func(a, b int) int { return cmp.Or(cmp.Compare(centre[b], centre[a]), cmp.Compare(a, b)) })
		var phrases []string
		score := 0.0
		for _, j := range order[:min(3, len(order))] {
			if centre[j] > 0.15 {
				phrases = append(phrases, cands[j].term)
				score += cands[j].score * centre[j]
			}
		}
		if len(phrases) == 0 {
			continue
		}
		best, bestD := members[0], math.Inf(1)
		for _, r := range members {
			if d := floats.Distance(x.RawRowView(r), centre, 2); d < bestD || (d == bestD && period[rows[r]].Key < period[rows[best]].Key) {
				best, bestD = r, d
			}
		}
		out = append(out, Theme{Label: phrases[0], Phrases: phrases, Size: len(members), Quote: period[rows[best]], Score: score})
	}
	slices.SortFunc(out, func(a, b Theme) int { return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Label, b.Label)) })
	return out
}

// Vocabulary is a taxonomy's own words, as stems: its keywords; the words of its
// themes' names and phrases, which it uses alone or in those phrases only; and the
// word pairs of its phrases. The zero value holds none.
type Vocabulary struct {
	keywords, words, pairs map[string]bool
}

// NewVocabulary collects the words of a taxonomy.
func NewVocabulary(t themes.Taxonomy) Vocabulary {
	v := Vocabulary{keywords: map[string]bool{}, words: map[string]bool{}, pairs: map[string]bool{}}
	for _, th := range t {
		for _, w := range strings.FieldsFunc(strings.ToLower(th.Name), func(r rune) bool { return r == '_' || r == '-' || r == ' ' }) {
			v.words[themes.Stem(w)] = true
		}
		for _, k := range th.Keywords {
			v.keywords[themes.Stem(strings.ToLower(k))] = true
		}
		for _, p := range th.Phrases {
			// The phrase's words as terms reads them: a short word or a stopword
			// separates the words around it, as in a message.
			prev := ""
			for _, w := range strings.Fields(strings.ToLower(p)) {
				if len(w) < 3 || stopwords[w] {
					prev = ""
					continue
				}
				st := themes.Stem(w)
				v.words[st] = true
				if prev != "" {
					v.pairs[prev+" "+st] = true
				}
				prev = st
			}
		}
	}
	return v
}

// Names reports whether a candidate term (a word or a word pair, lower case) is the
// taxonomy's: a word it uses ("docs", a theme's name; "log" of the phrase "log in";
// "dark" of "dark mode"), a pair of one of its phrases ("dark mode"), or a pair
// with one of its keywords ("invoice pdf": billing's). A pair whose words the
// taxonomy uses only in its names or other phrases is not ("live chat", though "go
// live" is a phrase; "feature flags", though feature_request is a theme).
func (v Vocabulary) Names(term string) bool {
	if v.keywords == nil {
		return false
	}
	a, b, pair := strings.Cut(term, " ")
	sa := themes.Stem(a)
	if !pair {
		return v.keywords[sa] || v.words[sa]
	}
	sb := themes.Stem(b)
	return v.keywords[sa] || v.keywords[sb] || v.pairs[sa+" "+sb]
}

// dropSubsumed removes single words already inside a better-scored phrase, and
// stops once it keeps limit of them (a later one cannot change what it kept): a
// busy week's thousands of new pairs, each checked against every one kept before
// it, took 0.68 s where the first 24 were all it needed (a review's find).
func dropSubsumed[T any](xs []T, limit int, term func(T) string) []T {
	var out []T
	for _, x := range xs {
		if len(out) == limit {
			break
		}
		t := term(x)
		covered := false
		for _, y := range out {
			if u := term(y); strings.Contains(u, " ") && slices.Contains(strings.Fields(u), t) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, x)
		}
	}
	return out
}

// terms returns the set of unigrams and bigrams of a message's content words.
func terms(s string) map[string]bool { return termsExcept(s, nil) }

// termsExcept is terms with the words of also left out too, as stopwords are: a
// word left out separates the words around it.
func termsExcept(s string, also map[string]bool) map[string]bool {
	_, words := termWords(s, also)
	out := map[string]bool{}
	for i, w := range words {
		if w == "" {
			continue
		}
		out[w] = true
		if i+1 < len(words) && words[i+1] != "" {
			out[w+" "+words[i+1]] = true
		}
	}
	return out
}

// termWords returns a message's tokens as written and, in their places, its
// content words in lower case ("" where a token is none: short, a stopword, one of
// also, or not a word).
func termWords(s string, also map[string]bool) (tokens, words []string) {
	tokens = text.Tokens(text.Clean(s), nil)
	for _, t := range tokens {
		w := text.Lower(t)
		if len(w) < 3 || stopwords[w] || also[w] || !isWord(w) {
			w = ""
		}
		words = append(words, w)
	}
	return tokens, words
}

// stemmer stems words (Porter2, as themes match), each word once a call: a history
// repeats its words.
// idf is a candidate's inverse document frequency over the period and the history
// (n messages in all): its period count dfP, and its history count by stem, as the
// lift reads it (the history was looked up by the raw term, which missed every
// history message of another form: "exports" against "export", a review found).
func idf(n float64, dfP int, dfH map[string]int, stems stemmer, term string) float64 {
	return math.Log((n + 1) / (float64(dfP+dfH[stems.key(term)]) + 1))
}

type stemmer map[string]string

func (st stemmer) word(w string) string {
	s, ok := st[w]
	if !ok {
		s = themes.Stem(w)
		st[w] = s
	}
	return s
}

// key is a term with each of its words stemmed.
func (st stemmer) key(t string) string {
	a, b, pair := strings.Cut(t, " ")
	if !pair {
		return st.word(a)
	}
	return st.word(a) + " " + st.word(b)
}

func isWord(w string) bool {
	for _, r := range w {
		if !unicode.IsLetter(r) && r != '-' && r != '\'' {
			return false
		}
	}
	return true
}

var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the and for are but not you your our ours with this that these those have has had was were been
		being from they them their there here what when where which who whom why how can could would should will shall may might
		must does did doing done just also very really too than then into onto over under about again still any all some more most
		other such only own same so its it's i'm we're you're they're i've we've don't doesn't didn't can't won't isn't aren't wasn't
		hey hi hello thanks thank please yes yeah okay morning team guys folks today tomorrow yesterday now get got getting make made
		see seen know let lets one two use used using want need like able way thing things something anything everything lot bit
		sure quick question issue problem help`) {
		stopwords[w] = true
	}
}
