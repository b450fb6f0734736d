package emerging

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/feedbackbot/feedbackbot/analysis/text"
)

// maxTermBytes bounds the text of one message that is read for its terms, as
// maxAskBytes bounds a request's: a message says what it is about early, and a
// pasted log or document of 40 KB cost its whole length in time and memory (100
// of them allocated 220 MiB: a review's find).
const maxTermBytes = maxAskBytes

// head is s cut to at most n bytes: at a character's start, and back to the white
// space before a word the cut would split, if there is one within 64 bytes.
func head(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	if s[i] == ' ' || s[i] == '\t' || s[i] == '\n' {
		return s[:i] // (a cut after a whole word: it is kept)
	}
	if j := strings.LastIndexAny(s[:i], " \t\n"); j > 0 && j >= i-64 {
		i = j
	}
	return s[:i]
}

// tokensOf returns the tokens of a message's first maxTermBytes, with each
// :shortcode: emoji a token that is no word (see dropShortcodes) and, with
// split, each token of parts joined by hyphens or underscores split into them
// ("dark-mode" is "dark" and "mode", as "dark mode" is). dst is reused.
func tokensOf(s string, split bool, dst []string) []string {
	dst = text.Tokens(dropShortcodes(text.Clean(head(s, maxTermBytes))), dst[:0])
	if !split {
		return dst
	}
	for i := 0; i < len(dst); i++ {
		t := dst[i]
		if !strings.ContainsAny(t, "-_") {
			continue
		}
		parts := strings.FieldsFunc(t, func(r rune) bool { return r == '-' || r == '_' })
		if len(parts) == 0 {
			continue // no word: left as it is, as any other
		}
		dst = append(dst[:i], append(parts, dst[i+1:]...)...)
		i += len(parts) - 1
	}
	return dst
}

// shortcodeMark stands where a :shortcode: was: a token that is no word, so that,
// as an emoji text.Clean knows, it separates the words around it.
const shortcodeMark = " \uFFFC "

// dropShortcodes replaces each :shortcode: emoji left in cleaned text by
// shortcodeMark. text.Clean turns the shortcodes it knows into emoji; any other
// (a workspace's own, such as :partyparrot:, or a standard one it lacks, such as
// :pensive:) kept its colons, which Tokens strips, and became a word and then an
// emerging "theme" (a review's find). A shortcode is ASCII letters, digits, '_',
// '+' and '-' between two colons, not joined to a word or number on either side
// ("10:30:45" and "error:timeout:retry" are none; ":+1::skin-tone-2:" is two).
func dropShortcodes(s string) string {
	i := strings.IndexByte(s, ':')
	if i < 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for i < len(s) {
		if s[i] != ':' {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && j-i <= 64 && isCodeByte(s[j]) {
			j++
		}
		if j > i+1 && j < len(s) && s[j] == ':' && !wordBefore(s, i) && !wordAt(s, j+1) {
			if b.Len() == 0 {
				b.Grow(len(s))
			}
			b.WriteString(s[last:i])
			b.WriteString(shortcodeMark)
			i = j + 1
			last = i
			continue
		}
		i++
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isCodeByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '+' || c == '-'
}

// wordBefore says whether a letter or digit ends s[:i].
func wordBefore(s string, i int) bool {
	r, n := utf8.DecodeLastRuneInString(s[:i])
	return n > 0 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// wordAt says whether a letter or digit begins s[i:].
func wordAt(s string, i int) bool {
	r, n := utf8.DecodeRuneInString(s[i:])
	return n > 0 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// contentWords puts in words, in the places of tokens, the content words among
// them in lower case ("" where a token is none: shorter than three bytes, a
// function word of the message's language or of English (see functionWord),
// one of also, or not a word). words is reused.
func contentWords(tokens []string, also map[string]bool, words []string) []string {
	words = words[:0]
	var hits [8]int // function words of each language
	for _, t := range tokens {
		w := text.Lower(t)
		if strings.ContainsRune(w, '’') {
			w = strings.ReplaceAll(w, "’", "'") // "that’s" is "that's"
		}
		words = append(words, w)
		if len(w) > 12 {
			continue // (no function word is as long)
		}
		bits := functionWords[w]
		switch {
		case bits&(langEnglish|stopBit) != 0:
			hits[0]++ // (English's: "for", "with", "please")
		case !alsoEnglish[w]:
			for b := 0; bits != 0; b, bits = b+1, bits>>1 {
				hits[b] += int(bits & 1)
			}
		}
	}
	lang := language(hits)
	for i, w := range words {
		if len(w) < 3 || !isWord(w) || functionWord(w, lang) || also[w] {
			words[i] = ""
		}
	}
	return words
}

func isWord(w string) bool {
	for _, r := range w {
		if !unicode.IsLetter(r) && r != '-' && r != '\'' {
			return false
		}
	}
	return true
}

// functionWord says whether w (lower case) says nothing of what a message is
// about: an English stopword; an English contraction of one ("that's", "let's",
// "i'll", "we'd") or a negated auxiliary ("isn't", "shouldn't"), by their form,
// so none has to be listed; or, in a message of another language (lang, one
// language's bit), a function word of that language ("und", "der", "nicht" of
// a German message were emerging themes beside an English history, in which
// they are rare; in an English message "die" and "son" are words).
func functionWord(w string, lang uint8) bool {
	bits := functionWords[w]
	if bits&stopBit != 0 || lang != langEnglish && bits&lang != 0 {
		return true
	}
	if i := strings.IndexByte(w, '\''); i >= 0 {
		base, suffix := w[:i], w[i+1:]
		return suffix == "t" && strings.HasSuffix(base, "n") || // n't
			len(base) < 3 || functionWords[base]&stopBit != 0
	}
	return false
}

// The bits of functionWords: each language's (text.LangEnglish ...), and stopBit,
// English's stopwords.
const (
	langEnglish = text.LangEnglish
	stopBit     = text.LangItalian << 1
)

// functionWords maps the commonest function words of each language to the
// languages (bits) they are one of, what tells a message's language
// (language), and English's stopwords (stopBit), which are no terms in any
// message.
var functionWords = map[string]uint8{}

// language is the language of a message whose tokens hold hits function words
// of each language (by bit; English's stopwords are English's too, and a word
// that is also an English word, one of alsoEnglish, is no other language's):
// the one of the most, at least minForeign and at least foreignMargin more than
// English's; English when none has. "the van door sensor" was Dutch (van, door:
// two, the: one), "Maria de la Cruz ... Plus plan" French and "die casting die"
// German, and their words were dropped (a review's find).
func language(hits [8]int) uint8 {
	best := 0 // English
	for b := 1; b < 7; b++ {
		if hits[b] >= minForeign && hits[b] >= hits[0]+foreignMargin && (best == 0 || hits[b] > hits[best]) {
			best = b
		}
	}
	return 1 << best
}

const (
	minForeign    = 2 // function words of another language a message needs to be of it
	foreignMargin = 2 // ... more than it has of English's
)

// alsoEnglish lists the function words of the other languages that are English
// words too (besides English's own function words and stopwords, which are
// none of theirs either): they tell no language. In a message of their language
// they are still its function words.
var alsoEnglish = map[string]bool{}

func init() {
	for _, w := range strings.Fields(text.EnglishStopwords) {
		functionWords[w] |= stopBit
	}
	for lang, ws := range text.FunctionWords {
		for _, w := range strings.Fields(ws) {
			functionWords[w] |= lang
		}
	}
	for _, w := range strings.Fields(text.AlsoEnglish) {
		alsoEnglish[w] = true
	}
}
