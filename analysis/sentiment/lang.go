package sentiment

import (
	"strings"

	"github.com/feedbackbot/feedbackbot/analysis/text"
)

// A message in another language is scored by the English words it shares
// spelling with: the German article "die" (VADER -2.9), Spanish and Portuguese
// "no" (-1.2), German "war" (was, -2.9), Spanish "sin" (without, -2.6) made
// "die Lösung hat geklappt, vielen Dank" and "no te preocupes, ya funciona"
// complaints. The engine guesses a message's language from its function words,
// as analysis/emerging does for its terms (both from text.FunctionWords), and
// from a few courtesy words and letters English does not use; in a message of another language the English lexicon's valence of
// that language's own words is not counted.
//
// The limit: only the function and courtesy words of six languages are muted
// (German, French, Spanish, Portuguese, Dutch, Italian); any other word of the
// message that is an English lexicon word still counts ("super", "problem",
// "perfekt" does not), as do emoji and emoticons. A message with too few
// function words to tell (two, and two more than it has of English's) reads as
// English, as does a mixed one; no other language's sentiment is scored.

// Language bits of Info.lang: text's.
const (
	lEn = text.LangEnglish
	lDe = text.LangGerman
	lFr = text.LangFrench
	lEs = text.LangSpanish
	lPt = text.LangPortuguese
	lNl = text.LangDutch
	lIt = text.LangItalian
	// lNoCount: the word is English too ("die", "hat", "son"): it tells no
	// language, but in a message of its language it is still that language's.
	lNoCount = text.LangItalian << 1
)

// foreignLangs are the languages other than English.
const foreignLangs = lDe | lFr | lEs | lPt | lNl | lIt

const (
	minForeign    = 2 // words of another language a message needs to be of it
	foreignMargin = 2 // ... more than it has of English's function words
)

// courtesyWords are a few of each language's commonest courtesy and chat words
// ("danke", "gracias", "funciona"), which tell a language as well as its
// function words (text.FunctionWords) in a short message.
var courtesyWords = map[uint8]string{
	lDe: `danke dank vielen bitte hallo servus tschüss leider funktioniert geht klappt geklappt`,
	lFr: `merci bonjour salut marche fonctionne`,
	lEs: `gracias hola favor problema funciona saludos buenas buenos`,
	lPt: `obrigado obrigada olá funciona`,
	lNl: `bedankt dankjewel hoi werkt`,
	lIt: `grazie ciao funziona`,
}

// notEnglishHits are English stopwords this engine does not count as English
// (its list never had them): counting them read mixed messages such as "die
// Integration läuft jetzt stabil really" as English, "die" then scored -2.9 (14
// of 15,135 test messages and variants changed, none of 17,264 labelled ones).
const notEnglishHits = " being had our really "

// alsoEnglishNot is the word of text.AlsoEnglish this engine counts as its
// language's all the same: Spanish "hay" (there is), seldom the English word in
// chat.
const alsoEnglishNot = "hay"

// langTable builds each word's language bits: the function words of each
// language (English's stopwords are English's too), the courtesy words, and
// lNoCount on the words of other languages that are English too.
func langTable() map[string]uint8 {
	m := map[string]uint8{}
	add := func(lang uint8, ws string) {
		for _, w := range strings.Fields(ws) {
			m[w] |= lang
		}
	}
	for lang, ws := range text.FunctionWords {
		add(lang, ws)
	}
	for _, w := range strings.Fields(text.EnglishStopwords) {
		if !strings.Contains(notEnglishHits, " "+w+" ") {
			m[w] |= lEn
		}
	}
	for lang, ws := range courtesyWords {
		add(lang, ws)
	}
	for _, w := range strings.Fields(text.AlsoEnglish) {
		if w != alsoEnglishNot {
			m[w] |= lNoCount
		}
	}
	return m
}

// letterLang is the language a word's letters tell, from letters English does
// not use: German umlauts and ß, Spanish ñ and inverted marks, Portuguese
// tildes, French accents (ç is French or Portuguese).
func letterLang(w string) uint8 {
	ascii := true
	for i := 0; i < len(w) && ascii; i++ {
		ascii = w[i] < 0x80
	}
	if ascii {
		return 0
	}
	var l uint8
	for _, r := range w {
		if r < 0x80 {
			continue
		}
		switch r {
		case 'ä', 'ö', 'ü', 'ß':
			l |= lDe
		case 'ñ', '¿', '¡':
			l |= lEs
		case 'ã', 'õ':
			l |= lPt
		case 'ç':
			l |= lFr | lPt
		case 'è', 'ê', 'ë', 'â', 'î', 'ô', 'û', 'œ':
			l |= lFr
		}
	}
	return l
}

// messageLang is the language of a message whose tokens have infos: English
// (lEn) unless another language has at least minForeign words and foreignMargin
// more than English's function words. A word of English counts for English
// alone, one that is English too (lNoCount) for none.
func messageLang(infos []Info) uint8 {
	var hits [7]int
	for _, wi := range infos {
		switch l := wi.lang; {
		case l == 0:
		case l&lEn != 0:
			hits[0]++
		case l&lNoCount != 0:
		default:
			for b := 1; b < 7; b++ {
				if l&(1<<b) != 0 {
					hits[b]++
				}
			}
		}
	}
	best := 0
	for b := 1; b < 7; b++ {
		if hits[b] >= minForeign && hits[b] >= hits[0]+foreignMargin && (best == 0 || hits[b] > hits[best]) {
			best = b
		}
	}
	return 1 << best
}
