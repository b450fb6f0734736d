// Package emerging finds themes nobody configured: key phrases whose share of a
// period's messages is far above their share of the longer history (TF-IDF style
// lift), written by at least two people, and clusters of the period's messages
// by those phrases (k-means over L2-normalised TF-IDF vectors, the best of
// several seeded starts), each with a representative quote that says its label.
// It is pure and deterministic: the same messages in any order give the same
// themes. Only each message's first maxTermBytes are read, and words are split
// on hyphens and underscores ("dark-mode" is "dark mode").
package emerging

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/floats"

	"github.com/feedbackbot/feedbackbot/analysis/themes"
)

// Doc is one message.
type Doc struct {
	Key  string
	Text string
	Time time.Time
	// Author is who wrote it (a platform user id): a phrase, and a theme, takes
	// the messages of two people at least, so one chatty customer is no theme.
	// "" is someone no other message's author is.
	Author string `json:",omitempty"`
}

// Theme is an emerging theme: its label, key phrases, how many period messages it
// covers, the message nearest its centre that says its label, and its lift score.
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
	minPeople  = 2   // ... of at least this many people (Doc.Author)
	minLift    = 3.0 // ... at least this many times more often than in history
	// A phrase of at least minDocs history messages and this share of them is a
	// topic of the history, not a new one, however much more it is talked about
	// now ("dark mode", in a fifth of the four weeks' messages, was "new" in a
	// week of three messages about it among four). In a history of fewer than
	// minDocs/maxHistoryShare (40) messages one is enough: two there were over
	// the share, and a phrase said once in ten messages was new (a review's find).
	maxHistoryShare = 0.05
	starts          = 8 // k-means runs, each from its own seed; the one of least cost is kept
)

var _ [32 - maxPhrases]struct{} // (a message's key phrases are the bits of a uint32)

// Emerging returns up to k emerging themes of period against history, best first.
// Phrases the configured taxonomy already names (known; the zero Vocabulary names
// none) are left out: the themes' own words are not themes nobody configured.
func Emerging(period, history []Doc, k int, known Vocabulary) []Theme {
	if len(period) < minDocs || k <= 0 {
		return nil
	}
	// In one order, whatever order they came in: k-means' seeding and its ties go
	// by position, and the store's order gave other themes (a review's find). The
	// newest first, then by key (a stable key: the order stores return messages
	// in, so mostly sorted already, where sorting 5,000 keys alone cost a digest
	// 3 ms).
	order := make([]int, len(period))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		a, b := &period[i], &period[j]
		return cmp.Or(b.Time.Compare(a.Time), cmp.Compare(a.Key, b.Key), cmp.Compare(a.Author, b.Author), cmp.Compare(a.Text, b.Text))
	})
	doc := func(i int) *Doc { return &period[order[i]] }
	lx := newLexicon()
	// The period's words, as ids in one arena (until each message's phrases are
	// known), each message's author, and each term's messages and people.
	var arena []int32
	begin, end := make([]int, len(period)), make([]int, len(period))
	who := make([]int32, len(period))
	stat := map[uint64]*termStat{}
	authors := map[string]int32{}
	for i := range period {
		d := doc(i)
		begin[i] = len(arena)
		arena = lx.appendWords(arena, d.Text)
		end[i] = len(arena)
		who[i] = int32(-1 - i) // (no author: nobody else)
		if d.Author != "" {
			a, ok := authors[d.Author]
			if !ok {
				a = int32(len(authors))
				authors[d.Author] = a
			}
			who[i] = a
		}
		eachTerm(arena[begin[i]:], func(t uint64) {
			s := stat[t]
			if s == nil {
				s = &termStat{}
				stat[t] = s
			}
			s.add(i, who[i])
		})
	}
	// History is counted by stem ("exports" was new beside a history of "export"),
	// each message once per stemmed term, for the terms that may be new only.
	dfH := map[uint64]*termStat{}
	for t, s := range stat {
		if s.n >= minDocs && s.people >= minPeople {
			if k := lx.stemKey(t); dfH[k] == nil {
				dfH[k] = &termStat{}
			}
		}
	}
	var hw []int32
	for i, d := range history {
		hw = lx.appendWords(hw[:0], d.Text)
		eachTerm(hw, func(t uint64) {
			if s := dfH[lx.stemKey(t)]; s != nil {
				s.add(i, 0)
			}
		})
	}
	nP, nH := float64(len(period)), float64(len(history))
	type cand struct {
		key        uint64
		term       string
		score, idf float64
	}
	var cands []cand
	for t, s := range stat {
		if s.n < minDocs || s.people < minPeople {
			continue
		}
		h := dfH[lx.stemKey(t)].n
		lift := (float64(s.n) / nP) / ((float64(h) + 1) / (nH + 2))
		if lift < minLift || h > 0 && float64(h) >= maxHistoryShare*nH && (h >= minDocs || nH < minDocs/maxHistoryShare) {
			continue
		}
		name := lx.term(t)
		if known.Names(name) {
			continue
		}
		sc := float64(s.n) * math.Log(lift)
		if isPair(t) {
			sc *= 1.5 // phrases say more than single words
		}
		cands = append(cands, cand{t, name, sc, idf(nP+nH, s.n, h)})
	}
	slices.SortFunc(cands, func(a, b cand) int { return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.term, b.term)) })
	cands = dropSubsumed(cands, maxPhrases, func(c cand) string { return c.term })
	if len(cands) == 0 {
		return nil
	}
	col := make(map[uint64]uint, len(cands))
	for j, c := range cands {
		col[c.key] = uint(j)
	}
	// Which key phrases each message mentions (a bit each: maxPhrases fits), and
	// the messages that mention one, in that order.
	var rows []int
	var masks []uint32
	for i := range period {
		var m uint32
		eachTerm(arena[begin[i]:end[i]], func(t uint64) {
			if j, ok := col[t]; ok {
				m |= 1 << j
			}
		})
		if m != 0 {
			rows, masks = append(rows, i), append(masks, m)
		}
	}
	// Their L2-normalised TF-IDF vectors, one a set of phrases (the messages of
	// one set are one vector), clustered.
	point := map[uint32]int{}
	var pts [][]float64
	var weight []float64
	for _, m := range masks {
		p, ok := point[m]
		if !ok {
			v := make([]float64, len(cands))
			for j := range cands {
				if m&(1<<j) != 0 {
					v[j] = cands[j].idf
				}
			}
			floats.Scale(1/floats.Norm(v, 2), v)
			p = len(pts)
			point[m], pts, weight = p, append(pts, v), append(weight, 0)
		}
		weight[p]++
	}
	kk := min(k, max(1, len(rows)/minDocs))
	labels := bestKMeans(pts, weight, kk)
	var out []Theme
	labelled := map[int]int{} // a theme's label (a candidate) -> the theme (in out)
	for c := range kk {
		var members []int // indexes into rows, in order
		for r, m := range masks {
			if labels[point[m]] == c {
				members = append(members, r)
			}
		}
		if len(members) < minDocs {
			continue
		}
		// Its centre, and the people who wrote each phrase in it.
		centre := make([]float64, len(cands))
		by := make([]termStat, len(cands))
		for _, r := range members {
			floats.Add(centre, pts[point[masks[r]]])
			for j := range cands {
				if masks[r]&(1<<j) != 0 {
					by[j].add(rows[r], who[rows[r]])
				}
			}
		}
		floats.Scale(1/float64(len(members)), centre)
		strongest := make([]int, len(cands))
		for j := range strongest {
			strongest[j] = j
		}
		slices.SortFunc(strongest, func(a, b int) int { return cmp.Or(cmp.Compare(centre[b], centre[a]), cmp.Compare(a, b)) })
		// A phrase is listed where two of the theme's messages, of two people, have
		// it: never one that none of them has, which its centre may still lean to.
		// Its label is the first of them no theme before it has as its label:
		// a phrase strongest in two clusters labelled two themes (a review's
		// find). A cluster with none is the theme's of its first phrase.
		var phrases []string
		var label uint32
		labelAt, first := -1, -1
		score := 0.0
		for _, j := range strongest {
			if len(phrases) == 3 || centre[j] <= 0.15 {
				break
			}
			if by[j].n >= minDocs && by[j].people >= minPeople {
				if first < 0 {
					first = j
				}
				if _, taken := labelled[j]; !taken && label == 0 {
					label, labelAt = 1<<j, len(phrases)
				}
				phrases = append(phrases, cands[j].term)
				score += cands[j].score * centre[j]
			}
		}
		if len(phrases) == 0 {
			continue
		}
		if label == 0 {
			out[labelled[first]].Size += len(members)
			continue
		}
		labelled[int(bits.TrailingZeros32(label))] = len(out)
		lp := phrases[labelAt] // (the label first)
		phrases = slices.Insert(slices.Delete(phrases, labelAt, labelAt+1), 0, lp)
		// The quote says the label: the message nearest the centre among those
		// that have it (one about another topic of the cluster quoted "vat on
		// invoice pdf" for "query editor", a review found); the first of equals
		// (the newest, then by key).
		best, bestD := -1, math.Inf(1)
		for _, r := range members {
			if masks[r]&label == 0 {
				continue
			}
			if d := floats.Distance(pts[point[masks[r]]], centre, 2); d < bestD {
				best, bestD = r, d
			}
		}
		out = append(out, Theme{Label: phrases[0], Phrases: phrases, Size: len(members), Quote: *doc(rows[best]), Score: score})
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
			k = strings.ToLower(k)
			v.keywords[themes.Stem(k)] = true
			if strings.ContainsAny(k, "-_") {
				v.phrase(k) // "two-factor" is read as "two factor" in a message
			}
		}
		for _, p := range th.Phrases {
			v.phrase(strings.ToLower(p))
		}
	}
	return v
}

// phrase adds the words and word pairs of a phrase (lower case) as Emerging reads
// them: a short word or a function word separates the words around it, as in a
// message, and hyphens and underscores separate words ("go-live" is "go live").
func (v Vocabulary) phrase(p string) {
	prev := ""
	for _, w := range strings.FieldsFunc(p, func(r rune) bool { return r == ' ' || r == '-' || r == '_' }) {
		if len(w) < 3 || functionWord(w, langEnglish) {
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

// termsExcept returns the set of unigrams and bigrams of a message's content
// words, with the words of also left out too, as stopwords are: a word left out
// separates the words around it.
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

// termWords returns a request's tokens as written (of its first maxTermBytes,
// hyphenated words whole: "single sign-on" stands for SSO) and, in their places,
// its content words in lower case ("" where a token is none: see contentWords).
func termWords(s string, also map[string]bool) (tokens, words []string) {
	tokens = tokensOf(s, false, nil)
	return tokens, contentWords(tokens, also, nil)
}

// termStat is how many messages have a term, and how many people wrote them
// (up to two: enough to tell).
type termStat struct {
	n, last int // messages, and the last counted (its index + 1)
	who     int32
	people  int
}

// add counts message i, by who, once.
func (s *termStat) add(i int, who int32) {
	if s.last == i+1 {
		return
	}
	s.last = i + 1
	s.n++
	switch {
	case s.people == 0:
		s.who, s.people = who, 1
	case s.people == 1 && who != s.who:
		s.people = 2
	}
}

// lexicon numbers the words Emerging reads, and their stems. A term is a word or a
// pair of adjacent words, as a uint64: the first word's id in its high half, the
// second's (noWord for none) in its low half.
type lexicon struct {
	ids    map[string]int32
	words  []string
	stemOf []int32 // by word id; -1 until asked for
	stems  map[string]int32
	tokens []string // (reused)
	lower  []string // (reused)
}

const noWord = math.MaxUint32

func newLexicon() *lexicon { return &lexicon{ids: map[string]int32{}, stems: map[string]int32{}} }

// appendWords appends to dst the ids of the content words of a message (hyphenated
// words split into their parts: "dark-mode" is "dark mode"), -1 where a token is
// none.
func (l *lexicon) appendWords(dst []int32, s string) []int32 {
	l.tokens = tokensOf(s, true, l.tokens)
	l.lower = contentWords(l.tokens, nil, l.lower)
	for _, w := range l.lower {
		if w == "" {
			dst = append(dst, -1)
			continue
		}
		id, ok := l.ids[w]
		if !ok {
			id = int32(len(l.words))
			w = strings.Clone(w) // (not the message's memory)
			l.ids[w], l.words, l.stemOf = id, append(l.words, w), append(l.stemOf, -1)
		}
		dst = append(dst, id)
	}
	return dst
}

// eachTerm calls fn with each term of words (ids, -1 between words), in order,
// a term as often as it is written.
func eachTerm(words []int32, fn func(uint64)) {
	for i, w := range words {
		if w < 0 {
			continue
		}
		fn(uint64(w)<<32 | noWord)
		if i+1 < len(words) && words[i+1] >= 0 {
			fn(uint64(w)<<32 | uint64(words[i+1]))
		}
	}
}

func isPair(t uint64) bool { return t&noWord != noWord }

// term is a term in words ("dark mode").
func (l *lexicon) term(t uint64) string {
	a := l.words[t>>32]
	if !isPair(t) {
		return a
	}
	return a + " " + l.words[t&noWord]
}

// stemKey is a term with each of its words stemmed (Porter2, as themes match;
// each word once), in a stem's id in place of each word's.
func (l *lexicon) stemKey(t uint64) uint64 {
	k := uint64(l.stem(int32(t>>32))) << 32
	if !isPair(t) {
		return k | noWord
	}
	return k | uint64(l.stem(int32(t&noWord)))
}

func (l *lexicon) stem(w int32) int32 {
	if s := l.stemOf[w]; s >= 0 {
		return s
	}
	st := themes.Stem(l.words[w])
	s, ok := l.stems[st]
	if !ok {
		s = int32(len(l.stems))
		l.stems[st] = s
	}
	l.stemOf[w] = s
	return s
}

// bestKMeans clusters points (each weight[i] messages) into k groups by k-means
// from starts seeds, and keeps the clustering of least within-cluster cost (the
// weighted sum of squared distances to the centres), the first seed's among
// equals: from one start, a phrase of one topic could sit in a cluster of
// another's.
func bestKMeans(pts [][]float64, weight []float64, k int) []int {
	var best []int
	bestCost := math.Inf(1)
	for s := range starts {
		labels, cost := kmeans(pts, weight, k, uint64(7+s))
		if cost < bestCost {
			best, bestCost = labels, cost
		}
	}
	return best
}

// idf is a candidate's inverse document frequency over the period and the history
// (n messages in all): its period count dfP, and its history count by stem dfH, as
// the lift reads it (the history was looked up by the raw term, which missed every
// history message of another form: "exports" against "export", a review found).
func idf(n float64, dfP, dfH int) float64 {
	return math.Log((n + 1) / (float64(dfP+dfH) + 1))
}

// stemmer stems words (Porter2, as themes match), each word once a call: a history
// repeats its words.
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
