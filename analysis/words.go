package analysis

import (
	"hash/maphash"
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

	// idx is an open-addressed index of ents, at most half full: each slot a
	// token's hash and length with its entry (slot.meta), and its bytes for a token
	// of up to eight (slot.k8), so that the usual lookup reads one slot, where a
	// map[string]int32 read its group and then the key's bytes, elsewhere (12% of
	// a chat message's analysis).
	idx   []slot
	seed  maphash.Seed
	ents  []wordEntry
	rows  []float32 // each entry's row sum, width floats an entry (none without a layer)
	bytes int       // the entries' strings, counted as if none shared memory

	pairs   []int32 // wordSums23's offsets of a message's stem-pair rows
	touched float32 // wordSums23's early reads of the rows, kept so they are not left out
}

// slot is an entry of wordCache.idx: meta holds the top 24 bits of the token's
// hash, its length (up to 255) and 1 + its entry (0: empty); k8 is key8(token).
type slot struct{ meta, k8 uint64 }

func slotMeta(h uint64, n int) uint64 { return h>>40<<40 | uint64(min(n, 255))<<32 }

// key8 packs a token's bytes into eight: all of them for one of eight or fewer
// (with its length, they tell it from any other), the first eight of a longer one.
func key8(s string) uint64 {
	switch n := len(s); {
	case n >= 8:
		return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	case n >= 4:
		// the first four and the last four, which overlap below eight
		return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[n-4])<<32 | uint64(s[n-3])<<40 | uint64(s[n-2])<<48 | uint64(s[n-1])<<56
	case n > 0:
		return uint64(s[0]) | uint64(s[n>>1])<<8 | uint64(s[n-1])<<16
	}
	return 0
}

type wordEntry struct {
	key       string // the token as written
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
		c.idx = make([]slot, 2048)
		c.seed = maphash.MakeSeed()
	}
	clear(c.idx)
	c.ents, c.rows, c.bytes = c.ents[:0], c.rows[:0], 0
}

// lookup returns the index of tok's entry, made on first sight.
func (c *wordCache) lookup(tok string) int32 {
	h := maphash.String(c.seed, tok)
	meta, k := slotMeta(h, len(tok)), key8(tok)
	mask := uint64(len(c.idx) - 1)
	for j := h & mask; ; j = (j + 1) & mask {
		sl := &c.idx[j]
		if sl.meta == 0 {
			break
		}
		if sl.meta>>32 == meta>>32 && sl.k8 == k {
			i := int32(uint32(sl.meta)) - 1
			if len(tok) <= 8 || c.ents[i].key == tok {
				return i
			}
		}
	}
	tok = strings.Clone(tok) // tokens point into the message
	low := text.Lower(tok)
	stem := themes.Stem(low)
	i := int32(len(c.ents))
	c.ents = append(c.ents, wordEntry{key: tok, low: low, stem: stem, ref: c.themes.Ref(stem), info: c.sent.TokenInfo(tok), h: hashString(offset32, stem), cls: ruleClass(low)})
	if c.comb != nil {
		n, w := len(c.rows), c.comb.both.Width()
		c.rows = slices.Grow(c.rows, w)[:n+w]
		clear(c.rows[n:])
		c.comb.wordRow(c.rows[n:], low, stem)
	}
	if 2*len(c.ents) > len(c.idx) {
		c.idx = make([]slot, 2*len(c.idx))
		for e := range c.ents[:i] {
			c.place(c.ents[e].key, int32(e))
		}
	}
	c.place(tok, i)
	c.bytes += len(tok) + len(low) + len(stem)
	return i
}

// place indexes entry i under its token.
func (c *wordCache) place(tok string, i int32) {
	h := maphash.String(c.seed, tok)
	mask := uint64(len(c.idx) - 1)
	j := h & mask
	for c.idx[j].meta != 0 {
		j = (j + 1) & mask
	}
	c.idx[j] = slot{meta: slotMeta(h, len(tok)) | uint64(uint32(i+1)), k8: key8(tok)}
}
