package emerging

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode"
)

// Asked is a customer's feature request: one message, or the customer messages of
// one thread joined (a "would be great if it came soon" names its feature in the
// question before it), with the account that asked.
type Asked struct {
	Doc
	Account string
}

// Request is one thing customers asked for: its label (the term that groups the
// requests, as customers wrote it), other words its requests share, the accounts
// that asked (sorted), the keys of the requests grouped (Asked.Key) and the one that
// says it best.
type Request struct {
	Label    string   `json:"label"`
	Phrases  []string `json:"phrases,omitempty"`
	Accounts []string `json:"accounts"`
	Keys     []string `json:"keys"`
	Quote    Doc      `json:"quote"`
}

// Background counts, by stem, how many messages of a stream use each term, for
// how specific a request's words are: "dashboard", in every other message, says
// less of what is asked than "dark mode". Add a message at a time; memory grows
// with the vocabulary, not the stream. The zero value is ready to use.
type Background struct {
	n     int
	df    map[string]int
	stems stemmer
}

// Add counts one message's terms, each once.
func (b *Background) Add(text string) {
	if b.df == nil {
		b.df, b.stems = map[string]int{}, stemmer{}
	}
	b.n++
	seen := map[string]bool{}
	for t := range termsExcept(text, nil) {
		if k := b.stems.key(t); !seen[k] {
			seen[k] = true
			b.df[k]++
		}
	}
}

// Messages is how many messages were added.
func (b *Background) Messages() int { return b.n }

// askWords say that something is asked for, not what: left out of request terms,
// with the stopwords.
var askWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`add adding added support supporting supported feature features request requests requested
		ability option options possible possibility love loved wish wishing nice great awesome cool amazing helpful useful handy
		roadmap plan plans planned planning coming soon chance idea ideas suggestion suggest suggestions allow allowed allowing
		enable enabled having there ways much better good maybe perhaps hope hoping eventually someday future currently instead
		anyway kind sort vote upvote votes appreciate appreciated thing think wondering wonder ask asking asked available
		any way time ever yet already someone anyone people users user customers customer`) {
		askWords[w] = true
	}
}

// cueWords begin asking for something: "any chance of adding…", "would love…".
var cueWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`add adding support love wish have need needs want allow ability option chance feature request
		plans roadmap would could can please missing lacks lack`) {
		cueWords[w] = true
	}
}

// askCue is the byte offset in lower (a text in lower case) just past its first
// word that asks (cueWords), or 0.
func askCue(lower string) int {
	start := -1
	for i, r := range lower {
		letter := unicode.IsLetter(r) || r == '\''
		switch {
		case letter && start < 0:
			start = i
		case !letter && start >= 0:
			if cueWords[lower[start:i]] {
				return i
			}
			start = -1
		}
	}
	return 0
}

// Requests groups feature requests by what they ask for and returns up to k,
// those asked by the most accounts first. A group is the requests sharing a term
// (a word, or a pair of adjacent words: "dark mode") that at least two of them use,
// chosen greedily by the accounts asking times the term's specificity against bg
// (its inverse document frequency over bg's messages and the requests; pairs
// count half again, as they say more); a request sharing no such term with another
// is a group of its own, labelled by its most specific term (the first written,
// among equals). A request of no
// content words (after stopwords and askWords) is left out. bg may be nil. It is
// pure and deterministic.
func Requests(asked []Asked, bg *Background, k int) []Request {
	if k <= 0 || len(asked) == 0 {
		return nil
	}
	if bg == nil {
		bg = &Background{}
	}
	st := bg.stems
	if st == nil {
		st = stemmer{}
	}
	keys := make([]map[string]bool, len(asked))
	surface := map[string]map[string]int{} // a stem key's forms as written
	dfA := map[string]int{}
	for i, a := range asked {
		keys[i] = map[string]bool{}
		for t := range termsExcept(a.Text, askWords) {
			key := st.key(t)
			if surface[key] == nil {
				surface[key] = map[string]int{}
			}
			surface[key][t]++
			if !keys[i][key] {
				keys[i][key] = true
				dfA[key]++
			}
		}
	}
	n := float64(bg.n + len(asked))
	weight := func(key string) float64 {
		w := math.Log((n + 1) / (float64(bg.df[key]+dfA[key]) + 1))
		if strings.Contains(key, " ") {
			w *= 1.5
		}
		return math.Max(w, 1e-9) // a term in every message still names something
	}
	written := func(key string) string {
		best, bestN := "", 0
		for form, c := range surface[key] {
			if c > bestN || (c == bestN && form < best) {
				best, bestN = form, c
			}
		}
		return best
	}
	covered := make([]bool, len(asked))
	var out []Request
	// Groups: the best-weighted term shared by two or more requests not yet grouped.
	for len(out) < k {
		type tally struct {
			docs     []int
			accounts map[string]bool
		}
		ts := map[string]*tally{}
		for i := range asked {
			if covered[i] {
				continue
			}
			for key := range keys[i] {
				t := ts[key]
				if t == nil {
					t = &tally{accounts: map[string]bool{}}
					ts[key] = t
				}
				t.docs = append(t.docs, i)
				t.accounts[asked[i].Account] = true
			}
		}
		best, bestScore := "", 0.0
		for key, t := range ts {
			if len(t.docs) < 2 {
				continue
			}
			s := float64(len(t.accounts)) * weight(key)
			if s > bestScore || (s == bestScore && key < best) {
				best, bestScore = key, s
			}
		}
		if best == "" {
			break
		}
		members := ts[best].docs
		for _, i := range members {
			covered[i] = true
		}
		out = append(out, group(asked, keys, members, best, written, weight))
	}
	// The rest: each a request of its own, by its most specific term.
	for i := range asked {
		if covered[i] || len(keys[i]) == 0 {
			continue
		}
		// Among equals, the first written after the words that ask ("… are a hit
		// with our execs. Any chance of adding a company logo?"), else the first.
		lower := strings.ToLower(asked[i].Text)
		cue := askCue(lower)
		at := func(key string) int {
			form := written(key)
			if p := strings.Index(lower[cue:], form); p >= 0 {
				return cue + p
			}
			if p := strings.Index(lower, form); p >= 0 {
				return len(lower) + p
			}
			return 2 * len(lower)
		}
		best, bestW := "", 0.0
		for key := range keys[i] {
			w := weight(key)
			if w > bestW || (w == bestW && cmp.Or(cmp.Compare(at(key), at(best)), cmp.Compare(key, best)) < 0) {
				best, bestW = key, w
			}
		}
		out = append(out, group(asked, keys, []int{i}, best, written, weight))
	}
	slices.SortStableFunc(out, func(a, b Request) int {
		return cmp.Or(cmp.Compare(len(b.Accounts), len(a.Accounts)), cmp.Compare(len(b.Keys), len(a.Keys)), cmp.Compare(a.Label, b.Label))
	})
	return out[:min(k, len(out))]
}

// group makes a Request of the members (indexes into asked) grouped by label (a
// stem key): up to two more terms at least two of its accounts use (one
// account's "it came soon", twice, says nothing of the feature), the accounts, and
// as its quote the member with the most of those terms (the shortest, then the
// first by key, among equals).
func group(asked []Asked, keys []map[string]bool, members []int, label string, written func(string) string, weight func(string) float64) Request {
	r := Request{Label: written(label)}
	count := map[string]int{} // accounts using a term
	seen := map[[2]string]bool{}
	accounts := map[string]bool{}
	for _, i := range members {
		accounts[asked[i].Account] = true
		r.Keys = append(r.Keys, asked[i].Key)
		for key := range keys[i] {
			if k := [2]string{key, asked[i].Account}; !seen[k] {
				seen[k] = true
				count[key]++
			}
		}
	}
	inLabel := func(key string) bool {
		lw := strings.Fields(label)
		for _, w := range strings.Fields(key) {
			if slices.Contains(lw, w) {
				return true
			}
		}
		return false
	}
	var shared []string
	for key, c := range count {
		if c >= 2 && key != label && !inLabel(key) {
			shared = append(shared, key)
		}
	}
	slices.SortFunc(shared, func(a, b string) int {
		return cmp.Or(cmp.Compare(float64(count[b])*weight(b), float64(count[a])*weight(a)), cmp.Compare(a, b))
	})
	shared = dropSubsumed(shared, 2, func(s string) string { return s })
	for _, key := range shared {
		r.Phrases = append(r.Phrases, written(key))
	}
	for a := range accounts {
		r.Accounts = append(r.Accounts, a)
	}
	slices.Sort(r.Accounts)
	slices.Sort(r.Keys)
	best, bestHits := -1, -1
	for _, i := range members {
		hits := 0
		for _, key := range append([]string{label}, shared...) {
			if keys[i][key] {
				hits++
			}
		}
		if best < 0 || hits > bestHits ||
			(hits == bestHits && cmp.Or(cmp.Compare(len(asked[i].Text), len(asked[best].Text)), cmp.Compare(asked[i].Key, asked[best].Key)) < 0) {
			best, bestHits = i, hits
		}
	}
	r.Quote = asked[best].Doc
	return r
}
