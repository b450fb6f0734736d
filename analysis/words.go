package analysis

import (
	"slices"
	"strings"

	"github.com/feedbackbot/feedbackbot/analysis/sentiment"
	"github.com/feedbackbot/feedbackbot/analysis/text"
	"github.com/feedbackbot/feedbackbot/analysis/themes"
)

// wordCache memoises, for one goroutine, everything the analyzer derives from a
// token alone: its lower-case form, its stem and what the taxonomy knows of the
// stem, what the sentiment engine knows of the token, and with a combination layer
// the sum of the weights of the token's own features (its stem and its character
// n-grams) and its stem's hash, for the stem-pair features. A token seen before
// then costs one map lookup where it cost a lower-casing, a lookup in a stem cache
// and one or more in the lexicon, and a hash and a scattered weight row for each of
// its n-grams. Chat vocabulary is small, so most tokens have been seen before.
type wordCache struct {
	// whose engine, taxonomy and layer the entries come from
	sent   *sentiment.Engine
	themes *themes.Matcher
	comb   *combiner

	idx   map[string]int32
	ents  []wordEntry
	rows  []float32 // each entry's row sum, width floats an entry (none without a layer)
	bytes int       // the entries' strings, counted as if none shared memory

	pairs   []int32 // wordSums23's offsets of a message's stem-pair rows
	touched float32 // wordSums23's early reads of the rows, kept so they are not left out
}

type wordEntry struct {
	low, stem string
	ref       themes.StemRef
	info      sentiment.Info
	h         uint32 // hashString(offset32, stem)
	cls       uint16 // ruleClass(low)
}

// maxWordCache and maxWordCacheBytes bound a wordCache so that a stream of junk
// words cannot grow it forever, nor a stream of long ones (a pasted key, a blob of
// base64: a token can be as long as a message) hold much memory: a full cache is
// emptied before the next message. Chat words are short: the 4,200 tweets' 11,571
// distinct tokens take 213 KB, chat_train8's 450 messages' 2,442 take 43 KB.
const (
	maxWordCache      = 20_000
	maxWordCacheBytes = 1 << 20
)

// fit makes c usable by a: entries from another engine or taxonomy, or without
// the rows a's layer needs, are dropped. Entries with rows serve an analyzer
// without a layer (RulesOnly, which shares its scratch space with its source).
func (c *wordCache) fit(a *Analyzer) {
	if c.idx != nil && c.sent == a.sent && c.themes == a.themes && (a.comb == nil || c.comb == a.comb) &&
		len(c.ents) < maxWordCache && c.bytes < maxWordCacheBytes {
		return
	}
	if c.idx == nil || c.sent != a.sent || c.themes != a.themes || (a.comb != nil && c.comb != a.comb) {
		c.sent, c.themes, c.comb = a.sent, a.themes, a.comb
	}
	if c.idx == nil {
		c.idx = make(map[string]int32, 1024)
	}
	clear(c.idx)
	c.ents, c.rows, c.bytes = c.ents[:0], c.rows[:0], 0
}

// lookup returns the index of tok's entry, made on first sight.
func (c *wordCache) lookup(tok string) int32 {
	if i, ok := c.idx[tok]; ok {
		return i
	}
	tok = strings.Clone(tok) // tokens point into the message
	low := text.Lower(tok)
	stem := themes.Stem(low)
	i := int32(len(c.ents))
	c.ents = append(c.ents, wordEntry{low: low, stem: stem, ref: c.themes.Ref(stem), info: c.sent.TokenInfo(tok), h: hashString(offset32, stem), cls: ruleClass(low)})
	if c.comb != nil {
		n, w := len(c.rows), c.comb.both.Width()
		c.rows = slices.Grow(c.rows, w)[:n+w]
		clear(c.rows[n:])
		c.comb.wordRow(c.rows[n:], low, stem)
	}
	c.idx[tok] = i
	c.bytes += len(tok) + len(low) + len(stem)
	return i
}
