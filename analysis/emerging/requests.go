package emerging

import (
	"cmp"
	"container/heap"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/feedbackbot/feedbackbot/analysis/text"
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

// maxAskBytes bounds the text of one request that is read for its terms: a
// request says what it asks for early, and a message of 35 KB cost grouping
// minutes (a review's find).
const maxAskBytes = 4000

// askTerms returns a request's terms (stem keys) with where each is first
// written (a word's place among the tokens) and the form written there, the
// place just after its first word that asks (cueWords; 0 when none does), and
// its acronyms: words of three to six letters written in capitals ("SSO"; not
// in a message of mostly capitals, which shouts), by their lower case, with
// their keys. A form keeps an acronym's capitals.
func askTerms(s string, st stemmer) (at map[string]int, form map[string]string, cue int, acr map[string]string) {
	if len(s) > maxAskBytes {
		s = strings.ToValidUTF8(s[:maxAskBytes], "")
	}
	tokens, words := termWords(s, askWords)
	cue = slices.IndexFunc(tokens, func(t string) bool { return cueWords[text.Lower(t)] }) + 1
	lettered, upper := 0, 0
	for _, t := range tokens {
		if utf8.RuneCountInString(t) >= 2 && strings.IndexFunc(t, unicode.IsLetter) >= 0 {
			lettered++
			if text.IsUpper(t) {
				upper++
			}
		}
	}
	shown := words
	if upper*2 <= lettered {
		for i, w := range words {
			if n := utf8.RuneCountInString(w); n >= 3 && n <= 6 && text.IsUpper(tokens[i]) && !strings.ContainsAny(w, "-'") {
				if acr == nil {
					shown, acr = slices.Clone(words), map[string]string{}
				}
				shown[i], acr[w] = tokens[i], st.key(w)
			}
		}
	}
	at, form = map[string]int{}, map[string]string{}
	note := func(t, shown string, i int) {
		if key := st.key(t); !hasKey(at, key) {
			at[key], form[key] = i, shown
		}
	}
	for i, w := range words {
		if w == "" {
			continue
		}
		note(w, shown[i], i)
		if i+1 < len(words) && words[i+1] != "" {
			note(w+" "+words[i+1], shown[i]+" "+shown[i+1], i)
		}
	}
	return at, form, cue, acr
}

// expand maps each acronym's key (acr: acronyms by lower case, as askTerms
// returns them) to the key of a phrase it stands for among forms (the requests'
// terms as written): a pair of words, or a word with hyphens, whose parts begin
// with its letters in order, and that is known to stand for it: a request writes
// both ("account-based marketing (ABM)"), or it is one of knownExpansions
// ("single sign-on" for SSO). Initials alone joined SSO to "self-service
// onboarding" and PDF to "pre-defined filters" (a review's find). Among several
// such phrases it is the one written with the acronym in the most requests, then
// of the most requests, then the first by key.
func expand(acr map[string]string, forms []map[string]string) map[string]string {
	if len(acr) == 0 {
		return nil
	}
	type pair = [2]string // [acronym key, phrase key]
	uses, together := map[pair]int{}, map[pair]int{}
	known := map[pair]bool{}
	for _, f := range forms {
		for key, form := range f {
			parts := strings.FieldsFunc(form, func(r rune) bool { return r == ' ' || r == '-' })
			if len(parts) < 2 || len(parts) > 6 {
				continue
			}
			var b strings.Builder
			for _, p := range parts {
				r, _ := utf8.DecodeRuneInString(p)
				b.WriteRune(unicode.ToLower(r))
			}
			a, ok := acr[b.String()]
			if !ok || a == key {
				continue
			}
			k := pair{a, key}
			uses[k]++
			if hasKey(f, a) {
				together[k]++
			}
			if knownExpansions[strings.ToLower(form)] {
				known[k] = true
			}
		}
	}
	out := map[string]string{}
	for _, u := range slices.SortedFunc(maps.Keys(uses), func(x, y pair) int {
		return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(together[y], together[x]), cmp.Compare(uses[y], uses[x]), cmp.Compare(x[1], y[1]))
	}) {
		if !hasKey(out, u[0]) && (together[u] > 0 || known[u]) {
			out[u[0]] = u[1]
		}
	}
	return out
}

// knownExpansions are phrases of two terms' words (a pair, or words joined by
// hyphens) that software customers write for what they also write as an
// acronym, with no request needing to say so.
var knownExpansions = map[string]bool{
	"single sign-on": true, "single-sign-on": true, "multi-factor authentication": true, "comma-separated values": true,
	"tab-separated values": true, "service-level agreement": true, "point-of-sale": true, "single-page application": true,
	"out-of-office": true,
}

// KnownAcronyms are the acronyms of knownExpansions, each with its phrase (the
// first of a phrase's spellings, by knownExpansions' order of keys sorted: "single
// sign-on" for SSO), for callers that match names as request grouping does.
func KnownAcronyms() map[string]string {
	out := map[string]string{}
	for _, phrase := range slices.Sorted(maps.Keys(knownExpansions)) {
		var b strings.Builder
		for _, p := range strings.FieldsFunc(phrase, func(r rune) bool { return r == ' ' || r == '-' }) {
			r, _ := utf8.DecodeRuneInString(p)
			b.WriteRune(unicode.ToLower(r))
		}
		if _, ok := out[b.String()]; !ok {
			out[b.String()] = phrase
		}
	}
	return out
}

// alias gives a request's acronyms (their keys in at and form) the keys of the
// phrases they stand for (expand), at the place first written either way.
func alias(at map[string]int, form map[string]string, to map[string]string) {
	for a, p := range to {
		i, ok := at[a]
		if !ok {
			continue
		}
		if j, had := at[p]; !had || i < j {
			at[p], form[p] = i, form[a]
		}
		delete(at, a)
		delete(form, a)
	}
}

func hasKey[V any](m map[string]V, k string) bool { _, ok := m[k]; return ok }

// Requests groups feature requests by what they ask for and returns up to k,
// those of the most askers (Asked.Account) first. A group is the requests sharing
// a term (a word, or a pair of adjacent words: "dark mode") that at least two of
// them use, chosen greedily by the askers times the term's specificity against bg
// (its inverse document frequency over bg's messages, which should not hold the
// requests, and the requests; pairs count half again, as they say more); a
// request sharing no such term with another is a group of its own, labelled by
// its most specific term (among equals, the first written after the words that
// ask for it: "… are a hit with our execs. Any chance of adding a company logo?"
// is company logo). A request of no content words (after stopwords and askWords)
// is left out; only its first 4,000 bytes are read. bg may be nil. It is pure
// and deterministic; the grouping keeps, for each term, its requests and askers
// not yet grouped, so each round costs a pass over the terms, not the requests.
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
	type term struct {
		docs    []int          // the requests using it
		askers  map[string]int // requests not yet grouped, by asker
		left    int            // requests not yet grouped
		surface map[string]int // its forms as written
		w       float64        // its weight
	}
	terms := map[string]*term{}
	at := make([]map[string]int, len(asked))
	cues := make([]int, len(asked))
	forms := make([]map[string]string, len(asked))
	acr := map[string]string{}
	for i, a := range asked {
		var ac map[string]string
		at[i], forms[i], cues[i], ac = askTerms(a.Text, st)
		maps.Copy(acr, ac)
	}
	to := expand(acr, forms)
	for i, a := range asked {
		alias(at[i], forms[i], to)
		for key, f := range forms[i] {
			t := terms[key]
			if t == nil {
				t = &term{askers: map[string]int{}, surface: map[string]int{}}
				terms[key] = t
			}
			t.docs = append(t.docs, i)
			t.askers[a.Account]++
			t.left++
			t.surface[f]++
		}
	}
	n := float64(bg.n + len(asked))
	for key, t := range terms {
		t.w = math.Max(math.Log((n+1)/(float64(bg.df[key]+len(t.docs))+1)), 1e-9) // (a term in every message still names something)
		if strings.Contains(key, " ") {
			t.w *= 1.5 // (after the floor: "dark mode" in every request still says more than "dark")
		}
	}
	weight := func(key string) float64 { return terms[key].w }
	written := func(key string) string {
		best, bestN := "", 0
		for form, c := range terms[key].surface {
			if c > bestN || (c == bestN && form < best) {
				best, bestN = form, c
			}
		}
		return best
	}
	keysOf := func(i int) []string { return slices.Sorted(maps.Keys(at[i])) }
	covered := make([]bool, len(asked))
	cover := func(i int) {
		covered[i] = true
		for key := range at[i] {
			t := terms[key]
			t.left--
			if t.askers[asked[i].Account]--; t.askers[asked[i].Account] == 0 {
				delete(t.askers, asked[i].Account)
			}
		}
	}
	var out []Request
	// Groups: the best-weighted term shared by two or more requests not yet
	// grouped, until none is left (the most asked come out of the sort, not of
	// the order chosen). A term's score only falls as requests are grouped, so
	// the heap holds scores that may be stale but never low: the top, scored
	// afresh, is the best when it still leads (lazy greedy).
	score := func(key string) float64 { return float64(len(terms[key].askers)) * terms[key].w }
	h := &termHeap{}
	for key, t := range terms {
		if t.left >= 2 {
			h.items = append(h.items, scored{key, score(key)})
		}
	}
	heap.Init(h)
	for h.Len() > 0 {
		top := heap.Pop(h).(scored)
		if terms[top.key].left < 2 {
			continue
		}
		if s := score(top.key); s != top.score {
			heap.Push(h, scored{top.key, s})
			continue
		}
		var members []int
		for _, i := range terms[top.key].docs {
			if !covered[i] {
				members = append(members, i)
			}
		}
		for _, i := range members {
			cover(i)
		}
		out = append(out, group(asked, at, members, top.key, written, weight))
	}
	slices.SortStableFunc(out, byAskers)
	// The rest: each a request of its own, by its most specific term, the first
	// written after the words that ask among equals; in label order after the
	// groups, so only those that are listed are made.
	type single struct {
		i     int
		label string
	}
	var singles []single
	for i := range asked {
		if covered[i] || len(at[i]) == 0 {
			continue
		}
		place := func(key string) int { // after the cue first, then the rest
			if p := at[i][key]; p >= cues[i] {
				return p
			}
			return 1<<30 + at[i][key]
		}
		best, bestW := "", 0.0
		for _, key := range keysOf(i) {
			w := weight(key)
			if w > bestW || (w == bestW && place(key) < place(best)) {
				best, bestW = key, w
			}
		}
		singles = append(singles, single{i, best})
	}
	slices.SortFunc(singles, func(a, b single) int {
		return cmp.Or(cmp.Compare(written(a.label), written(b.label)), cmp.Compare(asked[a.i].Key, asked[b.i].Key))
	})
	for _, sg := range singles[:min(len(singles), k-min(k, len(out)))] {
		out = append(out, group(asked, at, []int{sg.i}, sg.label, written, weight))
	}
	return out[:min(k, len(out))]
}

// scored is a term's key and its score when last computed.
type scored struct {
	key   string
	score float64
}

// termHeap orders terms by score, highest first, then by key.
type termHeap struct{ items []scored }

func (h *termHeap) Len() int { return len(h.items) }
func (h *termHeap) Less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	return a.score > b.score || (a.score == b.score && a.key < b.key)
}
func (h *termHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *termHeap) Push(x any)    { h.items = append(h.items, x.(scored)) }
func (h *termHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// byAskers orders requests by their askers, most first, then requests, then label.
func byAskers(a, b Request) int {
	return cmp.Or(cmp.Compare(len(b.Accounts), len(a.Accounts)), cmp.Compare(len(b.Keys), len(a.Keys)), cmp.Compare(a.Label, b.Label))
}

// group makes a Request of the members (indexes into asked) grouped by label (a
// stem key): up to two more terms at least two of its askers use (one asker's
// "it came soon", twice, says nothing of the feature), the askers, and as its
// quote the member with the most of those terms (the shortest, then the first by
// key, among equals).
func group(asked []Asked, at []map[string]int, members []int, label string, written func(string) string, weight func(string) float64) Request {
	r := Request{Label: written(label)}
	count := map[string]int{} // askers using a term
	seen := map[[2]string]bool{}
	askers := map[string]bool{}
	for _, i := range members {
		askers[asked[i].Account] = true
		r.Keys = append(r.Keys, asked[i].Key)
		for key := range at[i] {
			if k := [2]string{key, asked[i].Account}; !seen[k] {
				seen[k] = true
				count[key]++
			}
		}
	}
	lw := strings.Fields(label)
	inLabel := func(key string) bool {
		return slices.ContainsFunc(strings.Fields(key), func(w string) bool { return slices.Contains(lw, w) })
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
	r.Accounts = slices.Sorted(maps.Keys(askers))
	slices.Sort(r.Keys)
	best, bestHits := -1, -1
	for _, i := range members {
		hits := 0
		for _, key := range append([]string{label}, shared...) {
			if hasKey(at[i], key) {
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
